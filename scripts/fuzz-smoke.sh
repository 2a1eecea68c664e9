#!/usr/bin/env bash
# A short, bounded libFuzzer run of one target for CI. Seed files (and, for
# gzip seeds, their raw protobuf forms) go into a scratch corpus, so the repo
# is never written to. A crash, leak or sanitizer report fails the run, and
# the input that caused it is kept where the failure message points.
# usage: scripts/fuzz-smoke.sh FUZZ_BINARY SECONDS SEED...
set -eu
fuzzer=$1
seconds=${2:-20}
shift 2
name=$(basename "$fuzzer")
corpus=$(mktemp -d)
# Kept on failure: beside the binary, out of the source tree.
artifacts=${FUZZ_ARTIFACTS:-$(cd "$(dirname "$fuzzer")" && pwd)/fuzz-artifacts/$name}
mkdir -p "$artifacts"
trap 'rm -rf "$corpus"' EXIT
n=0
for f in "$@"; do
	[ -f "$f" ] || continue
	cp "$f" "$corpus/seed-$n"
	# The raw protobuf too: mutations inside gzip mostly break the CRC.
	case $f in *.gz) gzip -dc "$f" >"$corpus/raw-$n" 2>/dev/null || rm -f "$corpus/raw-$n" ;; esac
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "fuzz-smoke: $name: no seed file given"; exit 1; }
set +e
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
	echo "fuzz-smoke: $name found a problem (exit $status); the input is kept in $artifacts:"
	ls -l "$artifacts"
	echo "reproduce: $fuzzer $artifacts/<file>"
	exit 1
fi
echo "fuzz-smoke: $name: 1 passed, 0 failed ($n seeds, $seconds s)"
