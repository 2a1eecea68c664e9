#!/usr/bin/env bash
# `run --collector apiserver` against real Go targets playing the pods,
# through the stand-in kubectl (tests/fake-kubectl) first on PATH: snapshots
# come through `kubectl get --raw` on the pod proxy with no port-forward,
# replicas land in their own directories, and what the API server refuses
# is recorded in its own words. Also --context / --kubeconfig on run.
# usage: apiserver_test.sh E2E_PROFILE_EXE TARGET_BIN FAKE_KUBECTL_DIR
set -u
exe=$(realpath "$1")
target_bin=$(realpath "$2")
fake_kubectl=$(realpath "$3")
command -v python3 >/dev/null || { echo "python3 is needed to read run.json"; exit 77; }
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
passed=0
failed=0

check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name"
		[ -f err ] && sed 's/^/  stderr: /' err | head -n 15
	fi
}

# Starts an e2e-target; sets target_port.
start_target() {
	local log=$work/target-$RANDOM.out
	"$target_bin" -listen 127.0.0.1:0 -exit-after 300s "$@" >"$log" 2>&1 &
	pids+=("$!")
	for _ in $(seq 100); do
		target_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
		[ -n "$target_port" ] && return 0
		sleep 0.05
	done
	echo "target did not start: $(cat "$log")"
	exit 1
}

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
is() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'"; return 1; }; }
ge() { [ "$1" -ge "$2" ] || { echo "  expected >= $2, got '$1'"; return 1; }; }
ep() { "$exe" -o "$work/out" "$@" >stdout.txt 2>err; status=$?; }

export PATH=$fake_kubectl:$PATH
export FAKE_KUBECTL_STATE=$work/kube
state=$FAKE_KUBECTL_STATE
mkdir -p "$state"
echo '{"app":"operator-controller"}' >"$state/deployment-operator-controller-controller-manager.selector"
start_target -mode idle
port_a=$target_port
start_target -mode baseline
port_b=$target_port
set_pods() { printf '%s\n' "$@" >"$state/pods.new" && mv "$state/pods.new" "$state/pods"; }
proxy=/api/v1/namespaces/olmv1-system/pods
# The kubectl processes a run started that are still there (none may be).
# kubectl's pid is raw.py or forward.py once the script execs them.
kubectl_left() {
	ps -eo args= | grep -F -e "$fake_kubectl/raw.py" -e "$fake_kubectl/forward.py" \
		-e "$fake_kubectl/kubectl" | grep -v -e grep -e apiserver_test.sh || true
}

# 1. Two replicas through the pod proxy, with --context and --kubeconfig.
set_pods "controller-a Running $port_a app=operator-controller" \
	"controller-b Running $port_b app=operator-controller" \
	"controller-c Pending 1 app=operator-controller"
ep run api --collector apiserver --context kind-e2e --kubeconfig "$work/kubeconfig" -i 1 \
	--profiles heap,goroutine -- sleep 2.2
dir=out/api
check "replicas: exit 0" is "$status" 0
check "replicas: pod a" test -s $dir/controller-a/heap0.pprof
check "replicas: pod b" test -s $dir/controller-b/heap0.pprof
check "replicas: goroutine profiles too" test -s $dir/controller-b/goroutine0.pprof
check "replicas: the Pending pod is not profiled" test ! -e $dir/controller-c
check "replicas: layout recorded" is "$(json $dir/run.json 'd["settings"]["layout"]')" per-source
check "replicas: several rounds" ge "$(ls $dir/controller-a/heap*.pprof | wc -l)" 3
check "replicas: every snapshot ok" is "$(json $dir/run.json 'all(s["ok"] for s in d["snapshots"])')" True
check "replicas: both pods are sources" is "$(json $dir/run.json 'sorted(set(s["source"] for s in d["snapshots"]))')" "['controller-a', 'controller-b']"
check "replicas: each pod's own target (b is the baseline-mode one)" \
	is "$(json $dir/run.json 'max((s for s in d["snapshots"] if s["kind"] == "heap"), key=lambda s: s["inuse_bytes"])["source"]')" controller-b
check "replicas: no port-forward started" bash -c "! grep -q port-forward '$state/calls.log'"
check "replicas: no forward pid file" bash -c "! ls '$state'/forward-* >/dev/null 2>&1"
check "replicas: get --raw with the flags" \
	grep -qxF -e "--context kind-e2e --kubeconfig $work/kubeconfig get --raw $proxy/controller-a:6060/proxy/debug/pprof/heap" "$state/calls.log"
check "replicas: goroutine through the proxy" \
	grep -qF -e "get --raw $proxy/controller-b:6060/proxy/debug/pprof/goroutine" "$state/calls.log"
check "replicas: every call had the flags" bash -c "! grep -v '^--context kind-e2e --kubeconfig $work/kubeconfig ' '$state/calls.log'"
check "replicas: no kubectl left running" is "$(kubectl_left)" ""

