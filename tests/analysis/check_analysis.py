#!/usr/bin/env python3
"""Checks e2e-profile's reports of the data runs against expected.json, the
figures `go tool pprof` computes (data/make-expected.sh), with real parsers:
json, csv and xml.etree.

usage: check_analysis.py [--no-manifest] EXPECTED_JSON OUTPUT_DIR
       check_analysis.py --custom EXPECTED_JSON OUTPUT_DIR
OUTPUT_DIR holds baseline/ and with-caching/ after `analyze`, and
comparisons/baseline-vs-with-caching.* after `compare baseline with-caching`.
With --no-manifest the run directories have no run.json (the layout the
earlier tools left): snapshot offsets are then checked against each
profile's own time_nanos, read here with a separate protobuf reader.
With --custom, OUTPUT_DIR holds the run of expected.json's custom_categories
analyzed with those [category.NAME] pattern = P sections (and nothing else).
Prints each failure, then "N passed, N failed"; exits 1 on any failure.
"""
import csv
import gzip
import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

RUNS = ('baseline', 'with-caching')
CATEGORIES = ('openapi', 'json', 'dynamic', 'informers', 'reflection', 'uncategorized')
TOP_ROWS = 10      # rows of heap.top compared (make-expected.sh keeps 10)
GROWER_ROWS = 5    # rows of growth.growers_peak compared (make-expected.sh keeps 5)

passed = 0
failed = 0


def check(condition, what):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f'FAIL: {what}')
    return condition


def equal(actual, expected, what):
    return check(actual == expected and type(actual) is type(expected),
                 f'{what}: got {actual!r}, want {expected!r}')


def close(actual, expected, what):
    ok = isinstance(actual, (int, float)) and not isinstance(actual, bool) and \
        math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-9)
    return check(ok, f'{what}: got {actual!r}, want {expected!r}')


def load_json(path):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        check(False, f'{path}: not readable JSON: {error}')
        return None


def load_csv(path):
    try:
        with open(path, encoding='utf-8', newline='') as f:
            return list(csv.reader(f, strict=True))
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        check(False, f'{path}: not readable CSV: {error}')
        return None


# --- the report document ---------------------------------------------------

class Report:
    """Items of a report document by id."""

    def __init__(self, doc, where):
        self.doc, self.where = doc, where
        self.items = {}
        self.sections = {}
        for section in doc.get('sections', []):
            self.sections[section.get('id')] = section
            for item in section.get('items', []):
                if 'id' in item:
                    self.items[item['id']] = item

    def item(self, item_id, kind):
        item = self.items.get(item_id)
        if not check(item is not None and item.get('type') == kind,
                     f'{self.where}: no {kind} {item_id}'):
            return None
        return item

    def metric(self, metric_id):
        item = self.item(metric_id, 'metric')
        return None if item is None else item.get('value')

    def table(self, table_id):
        """The rows of a table as dicts by column id, or None."""
        item = self.item(table_id, 'table')
        if item is None:
            return None
        ids = [column['id'] for column in item['columns']]
        return [dict(zip(ids, row)) for row in item['rows']]


def check_schema(doc, kind, run_a, run_b, where):
    equal(doc.get('schema'), 'e2e-profile/report', f'{where}: schema')
    equal(doc.get('schema_version'), 2, f'{where}: schema_version')
    equal(doc.get('kind'), kind, f'{where}: kind')
    equal(doc.get('run_a'), run_a, f'{where}: run_a')
    equal(doc.get('run_b'), run_b, f'{where}: run_b')


def autoscale(value):
    """A byte count as pprof prints one value in its own unit (docs/pprof-semantics.md):
    powers of 1024, %.2f without a trailing .00."""
    if value == 0:
        return '0'
    units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
    scaled, unit = float(value), 0
    while abs(scaled) >= 1024 and unit < len(units) - 1:
        scaled /= 1024
        unit += 1
    text = f'{scaled:.2f}'
    if text.endswith('.00'):
        text = text[:-3]
    return text + units[unit]


