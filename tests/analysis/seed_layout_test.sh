#!/usr/bin/env bash
# Directories the earlier tools left (numbered snapshots, no run.json) are
# analyzed and compared from the CLI: the two real data runs copied without
# their manifests give the figures `go tool pprof` computes
# (check_analysis.py --no-manifest), the reports say the run was imported,
# per-component subdirectories are read, nothing outside the directory is,
# and a directory with neither run.json nor snapshots is one clear error.
# usage: seed_layout_test.sh E2E_PROFILE_EXE DATADIR
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE DATADIR}")
data=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE DATADIR}")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH
cd "$work" || exit 1
out=$work/out
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s err ] && sed 's/^/  stderr: /' err | head -n 10
}
expect_status() {
	local name=$1 want=$2
	shift 2
	"$exe" -o "$out" "$@" >stdout 2>err
	local got=$?
	[ "$got" -eq "$want" ] && { pass; return 0; }
	fail "$name: exit status $got, want $want"
	return 1
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# The original scripts' layout: heapN.pprof and their logs, no run.json.
for run in baseline with-caching; do
	mkdir -p "$out/$run"
	cp "$data/$run"/heap*.pprof "$data/$run/test.log" "$out/$run/" || exit 1
done
expect_status "analyze baseline (no run.json)" 0 analyze baseline
expect_status "analyze with-caching (no run.json)" 0 analyze with-caching
expect_status "compare baseline with-caching (no run.json)" 0 compare baseline with-caching
python3 "$here/check_analysis.py" --no-manifest "$data/expected.json" "$out" >check.out 2>&1
rc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' check.out
counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' check.out)
if [ -z "$counts" ] || [ "${counts% *}" -lt 900 ]; then
	fail "check_analysis.py --no-manifest ran too few checks (${counts:-none}, rc $rc)"
else
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
fi
[ -e "$out/baseline/run.json" ] && fail "analyze wrote a run.json into an imported directory" || pass
status=$(json "$out/baseline/analysis.json" \
	'[i["value"] for s in d["sections"] for i in s["items"] if i.get("id") == "run.status"][0]')
[ "$status" = imported ] && pass || fail "run.status is '$status', want imported"
grep -q 'Imported: this directory has no run.json. 9 snapshots' "$out/baseline/analysis.md" &&
	pass || fail "analysis.md does not say the run was imported"
grep -q 'baseline: Imported' "$out/comparisons/baseline-vs-with-caching.md" &&
	pass || fail "the comparison does not say baseline was imported"
grep -q '"run.failed"' "$out/baseline/analysis.json" &&
	fail "an imported run claims a count of failed attempts" || pass

# The Go tool's layout with components: NAME/COMPONENT/heapN.pprof. A
# symlink to a profile outside the run is not part of it.
mkdir -p "$out/multi/operator-controller" "$out/multi/catalogd"
cp "$data/baseline"/heap*.pprof "$out/multi/operator-controller/"
cp "$data/with-caching"/heap[0-4].pprof "$out/multi/catalogd/"
ln -s "$data/baseline/heap8.pprof" "$out/multi/catalogd/heap5.pprof"
ln -s "$data/baseline" "$out/multi/linked"
expect_status "analyze multi (components, no run.json)" 0 analyze multi
snapshots=$(json "$out/multi/analysis.json" \
	'[i["value"] for s in d["sections"] for i in s["items"] if i.get("id") == "run.snapshots"][0]')
[ "$snapshots" = 14 ] && pass || fail "multi: $snapshots snapshots, want 14 (9 + 5, no symlinks)"
grep -q '14 snapshots were found by their file names in 2 directories' "$out/multi/analysis.md" &&
	pass || fail "multi: analysis.md does not name the 14 snapshots in 2 directories"

# Neither run.json nor snapshots: one line naming the directory, exit 1.
mkdir -p "$out/empty"
touch "$out/empty/heap.pprof" "$out/empty/notes.txt"
if expect_status "analyze empty" 1 analyze empty; then
	[ "$(wc -l <err)" -eq 1 ] && grep -q "$out/empty: no run.json and no numbered snapshots" err &&
		pass || fail "analyze empty: not one line naming the directory"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
