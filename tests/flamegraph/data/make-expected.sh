#!/usr/bin/env bash
# Writes expected.json: pprof's total and every function's cum for each
# profile the flame graph test draws, computed by Debian's `go tool pprof`
# alone. tests/flamegraph/check_flamegraph.py compares the SVG frames and
# the folded stacks with it.
#
# usage: make-expected.sh [DATADIR]   (default: the directory of this script)
# needs: go (go tool pprof), python3 (to assemble the JSON)
#
# For each profile P and sample type T (inuse_space of every heap snapshot
# of tests/analysis/data/{baseline,with-caching}, cpu of
# tests/pprof/data/cpu.pb.gz):
#   TZ=UTC go tool pprof -symbolize=none -sample_index=T -unit=U -top -cum -nodefraction=0 P
# where U is B for bytes and ns for time; the total is Z of "Showing nodes
# accounting for X, Y% of Z total", each row gives a function's cum.
set -eu
set -o pipefail
data=$(realpath "${1:-$(dirname "$0")}")
repo=$(realpath "$data/../../..")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

table() { # NAME FILE TYPE UNIT
	echo "== $1"
	TZ=UTC go tool pprof -symbolize=none -sample_index="$3" -unit="$4" -top -cum \
		-nodefraction=0 "$2" 2>/dev/null
}
for run in baseline with-caching; do
	for f in "$repo/tests/analysis/data/$run"/heap*.pprof; do
		table "$run/$(basename "$f")" "$f" inuse_space B
	done
done >>"$out"
table cpu.pb.gz "$repo/tests/pprof/data/cpu.pb.gz" cpu ns >>"$out"

python3 - "$out" >"$data/expected.json" <<'PY'
import json, re, sys
profiles, name = {}, None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("== "):
        name = line[3:]
        profiles[name] = {"total": None, "cum": {}}
        continue
    m = re.match(r"^Showing nodes accounting for [^,]*, [^ ]* of (-?\d+)(?:B|ns)? total$", line)
    if m:
        profiles[name]["total"] = int(m.group(1))
        continue
    m = re.match(r"^ *(\S+) +\S+ +\S+ +(\S+) +\S+  (.*)$", line)
    if m and m.group(1) != "flat":
        cum = re.sub(r"(B|ns)$", "", m.group(2))
        function = re.sub(r" \((partial-)?inline\)$", "", m.group(3))
        profiles[name]["cum"][function] = int(cum)
for name, p in profiles.items():
    if p["total"] is None or not p["cum"]:
        sys.exit("make-expected.sh: no table for " + name)
json.dump({"generator": "tests/flamegraph/data/make-expected.sh", "profiles": profiles},
          sys.stdout, indent=1, sort_keys=True)
print()
PY
echo "wrote $data/expected.json ($(grep -c '"total"' "$data/expected.json") profiles)"
