#!/usr/bin/env bash
# Regenerates the two run directories of this data set with e2e-profile
# itself: baseline/ (e2e-target -mode baseline) and with-caching/
# (e2e-target -mode cached). The runs are data made once (README.md); run
# this only to replace them, and then run make-expected.sh again.
#
# usage: make-runs.sh E2E_PROFILE_EXE TARGET_BIN [OUTDIR]
#   e.g. tests/analysis/data/make-runs.sh /tmp/analysis-build/e2e-profile \
#          /tmp/analysis-build/tests/target/e2e-target
#   OUTDIR defaults to the directory of this script.
#
# For each run (NAME, MODE) it does:
#   e2e-target -mode MODE -listen 127.0.0.1:0 -exit-after 120s &   # stdout: listening on 127.0.0.1:PORT
#   e2e-profile -o OUTDIR run NAME --collector http --url http://127.0.0.1:PORT -i 1 -- \
#       bash -c 'end=$((SECONDS + 8)); while [ $SECONDS -lt $end ]; do curl -sf "$URL/work?n=2" >/dev/null; sleep 0.2; done'
#   kill the target
# (the workload curls /work?n=2 every 0.2 s for about 8 s, so about 10 heap
# snapshots), then keeps only heap*.pprof, run.json, test.log and
# collection.log of the run.
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE TARGET_BIN [OUTDIR]}")
target_bin=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE TARGET_BIN [OUTDIR]}")
out=$(realpath "${3:-$(dirname "$0")}")
work=$(mktemp -d)
target_pid=
cleanup() {
	[ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

make_run() { # NAME MODE
	local name=$1 mode=$2 port=
	if [ -e "$out/$name" ]; then
		echo "$out/$name exists; remove it first to make it again" >&2
		exit 1
	fi
	"$target_bin" -mode "$mode" -listen 127.0.0.1:0 -exit-after 120s >"$work/$name.target" 2>&1 &
	target_pid=$!
	for _ in $(seq 100); do
		port=$(sed -n '1s/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.target")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || { echo "$name: the target did not start" >&2; cat "$work/$name.target" >&2; exit 1; }
	local url=http://127.0.0.1:$port
	# shellcheck disable=SC2016 # $URL and $SECONDS are the workload shell's
	URL=$url "$exe" -o "$out" run "$name" --collector http --url "$url" -i 1 -- \
		bash -c 'end=$((SECONDS + 8)); while [ $SECONDS -lt $end ]; do curl -sf "$URL/work?n=2" >/dev/null; sleep 0.2; done'
	local rc=$?
	kill "$target_pid" && wait "$target_pid"
	target_pid=
	[ "$rc" -eq 0 ] || { echo "$name: e2e-profile run exited $rc" >&2; exit 1; }
	# Keep the inputs only: the analysis outputs are what the test makes.
	find "$out/$name" -mindepth 1 -maxdepth 1 \
		! -name 'heap*.pprof' ! -name run.json ! -name test.log ! -name collection.log \
		-exec rm -rf {} +
}

make_run baseline baseline
make_run with-caching cached
rm -rf "$out/comparisons"
du -sh "$out"
