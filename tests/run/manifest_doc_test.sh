#!/usr/bin/env bash
# docs/run-json.md says what run.json holds: manifests written now by
# `run` (a good snapshot, a failed one, collector events, a test command)
# are compared field by field with the doc's example (manifest_doc_test.py),
# so a field added to one and not the other fails here.
# usage: manifest_doc_test.sh E2E_PROFILE_EXE TARGET_BIN FAKE_KUBECTL_DIR DOC
set -u
exe=$(realpath "$1")
target_bin=$(realpath "$2")
fake_kubectl=$(realpath "$3")
doc=$(realpath "$4")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_DIR E2E_PROFILE_PLUGIN_PATH

log=$work/target.out
"$target_bin" -listen 127.0.0.1:0 -exit-after 120s -mode idle >"$log" 2>&1 &
pids+=($!)
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "target did not start: $(cat "$log")"; exit 1; }

# A kubectl run whose forward dies (events), and whose target stops
# answering for a round (a failed snapshot with its error).
export PATH=$fake_kubectl:$PATH
export FAKE_KUBECTL_STATE=$work/kube
mkdir -p "$FAKE_KUBECTL_STATE"
echo '{"app":"operator-controller"}' \
	>"$FAKE_KUBECTL_STATE/deployment-operator-controller-controller-manager.selector"
printf 'controller-a Running %s app=operator-controller\n' "$port" >"$FAKE_KUBECTL_STATE/pods"
"$exe" -q -o out run kube --collector kubectl -i 1 -- \
	sh -c "sleep 1.5; kill \$(cat $FAKE_KUBECTL_STATE/forward-controller-a.pid); sleep 2.2" 2>err
# An http run against a port nobody listens on: every attempt fails.
"$exe" -q -o out run dead --collector http --url http://127.0.0.1:9 -i 1 -- sleep 1.2 2>>err
manifests=(out/*/run.json)
if [ "${#manifests[@]}" -ne 2 ]; then
	echo "FAIL: expected 2 manifests, got ${manifests[*]}"
	cat err
	echo "0 passed, 1 failed"
	exit 1
fi
python3 "$here/manifest_doc_test.py" "$doc" "${manifests[@]}"