# --- analysis.json against pprof -------------------------------------------

def check_analysis(report, expected, run_json, where):
    peak = expected['peak']
    total = peak['inuse_bytes']
    equal(report.metric('heap.peak_inuse_bytes'), total, f'{where}: heap.peak_inuse_bytes')
    equal(report.metric('heap.peak_inuse_objects'), peak['inuse_objects'],
          f'{where}: heap.peak_inuse_objects')
    equal(report.metric('heap.peak_snapshot'), peak['file'], f'{where}: heap.peak_snapshot')
    offsets = {s['file']: s['offset_seconds'] for s in run_json['snapshots'] if s.get('ok')}
    offset = report.metric('heap.peak_offset_seconds')
    close(offset, offsets[peak['file']], f'{where}: heap.peak_offset_seconds (run.json)')

    # heap.top: the first rows of `pprof -top` at the peak.
    rows = report.table('heap.top')
    if rows is not None:
        want = expected['top']
        check(len(rows) >= len(want), f'{where}: heap.top has {len(rows)} rows, want >= {len(want)}')
        running = 0
        for i, (row, exp) in enumerate(zip(rows, want)):
            what = f'{where}: heap.top row {i} ({exp["printed_name"]})'
            # pprof prints the inline label after the name; the report may keep it or not.
            check(row.get('function') in (exp['function'], exp['printed_name']),
                  f'{what}: function {row.get("function")!r}, want {exp["function"]!r}')
            equal(row.get('flat'), exp['flat'], f'{what}: flat')
            equal(row.get('cum'), exp['cum'], f'{what}: cum')
            running += exp['flat']
            close(row.get('flat_percent'), exp['flat'] / total * 100, f'{what}: flat_percent')
            close(row.get('sum_percent'), running / total * 100, f'{what}: sum_percent')
            close(row.get('cum_percent'), exp['cum'] / total * 100, f'{what}: cum_percent')

    # growth.timeline: one row per snapshot, pprof's totals.
    rows = report.table('growth.timeline')
    if rows is not None:
        snaps = expected['snapshots']
        equal(len(rows), len(snaps), f'{where}: growth.timeline rows')
        for row, exp in zip(rows, snaps):
            what = f'{where}: growth.timeline {exp["file"]}'
            equal(row.get('snapshot'), exp['file'], f'{what}: snapshot')
            equal(row.get('inuse_bytes'), exp['inuse_bytes'], f'{what}: inuse_bytes')
            equal(row.get('inuse_objects'), exp['inuse_objects'], f'{what}: inuse_objects')
            close(row.get('offset_seconds'), offsets[exp['file']],
                  f'{what}: offset_seconds (run.json)')
        first, last = snaps[0]['inuse_bytes'], snaps[-1]['inuse_bytes']
        equal(report.metric('growth.first_to_peak_bytes'), total - first,
              f'{where}: growth.first_to_peak_bytes')
        equal(report.metric('growth.first_to_last_bytes'), last - first,
              f'{where}: growth.first_to_last_bytes')

    # growth.growers_peak: pprof -top -base FIRST PEAK.
    rows = report.table('growth.growers_peak')
    if rows is not None:
        want = expected['growers_peak']
        got = rows[:GROWER_ROWS]
        equal(len(got), len(want), f'{where}: growth.growers_peak rows compared')
        for i, (row, exp) in enumerate(zip(got, want)):
            what = f'{where}: growth.growers_peak row {i} ({exp["printed_name"]})'
            check(row.get('function') in (exp['function'], exp['printed_name']),
                  f'{what}: function {row.get("function")!r}, want {exp["function"]!r}')
            equal(row.get('flat'), exp['flat'], f'{what}: flat')
            equal(row.get('cum'), exp['cum'], f'{what}: cum')

    # Categories: pprof -focus (-ignore for the rest) at the peak and the first.
    rows = report.table('category.categories')
    by_name = {row.get('name'): row for row in rows or []}
    if rows is not None:
        equal([row.get('name') for row in rows], list(CATEGORIES),
              f'{where}: category.categories names')
    for name in CATEGORIES:
        exp = expected['categories'][name]
        at_peak, growth = exp['inuse_bytes_peak'], exp['growth_bytes']
        what = f'{where}: category {name} ({exp["pprof_filter"]})'
        equal(report.metric(f'category.{name}.inuse_bytes'), at_peak, f'{what}: inuse_bytes')
        equal(report.metric(f'category.{name}.growth_bytes'), growth, f'{what}: growth_bytes')
        close(report.metric(f'category.{name}.share_percent'), at_peak / total * 100,
              f'{what}: share_percent')
        row = by_name.get(name)
        if check(row is not None, f'{what}: no row in category.categories'):
            equal(row.get('inuse_bytes'), at_peak, f'{what}: table inuse_bytes')
            equal(row.get('growth_bytes'), growth, f'{what}: table growth_bytes')
            close(row.get('share_percent'), at_peak / total * 100, f'{what}: table share_percent')


