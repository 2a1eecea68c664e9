#!/usr/bin/env bash
# The prometheus and openmetrics reporters against a real Prometheus
# (Debian's prometheus package; skipped when it is missing): `analyze` the
# real runs of tests/analysis/data with the prometheus reporter into a
# Prometheus started with --web.enable-remote-write-receiver on 127.0.0.1,
# then check every figure through its HTTP API (check_prometheus.py); two
# components and a repetition stay apart; a refusing endpoint (a Prometheus
# without the receiver), a dead one, and samples older than the server's
# window (refused with the out_of_order_time_window hint, accepted once the
# window is configured and reloaded); finally the openmetrics file through
# `promtool tsdb create-blocks-from openmetrics`, read back by a Prometheus
# started on those blocks.
# usage: prometheus_test.sh E2E_PROFILE_EXE DATADIR [TARGET_BIN]
# (TARGET_BIN, tests/target's program: a repeated run pushed live)
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE DATADIR}")
data=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE DATADIR}")
target_bin=${3:+$(realpath "$3")}
here=$(dirname "$(realpath "$0")")
for tool in prometheus promtool python3 curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
		exit 77
	fi
done
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH E2E_PROFILE_LABELS
cd "$work" || exit 1
out=$work/out
mkdir "$out"
cp -R "$data/baseline" "$data/with-caching" "$out/" || exit 1
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s err ] && sed 's/^/  stderr: /' err | head -n 15
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_prometheus NAME CONFIG FLAGS...: starts Prometheus on a free port of
# 127.0.0.1 with its own storage; sets $port and waits until it is ready.
start_prometheus() {
	local name=$1 config=$2
	shift 2
	port=$(free_port)
	prometheus --config.file="$config" --web.listen-address="127.0.0.1:$port" \
		--storage.tsdb.retention.time=100y "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 300); do
		curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: $name: Prometheus did not become ready on 127.0.0.1:$port"
	tail -n 20 "$work/$name.log"
	exit 1
}

# analyze_with INI STATUS RUN [VAR=VALUE...]: analyze RUN with the
# configuration INI (and the environment given, and the flags in
# analyze_flags); exit status STATUS.
analyze_flags=()
analyze_with() {
	local ini=$1 want=$2 run=$3
	shift 3
	rm -f "$out/$run/analysis.json"
	env "$@" "$exe" -c "$ini" -o "$out" analyze "$run" "${analyze_flags[@]}" >stdout 2>err
	local got=$?
	if [ "$got" -eq "$want" ]; then
		pass
	else
		fail "analyze $run ($*) with $ini: exit status $got, want $want"
	fi
	# Whatever the push did, the reports on disk are written; a bad
	# setting (exit 2) is refused before anything is read or written.
	if [ "$want" -eq 2 ]; then
		if [ -e "$out/$run/analysis.json" ]; then
			fail "analyze $run with $ini: a bad setting still wrote analysis.json"
		else
			pass
		fi
	elif [ -s "$out/$run/analysis.json" ]; then
		pass
	else
		fail "analyze $run with $ini: analysis.json was not written"
	fi
}

stderr_has() {
	if grep -qF -- "$2" err; then
		pass
	else
		fail "$1: stderr does not contain '$2'"
	fi
}

