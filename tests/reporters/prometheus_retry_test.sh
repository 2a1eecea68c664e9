#!/usr/bin/env bash
# The prometheus reporter's retries and timeout. A real Prometheus cannot be
# made to answer 5xx or to hang, so the endpoint here is the project's test
# service (tests/target, e2e-target) in its fault modes, whose
# /debug/pprof/* answer every request, POST included, with an injected 500,
# or only after a long sleep: a 5xx is retried `retries` times with
# doubling backoff and then fails naming the URL and the answer; a timeout
# is not retried. The reports on disk are written either way. Last, the
# bearer token against a stand-in that checks the header.
# usage: prometheus_retry_test.sh E2E_PROFILE_EXE E2E_TARGET DATADIR
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE E2E_TARGET DATADIR}")
target=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE E2E_TARGET DATADIR}")
data=$(realpath "${3:?usage: $0 E2E_PROFILE_EXE E2E_TARGET DATADIR}")
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
unset E2E_PROFILE_DIR E2E_PROFILE_PLUGIN_PATH E2E_PROFILE_LABELS
cd "$work" || exit 1
mkdir out
cp -R "$data/baseline" out/ || exit 1
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s err ] && sed 's/^/  stderr: /' err | head -n 15
}

# start_target FAULT: e2e-target on a free port of 127.0.0.1; sets $url.
start_target() {
	rm -f port
	"$target" -listen 127.0.0.1:0 -port-file "$work/port" -fault "$1" -slow-delay 20s \
		-exit-after 120s >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 200); do
		[ -s port ] && break
		sleep 0.05
	done
	url="http://127.0.0.1:$(cat port)/debug/pprof/heap"
}

# push INI STATUS: analyze baseline with INI; exit status STATUS, reports written.
push() {
	rm -f out/baseline/analysis.json
	"$exe" -c "$1" -o out analyze baseline >stdout 2>err
	local got=$?
	if [ "$got" -eq "$2" ]; then pass; else fail "$1: exit status $got, want $2"; fi
	if [ -s out/baseline/analysis.json ]; then pass; else fail "$1: no analysis.json"; fi
}

start_target 500
printf '[run]\nreporters = prometheus,json\n[reporter.prometheus]\nremote_write_url = %s\nretries = 2\n' \
	"$url" >retry.ini
push retry.ini 1
retries=$(grep -c "push to $url: HTTP 500: 500 internal server error (injected by e2e-target fault mode" err)
if [ "$retries" -eq 2 ]; then pass; else fail "500: $retries retries logged, want 2"; fi
if grep -q 'retrying in 500 ms' err && grep -q 'retrying in 1000 ms' err; then
	pass
else
	fail "500: the backoff is not 500 ms then 1000 ms"
fi
if grep -q "error: push to $url failed: HTTP 500: 500 internal server error" err; then
	pass
else
	fail "500: no final error line naming the URL and the answer"
fi

start_target slow
printf '[run]\nreporters = prometheus,json\n[reporter.prometheus]\nremote_write_url = %s\ntimeout = 1\n' \
	"$url" >slow.ini
start=$(date +%s)
push slow.ini 1
elapsed=$(($(date +%s) - start))
if grep -q "push to $url failed: timed out after 1 s" err; then pass; else fail "slow: no timeout line"; fi
if grep -q retrying err; then fail "slow: a timeout was retried"; else pass; fi
if [ "$elapsed" -lt 15 ]; then pass; else fail "slow: took ${elapsed}s, the 1 s timeout did not hold"; fi

# The bearer token: sent as the header, never shown. Prometheus itself
# checks no token, so a stand-in endpoint answers 204 only to the right
# header and 401 otherwise.
printf '\n  s3cr3t-token-value\n' >token
cat >token_server.py <<'PY'
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        ok = self.headers.get('Authorization') == 'Bearer s3cr3t-token-value'
        ok = ok and self.headers.get('Content-Encoding') == 'snappy'
        self.send_response(204 if ok else 401)
        self.end_headers()
        if not ok:
            self.wfile.write(b'unauthorized')
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
open(sys.argv[1], 'w').write(str(server.server_address[1]))
server.serve_forever()
PY
rm -f port
python3 token_server.py "$work/port" &
pids+=($!)
for _ in $(seq 100); do
	[ -s port ] && break
	sleep 0.05
done
url="http://127.0.0.1:$(cat port)/api/v1/write"
printf '[run]\nreporters = prometheus,json\n[reporter.prometheus]\nremote_write_url = %s\nbearer_token_file = %s\n' \
	"$url" "$work/token" >token.ini
push token.ini 0
if grep -q "pushed 92 samples" err; then pass; else fail "token: not pushed"; fi
if grep -q "the token travels unencrypted to $url" err; then pass; else fail "token: no warning about plain http"; fi
printf '[run]\nreporters = prometheus,json\n[reporter.prometheus]\nremote_write_url = %s\n' "$url" >notoken.ini
push notoken.ini 1
if grep -q "push to $url failed: HTTP 401: unauthorized" err; then pass; else fail "no token: no 401 line"; fi
if grep -rq s3cr3t out stdout err; then fail "the token appears in the output"; else pass; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
