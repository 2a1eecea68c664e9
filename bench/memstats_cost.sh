#!/usr/bin/env bash
# The cost of the runtime figures ([run] memstats_every): each heap round
# also GETs /debug/pprof/heap?debug=1 for its runtime.MemStats block. Starts
# the Go target in baseline mode with a finer MemProfileRate (heap profiles
# of ~150-200 KB, like analyze_vs_pprof.sh's), then times ROUNDS fetches of
# the binary heap profile and of the text form, and runs `e2e-profile run`
# with memstats_every = 1 and = 0 to show the per-round cost in run.json.
# usage: bench/memstats_cost.sh [E2E_PROFILE_EXE] [TARGET_BIN] [ROUNDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "${1:-$here/../build/e2e-profile}")
target=$(realpath "${2:-$here/../build/tests/target/e2e-target}")
rounds=${3:-30}
work=$(mktemp -d)
target_pid=
trap 'kill $target_pid 2>/dev/null; rm -rf "$work"' EXIT
"$target" -listen 127.0.0.1:0 -mode baseline -memprofilerate 8192 -exit-after 600s \
	>"$work/target.out" 2>&1 &
target_pid=$!
for _ in $(seq 600); do
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/target.out")
	[ -n "$port" ] && break
	sleep 0.05
done
url=http://127.0.0.1:$port
for _ in 1 2 3 4 5; do curl -fsS "$url/work?n=4" >/dev/null; done
python3 - "$url" "$rounds" <<'PY'
import statistics, sys, time, urllib.request
url, rounds = sys.argv[1], int(sys.argv[2])
def fetch(path):
    sizes, times = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        body = urllib.request.urlopen(url + path).read()
        times.append(time.perf_counter() - t)
        sizes.append(len(body))
    return statistics.median(sizes), statistics.median(times) * 1000
for name, path in (("heap profile (protobuf, gzip)", "/debug/pprof/heap"),
                   ("heap?debug=1 (text, MemStats)", "/debug/pprof/heap?debug=1")):
    size, ms = fetch(path)
    print(f"{name:32s} median {size / 1024:8.1f} KiB  {ms:7.2f} ms")
PY
for every in 1 0; do
	printf '[run]\nmemstats_every = %s\n' "$every" >"$work/every.ini"
	"$exe" -q -o "$work/out" -c "$work/every.ini" run "every$every" --collector http \
		--url "$url" -i 1 -- sleep 10 >/dev/null
	python3 - "$work/out/every$every/run.json" "$every" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
heaps = [s for s in d["snapshots"] if s["kind"] == "heap" and s["ok"]]
print(f"run, memstats_every = {sys.argv[2]}: {len(heaps)} heap rounds, median round "
      f"{statistics.median(s['duration_ms'] for s in heaps)} ms, profile "
      f"{statistics.median(s['bytes'] for s in heaps) / 1024:.1f} KiB")
PY
done
