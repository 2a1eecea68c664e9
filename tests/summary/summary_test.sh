#!/usr/bin/env bash
# The summary that fits in a pull request, from the CLI: analyze and compare
# print it on stdout (not with -q), append it to $GITHUB_STEP_SUMMARY (never
# through a symlink), --summary-only writes nothing else, the markdown opens
# with it and folds the rest into <details>, gates show passed / FAILED,
# all-zero rows are counted instead of shown, heap.diff has flat and cum,
# and comparing a run with itself warns.
# usage: summary_test.sh E2E_PROFILE_EXE SOURCE_ROOT
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT}")
src=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH GITHUB_STEP_SUMMARY
cd "$work" || exit 1
passed=0
failed=0
check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
fresh() {
	rm -rf out && mkdir out
	cp -R "$src/tests/analysis/data/baseline" "$src/tests/analysis/data/with-caching" out/
}
ep() { "$exe" -o out "$@" >stdout 2>stderr; status=$?; }

fresh
ep analyze baseline
check "analyze: exit 0" test "$status" -eq 0
check "analyze: summary on stdout" has stdout "**Run baseline** (completed): peak in-use memory 104.52MB"
check "analyze: summary has the categories" has stdout "| OpenAPI: in use at the peak | 82.69MB |"
check "analyze: summary at most 12 lines" test "$(wc -l <stdout)" -le 12
check "analyze: markdown opens with the summary" \
	test "$(sed -n 3p out/baseline/analysis.md)" = "$(sed -n 1p stdout)"
check "analyze: sections folded" has out/baseline/analysis.md "<details><summary>Peak memory</summary>"
check "analyze: code spans kept" has out/baseline/analysis.md '(as `go tool pprof -focus` selects samples)'

check "analyze: category figures once, in their table" \
	test "$(grep -c '^| OpenAPI: in use at the peak' out/baseline/analysis.md)" -eq 1
check "analyze: the category table" has out/baseline/analysis.md "| OpenAPI | openapi | 82.69MB | 79.12% | 73.67MB |"
ep -q analyze baseline
check "analyze -q: nothing on stdout" test ! -s stdout

GITHUB_STEP_SUMMARY=$work/step.md ep -q compare baseline with-caching --fail-on 'peak>+10%,category.informers>+5%'
check "compare --fail-on: exit 3" test "$status" -eq 3
check "compare -q: nothing on stdout" test ! -s stdout
check "step summary: heading" has step.md "### e2e-profile: baseline vs with-caching"
check "step summary: verdict" has step.md "**Verdict: regression** — 1 of 2 gate(s) FAILED"
check "step summary: passed gate" has step.md '- ✅ passed `peak>+10%`: peak 104.52MB -> 31.08MB (-73.44MB, -70.3%), within the limit'
check "step summary: FAILED gate" has step.md '- ❌ **FAILED** `category.informers>+5%`: category.informers 19.28MB -> 22.03MB (+2.76MB, +14.3%), beyond the limit'
md=out/comparisons/baseline-vs-with-caching.md
opening=$(awk '/^Comparison of run/ { exit } NF { n++ } END { print n }' "$md")
check "compare: markdown opens with at most 12 lines of text, got $opening" test "$opening" -le 12
check "compare: peak row" has "$md" "| Peak in-use memory | 104.52MB | 31.08MB | -73.44MB (-70.3%) |"
check "compare: gates not twice" test "$(grep -c 'category.informers>+5%' "$md")" -eq 1
check "compare: no all-zero comparison" lacks "$md" "| 0 | 0 | 0 (n/a) |"
check "compare: hidden figures counted" has "$md" "figure(s) that are 0 in both runs are not shown."
check "compare: heap.diff flat and cum" has "$md" "| function | A flat | B flat | flat delta | A cum | B cum | cum delta |"
check "compare: the caller whose cum fell" has "$md" "| encoding/json.Unmarshal | 0 | 0 | 0 | 76.56MB | 6MB | -70.56MB |"
check "compare: no all-zero diff row" test "$(grep -cE '^\| [^|]+ \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \|$' "$md")" -eq 0

GITHUB_STEP_SUMMARY=$work/step.md ep compare baseline with-caching
check "compare: exit 0" test "$status" -eq 0
check "compare: summary on stdout" has stdout "**Verdict: less memory** — peak in-use memory -70.3%"
check "step summary: appended, not replaced" test "$(grep -c '^### e2e-profile:' step.md)" -eq 2

ln -s "$work/elsewhere" link.md
GITHUB_STEP_SUMMARY=$work/link.md ep -q compare baseline with-caching
check "step summary symlink: warned" has stderr "cannot append the summary to $work/link.md"
check "step summary symlink: not followed" test ! -e "$work/elsewhere"
check "step summary symlink: compare still succeeds" test "$status" -eq 0

fresh
ep analyze baseline --summary-only
check "--summary-only: exit 0" test "$status" -eq 0
check "--summary-only: summary printed" has stdout "**Run baseline**"
check "--summary-only: no report written" test -z "$(ls out/baseline | grep '^analysis')"
ep -q compare baseline with-caching --summary-only
check "--summary-only -q: still printed" has stdout "**Verdict:"
check "--summary-only: no comparison written" test ! -e out/comparisons/baseline-vs-with-caching.md

ep compare baseline baseline
check "self-compare: warns" has stderr "warning: comparing run baseline with itself"
check "self-compare: still exit 0" test "$status" -eq 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -ge 30 ]
