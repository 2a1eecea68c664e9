#!/usr/bin/env bash
# Every file that is no valid profile (DATADIR/bad: not profiles at all;
# DATADIR/invalid: profiles Go's reader rejects), and a gzip bomb made here,
# must make `EXE top FILE` fail cleanly: exit status 1, nothing on stdout,
# exactly one line on stderr that names the file.
#
# Usage: bad_input_test.sh EXE DATADIR
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 EXE DATADIR" >&2
	exit 2
fi
exe=$1
datadir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

# check FILE [WORD]: runs the command and judges its output.
check() {
	local file=$1 word=${2:-}
	"$exe" top "$file" >"$tmp/out" 2>"$tmp/err"
	local status=$? why=""
	local lines
	lines=$(wc -l <"$tmp/err")
	if [ $status -ne 1 ]; then
		why="exit status $status, expected 1"
	elif [ -s "$tmp/out" ]; then
		why="output on stdout"
	elif [ "$lines" -ne 1 ]; then
		why="$lines lines on stderr, expected 1"
	elif ! grep -qF -- "$file" "$tmp/err"; then
		why="stderr does not name the file"
	elif [ -n "$word" ] && ! grep -qF -- "$word" "$tmp/err"; then
		why="stderr does not say \"$word\""
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	echo "FAIL: $file: $why"
	sed 's/^/  stderr: /' "$tmp/err" | head -5
	sed 's/^/  stdout: /' "$tmp/out" | head -5
}

for file in "$datadir"/bad/* "$datadir"/invalid/*; do
	case ${file##*/} in README*) continue ;; esac
	[ -f "$file" ] || continue
	check "$file"
done

# A gzip bomb: 1100 MiB of zeros, just past the default 1 GiB limit.
bomb=$tmp/bomb.pb.gz
generator=$datadir/../gen/gzipbomb.py
if command -v python3 >/dev/null 2>&1 && [ -f "$generator" ]; then
	python3 "$generator" "$bomb" 1100
else
	head -c $((1100 << 20)) /dev/zero | gzip -1 >"$bomb"
fi
check "$bomb" "exceeds the 1 GiB limit"

echo "$passed passed, $failed failed"
[ $((passed + failed)) -ge 30 ] || { echo "only $((passed + failed)) bad inputs checked, expected at least 30"; exit 1; }
[ $failed -eq 0 ]
