#!/usr/bin/env bash
# A short, bounded libFuzzer run of the pprof decoder for CI: the committed
# profiles (and their raw protobuf forms) seed a scratch corpus, so the repo
# is never written to. A crash, leak or sanitizer report fails the run.
# usage: scripts/fuzz-smoke.sh FUZZ_BINARY [SECONDS]
set -eu
fuzzer=$1
seconds=${2:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(mktemp -d)
artifacts=$(mktemp -d)
trap 'rm -rf "$corpus" "$artifacts"' EXIT
n=0
for f in "$here"/tests/pprof/data/*.pb.gz "$here"/tests/pprof/data/*.pb \
	"$here"/tests/pprof/data/invalid/*.pb.gz "$here"/tests/pprof/data/bad/*; do
	[ -f "$f" ] || continue
	cp "$f" "$corpus/seed-$n"
	# The raw protobuf too: mutations inside gzip mostly break the CRC.
	gzip -dc "$f" >"$corpus/raw-$n" 2>/dev/null || rm -f "$corpus/raw-$n"
	n=$((n + 1))
done
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	echo "fuzz-smoke: the fuzzer found a problem (exit $status); inputs in $artifacts:"
	ls -l "$artifacts"
	exit 1
fi
echo "fuzz-smoke: 1 passed, 0 failed"