def check_comparison(report, expected, where):
    items = expected['comparison']['items']
    for item_id, exp in items.items():
        item = report.item(item_id, 'comparison')
        if item is None:
            continue
        equal(item.get('a'), exp['a'], f'{where}: comparison {item_id} a')
        equal(item.get('b'), exp['b'], f'{where}: comparison {item_id} b')
    for name in ('openapi', 'json'):
        item = report.item(f'category.{name}', 'comparison')
        if item is not None:
            check(isinstance(item.get('a'), int) and isinstance(item.get('b'), int) and
                  item['b'] < item['a'],
                  f'{where}: category.{name} does not fall: a={item.get("a")!r} b={item.get("b")!r}')
    rows = report.table('heap.diff')
    if rows is not None:
        want = expected['comparison']['heap_diff']
        check(len(rows) >= len(want), f'{where}: heap.diff has {len(rows)} rows, want >= {len(want)}')
        for i, (row, exp) in enumerate(zip(rows, want)):
            what = f'{where}: heap.diff row {i} ({exp["printed_name"]})'
            check(row.get('function') in (exp['function'], exp['printed_name']),
                  f'{what}: function {row.get("function")!r}, want {exp["function"]!r}')
            equal(row.get('delta'), exp['delta'], f'{what}: delta')
            equal(row.get('a_flat'), exp['a_flat'], f'{what}: a_flat')
            equal(row.get('b_flat'), exp['b_flat'], f'{what}: b_flat')
            equal(row.get('delta_cum'), exp['delta_cum'], f'{what}: delta_cum')
            check(isinstance(row.get('a_cum'), int) and isinstance(row.get('b_cum'), int) and
                  row['b_cum'] - row['a_cum'] == exp['delta_cum'],
                  f'{what}: b_cum - a_cum = {row.get("b_cum")} - {row.get("a_cum")}, '
                  f'pprof -base cum {exp["delta_cum"]}')


# --- the CSV files hold the JSON's numbers ------------------------------------

def same_cell(cell, value, column_type):
    """Whether a CSV cell spells the JSON value (raw numbers, empty for null)."""
    if value is None:
        return cell == ''
    if column_type == 'text' or isinstance(value, str):
        return cell == value
    if isinstance(value, bool):
        return False
    if column_type == 'int' or isinstance(value, int):
        return re.fullmatch(r'-?[0-9]+', cell) is not None and int(cell) == value
    try:
        return float(cell) == float(value)
    except ValueError:
        return False


