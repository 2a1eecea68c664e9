#!/bin/bash
# Self-check of the fake kubectl together with the e2e-target service.
#   usage: tests/fake-kubectl/selfcheck.sh TARGET_BIN
# Prints one "ok"/"not ok" line per check, then "N passed, N failed";
# exits 1 when a check failed, 2 on usage errors. Leaves no processes behind.
set -u
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 TARGET_BIN (the built e2e-target)" >&2
	exit 2
fi
target_bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in curl python3 od gzip; do
	command -v "$tool" >/dev/null || { echo "$0: $tool is required" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fake-kubectl-selfcheck.XXXXXX")
state=$work/state
mkdir -p "$state"
export FAKE_KUBECTL_STATE=$state
export PATH="$here:$PATH"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

declare -A children=() # pid -> 1 while not yet reaped
cleanup() {
	local p
	for p in "${!children[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${!children[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
# reap PID: wait for a child, forget it (so cleanup never signals a reused
# pid); its exit status goes to $reaped
reap() {
	wait "$1" 2>/dev/null
	reaped=$?
	unset "children[$1]"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # wait_for SECONDS COMMAND...: poll every 50ms
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
has_forwarding() { grep -q '^Forwarding from 127\.0\.0\.1:[0-9]* -> ' "$1" 2>/dev/null; }
local_port_of() { sed -nE 's/^Forwarding from 127\.0\.0\.1:([0-9]+) -> .*/\1/p' "$1" | head -n1; }

# start_forward NAME OUTBASE [kubectl args...]: starts a port-forward in the
# background; sets fwd_pid. stdout -> OUTBASE.out, stderr -> OUTBASE.err
start_forward() {
	local base=$2
	shift 2
	kubectl "$@" >"$base.out" 2>"$base.err" &
	fwd_pid=$!
	children[$fwd_pid]=1
}

# --- the target --------------------------------------------------------------
"$target_bin" -mode idle -listen 127.0.0.1:0 -port-file "$work/target.port" -exit-after 300s \
	>"$work/target.out" 2>"$work/target.err" &
target_pid=$!
children[$target_pid]=1
if ! wait_for 15 test -s "$work/target.port"; then
	fail "target starts and writes its -port-file"
	cat "$work/target.err" >&2
	echo "$passed passed, $failed failed"
	exit 1
fi
tport=$(<"$work/target.port")
ok "target starts and writes its -port-file (port $tport)"
check "target prints 'listening on 127.0.0.1:$tport' first" \
	test "$(head -n1 "$work/target.out")" = "listening on 127.0.0.1:$tport"
turl=http://127.0.0.1:$tport

# --- state -------------------------------------------------------------------
dep=operator-controller-controller-manager
ns=olmv1-system
printf '%s\n' '{"app":"operator-controller","control-plane":"controller-manager"}' >"$state/deployment-$dep.selector"
cat >"$state/pods" <<EOF
# NAME PHASE PORT [LABELS]
operator-controller-abc12 Running $tport app=operator-controller,control-plane=controller-manager
operator-controller-old99 Pending 1 app=operator-controller,control-plane=controller-manager
catalogd-xyz Running 1 app=catalogd
EOF
echo "$ns" >"$state/namespace"
pods_jsonpath='jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}'
pod=operator-controller-abc12

check "kubectl is the fake one" test "$(command -v kubectl)" = "$here/kubectl"

# --- get deployment ----------------------------------------------------------
out=$(kubectl get deployment "$dep" -n "$ns" -o 'jsonpath={.spec.selector.matchLabels}' 2>&1)
rc=$?
check "get deployment prints the selector map" \
	test "$rc:$out" = '0:{"app":"operator-controller","control-plane":"controller-manager"}'
out=$(kubectl --context kind-e2e --kubeconfig "$work/kubeconfig" get deployment nope -n "$ns" \
	-o 'jsonpath={.spec.selector.matchLabels}' 2>&1)
rc=$?
check "get deployment of a missing deployment fails like kubectl" \
	test "$rc:$out" = '1:Error from server (NotFound): deployments.apps "nope" not found'
out=$(kubectl get deployment "$dep" --namespace=default -o 'jsonpath={.spec.selector.matchLabels}' 2>&1)
rc=$?
check "get deployment in another namespace is NotFound" \
	test "$rc:$out" = "1:Error from server (NotFound): deployments.apps \"$dep\" not found"

# --- get pods ------------------------------------------------------------------
out=$(kubectl get pods -n "$ns" -l app=operator-controller,control-plane=controller-manager -o "$pods_jsonpath" 2>&1)
rc=$?
check "get pods lists NAME<TAB>PHASE of the matching pods" \
	test "$rc:$out" = "0:$pod	Running
operator-controller-old99	Pending"
out=$(kubectl get pods -n "$ns" -l app=nothing -o "$pods_jsonpath" 2>&1)
rc=$?
check "get pods with no match prints nothing and succeeds" test "$rc:$out" = "0:"
out=$(kubectl get pods -n "$ns" -l '{"app":"operator-controller"}' -o "$pods_jsonpath" 2>&1)
rc=$?
check "get pods rejects a JSON selector" test "$rc" = 1 -a -n "$out"

# --- unsupported ---------------------------------------------------------------
out=$(kubectl version --client 2>&1)
rc=$?
check "unsupported commands fail with the documented message" \
	test "$rc:$out" = "1:error: fake kubectl does not support: version --client"
out=$(kubectl get pods -n "$ns" -o json 2>&1)
rc=$?
check "unsupported output formats fail" test "$rc:$out" = "1:error: fake kubectl does not support: get pods -n $ns -o json"

# --- port-forward errors ---------------------------------------------------------
out=$(kubectl port-forward -n "$ns" pod/operator-controller-old99 :6060 2>&1)
rc=$?
check "port-forward to a Pending pod fails like kubectl" \
	test "$rc:$out" = "1:error: unable to forward port because pod is not running. Current status=Pending"
out=$(kubectl port-forward -n "$ns" pod/ghost :6060 2>&1)
rc=$?
check "port-forward to a missing pod is NotFound" test "$rc:$out" = '1:Error from server (NotFound): pods "ghost" not found'
echo "injected" >"$state/forward-fail"
out=$(kubectl port-forward -n "$ns" pod/$pod :6060 2>&1)
rc=$?
check "forward-fail makes port-forward fail" test "$rc:$out" = "1:error: injected"
rm -f "$state/forward-fail"
echo 1 >"$state/forward-fail-times"
out=$(kubectl port-forward -n "$ns" pod/$pod :6060 2>&1)
rc=$?
check "forward-fail-times 1 fails once" test "$rc" = 1
check "forward-fail-times counts down to 0" test "$(<"$state/forward-fail-times")" = 0

# --- port-forward ----------------------------------------------------------------
start_forward "$pod" "$work/pf1" port-forward -n "$ns" --address 127.0.0.1 "pod/$pod" :6060
pf1=$fwd_pid
if wait_for 10 has_forwarding "$work/pf1.out"; then
	ok "port-forward prints the Forwarding line"
else
	fail "port-forward prints the Forwarding line"
	cat "$work/pf1.err" >&2
fi
lport=$(local_port_of "$work/pf1.out")
check "with --address 127.0.0.1 there is exactly one Forwarding line, '-> 6060'" \
	test "$(cat "$work/pf1.out")" = "Forwarding from 127.0.0.1:$lport -> 6060"
check "forward-$pod.pid holds the kubectl pid" test "$(cat "$state/forward-$pod.pid" 2>/dev/null)" = "$pf1"
check "forward-$pod.port holds the local port" test "$(cat "$state/forward-$pod.port" 2>/dev/null)" = "$lport"
furl=http://127.0.0.1:$lport

magic() { head -c2 "$1" | od -An -tx1 | tr -d ' \n'; }
code=$(curl -s -o "$work/heap.pb.gz" -w '%{http_code}' "$furl/debug/pprof/heap")
check "heap through the forward: 200 and gzip magic 1f8b" test "$code:$(magic "$work/heap.pb.gz")" = "200:1f8b"
check "the heap profile is a complete gzip stream" gzip -t "$work/heap.pb.gz"

set_fault() { curl -s -o /dev/null -w '%{http_code}' -X POST "$furl/admin/fault?mode=$1${2:+&$2}"; }

check "POST /admin/fault?mode=404" test "$(set_fault 404)" = 200
code=$(curl -s -o "$work/body" -w '%{http_code}' "$furl/debug/pprof/heap")
check "fault 404: 404 '404 page not found'" test "$code:$(cat "$work/body")" = "404:404 page not found"

check "POST /admin/fault?mode=500" test "$(set_fault 500)" = 200
code=$(curl -s -o "$work/body" -w '%{http_code}' "$furl/debug/pprof/heap")
check "fault 500: status 500 with a text body" test "$code" = 500 -a -s "$work/body"

check "POST /admin/fault?mode=html" test "$(set_fault html)" = 200
res=$(curl -s -o "$work/body" -w '%{http_code} %{content_type}' "$furl/debug/pprof/heap")
check "fault html: 200 text/html" test "$res" = "200 text/html; charset=utf-8"
check "fault html: body is HTML" grep -qi '<html' "$work/body"

check "POST /admin/fault?mode=truncated" test "$(set_fault truncated)" = 200
code=$(curl -s -o "$work/body" -w '%{http_code}' "$furl/debug/pprof/heap")
check "fault truncated: 200 with gzip magic" test "$code:$(magic "$work/body")" = "200:1f8b"
check "fault truncated: the gzip stream is cut short" bash -c '! gzip -t "$1" 2>/dev/null' _ "$work/body"

check "POST /admin/fault?mode=slow&delay=3s" test "$(set_fault slow delay=3s)" = 200
curl -s -o /dev/null --max-time 1 "$furl/debug/pprof/heap"
check "fault slow: a 1 s client timeout expires (curl exit 28)" test "$?" = 28

check "POST /admin/fault?mode=none" test "$(set_fault none)" = 200
code=$(curl -s -o "$work/heap2.pb.gz" -w '%{http_code}' "$furl/debug/pprof/heap")
check "fault none: heap works again" test "$code:$(magic "$work/heap2.pb.gz")" = "200:1f8b"
check "an unknown fault mode is refused with 400" test "$(set_fault bogus)" = 400

# Killing the forward pid ends the forward and its connections.
kill "$pf1"
reap "$pf1"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$furl/healthz")
check "after killing the forward pid, its port refuses connections" test "$code" = 000

# Default address: both Forwarding lines, like kubectl.
start_forward "$pod" "$work/pf2" port-forward "pod/$pod" -n "$ns" :6060
pf2=$fwd_pid
wait_for 10 has_forwarding "$work/pf2.out"
wait_for 2 grep -q '^Forwarding from \[::1\]' "$work/pf2.out"
lport2=$(local_port_of "$work/pf2.out")
check "without --address: 127.0.0.1 and [::1] Forwarding lines" test "$(cat "$work/pf2.out")" = "Forwarding from 127.0.0.1:$lport2 -> 6060
Forwarding from [::1]:$lport2 -> 6060"
# A kept-alive connection dies with the forward (unlike socat fork children).
python3 - "$lport2" "$pf2" >"$work/keepalive.txt" 2>&1 <<'PY'
import http.client, os, signal, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
c.request("GET", "/healthz"); r = c.getresponse(); r.read()
first = r.status
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
try:
    c.request("GET", "/healthz"); r = c.getresponse(); r.read(); second = r.status
except Exception as e:
    second = type(e).__name__
print(first, second)
PY
reap "$pf2"
check "a keep-alive connection through the forward dies with it" \
	bash -c 'read -r a b <"$1"; [ "$a" = 200 ] && [ "$b" != 200 ]' _ "$work/keepalive.txt"

# forward-delay postpones the Forwarding line.
echo 1 >"$state/forward-delay"
t0=$(date +%s%N)
start_forward "$pod" "$work/pf3" port-forward -n "$ns" "pod/$pod" :6060
pf3=$fwd_pid
wait_for 10 has_forwarding "$work/pf3.out"
t1=$(date +%s%N)
check "forward-delay 1 delays the Forwarding line by >= 1 s" test $(((t1 - t0) / 1000000)) -ge 1000
rm -f "$state/forward-delay"
kill "$pf3"
reap "$pf3"

# forward-die-after: the forward exits 1 with "lost connection to pod".
echo 1 >"$state/forward-die-after"
start_forward "$pod" "$work/pf4" port-forward -n "$ns" "pod/$pod" :6060
pf4=$fwd_pid
wait_for 10 has_forwarding "$work/pf4.out"
check "forward-die-after 1: the forward exits by itself" wait_for 5 dead "$pf4"
reap "$pf4"
rc=$reaped
check "forward-die-after: exit status 1" test "$rc" = 1
check "forward-die-after: 'error: lost connection to pod' on stderr" grep -qx 'error: lost connection to pod' "$work/pf4.err"
rm -f "$state/forward-die-after"

# Pod replaced mid-run: rewriting pods ends the forward to the old name.
start_forward "$pod" "$work/pf5" port-forward -n "$ns" "pod/$pod" :6060
pf5=$fwd_pid
wait_for 10 has_forwarding "$work/pf5.out"
sed "s/^$pod /operator-controller-new77 /" "$state/pods" >"$state/pods.new" && mv "$state/pods.new" "$state/pods"
check "replacing the pod ends the old forward" wait_for 5 dead "$pf5"
reap "$pf5"
out=$(kubectl get pods -n "$ns" -l app=operator-controller -o "$pods_jsonpath" 2>&1)
check "get pods shows the replacement pod" test "$out" = "operator-controller-new77	Running
operator-controller-old99	Pending"
start_forward new "$work/pf6" port-forward -n "$ns" pod/operator-controller-new77 :6060
pf6=$fwd_pid
wait_for 10 has_forwarding "$work/pf6.out"
lport6=$(local_port_of "$work/pf6.out")
code=$(curl -s -o "$work/heap3.pb.gz" -w '%{http_code}' "http://127.0.0.1:$lport6/debug/pprof/heap")
check "forwarding to the replacement pod works" test "$code:$(magic "$work/heap3.pb.gz")" = "200:1f8b"
kill "$pf6"
reap "$pf6"

# get --raw: the API server's pod proxy, to the pod's target.
proxy=/api/v1/namespaces/$ns/pods/operator-controller-new77:6060/proxy
kubectl get --raw "$proxy/debug/pprof/heap?gc=1" >"$work/raw-heap.pb.gz" 2>"$work/raw.err"
rc=$?
check "get --raw proxies to the pod's target (a gzip profile on stdout)" \
	test "$rc:$(magic "$work/raw-heap.pb.gz")" = "0:1f8b"
out=$(kubectl get --raw "$proxy/debug/pprof/nope" 2>&1)
check "get --raw: a 404 of the pod in kubectl's words" \
	test "$?:$out" = "1:Error from server (NotFound): the server could not find the requested resource"
out=$(kubectl get --raw "/api/v1/namespaces/$ns/pods/gone-pod:6060/proxy/debug/pprof/heap" 2>&1)
check "get --raw: an unknown pod is NotFound" \
	test "$?:$out" = '1:Error from server (NotFound): pods "gone-pod" not found'
echo ServiceUnavailable >"$state/raw-fail"
out=$(kubectl get --raw "$proxy/debug/pprof/heap" 2>&1)
check "raw-fail ServiceUnavailable: the server refuses every proxy call" \
	test "$?:$out" = "1:Error from server (ServiceUnavailable): the server is currently unable to handle the request"
rm -f "$state/raw-fail"
echo Forbidden >"$state/raw-fail-operator-controller-new77"
out=$(kubectl get --raw "$proxy/debug/pprof/heap" 2>&1)
check "raw-fail-POD Forbidden: RBAC refuses pods/proxy for that pod" \
	test "$?:$out" = "1:Error from server (Forbidden): pods \"operator-controller-new77\" is forbidden: User \"system:serviceaccount:e2e:e2e-profile\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"$ns\""
echo NotFound >"$state/raw-fail-operator-controller-new77"
out=$(kubectl get --raw "$proxy/debug/pprof/heap" 2>&1)
check "raw-fail-POD NotFound" test "$?:$out" = '1:Error from server (NotFound): pods "operator-controller-new77" not found'
rm -f "$state/raw-fail-operator-controller-new77"
out=$(kubectl get --raw "/api/v1/namespaces/$ns/pods/operator-controller-old99:6060/proxy/debug/pprof/heap" 2>&1)
check "get --raw: a Pending pod cannot be reached" test "$?" = 1
out=$(kubectl get --raw "$proxy/debug/pprof/heap" -n "$ns" 2>&1)
check "get --raw takes no -n (the namespace is in the path)" test "$?" = 1
check "calls.log records get --raw" grep -qxF -e "get --raw $proxy/debug/pprof/heap?gc=1" "$state/calls.log"

# calls.log
n_pf=$(grep -c '^port-forward ' "$state/calls.log")
check "calls.log has one line per invocation (10 port-forwards so far)" test "$n_pf" = 10
check "calls.log records global flags verbatim" \
	grep -qxF -e "--context kind-e2e --kubeconfig $work/kubeconfig get deployment nope -n $ns -o jsonpath={.spec.selector.matchLabels}" "$state/calls.log"
check "calls.log records port-forward" grep -qxF -e "port-forward -n $ns --address 127.0.0.1 pod/$pod :6060" "$state/calls.log"

# Crash: POST /admin/exit ends the target with status 1 (default).
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$turl/admin/exit")
check "POST /admin/exit answers 200" test "$code" = 200
check "the target exits after /admin/exit" wait_for 5 dead "$target_pid"
reap "$target_pid"
rc=$reaped
check "the target's exit status is 1" test "$rc" = 1

# SIGTERM: clean exit 0.
"$target_bin" -mode baseline -schema-kib 256 -listen 127.0.0.1:0 -port-file "$work/t2.port" -exit-after 120s \
	>"$work/t2.out" 2>"$work/t2.err" &
t2=$!
children[$t2]=1
wait_for 15 test -s "$work/t2.port"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$work/t2.port")/work?n=2")
check "baseline mode: /work answers 200" test "$code" = 200
kill -TERM "$t2"
reap "$t2"
check "SIGTERM: the target exits 0" test "$reaped" = 0

# No stray processes: nothing of ours is left running.
for p in "${!children[@]}"; do
	if alive "$p"; then
		fail "child $p still running"
	fi
done
sleep 0.2
strays=$(ps -eo pid=,args= | grep -F "$work" | grep -v grep || true)
check "no process mentioning $work is left" test -z "$strays"
[ -z "$strays" ] || echo "$strays" >&2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
