#!/usr/bin/env bash
# Writes expected.json: the figures of the runs in this directory as Debian's
# `go tool pprof` (Go 1.19) computes them, independently of e2e-profile.
# tests/analysis/check_analysis.py compares e2e-profile's reports with it.
#
# usage: make-expected.sh [DATADIR]   (default: the directory of this script)
# needs: go (go tool pprof), python3 (only to assemble the JSON), awk, sed
#
# Every figure comes from one pprof command, written out below (pp is
# `TZ=UTC go tool pprof -symbolize=none`):
#   in-use bytes of a snapshot   pp -sample_index=inuse_space -top -unit=B FILE
#                                -> Z of "Showing nodes accounting for X, Y% of Z total"
#   in-use objects of a snapshot pp -sample_index=inuse_objects -top FILE   -> Z likewise
#   peak                         the snapshot with the largest in-use bytes, the earliest on ties
#   top 10 at the peak           the first 10 rows of pp -sample_index=inuse_space -top -unit=B PEAK
#   category bytes (peak, first) pp -sample_index=inuse_space -top -unit=B -nodefraction=0
#                                   -focus=REGEX FILE  -> X of "Showing nodes accounting for X"
#                                (with -focus, Z stays the unfocused total; -nodefraction=0
#                                drops nothing, so X is the sum of the focused samples; the
#                                script checks X against the sum of the flat column)
#   uncategorized bytes          the same with -ignore=ALL_CATEGORY_REGEXES instead of -focus
#   growers first -> peak        the first 5 rows of
#                                pp -sample_index=inuse_space -top -unit=B -base=FIRST PEAK
#   peak as printed              Z of pp -sample_index=inuse_space -top PEAK (e.g. 104.52MB)
#   heap.diff (compare)          the first 10 rows of pp -sample_index=inuse_space -top -unit=B
#                                   -base=BASELINE_PEAK WITH_CACHING_PEAK; a_flat and b_flat
#                                from pp -sample_index=inuse_space -top -unit=B -nodefraction=0
#                                of each peak (0 when the function is not in that profile)
# Category regexes: the built-in set of plugins/analyzers/category.c, each
# category's patterns joined with |.
#   custom category bytes        the same -focus figure for the RE2-style patterns of
#   (baseline, peak and first)   `custom` below, which analysis_test.sh configures as
#                                [category.NAME] pattern = P (expected.json: custom_categories)
set -eu
set -o pipefail
data=$(realpath "${1:-$(dirname "$0")}")
runs=(baseline with-caching)
categories=(openapi json dynamic informers reflection)
declare -A regex=(
	[openapi]='openapi|OpenAPI|k8s\.io/kube-openapi|discovery'
	[json]='encoding/json|sigs\.k8s\.io/json|json-iterator|k8s\.io/apimachinery/pkg/util/json'
	[dynamic]='k8s\.io/client-go/dynamic|unstructured'
	[informers]='k8s\.io/client-go/tools/cache|informer|Informer|controller-runtime/pkg/cache'
	[reflection]='^reflect\.|reflect\.'
)
# RE2 constructs users write, each one [category.NAME] pattern in the test.
custom_names=(case_insensitive word digits anchored nongreedy file)
declare -A custom=(
	[case_insensitive]='(?i)OPENAPICLIENT'
	[word]='\bschema\b'
	[digits]='func\d'
	[anchored]='^encoding/json\.(Unmarshal|unquote)$'
	[nongreedy]='decodeState\)\.[a-z]+?Interface'
	[file]='(?i)^bytes\..*GROW'
)
all_regex=
for c in "${categories[@]}"; do all_regex+=${all_regex:+|}${regex[$c]}; done