def check_csv(directory, base, report, where):
    """BASE.csv: every metric and comparison with the JSON's value; every
    table and series in the file it names, cell for cell."""
    index = load_csv(os.path.join(directory, base + '.csv'))
    if index is None:
        return
    header = ['kind', 'section', 'id', 'label', 'value', 'a', 'b', 'unit', 'delta',
              'delta_percent', 'n_a', 'n_b', 'p_value', 'significant']
    if not equal(index[0] if index else None, header, f'{where}: {base}.csv header'):
        return
    seen = set()
    for line in index[1:]:
        if not check(len(line) == len(header), f'{where}: {base}.csv row {line!r} has {len(line)} fields'):
            continue
        row = dict(zip(header, line))
        item = report.items.get(row['id'])
        what = f'{where}: {base}.csv {row["kind"]} {row["id"]}'
        if not check(item is not None and item.get('type') == row['kind'],
                     f'{what}: not in the JSON'):
            continue
        seen.add(row['id'])
        if row['kind'] == 'metric':
            check(same_cell(row['value'], item['value'], None),
                  f'{what}: value {row["value"]!r}, JSON {item["value"]!r}')
            equal(row['unit'], item['unit'], f'{what}: unit')
        elif row['kind'] == 'comparison':
            for key in ('a', 'b'):
                check(same_cell(row[key], item[key], None),
                      f'{what}: {key} {row[key]!r}, JSON {item[key]!r}')
            equal(row['unit'], item['unit'], f'{what}: unit')
        elif row['kind'] == 'table':
            side = load_csv(os.path.join(directory, row['value']))
            if side is None:
                continue
            columns = item['columns']
            equal(side[0] if side else None, [c['id'] for c in columns], f'{what}: header')
            equal(len(side) - 1, len(item['rows']), f'{what}: rows')
            for r, (cells, values) in enumerate(zip(side[1:], item['rows'])):
                ok = len(cells) == len(columns) and all(
                    same_cell(cell, value, column['type'])
                    for cell, value, column in zip(cells, values, columns))
                check(ok, f'{what}: row {r} {cells!r} differs from JSON {values!r}')
        elif row['kind'] == 'series':
            side = load_csv(os.path.join(directory, row['value']))
            if side is None:
                continue
            want = [f'{a["label"] or n} ({a["unit"]})' if a['unit'] else (a['label'] or n)
                    for a, n in ((item['x'], 'x'), (item['y'], 'y'))]
            equal(side[0] if side else None, want, f'{what}: header')
            equal(len(side) - 1, len(item['points']), f'{what}: points')
            for r, (cells, point) in enumerate(zip(side[1:], item['points'])):
                ok = len(cells) == 2 and all(same_cell(c, v, 'double') for c, v in zip(cells, point))
                check(ok, f'{what}: point {r} {cells!r} differs from JSON {point!r}')
    wanted = {item_id for item_id, item in report.items.items()
              if item.get('type') in ('metric', 'comparison', 'table', 'series')}
    check(wanted <= seen, f'{where}: {base}.csv lacks {sorted(wanted - seen)}')


# --- Markdown and SVG ---------------------------------------------------------

def check_markdown(path, expected, where):
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as error:
        check(False, f'{where}: {path}: {error}')
        return
    peak = expected['peak']
    value = autoscale(peak['inuse_bytes'])
    # The "Peak memory" section's | Metric | Value | table with the peak in it.
    match = re.search(r'^<details><summary>Peak memory</summary>\n\n\| Metric \| Value \|\n'
                      r'\|[-:|]+\|\n((?:\|.*\|\n)+)',
                      text, re.M)
    if check(match is not None, f'{where}: analysis.md has no "Peak memory" | Metric | Value | table'):
        table = match.group(1)
        check(f'| Peak in-use memory | {value} |' in table,
              f'{where}: analysis.md Peak table lacks "| Peak in-use memory | {value} |":\n{table}')
        check(f'| Peak snapshot | {peak["file"]} |' in table,
              f'{where}: analysis.md Peak table lacks the peak snapshot {peak["file"]}')
    check(value in text, f'{where}: analysis.md does not show the peak {value}')