# check_prometheus NAME TOTAL RUN:LABELS...: every figure of the runs given
# in the Prometheus on $port, which holds TOTAL runs, via check_prometheus.py.
check_prometheus() {
	local name=$1
	shift
	python3 "$here/check_prometheus.py" "http://127.0.0.1:$port" "$data" "$out" "$@" \
		>"check-$name.out" 2>&1
	local rc=$?
	grep -v '^[0-9]* passed, [0-9]* failed$' "check-$name.out" | head -n 30
	local counts
	counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "check-$name.out")
	if [ -n "$counts" ]; then
		passed=$((passed + ${counts% *}))
		failed=$((failed + ${counts#* }))
		echo "$name: check_prometheus.py: ${counts% *} passed, ${counts#* } failed"
	fi
	if [ -z "$counts" ] || { [ "$rc" -ne 0 ] && [ "${counts#* }" = 0 ]; }; then
		fail "$name: check_prometheus.py exited $rc"
	fi
}

write_ini() { # write_ini FILE REPORTERS URL
	printf '[run]\nreporters = %s\n[reporter.prometheus]\nremote_write_url = %s\n' "$2" "$3" >"$1"
}

# ---- pushes into a real Prometheus ---------------------------------------------
printf 'global:\n  scrape_interval: 1s\n' >prometheus.yml
start_prometheus receiver prometheus.yml --storage.tsdb.path="$work/tsdb" \
	--web.enable-remote-write-receiver --web.enable-lifecycle
url="http://127.0.0.1:$port/api/v1/write"
write_ini push.ini json,prometheus "$url"
analyze_with push.ini 0 baseline E2E_PROFILE_LABELS=component=operator-controller,repetition=1
stderr_has "push baseline" "pushed 92 samples in 21 series to $url ("
analyze_with push.ini 0 baseline E2E_PROFILE_LABELS=component=operator-controller,repetition=2
analyze_with push.ini 0 with-caching E2E_PROFILE_LABELS=component=catalogd,repetition=1
check_prometheus push 3 baseline:component=operator-controller,repetition=1 \
	baseline:component=operator-controller,repetition=2 \
	with-caching:component=catalogd,repetition=1

# ---- a bad setting is a usage error before anything is written ----------------
write_ini bad.ini json,prometheus "$url"
printf 'labels = run=x\n' >>bad.ini
analyze_with bad.ini 2 baseline
stderr_has "reserved label" "[reporter.prometheus] labels: 'run' is set by e2e-profile itself"
analyze_with push.ini 2 baseline E2E_PROFILE_LABELS=branch=main,branch=dev
stderr_has "repeated label" "[reporter.prometheus] labels: 'branch' is given twice"
printf '[run]\nreporters = json,prometheus\n' >nourl.ini
analyze_with nourl.ini 2 baseline
stderr_has "missing url" "[reporter.prometheus] remote_write_url: not set"
# `run` checks the reporters before the test command starts.
"$exe" -c nourl.ini -o "$out" run early --collector http --url "http://127.0.0.1:$(free_port)" \
	-- touch "$work/test-ran" >stdout 2>err
status=$?
if [ "$status" -eq 2 ] && [ ! -e "$work/test-ran" ] && [ ! -e "$out/early" ]; then
	pass
else
	fail "run with a bad reporter setting: exit status $status, want 2 before the test runs"
fi
stderr_has "run: missing url" "[reporter.prometheus] remote_write_url: not set"

# ---- samples older than the server's window ------------------------------------
# Prometheus scraping itself moves its head to now; the committed runs are
# older than the head's window, so a new series of them is refused.
cat >prometheus.yml <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
curl -sf -X POST "http://127.0.0.1:$port/-/reload" || fail "reload with a scrape"
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/api/v1/query?query=up" | grep -q '"value"' && break
	sleep 0.1
done
analyze_with push.ini 1 with-caching E2E_PROFILE_LABELS=component=catalogd,repetition=2
stderr_has "too old" "push to $url failed: HTTP 400: out of bounds"
stderr_has "too old hint" "storage.tsdb.out_of_order_time_window"
if [ "$(grep -c 'error' err)" -le 2 ]; then pass; else fail "too old: more than two error lines"; fi
printf 'storage:\n  tsdb:\n    out_of_order_time_window: 36500d\n' >>prometheus.yml
curl -sf -X POST "http://127.0.0.1:$port/-/reload" || fail "reload with the window"
analyze_with push.ini 0 with-caching E2E_PROFILE_LABELS=component=catalogd,repetition=2
check_prometheus window 4 with-caching:component=catalogd,repetition=2

# ---- compare: each gate's verdict, at the time of the comparison ----------------
"$exe" -c push.ini -o "$out" compare baseline with-caching \
	--fail-on 'peak>+10%,category.openapi<-5%' >stdout 2>err
status=$?
if [ "$status" -eq 3 ]; then pass; else fail "compare --fail-on: exit status $status, want 3"; fi
stderr_has "compare push" "pushed 2 samples in 2 series to $url ("
python3 - "http://127.0.0.1:$port" "$out/comparisons/baseline-vs-with-caching.json" >gates.out 2>&1 <<'PY'
import json, sys, urllib.parse, urllib.request
base, path = sys.argv[1], sys.argv[2]
report = json.load(open(path))
table = [i for s in report['sections'] for i in s['items'] if i.get('id') == 'gates.rules'][0]
columns = [c['id'] for c in table['columns']]
rows = [dict(zip(columns, r)) for r in table['rows']]
want = {'peak>+10%': 0.0, 'category.openapi<-5%': 1.0}
ok = sorted((r['rule'], r['verdict']) for r in rows) == sorted([('peak>+10%', 'passed'), ('category.openapi<-5%', 'FAILED')])
query = 'e2e_profile_gate_broken{run="with-caching",baseline="baseline"}'
answer = json.load(urllib.request.urlopen(f'{base}/api/v1/query?' + urllib.parse.urlencode({'query': query})))
got = {r['metric']['gate']: float(r['value'][1]) for r in answer['data']['result']}
print('report rows', rows, 'prometheus', got)
sys.exit(0 if ok and got == want else 1)
PY
if [ $? -eq 0 ]; then pass; else fail "gate verdicts: $(cat gates.out)"; fi

# ---- a repeated run of the real Go target: each repetition its own series ------
if [ -n "$target_bin" ] && [ -x "$target_bin" ]; then
	"$target_bin" -listen 127.0.0.1:0 -exit-after 120s -mode cached >target.out 2>&1 &
	target_pid=$!
	target_port=
	for _ in $(seq 100); do
		target_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' target.out)
		[ -n "$target_port" ] && break
		sleep 0.05
	done
	if [ -z "$target_port" ]; then
		fail "repeat: the target did not start: $(cat target.out)"
	elif "$exe" -c push.ini -o "$out" run repeated --repeat 2 --collector http \
		--url "http://127.0.0.1:$target_port" -i 1 -- sleep 1.5 >stdout 2>err; then
		python3 - "http://127.0.0.1:$port" "$out/repeated" >repeat.out 2>&1 <<'PY'
import json, sys, urllib.parse, urllib.request
base, run_dir = sys.argv[1], sys.argv[2]
def query(q, at):
    url = f'{base}/api/v1/query?' + urllib.parse.urlencode({'query': q, 'time': f'{at:.3f}'})
    return json.load(urllib.request.urlopen(url))['data']['result']
bad = 0
for k in (1, 2):
    manifest = json.load(open(f'{run_dir}/rep{k}/run.json'))
    for s in manifest['snapshots']:
        if not s['ok'] or s['kind'] != 'heap':
            continue
        at = (s['time_unix_ns'] // 1000000) / 1000
        got = query(f'e2e_profile_heap_inuse_bytes{{run="repeated",repetition="{k}"}}', at)
        values = [float(r['value'][1]) for r in got]
        if values != [float(s['inuse_bytes'])]:
            bad += 1
            print(f'rep{k} {s["file"]}: Prometheus has {values}, run.json {s["inuse_bytes"]}')
end = max(json.load(open(f'{run_dir}/rep{k}/run.json'))['ended_unix_ns'] for k in (1, 2)) / 1e9
series = query('count by (repetition) (e2e_profile_peak_inuse_bytes{run="repeated"})', end)
if sorted(r['metric'].get('repetition') for r in series) != ['1', '2']:
    bad += 1
    print('peak series by repetition:', series)
print('bad', bad)
sys.exit(1 if bad else 0)
PY
		if [ $? -eq 0 ]; then pass; else fail "repeat: $(cat repeat.out)"; fi
	else
		fail "repeat: run --repeat 2 with the prometheus reporter failed: $(tail -n 5 err)"
	fi
	kill "$target_pid" 2>/dev/null
	wait "$target_pid" 2>/dev/null
else
	fail "repeat: no tests/target program given"
fi

# ---- every PromQL example of docs/prometheus.md is valid ------------------------
python3 - "http://127.0.0.1:$port" "$here/../../docs/prometheus.md" >promql.out 2>&1 <<'PY'
import json, re, sys, urllib.error, urllib.parse, urllib.request
base, doc = sys.argv[1], open(sys.argv[2]).read()
queries = []
for block in re.findall(r'```promql\n(.*?)```', doc, re.S):
    # A block holds one query per line, or one query continued on
    # indented lines.
    for line in block.splitlines():
        if line.startswith(' ') and queries:
            queries[-1] += ' ' + line.strip()
        elif line.strip():
            queries.append(line.strip())
bad = 0
for query in queries:
    try:
        urllib.request.urlopen(f'{base}/api/v1/query?' + urllib.parse.urlencode({'query': query}))
    except urllib.error.HTTPError as e:
        bad += 1
        print(f'{query}: {e.read().decode()}')
print(f'{len(queries)} queries, {bad} invalid')
sys.exit(1 if bad or len(queries) < 5 else 0)
PY
if [ $? -eq 0 ]; then pass; else fail "docs/prometheus.md PromQL: $(cat promql.out)"; fi
tail -n 1 promql.out

# ---- a refusing endpoint: Prometheus without the receiver ----------------------
printf 'global:\n  scrape_interval: 1m\n' >plain.yml
start_prometheus plain plain.yml --storage.tsdb.path="$work/tsdb-plain"
write_ini refused.ini json,prometheus "http://127.0.0.1:$port/api/v1/write"
analyze_with refused.ini 1 baseline
stderr_has "refused" "push to http://127.0.0.1:$port/api/v1/write failed: HTTP 404: remote write receiver needs to be enabled"
if grep -q 'retrying' err; then fail "refused: a 4xx was retried"; else pass; fi

# ---- a dead endpoint -------------------------------------------------------------
dead=$(free_port)
write_ini dead.ini prometheus,json "http://127.0.0.1:$dead/api/v1/write"
analyze_with dead.ini 1 baseline
stderr_has "dead" "push to http://127.0.0.1:$dead/api/v1/write failed: connection refused"

# ---- https with a client certificate (Prometheus's web config) --------------------
if command -v openssl >/dev/null; then
	mkdir tls
	(
		cd tls || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=e2e-profile test CA" &&
			openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
				-subj "/CN=127.0.0.1" &&
			printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out server.pem -days 2 -extfile san.ext &&
			openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
				-subj "/CN=e2e-profile" &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out client.pem -days 2
	) >tls.log 2>&1 || fail "openssl: $(tail -n 3 tls.log)"
	printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' \
		"$work/tls/server.pem" "$work/tls/server.key" >web.yml
	printf '  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n' \
		"$work/tls/ca.pem" >>web.yml
	port=$(free_port)
	prometheus --config.file=plain.yml --web.config.file=web.yml \
		--web.listen-address="127.0.0.1:$port" --storage.tsdb.path="$work/tsdb-tls" \
		--storage.tsdb.retention.time=100y --web.enable-remote-write-receiver \
		>"$work/tls-prometheus.log" 2>&1 &
	pids+=($!)
	tls_curl=(curl -sf --cacert tls/ca.pem --cert tls/client.pem --key tls/client.key)
	for _ in $(seq 300); do
		"${tls_curl[@]}" "https://127.0.0.1:$port/-/ready" >/dev/null && break
		sleep 0.1
	done
	url="https://127.0.0.1:$port/api/v1/write"
	write_ini tls.ini json,prometheus "$url"
	printf 'ca_file = %s\nclient_cert = %s\nclient_key = %s\n' "$work/tls/ca.pem" \
		"$work/tls/client.pem" "$work/tls/client.key" >>tls.ini
	analyze_with tls.ini 0 baseline
	stderr_has "tls push" "pushed 92 samples in 21 series to $url ("
	"${tls_curl[@]}" "https://127.0.0.1:$port/api/v1/query?query=e2e_profile_peak_inuse_bytes&time=1795638649.306" >tls-query.out
	if grep -q '"109594099"' tls-query.out; then pass; else fail "tls: peak not stored: $(cat tls-query.out)"; fi
	write_ini tls-nocert.ini json,prometheus "$url"
	printf 'ca_file = %s\n' "$work/tls/ca.pem" >>tls-nocert.ini
	analyze_with tls-nocert.ini 1 baseline
	stderr_has "tls without client cert" "push to $url failed: connection broken"
	stderr_has "tls without client cert" "set client_cert and client_key"
	write_ini tls-noca.ini json,prometheus "$url"
	analyze_with tls-noca.ini 1 baseline
	stderr_has "tls without ca" "push to $url failed: TLS: the server's certificate is not trusted"
else
	echo "openssl is not installed: the https case is not run"
fi

# ---- backfill: openmetrics -> promtool -> Prometheus -----------------------------
# Selected by the flag this time: the file's reporters would push.
analyze_flags=(--reporters json,openmetrics)
analyze_with push.ini 0 baseline E2E_PROFILE_LABELS=component=operator-controller,repetition=1
analyze_with push.ini 0 with-caching E2E_PROFILE_LABELS=component=catalogd,repetition=1
if grep -q pushed err; then fail "--reporters did not replace [run] reporters"; else pass; fi
analyze_flags=()
mkdir blocks
for run in baseline with-caching; do
	if promtool tsdb create-blocks-from openmetrics "$out/$run/analysis.openmetrics.txt" \
		blocks >"promtool-$run.out" 2>&1; then
		pass
	else
		fail "promtool create-blocks-from openmetrics $run: $(tail -n 3 "promtool-$run.out")"
	fi
done
start_prometheus blocks plain.yml --storage.tsdb.path="$work/blocks"
check_prometheus openmetrics 2 baseline:component=operator-controller,repetition=1 \
	with-caching:component=catalogd,repetition=1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
