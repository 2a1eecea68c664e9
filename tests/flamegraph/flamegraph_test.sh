#!/usr/bin/env bash
# Flame graphs end to end: `analyze` two real runs (tests/analysis/data) and
# a run of two CPU profiles (tests/pprof/data/cpu.pb.gz twice), `compare`
# them, then check_flamegraph.py parses every SVG as XML and every folded
# file, checking frame values and widths against `go tool pprof`'s totals
# and cum values (data/expected.json, from data/make-expected.sh).
# usage: flamegraph_test.sh E2E_PROFILE_EXE SOURCE_ROOT
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT}")
src=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE SOURCE_ROOT}")
here=$src/tests/flamegraph
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH
cd "$work" || exit 1
out=$work/out
mkdir "$out"
cp -R "$src/tests/analysis/data/baseline" "$src/tests/analysis/data/with-caching" "$out/" || exit 1
# A run whose snapshots are one heap and two CPU profiles.
mkdir "$out/cpu"
cp "$src/tests/analysis/data/baseline/heap0.pprof" "$out/cpu/heap0.pprof"
cp "$src/tests/pprof/data/cpu.pb.gz" "$out/cpu/cpu0.pprof"
cp "$src/tests/pprof/data/cpu.pb.gz" "$out/cpu/cpu1.pprof"
python3 - "$out/baseline/run.json" "$out/cpu/run.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
d["name"] = "cpu"
first = d["snapshots"][0]
snaps = [dict(first)]
for i in (0, 1):
    s = dict(first, kind="cpu", index=i, file="cpu%d.pprof" % i, round=i)
    s.pop("inuse_bytes", None)
    snaps.append(s)
d["snapshots"] = snaps
d["counts"] = {"ok": 3, "failed": 0}
json.dump(d, open(sys.argv[2], "w"))
PY
cp -R "$out/cpu" "$out/cpu2"
sed -i 's/"name": "cpu"/"name": "cpu2"/' "$out/cpu2/run.json"

status=0
for args in "analyze baseline" "analyze with-caching" "analyze cpu" \
	"compare baseline with-caching" "compare cpu cpu2"; do
	# shellcheck disable=SC2086
	if ! "$exe" -q -o "$out" $args >stdout 2>err; then
		echo "FAIL: e2e-profile $args exited $?"
		sed 's/^/  stderr: /' err | head -n 15
		status=1
	fi
done
[ "$status" -eq 0 ] || exit 1
python3 "$here/check_flamegraph.py" "$here/data/expected.json" "$out"
status=$?
[ "$status" -eq 0 ] || exit "$status"

# normalize = true: A is scaled to B's total first, so the colours (shares,
# not amounts) change and the graph says so.
printf '[reporter.flamegraph]\nnormalize = true\n' >normalize.ini
mkdir -p "$work/norm"
cp -R "$out/baseline" "$out/with-caching" "$work/norm/"
if ! "$exe" -q -c normalize.ini -o "$work/norm" compare baseline with-caching >stdout 2>err; then
	echo "FAIL: compare with normalize = true"
	sed 's/^/  stderr: /' err | head -n 15
	exit 1
fi
python3 - "$out/comparisons" "$work/norm/comparisons" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
name = "/baseline-vs-with-caching-flamegraph-heap_diff.svg"
plain, norm = (ET.parse(d + name).getroot() for d in sys.argv[1:3])
texts = [t.text or "" for t in norm.iter(NS + "text")]
fills = lambda root: [r.get("fill") for r in root.iter(NS + "rect")]
failed = 0
if not any(", normalized" in t for t in texts):
    print("FAIL: the normalized graph does not say so"); failed = 1
if fills(plain) == fills(norm):
    print("FAIL: normalizing changed no colour"); failed = 1
print("normalize: 2 checks, %d failed" % failed)
sys.exit(failed)
PY
status=$?
[ "$status" -eq 0 ] || exit "$status"

# The comparison overlays both runs' CPU utilization over time.
series=$(grep -c '<path class="series"' "$out/comparisons/cpu-vs-cpu2-cpu.svg")
if [ "$series" -ne 2 ]; then
	echo "FAIL: cpu-vs-cpu2-cpu.svg has $series lines, want 2 (one per run)"
	exit 1
fi
echo "cpu overlay: 1 check, 0 failed"
