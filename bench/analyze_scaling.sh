#!/usr/bin/env bash
# How `analyze` scales with the number of snapshots: runs of 25, 200 and
# 1000 heap snapshots of ~190 KB (MemProfileRate=1 style, ~5,000 stacks,
# made by gen-large-heap), each analyzed with the default settings (every
# analyzer and reporter), against two yardsticks: `gzip -dc` of the same
# files (the floor: every byte must be inflated once) and, for 25
# snapshots, one `go tool pprof -top` per file (the seed's way).
# Targets: analyze(200) <= 2.5x gunzip(200) with peak RSS <= 64 MB;
# analyze(25) >= 60x faster than pprof x25; peak RSS flat from 25 to 1000.
# usage: bench/analyze_scaling.sh [E2E_PROFILE_EXE] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "${1:-$here/../build/e2e-profile}")
runs=${2:-3}
work=${BENCH_DIR:-/tmp/e2e-profile-bench}/scaling
mkdir -p "$work"
profile=$work/snapshot.pb.gz
if [ ! -s "$profile" ]; then
	(cd "$here/gen-large-heap" && GOFLAGS=-mod=mod GOPROXY=off go run . -calls 9500 "$profile")
fi
echo "snapshot: $(stat -c %s "$profile") bytes, $(gzip -dc "$profile" | wc -c) bytes raw"

# make_run DIR N: N copies of the snapshot with a run.json as `run` writes it.
make_run() {
	local dir=$1 n=$2
	[ -s "$dir/run.json" ] && [ -e "$dir/heap$((n - 1)).pprof" ] && return 0
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

for n in 25 200 1000; do
	make_run "$work/runs/r$n" "$n"
	cat >"$work/gunzip$n.sh" <<EOF
#!/usr/bin/env bash
cat "$work"/runs/r$n/heap*.pprof | gzip -dc >/dev/null
EOF
	chmod +x "$work/gunzip$n.sh"
done
cat >"$work/pprof25.sh" <<EOF
#!/usr/bin/env bash
for f in "$work"/runs/r25/heap*.pprof; do go tool pprof -top "\$f" >/dev/null 2>&1; done
EOF
chmod +x "$work/pprof25.sh"

python3 "$here/measure.py" "$runs" "gzip -dc (200)" -- "$work/gunzip200.sh"
python3 "$here/measure.py" "$runs" "e2e-profile analyze (200)" -- "$exe" -q -o "$work/runs" analyze r200
python3 "$here/measure.py" "$runs" "e2e-profile analyze (25)" -- "$exe" -q -o "$work/runs" analyze r25
python3 "$here/measure.py" 1 "go tool pprof -top x25" -- "$work/pprof25.sh"
python3 "$here/measure.py" 1 "e2e-profile analyze (1000)" -- "$exe" -q -o "$work/runs" analyze r1000
