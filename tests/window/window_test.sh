#!/usr/bin/env bash
# The window is the test, on a real run of the Go target: run.json records
# when the test started and ended; the final heap snapshot is taken as the
# test ends even while a CPU profile is in flight, and that profile is
# discarded and recorded so; the analysis counts the window's snapshots
# and its chart marks the test's start, end and the peak.
# Then a small goroutine leak (one goroutine a second, 8 over 8 s) is
# flagged and fires the goroutine-leak recommendation; --profiles
# goroutineleak is recorded once as not offered by Go 1.19 (404), and
# reported when offered (the target's stand-in).
# usage: window_test.sh E2E_PROFILE_EXE TARGET_BIN
set -u
exe=$(realpath "$1")
target_bin=$(realpath "$2")
work=$(mktemp -d)
target_pid=
cleanup() {
	[ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH
cd "$work" || exit 1

start_target() { # ARGS...
	"$target_bin" -listen 127.0.0.1:0 -exit-after 120s "$@" >target.out 2>&1 &
	target_pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' target.out)
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "target did not start: $(cat target.out)"
	exit 1
}
stop_target() { # SIGTERM; SIGKILL when a busy machine keeps it past 10 s
	kill "$target_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$target_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$target_pid" 2>/dev/null
	wait "$target_pid" 2>/dev/null
	target_pid=
}
start_target -mode cached

# A 2 s test while 6 s CPU profiles run: the one started at round 0 is
# still running when the test ends.
if ! "$exe" -o out run win --collector http --url "http://127.0.0.1:$port" -i 1 \
	--profiles heap,cpu,goroutineleak --cpu-duration 6 -- sleep 2 >stdout 2>err; then
	echo "FAIL: run exited $?"
	sed 's/^/  stderr: /' err | tail -n 15
	exit 1
fi
python3 - out/win <<'PY'
import json, os, sys
d = sys.argv[1]
run = json.load(open(os.path.join(d, "run.json")))
checks = 0
def check(cond, what):
    global checks
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    checks += 1
cmd = run["command"]
start, end = cmd["started_unix_ns"], cmd["ended_unix_ns"]
check(0 < start < end, f"command times {start} {end}")
window = cmd["window"]
check(abs(window["start_offset_seconds"] - (start - run["started_unix_ns"]) / 1e9) < 1e-6,
      "window start offset")
check(abs(window["end_offset_seconds"] - (end - run["started_unix_ns"]) / 1e9) < 1e-6,
      "window end offset")
check(window["cpu_at_end"] == "discarded", f"cpu_at_end {window['cpu_at_end']}")
heaps = [s for s in run["snapshots"] if s["kind"] == "heap" and s["ok"]]
last = heaps[-1]
check(last["time_unix_ns"] >= end, "the final heap snapshot is after the test's end")
check(last["time_unix_ns"] - end < 1.5e9,
      f"the final heap snapshot came {(last['time_unix_ns'] - end) / 1e9:.2f} s after the end")
cpus = [s for s in run["snapshots"] if s["kind"] == "cpu"]
check(len(cpus) == 1 and not cpus[0]["ok"] and cpus[0]["error"].startswith("discarded"),
      f"the CPU profile in flight is recorded as discarded: {cpus}")
check(not os.path.exists(os.path.join(d, "cpu0.pprof")), "no cpu0.pprof kept")
# Go 1.19 has no goroutineleak profile: its 404 is recorded once, not as a failure.
leaks = [s for s in run["snapshots"] if s["kind"] == "goroutineleak"]
check(len(leaks) == 1 and not leaks[0]["ok"] and
      leaks[0]["error"].startswith("not offered by the server") and "HTTP 404" in leaks[0]["error"],
      f"goroutineleak not offered, recorded once: {leaks}")
check(run["counts"]["failed"] == 0, f"not offered is no failure: {run['counts']}")
check([e["type"] for e in run["events"]].count("not-offered") == 1, "one not-offered event")
analysis = json.load(open(os.path.join(d, "analysis.json")))
metrics = {i["id"]: i["value"] for s in analysis["sections"] for i in s["items"]
           if i["type"] == "metric"}
inside = [h for h in heaps if start <= h["time_unix_ns"] <= end + 5e9]
check(metrics["growth.window_points"] == len(inside) and len(inside) < len(heaps),
      f"growth.window_points {metrics['growth.window_points']} of {len(heaps)}")
check(metrics["growth.trend"] in ("too-few-points", "plateau", "steady-growth"), "trend")
series = {i["id"]: i["points"] for s in analysis["sections"] for i in s["items"]
          if i["type"] == "series"}
t0 = run["started_unix_ns"]
check([p[0] for p in series["growth.test_start"]] == [(start - t0) / 1e9] * 2 and
      [p[0] for p in series["growth.test_end"]] == [(end - t0) / 1e9] * 2,
      "the chart marks the test's start and end")
check(series["growth.peak"] == [[metrics["heap.peak_offset_seconds"],
                                 float(metrics["heap.peak_inuse_bytes"])]], "the chart marks the peak")
print(f"{checks} passed, 0 failed")
PY
[ $? -eq 0 ] || exit 1
stop_target

start_target -mode leak-goroutines -goroutines-per-sec 1 -goroutineleak-profile
if ! "$exe" -o out run leak --collector http --url "http://127.0.0.1:$port" -i 1 \
	--profiles heap,goroutine,goroutineleak -- sleep 8 >stdout 2>err; then
	echo "FAIL: leak run exited $?"
	sed 's/^/  stderr: /' err | tail -n 15
	exit 1
fi
stop_target
python3 - out/leak <<'PY'
import json, os, sys
d = sys.argv[1]
doc = json.load(open(os.path.join(d, "analysis.json")))
items = [i for s in doc["sections"] for i in s["items"]]
metrics = {i["id"]: i["value"] for i in items if i["type"] == "metric"}
leaks = [i for i in items if i["type"] == "table" and i["id"] == "goroutine.leaks"][0]
cols = [c["id"] for c in leaks["columns"]]
rows = [dict(zip(cols, r)) for r in leaks["rows"]]
fail = []
if metrics.get("goroutine.leaking_stacks", 0) < 1:
    fail.append(f"no leaking stack: {metrics.get('goroutine.leaking_stacks')}")
worker = [r for r in rows if "leakyWorker" in r["started_by"] or "leak" in r["started_by"]]
if not worker or not 5 <= worker[0]["growth"] <= 12:
    fail.append(f"the leaking stack and its growth: {rows}")
if not any(i["type"] == "recommendation" and i["rule"] == "goroutine-leak" for i in items):
    fail.append("the goroutine-leak recommendation did not fire")
# The server's own leak profile (the target's stand-in for Go 1.26's).
profile = [i for i in items if i["type"] == "table" and i["id"] == "goroutine.leak_profile"]
if not profile:
    fail.append("no goroutine.leak_profile table")
else:
    cols = [c["id"] for c in profile[0]["columns"]]
    lrows = [dict(zip(cols, r)) for r in profile[0]["rows"]]
    if not any("leakyWorker" in r["started_by"] and r["goroutines"] >= 5 for r in lrows):
        fail.append(f"the leak profile lists the leaking workers: {lrows}")
    if metrics.get("goroutine.leak_profile_goroutines", 0) < 5:
        fail.append("goroutine.leak_profile_goroutines")
for f in fail:
    print("FAIL:", f)
print(f"{6 - len(fail)} passed, {len(fail)} failed")
sys.exit(1 if fail else 0)
PY
