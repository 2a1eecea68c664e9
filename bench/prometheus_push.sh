#!/usr/bin/env bash
# Benchmark of issue 15: pushing a 500-snapshot run with 10 categories to a
# local Prometheus (Debian's prometheus, remote-write receiver on 127.0.0.1)
# with the prometheus reporter (target: under 1 s). The push time is the
# reporter's own measure, from the report document to the server's answer
# (series built, WriteRequest packed, snappy, POST); the wall time of
# `analyze` with and without the reporter is shown beside it.
# usage: bench/prometheus_push.sh [E2E_PROFILE_EXE] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=$(realpath "${1:-$here/../build/e2e-profile}")
runs=${2:-5}
snapshots=500
work=${BENCH_DIR:-/tmp/e2e-profile-bench}/prometheus
mkdir -p "$work"
profile=$work/snapshot.pb.gz
if [ ! -s "$profile" ]; then
	# ~150 KB: the size of the seed's operator-controller snapshots.
	(cd "$here/gen-large-heap" && GOFLAGS=-mod=mod GOPROXY=off go run . -calls 7500 "$profile")
fi
echo "snapshot: $(stat -c %s "$profile") bytes, $snapshots snapshots"

# A run of $snapshots copies, 5 s apart (41 minutes: within the hour a
# Prometheus head takes without an out-of-order window), ending now.
run=$work/out/push
rm -rf "$run"
mkdir -p "$run"
for i in $(seq 0 $((snapshots - 1))); do cp "$profile" "$run/heap$i.pprof"; done
python3 - "$run" "$snapshots" <<'PY'
import json, sys, time
d, n = sys.argv[1], int(sys.argv[2])
step = 5_000_000_000
base = time.time_ns() - n * step
snaps = [{"round": i, "kind": "heap", "time": "", "time_unix_ns": base + i * step,
          "offset_seconds": 5.0 * i, "source": "bench-pod", "ok": True, "index": i,
          "file": f"heap{i}.pprof", "bytes": 0, "duration_ms": 1} for i in range(n)]
json.dump({"schema": "e2e-profile/run", "schema_version": 1, "tool_version": "bench",
           "name": "push", "mode": "collect", "status": "completed",
           "started_unix_ns": base, "ended_unix_ns": base + n * step,
           "settings": {"interval_seconds": 5}, "command": None,
           "counts": {"ok": n, "failed": 0}, "snapshots": snaps, "events": []},
          open(f"{d}/run.json", "w"))
PY

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1m\n' >"$work/prometheus.yml"
rm -rf "$work/tsdb"
prometheus --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$port" \
	--storage.tsdb.path="$work/tsdb" --web.enable-remote-write-receiver >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
trap 'kill $prometheus_pid 2>/dev/null; wait $prometheus_pid 2>/dev/null' EXIT
for _ in $(seq 300); do
	curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break
	sleep 0.1
done

# 10 categories over the generator's functions f00..f47 (and runtime).
categories=
for c in 0 1 2 3 4 5 6 7 8; do
	categories+="[category.c$c]
pattern = main\\.f[0-4]$c
"
done
categories+="[category.runtime]
pattern = ^runtime\\.
"
printf '[run]\nreporters = prometheus\n[reporter.prometheus]\nremote_write_url = http://127.0.0.1:%s/api/v1/write\n%s' \
	"$port" "$categories" >"$work/push.ini"
printf '[run]\nreporters = json\n%s' "$categories" >"$work/json.ini"

pushes=()
with=()
without=()
for i in $(seq "$runs"); do
	start=$(date +%s%N)
	E2E_PROFILE_LABELS=repetition=$i "$exe" -c "$work/push.ini" -o "$work/out" analyze push \
		2>"$work/push.err"
	with+=($((($(date +%s%N) - start) / 1000000)))
	line=$(grep 'pushed' "$work/push.err")
	pushes+=("$(echo "$line" | sed -n 's/.*bytes, \([0-9.]*\) ms).*/\1/p')")
	start=$(date +%s%N)
	"$exe" -c "$work/json.ini" -o "$work/out" analyze push 2>/dev/null
	without+=($((($(date +%s%N) - start) / 1000000)))
done
echo "$line" | sed 's/^e2e-profile: //'
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "push (reporter, document to answer): median $(median "${pushes[@]}") ms of ${pushes[*]}"
echo "analyze with the push: median $(median "${with[@]}") ms; without (json only): median $(median "${without[@]}") ms"
# What arrived: every snapshot of one category.
curl -s "http://127.0.0.1:$port/api/v1/query" \
	--data-urlencode 'query=count_over_time(e2e_profile_category_inuse_bytes{category="c0",repetition="1"}[2h])' |
	python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print("samples stored for one category:", r[0]["value"][1] if r else 0)'
