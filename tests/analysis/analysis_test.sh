#!/usr/bin/env bash
# The analysis end to end on two real runs (data/baseline, data/with-caching,
# made once by data/make-runs.sh): `analyze` both, `compare` them, and check
# every figure against what `go tool pprof` computes from the same files
# (data/expected.json, written by data/make-expected.sh) with
# check_analysis.py; then `compare --fail-on` exit statuses.
# usage: analysis_test.sh E2E_PROFILE_EXE DATADIR
set -u
exe=$(realpath "${1:?usage: $0 E2E_PROFILE_EXE DATADIR}")
data=$(realpath "${2:?usage: $0 E2E_PROFILE_EXE DATADIR}")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Nothing from the caller's environment or directory may change the figures.
unset E2E_PROFILE_NAMESPACE E2E_PROFILE_INTERVAL E2E_PROFILE_CPU_DURATION E2E_PROFILE_DIR \
	E2E_PROFILE_TEST_TARGET E2E_PROFILE_PLUGIN_PATH
cd "$work" || exit 1
out=$work/out
mkdir "$out"
cp -R "$data/baseline" "$data/with-caching" "$out/" || exit 1
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s err ] && sed 's/^/  stderr: /' err | head -n 15
}

# expect_status NAME STATUS ARGS...: e2e-profile -o OUT ARGS... exits STATUS.
expect_status() {
	local name=$1 want=$2
	shift 2
	"$exe" -o "$out" "$@" >stdout 2>err
	local got=$?
	if [ "$got" -eq "$want" ]; then
		pass
		return 0
	fi
	fail "$name: exit status $got, want $want"
	return 1
}

# stderr_has NAME TEXT: the last command's stderr holds TEXT (fixed string).
stderr_has() {
	if grep -qF -- "$2" err; then
		pass
	else
		fail "$1: stderr does not contain '$2'"
	fi
}

expect_status "analyze baseline" 0 analyze baseline
expect_status "analyze with-caching" 0 analyze with-caching
expect_status "compare baseline with-caching" 0 compare baseline with-caching

# Every figure against pprof's, and the files read back with real parsers.
python3 "$here/check_analysis.py" "$data/expected.json" "$out" >check.out 2>&1
rc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' check.out
counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' check.out)
if [ -n "$counts" ]; then
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
fi
if [ -z "$counts" ] || { [ "$rc" -ne 0 ] && [ "${counts#* }" = 0 ]; }; then
	fail "check_analysis.py exited $rc"
fi

