#!/usr/bin/env bash
# Regenerate the golden `top` outputs in this directory from the committed
# profiles, using Debian's `go tool pprof` (Go 1.19's vendored pprof).
#
#   tests/pprof/data/regen.sh          # rewrite every golden file + golden.tsv
#
# Every golden file is the exact stdout of
#   TZ=UTC go tool pprof -symbolize=none -top [ARGS...] PROFILE
# run in this directory.  When pprof writes to stderr, that text is kept in
# GOLDEN-without-.txt.stderr.txt for information (it is not part of the
# contract).  golden.tsv lists every case as
#   <golden file> TAB <profile> TAB <the same options in e2e-profile top's syntax>
#
# The profiles themselves are NOT regenerated here:
#   - heap, heap2, allocs, cpu, goroutine: ../gen/realprof (real Go runtime
#     profiles, kept as data; re-running that program changes them);
#   - everything else: python3 ../gen/edgecases.py (deterministic).
set -euo pipefail
cd "$(dirname "$0")"

export TZ=UTC
PPROF=(go tool pprof -symbolize=none -top)

manifest=golden.tsv.tmp
: >"$manifest"

# gold GOLDEN PROFILE [PPROF_OPTION...]
#   PPROF_OPTION is one of -cum, -sample_index=X, -nodecount=N, -base=FILE
gold() {
	local golden=$1 profile=$2
	shift 2
	local stderr_file=${golden%.txt}.stderr.txt
	"${PPROF[@]}" "$@" "$profile" >"$golden" 2>"$stderr_file"
	if [ ! -s "$stderr_file" ]; then
		rm -f "$stderr_file"
	fi
	# translate the pprof options to e2e-profile top options
	local cli=() o
	for o in "$@"; do
		case $o in
		-cum) cli+=(--cum) ;;
		-sample_index=*) cli+=(--sample-index "${o#-sample_index=}") ;;
		-nodecount=*) cli+=(--nodecount "${o#-nodecount=}") ;;
		-base=*) cli+=(--base "${o#-base=}") ;;
		*) echo "regen.sh: no CLI translation for $o" >&2; exit 1 ;;
		esac
	done
	printf '%s\t%s\t%s\n' "$golden" "$profile" "${cli[*]:-}" >>"$manifest"
}

# --- real profiles (gen/realprof) -------------------------------------------
gold heap.top.txt                    heap.pb.gz
gold heap.cum.txt                    heap.pb.gz -cum
gold heap.sample-alloc_space.txt     heap.pb.gz -sample_index=alloc_space
gold heap.sample-0.txt               heap.pb.gz -sample_index=0
gold heap.sample-inuse_objects.txt   heap.pb.gz -sample_index=inuse_objects
gold heap.nodecount5.txt             heap.pb.gz -nodecount=5
gold heap.cum-nodecount5.txt         heap.pb.gz -cum -nodecount=5
gold heap2.top.txt                   heap2.pb.gz
gold heap2-base-heap.txt             heap2.pb.gz -base=heap.pb.gz
gold heap2-base-heap.sample-alloc_space.txt heap2.pb.gz -base=heap.pb.gz -sample_index=alloc_space
gold heap-base-heap.txt              heap.pb.gz -base=heap.pb.gz
gold allocs.top.txt                  allocs.pb.gz
gold cpu.top.txt                     cpu.pb.gz
gold cpu.cum.txt                     cpu.pb.gz -cum
gold cpu.sample-samples.txt          cpu.pb.gz -sample_index=samples
gold goroutine.top.txt               goroutine.pb.gz

# --- hand-built profiles (gen/edgecases.py) ---------------------------------
gold inline.top.txt                  inline.pb.gz
gold inline.cum.txt                  inline.pb.gz -cum
gold nolines-mapping.top.txt         nolines-mapping.pb.gz
gold nomapping.top.txt               nomapping.pb.gz
gold unknownmapping.top.txt          unknownmapping.pb.gz
gold emptyname.top.txt               emptyname.pb.gz
gold zero-values.top.txt             zero-values.pb.gz
gold zero-values.sample-samples.txt  zero-values.pb.gz -sample_index=samples
gold allzero.top.txt                 allzero.pb.gz
gold nosamples.top.txt               nosamples.pb.gz
gold empty-stack.top.txt             empty-stack.pb.gz
gold negative.top.txt                negative.pb.gz
gold negative.cum.txt                negative.pb.gz -cum
gold negative.sample-0.txt           negative.pb.gz -sample_index=0
gold units.top.txt                   units.pb.gz
gold units.sample-contentions.txt    units.pb.gz -sample_index=contentions
gold units-custom.top.txt            units-custom.pb.gz
gold units-custom.sample-events.txt  units-custom.pb.gz -sample_index=events
gold comments.top.txt                comments.pb.gz
gold recursion.top.txt               recursion.pb.gz
gold recursion.cum.txt               recursion.pb.gz -cum
gold recursion.cum-nodecount4.txt    recursion.pb.gz -cum -nodecount=4
gold ties.top.txt                    ties.pb.gz
gold ties.cum.txt                    ties.pb.gz -cum
gold ties.nodecount5.txt             ties.pb.gz -nodecount=5
gold ties.sample-objects.txt         ties.pb.gz -sample_index=objects
gold dropone.top.txt                 dropone.pb.gz
gold samename.top.txt                samename.pb.gz
gold raw.top.txt                     raw.pb
gold multimember.top.txt             multimember.pb.gz
gold packed-unpacked.top.txt         packed-unpacked.pb.gz
gold units-bytes-small.top.txt       units-bytes-small.pb.gz
gold units-bytes-small.sample-0.txt  units-bytes-small.pb.gz -sample_index=0
gold units-bytes-small.sample-1.txt  units-bytes-small.pb.gz -sample_index=1
gold units-bytes-small.sample-2.txt  units-bytes-small.pb.gz -sample_index=2
gold units-bytes-big.top.txt         units-bytes-big.pb.gz
gold units-bytes-big.sample-0.txt    units-bytes-big.pb.gz -sample_index=0
gold units-bytes-big.sample-1.txt    units-bytes-big.pb.gz -sample_index=1
gold units-bytes-big.sample-2.txt    units-bytes-big.pb.gz -sample_index=2
gold units-bytes-big.sample-3.txt    units-bytes-big.pb.gz -sample_index=3
gold units-time.top.txt              units-time.pb.gz
gold units-time.sample-0.txt         units-time.pb.gz -sample_index=0
gold units-time.sample-1.txt         units-time.pb.gz -sample_index=1
gold units-time.sample-2.txt         units-time.pb.gz -sample_index=2
gold units-time.sample-3.txt         units-time.pb.gz -sample_index=3
gold units-time.sample-4.txt         units-time.pb.gz -sample_index=4
gold units-time.sample-5.txt         units-time.pb.gz -sample_index=5
gold labels-a.top.txt                labels-a.pb.gz
gold labels-b.top.txt                labels-b.pb.gz
gold labels-b-base-labels-a.txt      labels-b.pb.gz -base=labels-a.pb.gz
gold labels-a-base-labels-b.txt      labels-a.pb.gz -base=labels-b.pb.gz
gold labels-b-base-labels-a.sample-alloc_objects.txt labels-b.pb.gz -base=labels-a.pb.gz -sample_index=alloc_objects

mv "$manifest" golden.tsv
echo "regen.sh: $(wc -l <golden.tsv) golden files written"
