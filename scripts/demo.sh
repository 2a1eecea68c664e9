#!/usr/bin/env bash
# The before/after story in one command (`make demo`): a Go service that
# decodes a large OpenAPI-like document on every request (baseline), then the
# same service with a cache (cached), each profiled by e2e-profile while a
# scripted workload runs, each side repeated (DEMO_REPEAT, default 4) so the
# comparison ends with a statistical verdict (Mann-Whitney U, docs/statistics.md)
# with the Go runtime's own memory figures beside the sampled heap.
# usage: scripts/demo.sh [BUILD_DIR]   (make demo builds first)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
exe=$build/e2e-profile
target=$build/tests/target/e2e-target
seconds=${DEMO_SECONDS:-8}
interval=${DEMO_INTERVAL:-1}
repeat=${DEMO_REPEAT:-4}
# A new directory per demo: earlier results are never touched.
out=${DEMO_OUTPUT:-$root/e2e-profiles-demo/$(date +%Y%m%d-%H%M%S)}
work=$(mktemp -d)
target_pid=

stop_target() {
	if [ -n "$target_pid" ]; then
		kill "$target_pid" 2>/dev/null || true
		# It shuts down within 5 s; a busy machine gets 10 before SIGKILL.
		for _ in $(seq 100); do
			kill -0 "$target_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$target_pid" 2>/dev/null || true
		wait "$target_pid" 2>/dev/null || true
		target_pid=
	fi
}
cleanup() {
	stop_target
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

start_target() { # MODE
	"$target" -listen 127.0.0.1:0 -mode "$1" -exit-after 600s >"$work/target.out" 2>&1 &
	target_pid=$!
	port=
	# Baseline mode decodes its document before listening: allow a busy
	# machine 30 s.
	for _ in $(seq 600); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/target.out" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || { echo "demo: the demo service did not start:"; cat "$work/target.out"; exit 1; }
	url=http://127.0.0.1:$port
}

# The "e2e suite": requests that make the service fetch its schema.
cat >"$work/workload.sh" <<'WORKLOAD'
#!/usr/bin/env bash
url=$1 seconds=$2
end=$((SECONDS + seconds))
requests=0
while [ $SECONDS -lt $end ]; do
	curl -fsS "$url/work?n=2" >/dev/null || exit 1
	requests=$((requests + 1))
	sleep 0.2
done
echo "workload: $requests requests in $seconds s"
WORKLOAD
chmod +x "$work/workload.sh"

for run in baseline with-caching; do
	mode=baseline
	[ $run = with-caching ] && mode=cached
	echo "== $run: the demo service in '$mode' mode, profiled every ${interval}s while the workload runs ${seconds}s, $repeat times"
	start_target $mode
	"$exe" -q -o "$out" run $run --repeat "$repeat" --collector http --url "$url" \
		-i "$interval" -- "$work/workload.sh" "$url" "$seconds"
	stop_target
done

echo "== compare baseline with-caching"
"$exe" -o "$out" compare baseline with-caching
report=$out/comparisons/baseline-vs-with-caching.md
echo
if [ -f "$report" ]; then
	# The key lines: the A/B table rows of peak memory and the categories.
	grep -m 1 -E '^\| Metric \| baseline ' "$report" || true
	grep -E '^\| (Peak|In-use objects|OpenAPI|JSON|Runtime HeapInuse|Runtime Sys|Peak resident)' "$report" || true
	echo
	echo "Verdict ($repeat repetitions per side; ~ = no significant change):"
	python3 - "${report%.md}.json" <<'VERDICT' || true
import json, sys
doc = json.load(open(sys.argv[1]))
items = {i["id"]: i for s in doc["sections"] for i in s["items"] if i["type"] == "comparison"}
for cid, name in (("peak", "peak in-use memory (sampled heap)"),
                  ("category.openapi", "OpenAPI"), ("category.json", "JSON decoding"),
                  ("runtime.heap_inuse", "runtime HeapInuse (measured)"),
                  ("runtime.max_rss", "peak resident memory, MaxRSS (measured)")):
    item = items.get(cid)
    if item is None or item.get("delta_percent") is None:
        continue
    p = item["p_value"]
    verdict = ("significant" if item["significant"] else "~ not significant") if p is not None else "not tested"
    print(f"  {name}: {item['delta_percent']:+.1f}% (p={p:.3g}, n={item['n_a']}+{item['n_b']}) {verdict}")
VERDICT
fi
echo
echo "Reports:"
echo "  $out/baseline/analysis.md"
echo "  $out/with-caching/analysis.md"
echo "  $report"
