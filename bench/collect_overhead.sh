#!/usr/bin/env bash
# Benchmark of issue 4: the CLI's own cost during a long collection.
# Collects SNAPSHOTS heap snapshots (default 100) every second from the Go
# target in `grow` mode with the http collector, then reports the CLI's peak
# RSS (VmHWM, target: < 20 MB) and how far each snapshot started from its
# schedule slot (target: within 200 ms).
# usage: bench/collect_overhead.sh [E2E_PROFILE_EXE] [TARGET_BIN] [SNAPSHOTS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "${1:-$here/../build/e2e-profile}")
target=$(realpath "${2:-$here/../build/tests/target/e2e-target}")
snapshots=${3:-100}
work=$(mktemp -d)
trap 'kill $target_pid 2>/dev/null; rm -rf "$work"' EXIT
"$target" -listen 127.0.0.1:0 -mode grow -grow-kib-per-sec 256 -grow-max-mib 64 \
	-exit-after $((snapshots + 60))s >"$work/target.out" 2>&1 &
target_pid=$!
for _ in $(seq 100); do
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/target.out")
	[ -n "$port" ] && break
	sleep 0.05
done
"$exe" -q -o "$work/out" collect overhead --collector http --url "http://127.0.0.1:$port" \
	-i 1 --duration $((snapshots - 1)) &
pid=$!
peak=0
while kill -0 $pid 2>/dev/null; do
	hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
	[ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
	sleep 0.5
done
wait $pid
python3 - "$work/out/overhead/run.json" "$peak" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
snaps = d["snapshots"]
base = snaps[0]["offset_seconds"]
late = [s["offset_seconds"] - base - s["round"] for s in snaps[:-1]]
ok = sum(s["ok"] for s in snaps)
print(f"snapshots: {len(snaps)} ({ok} ok)")
print(f"peak RSS of the CLI (VmHWM): {int(sys.argv[2]) / 1024:.1f} MiB")
print(f"schedule: start offset from slot: max {max(late) * 1000:.1f} ms, "
      f"mean {sum(late) / len(late) * 1000:.1f} ms")
inuse = [s["inuse_bytes"] for s in snaps if s.get("inuse_bytes")]
print(f"target in-use heap: first {inuse[0]} B, last {inuse[-1]} B")
PY
