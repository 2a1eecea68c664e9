#!/usr/bin/env bash
# Repeated runs and the statistical verdict on real runs of the Go target:
# an A/A comparison (cached against cached, 4 repetitions each) shows no
# significant change in peak and passes 'peak>+5%'; cached against
# baseline (4 each) is significant and breaks the gate (exit 3). The
# medians and p-values are recomputed independently (check_repeat.py, by
# enumeration) from each repetition's own analysis.json. Then the bad
# inputs: --repeat, [run] repeat, --alpha.
# usage: repeat_test.sh E2E_PROFILE_EXE TARGET_BIN
set -u
exe=$(realpath "$1")
target_bin=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
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
out=$work/out
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s err ] && sed 's/^/  stderr: /' err | tail -n 15
}

start_target() { # MODE
	"$target_bin" -listen 127.0.0.1:0 -mode "$1" -exit-after 300s >target.out 2>&1 &
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

# A short "e2e suite": requests that make the service fetch its schema.
cat >workload.sh <<'WORKLOAD'
#!/usr/bin/env bash
for _ in 1 2 3 4 5 6; do
	curl -fsS "$1/work?n=2" >/dev/null || exit 1
	sleep 0.25
done
WORKLOAD
chmod +x workload.sh

# repeated NAME: 4 short repetitions against the running target.
repeated() {
	if "$exe" -o "$out" run "$1" --repeat 4 --collector http --url "http://127.0.0.1:$port" \
		-i 1 -- ./workload.sh "http://127.0.0.1:$port" >stdout 2>err; then
		pass
	else
		fail "run $1 --repeat 4 exited $?"
	fi
}
# A/A: both sides from one warmed-up cached process, one after the other,
# as a user compares two builds of the same code on one cluster.
start_target cached
curl -fsS "http://127.0.0.1:$port/work?n=2" >/dev/null
repeated cached-a
repeated cached-b
stop_target
start_target baseline
repeated baseline
stop_target

# The layout: NAME/run.json lists rep1..rep4, each a complete run.
if python3 - "$out" <<'PY'; then
import json, os, sys
out = sys.argv[1]
for name in ("cached-a", "cached-b", "baseline"):
    top = json.load(open(os.path.join(out, name, "run.json")))
    assert top["schema"] == "e2e-profile/repeated-run" and top["schema_version"] == 1, top
    assert top["status"] == "completed" and top["repeat"] == 4, top
    assert [r["directory"] for r in top["repetitions"]] == ["rep1", "rep2", "rep3", "rep4"]
    assert all(r["exit_status"] == 0 for r in top["repetitions"]), top
    for k in range(1, 5):
        rep = os.path.join(out, name, f"rep{k}")
        run = json.load(open(os.path.join(rep, "run.json")))
        assert run["schema"] == "e2e-profile/run" and run["schema_version"] == 1, run
        assert run["name"] == name and run["repetition"] == k, run
        assert os.path.exists(os.path.join(rep, "heap0.pprof")), rep
        assert os.path.exists(os.path.join(rep, "analysis.json")), rep
        assert os.path.exists(os.path.join(rep, "test.log")), rep
PY
	pass
else
	fail "repeated-run layout"
fi

# A/A: no significant change, the gate passes.
if "$exe" -o "$out" compare cached-a cached-b --fail-on 'peak>+5%' >stdout 2>err; then
	pass
else
	fail "A/A compare --fail-on 'peak>+5%' exited $?, want 0"
fi
grep -qF 'gate peak>+5% passed' err && pass || fail "A/A: the gate's line says passed"
# Baseline against cached: significant, the gate breaks.
"$exe" -o "$out" compare cached-a baseline --fail-on 'peak>+5%' >stdout 2>err
rc=$?
[ "$rc" -eq 3 ] && pass || fail "cached vs baseline --fail-on 'peak>+5%' exited $rc, want 3"
grep -qF 'gate peak>+5% FAILED' err && grep -qF 'beyond the limit; significant: p=0.0286 < 0.05 (n=4+4)' err && pass ||
	fail "cached vs baseline: the FAILED line with its significance"

# Every statistic recomputed from the repetitions' own reports.
if python3 "$here/check_repeat.py" "$out" >check.out 2>&1; then
	pass
else
	fail "check_repeat.py: $(tail -n 5 check.out)"
fi
grep -q '^checked 3 summaries and 2 comparisons' check.out && pass ||
	fail "check_repeat.py checked everything: $(tail -n 1 check.out)"

# Two repetitions per side can never be significant: the report says so.
start_target cached
"$exe" -o "$out" run few --repeat 2 --collector http --url "http://127.0.0.1:$port" -i 1 \
	-- ./workload.sh "http://127.0.0.1:$port" >stdout 2>err || fail "run few --repeat 2"
# batch: repeat in [run.NAME] makes a repeated run too.
cat >batch.ini <<BATCH
[run.batched]
command = ./workload.sh http://127.0.0.1:$port
collector = http
url = http://127.0.0.1:$port
interval = 1
repeat = 2
BATCH
"$exe" -o "$out" batch batch.ini >stdout 2>err && [ -s "$out/batched/rep2/run.json" ] &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["repeat"] != 2)' \
		"$out/batched/run.json" && pass || fail "batch [run.NAME] repeat = 2"
