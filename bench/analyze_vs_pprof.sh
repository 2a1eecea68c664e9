#!/usr/bin/env bash
# Benchmark of issue 5: analyzing a run of 25 heap snapshots of ~150 KB each
# with `e2e-profile analyze` (every analyzer and reporter) against the seed's
# way, one `go tool pprof -top` per file (target: >= 20x faster); then the
# peak RSS of `analyze` on 25, 100 and 500 snapshots, to show memory stays
# bounded as runs grow.
# usage: bench/analyze_vs_pprof.sh [E2E_PROFILE_EXE] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "${1:-$here/../build/e2e-profile}")
runs=${2:-3}
work=${BENCH_DIR:-/tmp/e2e-profile-bench}/analyze
mkdir -p "$work"
profile=$work/snapshot.pb.gz
if [ ! -s "$profile" ]; then
	# ~150 KB: the size of the seed's operator-controller snapshots.
	(cd "$here/gen-large-heap" && GOFLAGS=-mod=mod GOPROXY=off go run . -calls 7500 "$profile")
fi
echo "snapshot: $(stat -c %s "$profile") bytes"

# make_run DIR N: a run directory of N copies with a run.json, as `run`
# writes it.
make_run() {
	local dir=$1 n=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	for i in $(seq 0 $((n - 1))); do cp "$profile" "$dir/heap$i.pprof"; done
	python3 - "$dir" "$n" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
base = 1_790_000_000_000_000_000
snaps = [{"round": i, "kind": "heap", "time": "2026-11-25T00:00:00.000Z",
          "time_unix_ns": base + i * 15_000_000_000, "offset_seconds": 15.0 * i,
          "source": "bench", "ok": True, "index": i, "file": f"heap{i}.pprof",
          "bytes": 0, "duration_ms": 1} for i in range(n)]
json.dump({"schema": "e2e-profile/run", "schema_version": 1, "tool_version": "bench",
           "name": d.rsplit("/", 1)[-1], "mode": "collect", "status": "completed",
           "started_unix_ns": base, "ended_unix_ns": base + n * 15_000_000_000,
           "settings": {"interval_seconds": 15}, "command": None,
           "counts": {"ok": n, "failed": 0}, "snapshots": snaps, "events": []},
          open(f"{d}/run.json", "w"))
PY
}

make_run "$work/runs/r25" 25
cat >"$work/seed-way.sh" <<SEED
#!/usr/bin/env bash
for f in "$work"/runs/r25/heap*.pprof; do go tool pprof -top "\$f" >/dev/null 2>&1; done
SEED
chmod +x "$work/seed-way.sh"
python3 "$here/measure.py" "$runs" "e2e-profile analyze (25)" -- "$exe" -q -o "$work/runs" analyze r25
python3 "$here/measure.py" "$runs" "go tool pprof -top x25" -- "$work/seed-way.sh"
for n in 100 500; do
	make_run "$work/runs/r$n" $n
	python3 "$here/measure.py" 1 "e2e-profile analyze ($n)" -- "$exe" -q -o "$work/runs" analyze r$n
done
