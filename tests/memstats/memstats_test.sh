#!/usr/bin/env bash
# The Go runtime's own memory beside the sampled heap, on real runs of the
# Go target: every heap round also records the runtime.MemStats block of
# /debug/pprof/heap?debug=1 in run.json; the analysis reports it in its own
# section (peaks over the test window, recomputed here from run.json), the
# comparison has runtime.* ids a gate can use; a bad answer (404, HTML,
# garbage) is recorded for its round and collection goes on.
# usage: memstats_test.sh E2E_PROFILE_EXE TARGET_BIN
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
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s err ] && sed 's/^/  stderr: /' err | tail -n 10
}
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
run_ok() { # NAME ARGS... (after run NAME)
	local name=$1
	shift
	if "$exe" -o out "$@" run "$name" --collector http --url "http://127.0.0.1:$port" -i 1 \
		-- sleep 2.2 >stdout 2>err; then
		pass
	else
		fail "run $name exited $?"
	fi
}

start_target -mode cached
printf '[collector.http]\nmetrics_url = http://127.0.0.1:%s/metrics\n' "$port" >prom.ini
run_ok good -c prom.ini
for bad in nosuch debug/pprof/ work; do
	printf '[collector.http]\nmetrics_url = http://127.0.0.1:%s/%s\n' "$port" "$bad" >bad.ini
	run_ok "prom-${bad%%/*}" -c bad.ini
done
printf '[run]\nmemstats_every = 2\n' >every2.ini
run_ok every2 -c every2.ini
printf '[run]\nmemstats_every = 0\n' >off.ini
run_ok off -c off.ini
stop_target
start_target -mode baseline
run_ok base
stop_target
for fault in 404 html garbage; do
	start_target -mode cached -text-fault $fault
	run_ok "fault-$fault"
	stop_target
done

if python3 - out <<'PY'; then
import json, os, sys
out = sys.argv[1]
def load(name, file):
    return json.load(open(os.path.join(out, name, file)))
def metrics(name):
    doc = load(name, "analysis.json")
    return {i["id"]: i["value"] for s in doc["sections"] for i in s["items"] if i["type"] == "metric"}
checked = 0
for name in ("good", "base"):
    run = load(name, "run.json")
    heaps = [s for s in run["snapshots"] if s["kind"] == "heap" and s["ok"]]
    assert heaps and all(s["runtime"]["source"] == "memstats" for s in heaps), name
    for s in heaps:
        r = s["runtime"]
        assert r["heap_inuse"] > 0 and r["sys"] >= r["heap_sys"] >= r["heap_inuse"], r
        assert r["max_rss"] > 0 and r["num_gc"] >= 0 and r["stack_inuse"] > 0, r
        # The sampled in-use heap is an estimate of live objects; the
        # runtime's HeapInuse holds at least those spans.
    cmd = run["command"]
    window = [s for s in heaps if cmd["started_unix_ns"] <= s["time_unix_ns"] <= cmd["ended_unix_ns"] + 5e9]
    m = metrics(name)
    assert m["runtime.heap_inuse"] == max(s["runtime"]["heap_inuse"] for s in window), name
    assert m["runtime.sys"] == max(s["runtime"]["sys"] for s in window), name
    assert m["runtime.max_rss"] == window[-1]["runtime"]["max_rss"], name
    assert m["runtime.errors"] == 0, name
    peak = [s for s in heaps if s["file"] == m["heap.peak_snapshot"]][0]
    assert m["runtime.at_peak.heap_inuse"] == peak["runtime"]["heap_inuse"], name
    assert m["runtime.at_peak.sys"] == peak["runtime"]["sys"], name
    doc = load(name, "analysis.json")
    section = [s for s in doc["sections"] if s["id"] == "runtime"][0]
    table = [i for i in section["items"] if i["type"] == "table"][0]
    assert len(table["rows"]) == len(heaps), name
    assert {i["id"] for i in section["items"] if i["type"] == "series"} == {
        "runtime.heap_inuse", "runtime.sys", "runtime.max_rss"} | (
        {"process.rss"} if name == "good" else set()), name
    # Never mixed with the sampled figures: those stay in heap/growth.
    assert all(not i["id"].startswith("runtime.") for s in doc["sections"] if s["id"] not in ("runtime", "runtime_at_peak")
               for i in s["items"] if "id" in i)
    checked += 1
