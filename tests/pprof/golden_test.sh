#!/usr/bin/env bash
# Compares `e2e-profile top` with the `go tool pprof -top` outputs kept in
# DATADIR (listed in DATADIR/golden.tsv; DATADIR/regen.sh rewrites them).
#
# Usage: golden_test.sh EXE DATADIR
# Each line of golden.tsv is "GOLDEN<TAB>PROFILE<TAB>OPTIONS"; a --base or
# --diff-base FILE in OPTIONS is relative to DATADIR.  Prints a diff for every mismatch and
# "N passed, N failed"; exits 1 when anything failed.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 EXE DATADIR" >&2
	exit 2
fi
exe=$1
datadir=$2
manifest=$datadir/golden.tsv
if [ ! -r "$manifest" ]; then
	echo "golden_test: cannot read $manifest" >&2
	exit 1
fi

# pprof prints times in the local zone; the goldens were made with TZ=UTC.
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
while IFS=$'\t' read -r golden profile options || [ -n "$golden" ]; do
	case $golden in '' | '#'*) continue ;; esac
	args=()
	read -r -a words <<<"${options:-}"
	i=0
	while [ $i -lt ${#words[@]} ]; do
		word=${words[$i]}
		args+=("$word")
		if { [ "$word" = --base ] || [ "$word" = --diff-base ]; } && [ $((i + 1)) -lt ${#words[@]} ]; then
			i=$((i + 1))
			args+=("$datadir/${words[$i]}")
		fi
		i=$((i + 1))
	done
	out=$tmp/out
	err=$tmp/err
	"$exe" top "$datadir/$profile" ${args[@]+"${args[@]}"} >"$out" 2>"$err"
	status=$?
	if [ $status -eq 0 ] && cmp -s "$datadir/$golden" "$out"; then
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	echo "FAIL: $golden: e2e-profile top $profile ${options:-} (exit $status)"
	if [ -s "$err" ]; then
		sed 's/^/  stderr: /' "$err"
	fi
	diff -u --label "$golden (go tool pprof)" --label "e2e-profile top" "$datadir/$golden" "$out" |
		sed 's/^/  /'
done <"$manifest"

echo "$passed passed, $failed failed"
# An emptied or misread golden.tsv must not pass with nothing checked.
[ $((passed + failed)) -ge 68 ] || { echo "only $((passed + failed)) goldens checked, expected at least 68"; exit 1; }
[ $failed -eq 0 ]