pp() { TZ=UTC go tool pprof -symbolize=none "$@" 2>/dev/null; }
# "Showing nodes accounting for X, Y% of Z total" -> Z, or X with "shown";
# values are plain numbers or bytes with -unit=B (123B), 0 without a unit.
header_total() { sed -n 's/^Showing nodes accounting for [^,]*, [^ ]* of \(-\{0,1\}[0-9]*\)B\{0,1\} total$/\1/p'; }
header_shown() { sed -n 's/^Showing nodes accounting for \(-\{0,1\}[0-9]*\)B\{0,1\}, .*/\1/p'; }
# The rows of a -top table (after the "flat flat% sum% cum cum%" header) as
# FLAT<TAB>CUM<TAB>NAME, bytes without the B; NAME as printed (with " (inline)").
rows() {
	awk '/^ *flat  flat%   sum%        cum   cum%$/ { table = 1; next }
	     table { name = $0; for (i = 1; i <= 5; i++) sub(/^ *[^ ]+/, "", name); sub(/^  /, "", name)
	             f = $1; c = $4; sub(/B$/, "", f); sub(/B$/, "", c); printf "%s\t%s\t%s\n", f, c, name }'
}
need() { [ -n "$2" ] || { echo "make-expected.sh: no figure for $1" >&2; exit 1; }; }

records=$(mktemp)
trap 'rm -f "$records"' EXIT
{
	echo "pprof_version	$(go version)"
	peaks=()
	for run in "${runs[@]}"; do
		dir=$data/$run
		files=()
		for i in $(seq 0 1000); do
			[ -f "$dir/heap$i.pprof" ] || break
			files+=("heap$i.pprof")
		done
		[ "${#files[@]}" -gt 0 ] || { echo "make-expected.sh: no heap snapshot in $dir" >&2; exit 1; }
		peak='' peak_bytes=''
		for f in "${files[@]}"; do
			bytes=$(pp -sample_index=inuse_space -top -unit=B "$dir/$f" | header_total)
			need "$run/$f inuse_space total" "$bytes"
			objects=$(pp -sample_index=inuse_objects -top "$dir/$f" | header_total)
			need "$run/$f inuse_objects total" "$objects"
			echo "snapshot	$run	$f	$bytes	$objects"
			# strictly larger: the earliest snapshot wins a tie
			if [ -z "$peak" ] || [ "$bytes" -gt "$peak_bytes" ]; then
				peak=$f peak_bytes=$bytes
			fi
		done
		first=${files[0]}
		echo "peak	$run	$peak"
		pp -sample_index=inuse_space -top -unit=B "$dir/$peak" | rows | head -n 10 |
			sed "s/^/top	$run	/"
		for c in "${categories[@]}" uncategorized; do
			for which in peak first; do
				f=$peak
				[ "$which" = first ] && f=$first
				if [ "$c" = uncategorized ]; then
					filter=(-ignore="$all_regex")
				else
					filter=(-focus="${regex[$c]}")
				fi
				out=$(pp -sample_index=inuse_space -top -unit=B -nodefraction=0 "${filter[@]}" "$dir/$f")
				shown=$(header_shown <<<"$out")
				need "$run/$f category $c" "$shown"
				flat_sum=$(rows <<<"$out" | awk -F '\t' '{ s += $1 } END { printf "%d\n", s }')
				if [ "$shown" != "$flat_sum" ]; then
					echo "make-expected.sh: $run/$f $c: shown $shown != flat sum $flat_sum" >&2
					exit 1
				fi
				echo "category	$run	$c	$which	$shown	${filter[*]}"
			done
		done
		for c in "${custom_names[@]}"; do
			[ "$run" = baseline ] || break
			for which in peak first; do
				f=$peak
				[ "$which" = first ] && f=$first
				out=$(pp -sample_index=inuse_space -top -unit=B -nodefraction=0 -focus="${custom[$c]}" "$dir/$f")
				shown=$(header_shown <<<"$out")
				need "$run/$f custom category $c" "$shown"
				echo "custom	$run	$c	$which	$shown	${custom[$c]}"
			done
		done
		pp -sample_index=inuse_space -top -unit=B -base="$dir/$first" "$dir/$peak" | rows |
			head -n 5 | sed "s/^/grower	$run	/"
		# The peak's total as pprof prints it without -unit (e.g. 104.52MB).
		label=$(pp -sample_index=inuse_space -top "$dir/$peak" | sed -n 's/^Showing nodes .* of \([^ ]*\) total$/\1/p')
		need "$run/$peak total label" "$label"
		echo "peak_label	$run	$label"
		# Every function's flat at the peak, nothing dropped (for heap.diff's a_flat, b_flat).
		pp -sample_index=inuse_space -top -unit=B -nodefraction=0 "$dir/$peak" | rows |
			sed "s/^/peak_flat	$run	/"
		peaks+=("$dir/$peak")
	done
	# heap.diff of `compare baseline with-caching`: the first 10 rows of
	# pp -sample_index=inuse_space -top -unit=B -base=BASELINE_PEAK WITH_CACHING_PEAK
	pp -sample_index=inuse_space -top -unit=B -base="${peaks[0]}" "${peaks[1]}" | rows |
		head -n 10 | sed "s/^/diff	-	/"
} >"$records"

