#!/usr/bin/env bash
# A plugin built against the ABI 1.0 headers (tests/plugins/abi-1.0) loads
# into the current host and works: its figures of a real run equal the ones
# `go tool pprof` computes (tests/analysis/data/expected.json).
# usage: abi10_test.sh E2E_PROFILE_EXE ABI10_PLUGIN_DIR ANALYSIS_DATADIR
set -u
exe=$(realpath "$1")
plugin_dir=$(realpath "$2")
data=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset E2E_PROFILE_PLUGIN_PATH
cp -R "$data/baseline" "$work/baseline" || exit 1
"$exe" -o "$work" --plugin-path "$plugin_dir" plugins >"$work/plugins" 2>&1
if ! grep -qE '^analyzer +abi10 +1\.0\.0 ' "$work/plugins"; then
	echo "FAIL: the ABI 1.0 plugin is not loaded:"
	cat "$work/plugins"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! "$exe" -q -o "$work" --plugin-path "$plugin_dir" analyze baseline \
	--analyzers abi10 --reporters json 2>"$work/err"; then
	echo "FAIL: analyze with the ABI 1.0 plugin failed:"
	cat "$work/err"
	echo "1 passed, 1 failed"
	exit 1
fi
python3 - "$work/baseline/analysis.json" "$data/expected.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
expected = json.load(open(sys.argv[2]))['runs']['baseline']
passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL:', what)
section = [s for s in doc['sections'] if s['id'] == 'abi10']
check(len(section) == 1, 'one abi10 section')
items = {i.get('id'): i for s in section for i in s['items']}
want_peak = expected['peak']['inuse_bytes']
got_peak = items.get('abi10.highest_total', {}).get('value')
check(got_peak == want_peak, f'abi10.highest_total {got_peak}, pprof says {want_peak}')
table = items.get('abi10.totals', {})
columns = [c['id'] for c in table.get('columns', [])]
rows = [dict(zip(columns, r)) for r in table.get('rows', [])]
want = {s['file'].removesuffix('.pprof'): s['inuse_bytes'] for s in expected['snapshots']}
check(len(rows) == len(want) and len(want) >= 9, f'{len(rows)} rows for {len(want)} snapshots')
for row in rows:
    check(row.get('total') == want.get(row.get('snapshot')),
          f"{row.get('snapshot')}: total {row.get('total')}, pprof says {want.get(row.get('snapshot'))}")
    check(str(row.get('total_text', '')).endswith('B'), f"{row.get('snapshot')}: formatted {row.get('total_text')!r}")
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
PY
