#!/bin/bash
# Demo/check of the baseline vs cached memory optimisation.
#   usage: tests/target/measure-openapi.sh TARGET_BIN [SECONDS] [OUTDIR]
# Runs e2e-target in baseline and in cached mode (in parallel) for SECONDS
# (default 10), takes /debug/pprof/heap from each, and prints the
# `go tool pprof -top` totals and the share of frames matching openapi and
# encoding/json. Exits 1 unless baseline in-use is >= 30% above cached and the
# openapi share falls. Profiles are left in OUTDIR (default: a temp dir).
set -u
bin=${1:?usage: $0 TARGET_BIN [SECONDS] [OUTDIR]}
secs=${2:-10}
out=${3:-$(mktemp -d)}
mkdir -p "$out"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

for m in baseline cached; do
	rm -f "$out/$m.port"
	"$bin" -mode "$m" -listen 127.0.0.1:0 -port-file "$out/$m.port" -exit-after $((secs + 120))s \
		>"$out/$m.stdout" 2>"$out/$m.stderr" &
	pids+=($!)
done
for m in baseline cached; do
	for _ in $(seq 100); do [ -s "$out/$m.port" ] && break; sleep 0.1; done
	[ -s "$out/$m.port" ] || { echo "$m: target did not start" >&2; cat "$out/$m.stderr" >&2; exit 1; }
done
# A "test command" hitting /work a few times, as an e2e suite would.
for m in baseline cached; do
	curl -sf "http://127.0.0.1:$(cat "$out/$m.port")/work?n=3" >/dev/null || { echo "$m: /work failed" >&2; exit 1; }
done
sleep "$secs"
for m in baseline cached; do
	curl -sf -o "$out/$m.heap.pb.gz" "http://127.0.0.1:$(cat "$out/$m.port")/debug/pprof/heap" || { echo "$m: heap fetch failed" >&2; exit 1; }
done

# "Showing nodes accounting for X, P% of TOTAL total" -> TOTAL (bytes)
tobytes() { # 49.60MB -> bytes
	awk -v v="$1" 'BEGIN{n=v+0; u=v; sub(/^[-0-9.]+/,"",u); m=1;
		if(u=="kB")m=1024; else if(u=="MB")m=1024^2; else if(u=="GB")m=1024^3;
		printf "%.0f\n", n*m}'
}
header() { TZ=UTC go tool pprof -symbolize=none -top -sample_index=inuse_space "$@" 2>/dev/null | grep -m1 '^Showing nodes'; }
declare -A total openapi json
for m in baseline cached; do
	f=$out/$m.heap.pb.gz
	TZ=UTC go tool pprof -symbolize=none -top -sample_index=inuse_space "$f" >"$out/$m.top.txt" 2>&1
	t=$(header "$f" | sed -E 's/.* of ([^ ]+) total.*/\1/')
	o=$(header -focus=openapi "$f" | sed -E 's/Showing nodes accounting for ([^,]+),.*/\1/')
	j=$(header -focus=encoding/json "$f" | sed -E 's/Showing nodes accounting for ([^,]+),.*/\1/')
	total[$m]=$(tobytes "$t"); openapi[$m]=$(tobytes "${o:-0}"); json[$m]=$(tobytes "${j:-0}")
	printf '%-8s in-use total %-9s  focus=openapi %-9s (%5.1f%%)  focus=encoding/json %-9s (%5.1f%%)\n' \
		"$m" "$t" "${o:-0}" "$(awk -v a="${openapi[$m]}" -v b="${total[$m]}" 'BEGIN{print 100*a/b}')" \
		"${j:-0}" "$(awk -v a="${json[$m]}" -v b="${total[$m]}" 'BEGIN{print 100*a/b}')"
done
awk -v b="${total[baseline]}" -v c="${total[cached]}" -v ob="${openapi[baseline]}" -v oc="${openapi[cached]}" 'BEGIN{
	printf "baseline/cached in-use: %.2fx (cached is %.1f%% lower); openapi bytes fall by %.1f%%\n", b/c, 100*(b-c)/b, 100*(ob-oc)/ob
	ok = (b >= 1.3*c) && (ob/b > oc/c)
	exit ok ? 0 : 1 }'