python3 - "$records" "$data/expected.json" <<'EOF'
import json, re, sys

runs, version, diff_rows, flats, custom = {}, None, [], {}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "pprof_version":
        version = f[1]
        continue
    if f[0] == "custom":
        cat = custom.setdefault(f[2], {"pattern": f[5]})
        cat["inuse_bytes_" + f[3]] = int(f[4])
        continue
    if f[0] == "diff":
        diff_rows.append({"function": re.sub(r" \((partial-)?inline\)$", "", f[4]),
                          "printed_name": f[4], "delta": int(f[2]), "delta_cum": int(f[3])})
        continue
    run = runs.setdefault(f[1], {"snapshots": [], "top": [], "categories": {},
                                 "growers_peak": []})
    if f[0] == "snapshot":
        run["snapshots"].append({"file": f[2], "inuse_bytes": int(f[3]),
                                 "inuse_objects": int(f[4])})
    elif f[0] == "peak":
        snap = next(s for s in run["snapshots"] if s["file"] == f[2])
        run["peak"] = dict(snap)
        run["first"] = run["snapshots"][0]["file"]
    elif f[0] in ("top", "grower"):
        name = re.sub(r" \((partial-)?inline\)$", "", f[4])
        row = {"function": name, "printed_name": f[4], "flat": int(f[2]), "cum": int(f[3])}
        run["top" if f[0] == "top" else "growers_peak"].append(row)
    elif f[0] == "peak_label":
        run["peak"]["inuse_label"] = f[2]
    elif f[0] == "peak_flat":
        flats.setdefault(f[1], {})[re.sub(r" \((partial-)?inline\)$", "", f[4])] = int(f[2])
    elif f[0] == "category":
        cat = run["categories"].setdefault(f[2], {"pprof_filter": f[5]})
        cat["inuse_bytes_" + f[3]] = int(f[4])
for run in runs.values():
    for cat in run["categories"].values():
        cat["growth_bytes"] = cat["inuse_bytes_peak"] - cat["inuse_bytes_first"]

def comparison(a, b):
    return {"a": a, "b": b, "delta": b - a,
            "change_percent": None if a == 0 else round((b - a) / abs(a) * 100, 4)}

base, cached = runs["baseline"], runs["with-caching"]
for row in diff_rows:
    row["a_flat"] = flats["baseline"].get(row["function"], 0)
    row["b_flat"] = flats["with-caching"].get(row["function"], 0)
    assert row["b_flat"] - row["a_flat"] == row["delta"], row
doc = {
    "about": "Figures of the runs baseline/ and with-caching/ computed by "
             "make-expected.sh with `TZ=UTC go tool pprof -symbolize=none`; "
             "the commands are in that script. Byte values are exact integers.",
    "pprof": version,
    "runs": runs,
    "comparison": {
        "a": "baseline", "b": "with-caching",
        "items": {
            "peak": comparison(base["peak"]["inuse_bytes"], cached["peak"]["inuse_bytes"]),
            "objects": comparison(base["peak"]["inuse_objects"],
                                  cached["peak"]["inuse_objects"]),
            **{"category." + c: comparison(base["categories"][c]["inuse_bytes_peak"],
                                           cached["categories"][c]["inuse_bytes_peak"])
               for c in base["categories"]},
        },
        "heap_diff": diff_rows,
    },
    "custom_categories": {"run": "baseline", "items": custom},
}
with open(sys.argv[2], "w") as out:
    json.dump(doc, out, indent=2)
    out.write("\n")
EOF
echo "wrote $data/expected.json"
