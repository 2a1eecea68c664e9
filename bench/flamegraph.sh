#!/usr/bin/env bash
# Benchmark of issue 14: the flame graph of a large heap profile
# (gen-large-heap -calls 275000: ~275k samples, MemProfileRate=1 style,
# over 100k distinct stacks). Times `analyze` of a one-snapshot run with only
# the flamegraph analyzer and reporter (decode, tree, SVG and folded files)
# against `analyze` with no reporter at all but the tree built (the cost of
# decoding and the tree alone), and reports the SVG's size and frame counts.
# Targets: built in < 1 s, SVG < 2 MB.
# usage: bench/flamegraph.sh [E2E_PROFILE_EXE] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "${1:-$here/../build/e2e-profile}")
runs=${2:-5}
work=${BENCH_DIR:-/tmp/e2e-profile-bench}/flamegraph
mkdir -p "$work"
profile=$work/heap-275k.pb.gz
if [ ! -s "$profile" ]; then
	(cd "$here/gen-large-heap" && GOFLAGS=-mod=mod GOPROXY=off go run . -calls 275000 "$profile")
fi
rm -rf "$work/out" && mkdir -p "$work/out/large"
cp "$profile" "$work/out/large/heap0.pprof"
python3 - "$work/out/large" <<'PY'
import json, sys, time
d = sys.argv[1]
now = time.time_ns()
json.dump({"schema": "e2e-profile/run", "schema_version": 1, "name": "large", "mode": "run",
           "status": "completed", "started_unix_ns": now, "ended_unix_ns": now + 10**9,
           "settings": {"interval_seconds": 15},
           "snapshots": [{"round": 0, "kind": "heap", "time_unix_ns": now, "offset_seconds": 0.0,
                          "source": "bench", "ok": True, "index": 0, "file": "heap0.pprof"}]},
          open(d + "/run.json", "w"))
PY
printf '[run]\nanalyzers = flamegraph\nreporters = flamegraph\n' >"$work/flame.ini"
printf '[run]\nanalyzers = flamegraph\nreporters = json\n' >"$work/tree.ini"
echo "profile: $(stat -c %s "$profile") bytes compressed, $(gzip -dc "$profile" | wc -c) bytes raw"
python3 "$here/measure.py" "$runs" "top (decode + node table)" -- "$exe" top "$profile"
python3 "$here/measure.py" "$runs" "analyze: tree only (json)" -- \
	"$exe" -q -c "$work/tree.ini" -o "$work/out" analyze large
python3 "$here/measure.py" "$runs" "analyze: flame graph svg+folded" -- \
	"$exe" -q -c "$work/flame.ini" -o "$work/out" analyze large
svg=$work/out/large/analysis-flamegraph-heap.svg
echo "svg: $(stat -c %s "$svg") bytes, $(grep -o 'data-frames="[0-9]*"' "$svg"), $(grep -o 'data-merged="[0-9]*"' "$svg")"
echo "folded: $(stat -c %s "${svg%.svg}.folded") bytes, $(wc -l <"${svg%.svg}.folded") stacks"
python3 - "$work/out/large/analysis.json" <<'PY' 2>/dev/null || true
PY
