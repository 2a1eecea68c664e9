#!/usr/bin/env bash
# Benchmark of issue 13: `top` and its pprof views on a 275k-sample heap
# profile (gen-large-heap -calls 275000, MemProfileRate=1), with `gzip -dc`
# as the floor; --base and --diff-base against a second such profile.
# Targets of the issue: top <= 60 MB peak RSS and <= 2x the floor; --base
# and --diff-base <= 120 MB.  Prints medians and peak RSS (measure.py).
# usage: bench/top_views.sh [E2E_PROFILE_EXE] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-$here/../build/e2e-profile}
runs=${2:-5}
work=${BENCH_DIR:-/tmp/e2e-profile-bench}
mkdir -p "$work"
profile=$work/heap275.pb.gz
base=$work/heap275b.pb.gz
for f in "$profile:0x9E3779B97F4A7C15" "$base:12345"; do
	path=${f%%:*}
	if [ ! -s "$path" ]; then
		echo "generating $path ..."
		(cd "$here/gen-large-heap" &&
			GOFLAGS=-mod=mod GOPROXY=off go run . -calls 275000 -seed "${f#*:}" "$path")
	fi
done
echo "profile: $profile ($(stat -c %s "$profile") bytes compressed, $(gzip -dc "$profile" | wc -c) bytes raw)"
export TZ=UTC
m() { python3 "$here/measure.py" "$runs" "$@"; }
m "gzip -dc (floor)" -- gzip -dc "$profile"
m "top" -- "$exe" top "$profile"
m "top --lines" -- "$exe" top --lines "$profile"
m "top --focus main" -- "$exe" top --focus main "$profile"
m "top --base" -- "$exe" top --base "$base" "$profile"
m "top --diff-base" -- "$exe" top --diff-base "$base" "$profile"
m "merge (2 profiles)" -- "$exe" merge "$work/merged.pb.gz" "$base" "$profile"
