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
#   PPROF_OPTION is -cum, -lines, -files, -addresses, -functions, -normalize,
#   or -NAME=VALUE for sample_index, nodecount, nodefraction, unit, base,
#   diff_base, focus, ignore, hide, show, show_from, tagfocus, tagignore
#   (VALUE without spaces: golden.tsv splits options at spaces)
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
		-cum | -lines | -files | -addresses | -functions | -normalize) cli+=("-$o") ;;
		-sample_index=* | -nodecount=* | -nodefraction=* | -unit=* | -base=* | -diff_base=* | \
			-focus=* | -ignore=* | -hide=* | -show=* | -show_from=* | -tagfocus=* | -tagignore=*)
			local name=${o%%=*}
			name=${name#-}
			cli+=("--${name//_/-}" "${o#*=}")
			;;
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

# --- views and filters (views*.pb.gz: gen/edgecases.py mk_views) -----------
gold heap.nodecount0.txt             heap.pb.gz -nodecount=0
gold heap.lines.txt                  heap.pb.gz -lines
gold heap.files.txt                  heap.pb.gz -files
gold heap.addresses.txt              heap.pb.gz -addresses
gold heap.nodefraction0.txt          heap.pb.gz -nodefraction=0
gold heap.unit-kb.txt                heap.pb.gz -unit=kb
gold heap.focus-main.txt             heap.pb.gz -focus=main
gold heap.tagfocus-1kb.txt           heap.pb.gz -tagfocus=bytes=1kb:
gold heap2-diff_base-heap.txt        heap2.pb.gz -diff_base=heap.pb.gz
gold heap2-diff_base-heap.lines.txt  heap2.pb.gz -diff_base=heap.pb.gz -lines
gold heap2-base-heap.normalize.txt   heap2.pb.gz -base=heap.pb.gz -normalize
gold heap2-diff_base-heap.normalize.txt heap2.pb.gz -diff_base=heap.pb.gz -normalize
gold cpu.lines.txt                   cpu.pb.gz -lines
gold cpu.unit-ms.txt                 cpu.pb.gz -unit=ms
gold cpu.addresses-cum.txt           cpu.pb.gz -addresses -cum -nodecount=10
gold goroutine.files.txt             goroutine.pb.gz -files
gold inline.lines.txt                inline.pb.gz -lines
gold inline.lines-cum.txt            inline.pb.gz -lines -cum
gold inline.addresses.txt            inline.pb.gz -addresses
gold inline.files.txt                inline.pb.gz -files
gold inline.hide-tiny.txt            inline.pb.gz -hide=tiny
gold inline.show-helper.txt          inline.pb.gz -show=helper
gold inline.show_from-helper.txt     inline.pb.gz "-show_from=main\.helper"
gold inline.focus-parse.txt          inline.pb.gz -focus=parse
gold recursion.lines.txt             recursion.pb.gz -lines
gold recursion.focus.txt             recursion.pb.gz -focus=rec -cum
gold ties.lines.txt                  ties.pb.gz -lines
gold ties.nodecount0.txt             ties.pb.gz -nodecount=0
gold ties.files.txt                  ties.pb.gz -files
gold negative.lines.txt              negative.pb.gz -lines
gold negative.unit-auto.txt          negative.pb.gz -unit=auto
gold negative.nodefraction.txt       negative.pb.gz -nodefraction=0.2
gold emptyname.lines.txt             emptyname.pb.gz -lines
gold emptyname.addresses.txt         emptyname.pb.gz -addresses
gold nolines-mapping.addresses.txt   nolines-mapping.pb.gz -addresses
gold nolines-mapping.hide.txt        nolines-mapping.pb.gz -hide=libfoo
gold dropone.lines.txt               dropone.pb.gz -lines
gold samename.files.txt              samename.pb.gz -files
gold labels-b-diff_base-labels-a.txt labels-b.pb.gz -diff_base=labels-a.pb.gz
gold labels-b-diff_base-labels-a.tagfocus.txt labels-b.pb.gz -diff_base=labels-a.pb.gz -tagfocus=region=us
gold labels-b.tagfocus-region.txt    labels-b.pb.gz -tagfocus=region:
gold labels-b.tagignore-bytes.txt    labels-b.pb.gz -tagignore=bytes=1kb
gold labels-b-base-labels-a.normalize.txt labels-b.pb.gz -base=labels-a.pb.gz -normalize
gold views.top.txt                   views.pb.gz
gold views.lines.txt                 views.pb.gz -lines
gold views.files.txt                 views.pb.gz -files
gold views.addresses.txt             views.pb.gz -addresses
gold views.functions.txt             views.pb.gz -functions -cum
gold views.focus-openapi-i.txt       views.pb.gz "-focus=(?i)OPENAPI"
gold views.focus-word.txt            views.pb.gz "-focus=\bList\b"
gold views.focus-digit.txt           views.pb.gz "-focus=list\d"
gold views.focus-anchored.txt        views.pb.gz "-focus=^main\.(List|list)"
gold views.focus-alternation.txt     views.pb.gz "-focus=json|openapi"
gold views.focus-long.txt            views.pb.gz "-focus=json|openapi|ListAll|recurse|handle2xx|notafunction1|notafunction2|notafunction3|x"
gold views.focus-file.txt            views.pb.gz "-focus=rec\.go$"
gold views.focus-mapping.txt         views.pb.gz -focus=viewapp -nodefraction=0
gold views.ignore-json.txt           views.pb.gz -ignore=json
gold views.focus-ignore.txt          views.pb.gz -focus=main -ignore=recurse
gold views.hide-decode.txt           views.pb.gz -hide=decodeState
gold views.hide-mapping.txt          views.pb.gz -hide=viewapp
gold views.show-main.txt             views.pb.gz -show=main
gold views.show-json.txt             views.pb.gz -show=json -cum
gold views.show_from-unmarshal.txt   views.pb.gz -show_from=Unmarshal
gold views.show_from-main.txt        views.pb.gz "-show_from=main\.main"
gold views.lines-show_from.txt       views.pb.gz -lines -show_from=Unmarshal
gold views.tagfocus-key.txt          views.pb.gz -tagfocus=handler=api
gold views.tagfocus-pair.txt         views.pb.gz -tagfocus=handler:web
gold views.tagfocus-both.txt         views.pb.gz -tagfocus=api,web
gold views.tagignore-key.txt         views.pb.gz -tagignore=handler=web
gold views.tagfocus-eq.txt           views.pb.gz -tagfocus=bytes=1kb
gold views.tagfocus-range.txt        views.pb.gz -tagfocus=bytes=1kb:8kb
gold views.tagfocus-max.txt          views.pb.gz -tagfocus=:512
gold views.tagfocus-min.txt          views.pb.gz -tagfocus=bytes=2048:
gold views.tagfocus-unit.txt         views.pb.gz -tagfocus=size=1kb:1kb
gold views.tagfocus-nounit.txt       views.pb.gz -tagfocus=bytes=1024
gold views.tagignore-range.txt       views.pb.gz -tagignore=bytes=:300
gold views.tagfocus-notrange.txt     views.pb.gz -tagfocus=1kb-2kb
gold views.unit-MB.txt               views.pb.gz -unit=MB
gold views.unit-B.txt                views.pb.gz -unit=B
gold views.unit-ns.txt               views.pb.gz -unit=ns
gold views.unit-objects.txt          views.pb.gz -sample_index=alloc_objects -unit=kb
gold views.nodefraction0.txt         views.pb.gz -nodefraction=0
gold views.nodefraction-big.txt      views.pb.gz -nodefraction=0.2
gold views.nodecount0.txt            views.pb.gz -nodecount=0 -cum
gold views.lines-focus.txt           views.pb.gz -lines -focus=list
gold views.addresses-hide.txt        views.pb.gz -addresses -hide=json
gold views.files-show.txt            views.pb.gz -files -show=main
gold views.objects-lines.txt         views.pb.gz -sample_index=alloc_objects -lines
gold views-diff_base.txt             views.pb.gz -diff_base=views-base.pb.gz
gold views-base.txt                  views.pb.gz -base=views-base.pb.gz
gold views-diff_base.normalize.txt   views.pb.gz -diff_base=views-base.pb.gz -normalize
gold views-base.normalize.txt        views.pb.gz -base=views-base.pb.gz -normalize
gold views-diff_base.lines.txt       views.pb.gz -diff_base=views-base.pb.gz -lines
gold views-diff_base.tagfocus.txt    views.pb.gz -diff_base=views-base.pb.gz -tagfocus=handler=api
gold views-diff_base.tagbase.txt     views.pb.gz -diff_base=views-base.pb.gz -tagfocus=pprof::base=true
gold views-diff_base.space.txt       views.pb.gz -diff_base=views-base.pb.gz -sample_index=alloc_space -normalize
gold views-diff_base.focus-cum.txt   views.pb.gz -diff_base=views-base.pb.gz -cum -focus=main
gold views-diff_base.reverse.txt     views-base.pb.gz -diff_base=views.pb.gz -nodecount=4
# real runs of tests/target: samples of one stack merge before -normalize scales them
A=../../analysis/data
gold real-normalize-base.txt         $A/baseline/heap3.pprof -base=$A/baseline/heap0.pprof -normalize
gold real-normalize-diff_base.txt    $A/baseline/heap3.pprof -diff_base=$A/baseline/heap0.pprof -normalize
gold real-lines-diff_base.txt        $A/with-caching/heap0.pprof -diff_base=$A/baseline/heap8.pprof -lines
gold real-focus-tagfocus.txt         $A/baseline/heap8.pprof "-focus=(?i)json" -tagfocus=bytes=1kb:
gold nulnames.top.txt                nulnames.pb.gz
gold nulnames.lines.txt              nulnames.pb.gz -lines
gold nulnames.files.txt              nulnames.pb.gz -files
gold nulnames.focus.txt              nulnames.pb.gz -focus=a.c
gold nulnames.cum.txt                nulnames.pb.gz -cum -show=main

mv "$manifest" golden.tsv
echo "regen.sh: $(wc -l <golden.tsv) golden files written"

# --- merge and diff (merge.tsv, read by ../merge_test.sh) ------------------
# merged GOLDEN merge|diff "PPROF_OPTIONS" FILE...: the golden is pprof's
# -top of the inputs (merge: all of them; diff: -diff_base=FIRST SECOND),
# which `e2e-profile merge|diff OUT FILE...` must reproduce when OUT is read
# by pprof or by `e2e-profile top`.
merges=merge.tsv.tmp
: >"$merges"
merged() {
	local golden=$1 command=$2 options=$3
	shift 3
	local args=()
	read -r -a args <<<"$options"
	if [ "$command" = diff ]; then
		"${PPROF[@]}" ${args[@]+"${args[@]}"} -diff_base="$1" "$2" >"$golden" 2>/dev/null
	else
		"${PPROF[@]}" ${args[@]+"${args[@]}"} "$@" >"$golden" 2>/dev/null
	fi
	local cli=() o
	for o in ${args[@]+"${args[@]}"}; do
		case $o in
		-lines | -cum | -files | -addresses) cli+=("-$o") ;;
		*) echo "regen.sh: no CLI translation for $o" >&2; exit 1 ;;
		esac
	done
	printf '%s\t%s\t%s\t%s\n' "$golden" "$command" "$*" "${cli[*]:-}" >>"$merges"
}
merged merge.heap-heap2.txt          merge "" heap.pb.gz heap2.pb.gz
merged merge.heap-heap2.lines.txt    merge "-lines" heap.pb.gz heap2.pb.gz
merged merge.heap-heap2.addresses.txt merge "-addresses" heap.pb.gz heap2.pb.gz
merged merge.heap-allocs.txt         merge "" heap.pb.gz allocs.pb.gz heap2.pb.gz
merged merge.cpu-twice.txt           merge "-cum" cpu.pb.gz cpu.pb.gz
merged merge.labels.txt              merge "" labels-a.pb.gz labels-b.pb.gz
merged merge.views.txt               merge "" views.pb.gz views-base.pb.gz
merged merge.views.lines.txt         merge "-lines" views.pb.gz views-base.pb.gz
merged merge.inline.txt              merge "-addresses" inline.pb.gz inline.pb.gz
merged merge.negative.txt            merge "" negative.pb.gz negative.pb.gz
merged merge.recursion.txt           merge "-cum" recursion.pb.gz
merged merge.nulnames.txt            merge "-lines" nulnames.pb.gz nulnames.pb.gz
merged merge.comments.txt            merge "" comments.pb.gz comments.pb.gz
merged merge.nolines-mapping.txt     merge "" nolines-mapping.pb.gz
merged merge.emptyname.txt           merge "" emptyname.pb.gz emptyname.pb.gz
merged diff.heap-heap2.txt           diff "" heap.pb.gz heap2.pb.gz
merged diff.heap-heap2.lines.txt     diff "-lines" heap.pb.gz heap2.pb.gz
merged diff.heap-heap.txt            diff "" heap.pb.gz heap.pb.gz
merged diff.labels.txt               diff "" labels-a.pb.gz labels-b.pb.gz
merged diff.views.txt                diff "-cum" views-base.pb.gz views.pb.gz
merged diff.views.reverse.txt        diff "" views.pb.gz views-base.pb.gz
merged diff.cpu.txt                  diff "" cpu.pb.gz cpu.pb.gz
mv "$merges" merge.tsv
echo "regen.sh: $(wc -l <merge.tsv) merge and diff cases written"
