#!/usr/bin/env bash
# Benchmark of issue 3: `e2e-profile top` against `go tool pprof -top` on a
# large realistic heap profile, with `gzip -dc` as the floor.
# Targets: top >= 5x faster than pprof, <= 3x the gzip floor, peak RSS <= 1/3
# of pprof's.
# usage: bench/top_vs_pprof.sh [E2E_PROFILE_EXE] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-$here/../build/e2e-profile}
runs=${2:-7}
work=${BENCH_DIR:-/tmp/e2e-profile-bench}
mkdir -p "$work"
profile=$work/large-heap.pb.gz
if [ ! -s "$profile" ]; then
	echo "generating $profile ..."
	(cd "$here/gen-large-heap" && GOFLAGS=-mod=mod GOPROXY=off go run . "$profile")
fi
echo "profile: $profile ($(stat -c %s "$profile") bytes compressed, $(gzip -dc "$profile" | wc -c) bytes raw)"
export TZ=UTC
python3 "$here/measure.py" "$runs" "gzip -dc (floor)" -- gzip -dc "$profile"
python3 "$here/measure.py" "$runs" "e2e-profile top" -- "$exe" top "$profile"
python3 "$here/measure.py" "$runs" "go tool pprof -top" -- go tool pprof -symbolize=none -top "$profile"
# Same answer, or the timing means nothing.
if "$exe" top "$profile" | cmp -s - <(go tool pprof -symbolize=none -top "$profile" 2>/dev/null); then
	echo "outputs: identical"
else
	echo "outputs: DIFFERENT"
	exit 1
fi