def check_svgs(directory):
    found = 0
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            if not name.endswith('.svg'):
                continue
            found += 1
            path = os.path.join(root, name)
            try:
                tree = ET.parse(path)
                check(tree.getroot().tag == '{http://www.w3.org/2000/svg}svg',
                      f'{path}: root element is {tree.getroot().tag}')
            except ET.ParseError as error:
                check(False, f'{path}: not well-formed XML: {error}')
    check(found >= 3, f'{directory}: {found} SVG files, want one per run and one per comparison')


def protobuf_varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7f) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def profile_time_nanos(path):
    """Profile.time_nanos (field 9, a varint at the top level), or 0."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    i = 0
    while i < len(data):
        key, i = protobuf_varint(data, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = protobuf_varint(data, i)
            if field == 9:
                return value
        elif wire == 2:
            length, i = protobuf_varint(data, i)
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f'{path}: wire type {wire}')
    return 0


def manifest_from_profiles(directory):
    """What run.json would say of offsets, from the profiles' own times."""
    files = sorted((f for f in os.listdir(directory) if re.fullmatch(r'heap\d+\.pprof', f)),
                   key=lambda f: int(f[4:-6]))
    times = {f: profile_time_nanos(os.path.join(directory, f)) for f in files}
    first = min(times.values())
    return {'snapshots': [{'file': f, 'ok': True, 'offset_seconds': (t - first) / 1e9}
                          for f, t in times.items()]}


def check_custom(expected, out):
    """The RE2-style categories: each counts what pprof -focus=P counts."""
    custom = expected['custom_categories']
    run = custom['run']
    where = f'{run}/analysis.json (custom categories)'
    doc = load_json(os.path.join(out, run, 'analysis.json'))
    if doc is None:
        return
    report = Report(doc, where)
    names = list(custom['items'])
    rows = report.table('category.categories')
    if rows is not None:
        equal([row.get('name') for row in rows], names + ['uncategorized'],
              f'{where}: category.categories names')
    for name, exp in custom['items'].items():
        what = f'{where}: category {name} (-focus={exp["pattern"]})'
        equal(report.metric(f'category.{name}.inuse_bytes'), exp['inuse_bytes_peak'],
              f'{what}: inuse_bytes')
        equal(report.metric(f'category.{name}.growth_bytes'),
              exp['inuse_bytes_peak'] - exp['inuse_bytes_first'], f'{what}: growth_bytes')


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--custom':
        expected = load_json(sys.argv[2])
        if expected is None:
            return 1
        check_custom(expected, sys.argv[3])
        print(f'{passed} passed, {failed} failed')
        return 1 if failed else 0
    args = sys.argv[1:]
    no_manifest = bool(args) and args[0] == '--no-manifest'
    if no_manifest:
        args = args[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    expected = load_json(args[0])
    out = args[1]
    if expected is None:
        return 1
    for run in RUNS:
        directory = os.path.join(out, run)
        where = f'{run}/analysis.json'
        doc = load_json(os.path.join(directory, 'analysis.json'))
        if no_manifest:
            check(not os.path.exists(os.path.join(directory, 'run.json')),
                  f'{run}: --no-manifest, yet run.json exists')
            run_json = manifest_from_profiles(directory)
        else:
            run_json = load_json(os.path.join(directory, 'run.json'))
        if doc is None or run_json is None:
            continue
        check_schema(doc, 'analysis', run, None, where)
        report = Report(doc, where)
        check_analysis(report, expected['runs'][run], run_json, where)
        check_csv(directory, 'analysis', report, f'{run}/analysis.csv')
        check_markdown(os.path.join(directory, 'analysis.md'), expected['runs'][run],
                       f'{run}/analysis.md')
    comparisons = os.path.join(out, 'comparisons')
    base = 'baseline-vs-with-caching'
    doc = load_json(os.path.join(comparisons, base + '.json'))
    if doc is not None:
        where = f'comparisons/{base}.json'
        check_schema(doc, 'comparison', 'baseline', 'with-caching', where)
        report = Report(doc, where)
        check_comparison(report, expected, where)
        check_csv(comparisons, base, report, f'comparisons/{base}.csv')
    check_svgs(out)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
