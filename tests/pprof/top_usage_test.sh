#!/usr/bin/env bash
# Bad `top` options are usage errors: exit status 2, nothing on stdout, one
# line on stderr that names the flag and says what is wrong (for a pattern,
# PCRE2's message and the offset in the pattern).
#
# Usage: top_usage_test.sh EXE DATADIR
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 EXE DATADIR" >&2
	exit 2
fi
exe=$1
datadir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
profile=$datadir/views.pb.gz

passed=0
failed=0

# refuse WORD... -- OPTION...: `top PROFILE OPTION...` must fail as above
# with every WORD on its stderr line.
refuse() {
	local words=()
	while [ "$1" != -- ]; do
		words+=("$1")
		shift
	done
	shift
	"$exe" top "$profile" "$@" >"$tmp/out" 2>"$tmp/err"
	local status=$? why="" word
	if [ $status -ne 2 ]; then
		why="exit status $status, expected 2"
	elif [ -s "$tmp/out" ]; then
		why="output on stdout"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		why="$(wc -l <"$tmp/err") lines on stderr, expected 1"
	else
		for word in "${words[@]}"; do
			grep -qF -- "$word" "$tmp/err" || why="stderr does not say \"$word\""
		done
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	echo "FAIL: top $*: $why"
	sed 's/^/  stderr: /' "$tmp/err" | head -5
}

refuse --focus "'main.(List'" "missing closing parenthesis" "offset 10" -- --focus 'main.(List'
refuse --ignore "offset 0" -- --ignore '*x'
refuse --hide "offset" -- --hide '[a-'
refuse --show "offset" -- --show 'a{2,1}'
refuse --show-from "offset" -- --show-from '(?<'
refuse --tagfocus "offset" "MIN:MAX" -- --tagfocus 'handler=('
refuse --tagignore "number out of range" -- --tagignore 'bytes=99999999999999999999kb:'
refuse --nodecount "'-1'" -- --nodecount -1
refuse --nodefraction "'x'" -- --nodefraction x
refuse --base --diff-base -- --base "$profile" --diff-base "$profile"
refuse --normalize -- --normalize
refuse --lines --files -- --lines --files

# An empty filter is no filter, as in pprof.
if "$exe" top "$profile" --focus '' >"$tmp/out" 2>"$tmp/err" &&
	"$exe" top "$profile" >"$tmp/plain" && cmp -s "$tmp/out" "$tmp/plain"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL: top --focus '' differs from top"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -eq 13 ]
