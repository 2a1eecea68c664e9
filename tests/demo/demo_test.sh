#!/usr/bin/env bash
# make demo's steps, shortened (3 s of workload per repetition, 4 per side):
# both repeated runs, the comparison, the key rows printed, OpenAPI and JSON
# decoding falling significantly, the runtime figures beside them, and no
# process left behind.
# usage: demo_test.sh SOURCE_ROOT BUILD_ROOT
set -u
root=$1
build=$2
if [ ! -x "$build/tests/target/e2e-target" ]; then
	echo "skip: the demo needs tests/target built, which needs Go (golang-go)"
	exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
check() {
	if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
DEMO_SECONDS=3 DEMO_INTERVAL=1 DEMO_REPEAT=4 DEMO_OUTPUT="$out/demo" bash "$root/scripts/demo.sh" "$build" >"$out/log" 2>&1
status=$?
check "demo exits 0" [ "$status" -eq 0 ]
check "prints the peak row" grep -q '^| Peak in-use memory |' "$out/log"
check "prints the OpenAPI row" grep -q '^| OpenAPI: in use at the peak |' "$out/log"
check "says where the reports are" grep -q "comparisons/baseline-vs-with-caching.md" "$out/log"
for file in baseline/analysis.md with-caching/analysis.md comparisons/baseline-vs-with-caching.json; do
	check "$file written" test -s "$out/demo/$file"
done
falls() { # ID: B below A in the comparison
	python3 - "$out/demo/comparisons/baseline-vs-with-caching.json" "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for section in doc["sections"]:
    for item in section["items"]:
        if item["type"] == "comparison" and item["id"] == sys.argv[2]:
            sys.exit(0 if item["b"] < item["a"] and item["significant"] is True and
                     (item["n_a"], item["n_b"]) == (4, 4) else 1)
sys.exit(1)
PY
}
check "peak falls significantly" falls peak
check "OpenAPI falls significantly" falls category.openapi
check "JSON decoding falls" falls category.json
check "prints the verdict" grep -q '^  peak in-use memory (sampled heap): .* significant$' "$out/log"
check "prints the runtime figures" grep -q '^| Runtime HeapInuse (peak) |' "$out/log"
check "each side repeated" test -s "$out/demo/baseline/rep4/run.json"
check "no demo service left" bash -c "! pgrep -f '$build/tests/target/e2e-targe[t] .*-exit-after 600s' >/dev/null"
[ "$failed" -eq 0 ] || cat "$out/log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