every2 = [s for s in load("every2", "run.json")["snapshots"] if s["kind"] == "heap"]
assert [("runtime" in s) for s in every2] == [s["round"] % 2 == 0 for s in every2], every2
assert not any("runtime" in s or "runtime_error" in s for s in load("off", "run.json")["snapshots"])
assert "runtime" not in {s["id"] for s in load("off", "analysis.json")["sections"]}
checked += 2
wants = {"404": "HTTP 404", "html": 'no "# runtime.MemStats" block', "garbage": 'no "# runtime.MemStats" block'}
for fault, want in wants.items():
    run = load(f"fault-{fault}", "run.json")
    heaps = [s for s in run["snapshots"] if s["kind"] == "heap"]
    assert len(heaps) >= 3 and all(s["ok"] for s in heaps), fault
    for s in heaps:
        e = s["runtime_error"]
        assert "runtime" not in s and want in e and "/debug/pprof/heap?debug=1" in e and "\n" not in e, (fault, e)
    assert metrics(f"fault-{fault}")["runtime.errors"] == len(heaps), fault
    checked += 1
# The Prometheus figures, labelled by their source, beside the runtime's.
run = load("good", "run.json")
heaps = [s for s in run["snapshots"] if s["kind"] == "heap" and s["ok"]]
assert all(s["process"]["source"] == "prometheus" and s["process"]["rss"] > 0 and
           s["process"]["heap_inuse"] > 0 and s["process"]["goroutines"] > 0 for s in heaps)
m = metrics("good")
# Like the runtime figures: the peak over the test window (docs/run-json.md),
# so snapshot 0, taken before the test started, does not count.
cmd = run["command"]
window = [s for s in heaps if cmd["started_unix_ns"] <= s["time_unix_ns"] <= cmd["ended_unix_ns"] + 5e9]
assert m["process.rss"] == max(s["process"]["rss"] for s in window), m
assert m["process.errors"] == 0
assert "process.rss" not in metrics("base") and "process.errors" not in metrics("base")
wants = {"nosuch": "HTTP 404", "debug": "no process_resident_memory_bytes or go_memstats_* metric",
         "work": "no process_resident_memory_bytes or go_memstats_* metric"}
for name, want in wants.items():
    run = load(f"prom-{name}", "run.json")
    heaps = [s for s in run["snapshots"] if s["kind"] == "heap"]
    assert len(heaps) >= 3 and all(s["ok"] and "runtime" in s for s in heaps), name
    for s in heaps:
        e = s["process_error"]
        assert "process" not in s and want in e and "127.0.0.1" in e and "\n" not in e, (name, e)
    assert metrics(f"prom-{name}")["process.errors"] == len(heaps), name
    checked += 1
print(f"checked {checked} runs")
PY
	pass
else
	fail "runtime figures in run.json and the analysis"
fi

# The comparison has the runtime ids; a gate uses them.
if "$exe" -o out compare good base --fail-on 'runtime.heap_inuse>+10%,runtime.max_rss?>+1GB' \
	>stdout 2>err; then
	fail "cached -> baseline: runtime.heap_inuse>+10% should fail"
else
	[ $? -eq 3 ] && grep -qF 'gate runtime.heap_inuse>+10% FAILED' err && pass ||
		fail "cached -> baseline: the runtime gate line"
fi
python3 - out/comparisons/good-vs-base.json <<'PY' && pass || fail "runtime comparisons in the JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
items = {i["id"]: i for s in doc["sections"] for i in s["items"] if i["type"] == "comparison"}
for cid in ("runtime.heap_inuse", "runtime.sys", "runtime.max_rss", "runtime.heap_sys"):
    assert items[cid]["unit"] == "bytes" and items[cid]["a"] > 0 and items[cid]["b"] > 0, cid
assert items["runtime.heap_inuse"]["b"] > items["runtime.heap_inuse"]["a"]
PY
"$exe" -o out compare good off --fail-on 'runtime.sys>+10%' >stdout 2>err
[ $? -eq 2 ] && grep -qF "run off has no runtime.sys" err && pass ||
	fail "a runtime gate on a run without the figures exits 2"
"$exe" -o out compare good off --fail-on 'runtime.sys?>+10%' >stdout 2>err
[ $? -eq 0 ] && grep -qF 'skipped' err && pass || fail "an optional runtime gate is skipped"

printf '[collector.http]\nmetrics_url = ftp://x/metrics\n' >ftp.ini
"$exe" -o out -c ftp.ini run ftp --collector http --url http://127.0.0.1:1 -- true >stdout 2>err
[ $? -ne 0 ] && grep -qF "metrics_url 'ftp://x/metrics': not an http:// or https:// URL" err && pass ||
	fail "metrics_url that is not http(s) is refused naming the key"
printf '[run]\nmemstats_every = -1\n' >bad.ini
"$exe" -o out -c bad.ini run bad --collector http --url http://127.0.0.1:1 -- true >stdout 2>err
[ $? -eq 2 ] && grep -qF '[run] memstats_every' err && [ ! -e out/bad ] && pass ||
	fail "memstats_every = -1 exits 2 naming the key"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