# 2. A pod the API server does not find: its snapshots fail in its words.
: >"$state/calls.log"
echo NotFound >"$state/raw-fail-controller-b"
ep run notfound --collector apiserver -i 1 -- sleep 1.2
rm -f "$state/raw-fail-controller-b"
dir=out/notfound
check "notfound: the run completes" is "$status" 0
check "notfound: pod a ok" is "$(json $dir/run.json 'all(s["ok"] for s in d["snapshots"] if s["source"] == "controller-a")')" True
check "notfound: pod b failed every time" is "$(json $dir/run.json 'any(s["source"] == "controller-b" for s in d["snapshots"]) and not any(s["ok"] for s in d["snapshots"] if s["source"] == "controller-b")')" True
check "notfound: in the server's words" is "$(json $dir/run.json 'all("Error from server (NotFound): pods \"controller-b\" not found" in s["error"] for s in d["snapshots"] if s["source"] == "controller-b")')" True
check "notfound: no file for pod b" bash -c "! ls $dir/controller-b/heap*.pprof >/dev/null 2>&1"

# 3. ServiceUnavailable, then the server recovers mid-run.
set_pods "controller-a Running $port_a app=operator-controller"
echo ServiceUnavailable >"$state/raw-fail"
ep run unavailable --collector apiserver -i 1 -- sh -c "sleep 1.5; rm $state/raw-fail; sleep 2.2"
dir=out/unavailable
check "unavailable: the run completes" is "$status" 0
check "unavailable: first snapshots failed in the server's words" is "$(json $dir/run.json '"Error from server (ServiceUnavailable): the server is currently unable to handle the request" in d["snapshots"][0]["error"]')" True
check "unavailable: recovered" is "$(json $dir/run.json 'd["snapshots"][-1]["ok"]')" True
check "unavailable: profiles after the recovery" is "$(json $dir/run.json 'sum(1 for s in d["snapshots"] if s["ok"]) >= 2')" True
check "unavailable: a recovered file decodes" bash -c "'$exe' top $dir/$(json $dir/run.json '[s for s in d["snapshots"] if s["ok"]][-1]["file"]') >/dev/null"

# 4. The API server is down from the start: start fails, saying why.
echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >"$state/get-fail"
ep run down --collector apiserver -i 1 -- true
rm -f "$state/get-fail"
check "down: exit 1" is "$status" 1
check "down: the reason is shown" grep -q "cannot find the pods to profile: kubectl get deployment operator-controller-controller-manager -n olmv1-system exited with status 1: The connection to the server 127.0.0.1:6443 was refused" err
check "down: the start error follows" grep -q "collector apiserver could not start" err

# 5. The server lists no pods any more mid-run, then again: an event.
set_pods "controller-a Running $port_a app=operator-controller"
ep run listing --collector apiserver -i 1 -- sh -c "sleep 1.2; touch $state/get-fail; sleep 2.5; rm $state/get-fail; sleep 1.5"
dir=out/listing
check "listing: the run completes" is "$status" 0
check "listing: a failed pod listing is an event with kubectl's words" is "$(json $dir/run.json 'any(e["type"] == "api-error" and "The connection to the server" in e["message"] for e in d["events"])')" True
check "listing: the last snapshot is ok" is "$(json $dir/run.json 'd["snapshots"][-1]["ok"]')" True

# 6. --context and --kubeconfig reach the kubectl collector too.
: >"$state/calls.log"
ep run ctx --collector kubectl --context kind-other --kubeconfig "$work/other" -i 1 -- sleep 0.5
check "kubectl --context: exit 0" is "$status" 0
check "kubectl --context: port-forward with the flags" \
	grep -qF -e "--context kind-other --kubeconfig $work/other port-forward -n olmv1-system pod/controller-a :6060" "$state/calls.log"
check "kubectl --context: no kubectl left running" is "$(kubectl_left)" ""

# 7. batch: a [run.NAME] with collector = apiserver takes the pod keys.
: >"$state/calls.log"
printf '[run.b-api]\ncollector = apiserver\nnamespace = olmv1-system\nselector = app=operator-controller\ninterval = 1\ncommand = sleep 1.2\n' >api.ini
ep batch api.ini
check "batch: exit 0" is "$status" 0
check "batch: snapshots" test -s out/b-api/heap0.pprof
check "batch: the selector reached the apiserver collector" \
	grep -qF -e "get pods -n olmv1-system -l app=operator-controller -o" "$state/calls.log"
check "batch: no deployment lookup with a selector" bash -c "! grep -q 'get deployment' '$state/calls.log'"

# 8. A wrong value is refused before anything runs, naming the key.
ep run badport --collector apiserver --port 0 -- true
check "bad port: refused" test "$status" -ne 0
check "bad port: names the key" grep -q "\[collector.apiserver\] port must be between 1 and 65535" err
check "bad port: no run directory" test ! -e out/badport/heap0.pprof

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