stop_target
"$exe" -o "$out" compare few cached-b --fail-on 'peak>+1B' >stdout 2>err
rc=$?
[ "$rc" -eq 0 ] && pass || fail "2 against 4 repetitions --fail-on 'peak>+1B' exited $rc, want 0"
grep -qF 'too few repetitions to ever be significant' err && pass ||
	fail "2 against 4: the gate line says they can never be significant"
grep -qF 'Too few repetitions: 2 against 4 can give p no smaller than 0.133' "$out/comparisons/few-vs-cached-b.md" &&
	pass || fail "2 repetitions: the report says they can never be significant"
grep -qE '^\| Peak in-use memory \| .* \| ~ .* \| p=[0-9.]+ n=2\+4 \|$' \
	"$out/comparisons/few-vs-cached-b.md" && pass || fail "2 repetitions: peak shows ~ and n=2+4"

# Bad input: one line naming the key, exit 2, nothing run.
expect_usage() { # NAME TEXT ARGS...
	local name=$1 text=$2
	shift 2
	"$exe" -o "$out" "$@" >stdout 2>err
	local rc=$?
	if [ "$rc" -ne 2 ]; then
		fail "$name: exit $rc, want 2"
	elif [ "$(wc -l <err)" -ne 1 ] || ! grep -qF -- "$text" err; then
		fail "$name: want one line with '$text'"
	else
		pass
	fi
}
expect_usage "--repeat abc" "--repeat" run bad1 --repeat abc --collector http \
	--url http://127.0.0.1:1 -- true
expect_usage "--repeat 0" "[run] repeat must be" run bad2 --repeat 0 --collector http \
	--url http://127.0.0.1:1 -- true
expect_usage "--repeat -3" "[run] repeat must be" run bad3 --repeat -3 --collector http \
	--url http://127.0.0.1:1 -- true
printf '[run]\nrepeat = 0\n' >zero.ini
expect_usage "repeat = 0" "[run] repeat must be" -c zero.ini run bad4 --collector http \
	--url http://127.0.0.1:1 -- true
printf '[run]\nrepeat = two\n' >word.ini
expect_usage "repeat = two" "repeat" -c word.ini run bad5 -- true
expect_usage "collect --repeat" "--repeat" collect bad6 --repeat 2
expect_usage "--alpha -0.1" "[compare] alpha must be" compare cached-a cached-b --alpha -0.1
expect_usage "--alpha 1" "[compare] alpha must be" compare cached-a cached-b --alpha 1
expect_usage "--alpha x" "--alpha" compare cached-a cached-b --alpha x
printf '[compare]\nalpha = -1\n' >alpha.ini
expect_usage "alpha = -1" "[compare] alpha must be" -c alpha.ini compare cached-a cached-b
printf '[run.bad7]\ncommand = true\ncollector = http\nurl = http://127.0.0.1:1\nrepeat = 0\n' >bad.ini
"$exe" -o "$out" batch bad.ini >stdout 2>err
[ $? -eq 1 ] && grep -qF '[run] repeat must be' err && grep -qE '^run +bad7 +failed +2$' stdout &&
	pass || fail "batch [run.NAME] repeat = 0 fails that run with exit 2"
for bad in bad1 bad2 bad3 bad4 bad5 bad6 bad7; do
	[ -e "$out/$bad" ] && fail "$bad: a run directory was created"
done
pass

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
