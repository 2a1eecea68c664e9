#!/usr/bin/env bash
# `e2e-profile merge OUT FILES...` and `diff OUT BASE NEW` against pprof:
# each case of DATADIR/merge.tsv (written by DATADIR/regen.sh) holds
# pprof's own -top of the inputs; the profile e2e-profile writes must give
# exactly that table read back by `e2e-profile top`, and, when `go` is on
# PATH, by `go tool pprof -top` itself.
#
# Usage: merge_test.sh EXE DATADIR
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 EXE DATADIR" >&2
	exit 2
fi
exe=$1
datadir=$2
manifest=$datadir/merge.tsv
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_go=0
if command -v go >/dev/null 2>&1 && go tool pprof -h >/dev/null 2>&1; then
	have_go=1
else
	echo "merge_test: no go tool pprof on PATH: checking with e2e-profile top only"
fi

passed=0
failed=0
cases=0
# judge WHAT FILE: FILE must equal the case's golden
judge() {
	if cmp -s "$datadir/$golden" "$2"; then
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	echo "FAIL: $golden: $1"
	diff -u --label "$golden (go tool pprof on the inputs)" --label "$1" "$datadir/$golden" "$2" |
		head -20 | sed 's/^/  /'
}

while IFS=$'\t' read -r golden command files options || [ -n "$golden" ]; do
	case $golden in '' | '#'*) continue ;; esac
	cases=$((cases + 1))
	inputs=()
	for f in $files; do inputs+=("$datadir/$f"); done
	read -r -a opts <<<"${options:-}"
	out=$tmp/out.pb.gz
	rm -f "$out"
	if ! "$exe" "$command" "$out" "${inputs[@]}" 2>"$tmp/err"; then
		failed=$((failed + 1))
		echo "FAIL: $golden: e2e-profile $command $files failed"
		sed 's/^/  stderr: /' "$tmp/err"
		continue
	fi
	"$exe" top "$out" ${opts[@]+"${opts[@]}"} >"$tmp/ours" 2>"$tmp/err"
	judge "e2e-profile top ${options:-} of e2e-profile $command $files" "$tmp/ours"
	if [ $have_go -eq 1 ]; then
		pprof_opts=()
		for o in ${opts[@]+"${opts[@]}"}; do pprof_opts+=("${o#-}"); done
		go tool pprof -symbolize=none -top ${pprof_opts[@]+"${pprof_opts[@]}"} "$out" \
			>"$tmp/theirs" 2>/dev/null
		judge "go tool pprof -top ${options:-} of e2e-profile $command $files" "$tmp/theirs"
	fi
done <"$manifest"

# Profiles pprof cannot merge are refused: exit 1, one line naming the file.
"$exe" merge "$tmp/bad.pb.gz" "$datadir/heap.pb.gz" "$datadir/cpu.pb.gz" >"$tmp/out" 2>"$tmp/err"
status=$?
if [ $status -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF cpu.pb.gz "$tmp/err" &&
	[ ! -e "$tmp/bad.pb.gz" ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL: merge heap cpu: exit $status, want 1 with one line naming cpu.pb.gz"
	sed 's/^/  stderr: /' "$tmp/err"
fi
# Usage errors: exit 2.
for args in "diff $tmp/x.pb.gz $datadir/heap.pb.gz" "merge $tmp/x.pb.gz" "merge --bogus a b"; do
	# shellcheck disable=SC2086
	"$exe" $args >/dev/null 2>&1
	status=$?
	if [ $status -eq 2 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: e2e-profile $args: exit $status, want 2"
	fi
done

echo "$cases cases: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $cases -ge 22 ]