# The comparison writes the pprof diff of the two peaks beside its reports:
# its top is -diff_base of the peaks (and pprof's own when go is here).
diff_pb=$out/comparisons/baseline-vs-with-caching.diff.pb.gz
peaks=$(python3 -c '
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
print(runs["baseline"]["peak"]["file"], runs["with-caching"]["peak"]["file"])
' "$data/expected.json")
a_peak=$data/baseline/${peaks% *}
b_peak=$data/with-caching/${peaks#* }
if [ -f "$diff_pb" ] && TZ=UTC "$exe" top "$diff_pb" >diff.top 2>err &&
	TZ=UTC "$exe" top --diff-base "$a_peak" "$b_peak" >diff.want 2>err && cmp -s diff.top diff.want; then
	pass
else
	fail "comparisons/baseline-vs-with-caching.diff.pb.gz: missing, or its top is not -diff_base of the peaks"
fi
if command -v go >/dev/null 2>&1 && [ -f "$diff_pb" ]; then
	TZ=UTC go tool pprof -symbolize=none -top "$diff_pb" >diff.theirs 2>/dev/null
	TZ=UTC go tool pprof -symbolize=none -top -diff_base="$a_peak" "$b_peak" >diff.pprof 2>/dev/null
	if cmp -s diff.theirs diff.pprof && cmp -s diff.top diff.pprof; then
		pass
	else
		fail "go tool pprof -top of the peak diff differs from -diff_base of the peaks"
	fi
fi
if grep -qF 'go tool pprof -http=: baseline-vs-with-caching.diff.pb.gz' \
	"$out/comparisons/baseline-vs-with-caching.md"; then
	pass
else
	fail "the comparison's markdown does not give the command that opens the peak diff"
fi

# Every go tool pprof command the reports print runs as printed from the
# report's directory (paths relative to it), and the category commands
# give exactly the category's bytes.
if command -v go >/dev/null 2>&1; then
	if python3 - "$out" <<'PYEOF' >commands.out 2>&1; then
import json, os, re, subprocess, sys
out = sys.argv[1]
checked = 0
def notes(doc):
    for section in doc.get("sections", []):
        for item in section.get("items", []):
            if item.get("type") == "note":
                yield item.get("text", "")
for report in ("baseline/analysis.json", "comparisons/baseline-vs-with-caching.json"):
    path = os.path.join(out, report)
    doc = json.load(open(path))
    metrics = {i["id"]: i.get("value") for s in doc["sections"] for i in s.get("items", []) if i.get("type") == "metric"}
    for text in notes(doc):
        for m in re.finditer(r"(?:^|[,:] )(go tool pprof (?:(?! (?:prints|browses|and the same)).)*)", text):
            command = m.group(1).rstrip(".")
            if "-http" in command:
                continue
            run = command.replace("go tool pprof ", "go tool pprof -symbolize=none -unit=B ", 1)
            result = subprocess.run(["sh", "-c", run], cwd=os.path.dirname(path), capture_output=True,
                                    text=True, env=dict(os.environ, TZ="UTC"))
            if result.returncode != 0 or "Showing nodes accounting for" not in result.stdout:
                print(f"FAIL: {report}: {command}: exit {result.returncode}: {result.stderr.strip()[:200]}")
                sys.exit(1)
            name = text.split(":", 1)[0]
            if "-focus=" in command and f"category.{name}.inuse_bytes" in metrics:
                shown = int(re.search(r"Showing nodes accounting for (-?\d+)B?,", result.stdout).group(1))
                if shown != metrics[f"category.{name}.inuse_bytes"]:
                    print(f"FAIL: {report}: {command}: {shown} != category.{name}.inuse_bytes")
                    sys.exit(1)
            checked += 1
print(f"{checked} commands")
sys.exit(0 if checked >= 8 else 1)
PYEOF
		pass
	else
		cat commands.out
		fail "the go tool pprof commands of the reports"
	fi
fi

# --fail-on: baseline -> with-caching improves; the reverse regresses.
for rule in 'peak>+10%' 'category.openapi>+5%'; do
	if expect_status "compare baseline with-caching --fail-on '$rule'" 0 \
		compare baseline with-caching --fail-on "$rule"; then
		if grep -q 'regression' err; then
			fail "compare baseline with-caching --fail-on '$rule': stderr reports a regression"
		else
			pass
		fi
	fi
	if expect_status "compare with-caching baseline --fail-on '$rule'" 3 \
		compare with-caching baseline --fail-on "$rule"; then
		stderr_has "compare with-caching baseline --fail-on '$rule'" "$rule"
	fi
done
# Both rules at once: one line per broken rule.
if expect_status "compare with-caching baseline --fail-on 'peak>+10%,category.openapi>+5%'" 3 \
	compare with-caching baseline --fail-on 'peak>+10%,category.openapi>+5%'; then
	stderr_has "two rules" 'peak>+10%'
	stderr_has "two rules" 'category.openapi>+5%'
fi
# A figure the comparison does not have is a usage error.
if expect_status "compare baseline with-caching --fail-on 'nosuch>1'" 2 \
	compare baseline with-caching --fail-on 'nosuch>1'; then
	stderr_has "--fail-on 'nosuch>1'" nosuch
fi

# Categories in RE2 syntax ((?i), \b, \d, alternation, anchors, a lazy
# quantifier): each counts exactly what pprof -focus=P counts.
custom=$work/custom
mkdir "$custom"
cp -R "$data/baseline" "$custom/" || exit 1
python3 -c '
import json, sys
for name, item in json.load(open(sys.argv[1]))["custom_categories"]["items"].items():
    pattern = item["pattern"]
    print(f"[category.{name}]\npattern = {pattern}\n")
' "$data/expected.json" >"$work/custom.ini"
if "$exe" -c "$work/custom.ini" -o "$custom" analyze baseline >stdout 2>err; then
	pass
	python3 "$here/check_analysis.py" --custom "$data/expected.json" "$custom" >check.out 2>&1
	rc=$?
	grep -v '^[0-9]* passed, [0-9]* failed$' check.out
	counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' check.out)
	if [ -n "$counts" ] && [ "${counts% *}" -gt 0 ]; then
		passed=$((passed + ${counts% *}))
		failed=$((failed + ${counts#* }))
	else
		fail "check_analysis.py --custom exited $rc"
	fi
else
	fail "analyze baseline with custom categories"
fi
# An invalid pattern stops analyze before it starts, naming the file, line
# and key, with PCRE2's offset.
printf '[category.broken]\npattern = (?i)open(api\n' >"$work/broken.ini"
if expect_status "analyze with an invalid category pattern" 2 \
	-c "$work/broken.ini" analyze baseline; then
	stderr_has "invalid category pattern" "[category.broken] pattern: invalid pattern '(?i)open(api'"
	stderr_has "invalid category pattern" "broken.ini:2: "
	stderr_has "invalid category pattern" "missing closing parenthesis at offset 12"
fi
# Gates are judged before anything is written: a bad rule or an unknown id
# exits 2 and leaves no comparison behind.
gates=$work/gates
mkdir "$gates"
cp -R "$data/baseline" "$data/with-caching" "$gates/" || exit 1
# gate_refused NAME RULE TEXT: exit 2, TEXT on stderr, nothing written.
gate_refused() {
	"$exe" -o "$gates" compare baseline with-caching --fail-on "$2" >stdout 2>err
	local got=$?
	if [ "$got" -ne 2 ]; then
		fail "$1: --fail-on '$2' exited $got, want 2"
	elif ! grep -qF -- "$3" err; then
		fail "$1: stderr lacks '$3'"
	elif [ "$(wc -l <err)" -ne 1 ]; then
		fail "$1: want one line on stderr"
	elif [ -e "$gates/comparisons" ]; then
		fail "$1: a comparison was written"
	else
		pass
	fi
}
gate_refused "NaN" 'peak>nan' "not a number"
gate_refused "negative NaN percent" 'peak>-nan%' "not a number"
gate_refused "huge percent" 'peak>+1e400%' "out of range"
gate_refused "unknown unit" 'peak>10parsecs' "unknown unit"
gate_refused "unknown id lists the valid ones" 'nosuch>1' "valid ids: duration, snapshots, exit_status, peak, objects"
gate_refused "time limit on bytes" 'peak>10s' "a time limit fits only"
gate_refused "plain number on bytes" 'peak>10' "write the limit with its unit"
gate_refused "points on bytes" 'peak>10pp' "pp fits only"
gate_refused "figure neither run has" 'cpu.total>+10s' "no figure 'cpu.total'"

# Every rule's verdict: one line each, and in md, JSON and CSV.
if expect_status "three rules" 3 compare with-caching baseline \
	--fail-on 'peak>+10%,duration>+1h,cpu.total?>+10s'; then
	stderr_has "failed rule line" 'gate peak>+10% FAILED: peak'
	stderr_has "single runs untested" 'single runs: not tested against noise'
	stderr_has "passed rule line" 'gate duration>+1h passed: duration'
	stderr_has "optional rule line" 'gate cpu.total?>+10s skipped: neither run has cpu.total'
	cmp=$out/comparisons/with-caching-vs-baseline
	if python3 - "$cmp.json" "$cmp.csv" "$cmp.md" "$cmp-gates-rules.csv" <<'PY'; then
import csv, json, sys
doc = json.load(open(sys.argv[1]))
section = [s for s in doc["sections"] if s["id"] == "gates"][0]
metrics = {i["id"]: i for i in section["items"] if i["type"] == "metric"}
assert [(m["label"], m["value"]) for m in metrics.values()] == [
    ("peak>+10%", "FAILED"), ("duration>+1h", "passed"), ("cpu.total?>+10s", "skipped")], metrics
table = [i for i in section["items"] if i["type"] == "table"][0]
cols = [c["id"] for c in table["columns"]]
row = dict(zip(cols, table["rows"][0]))
assert row["verdict"] == "FAILED" and row["beyond_limit"] == "yes", row
assert row["b"] > row["a"] * 1.1 and row["p_value"] is None, row
rows = list(csv.DictReader(open(sys.argv[2])))
gates = [(r["label"], r["value"]) for r in rows if r["section"] == "gates" and r["kind"] == "metric"]
assert gates == [("peak>+10%", "FAILED"), ("duration>+1h", "passed"), ("cpu.total?>+10s", "skipped")], gates
rules = list(csv.DictReader(open(sys.argv[4])))
assert [r["verdict"] for r in rules] == ["FAILED", "passed", "skipped"], rules
md = open(sys.argv[3]).read()
# The markdown shows the gates once, in the summary it opens with.
assert "**FAILED** `peak>+10%`: peak" in md and "passed `duration>+1h`: duration" in md, md
PY
		pass
	else
		fail "gate verdicts in the comparison's json, csv and md"
	fi
fi

# The data runs are inputs only: the test wrote into its copies.
if [ -e "$data/baseline/analysis.json" ] || [ -e "$data/with-caching/analysis.json" ] ||
	[ -e "$data/comparisons" ]; then
	fail "reports appeared in $data"
else
	pass
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
