#!/usr/bin/env python3
"""Reads back what the reporters wrote, with real parsers, and compares it
with the documents test_reporters.c built: JSON with the json module (and
the schema of docs/report-json.md), CSV with the csv module (values exact,
RFC 4180 layout byte for byte), SVG with xml.etree, and the Markdown tables,
headings, notes and image links with a small GFM table reader.

usage: check_reports.py analysis|comparison|options|empty DIRECTORY
       check_reports.py schema-doc docs/report-json.md
Run by test_reporters.c (and meson, for schema-doc); exits 1 listing every
mismatch.
"""
import csv
import io
import json
import os
import re
import string
import sys
import xml.etree.ElementTree as ET

# The same strings as test_reporters.c.
TRICKY = ('weird, "quoted"\nname <&> \u00fc \u65e5\u672c | *x* _y_ '
          '`z` [l](u) &amp; \\ #h\ttab\r\nend')
NOT_UTF8_READ = 'bad \ufffd\ufffd utf8 \ufffd\ufffd'
SVG = '{http://www.w3.org/2000/svg}'

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


def equal(actual, expected, what):
    return check(actual == expected, f'{what}: got {actual!r}, want {expected!r}')


def read_text(path):
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError as error:
        failures.append(f'{path}: not UTF-8: {error}')
        return raw.decode('utf-8', errors='replace')


# --- JSON ---------------------------------------------------------------

ITEM_KEYS = {
    'metric': {'type', 'id', 'label', 'value', 'unit'},
    'table': {'type', 'id', 'title', 'columns', 'rows'},
    'series': {'type', 'id', 'title', 'chart', 'x', 'y', 'points'},
    'note': {'type', 'text'},
    'recommendation': {'type', 'rule', 'advice', 'evidence'},
    'comparison': {'type', 'id', 'label', 'a', 'b', 'unit', 'delta', 'delta_percent',
                   'n_a', 'n_b', 'p_value', 'significant'},
}
# Members a comparison of repeated runs adds (schema 2).
COMPARISON_STATISTICS_KEYS = {'alpha', 'a_range', 'b_range', 'a_ci95', 'b_ci95'}


def check_comparison_change(item, where):
    """delta and delta_percent follow from a and b; single runs untested."""
    a, b = item['a'], item['b']
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if not numbers:
        equal(item['delta'], None, where + ' delta')
        equal(item['delta_percent'], None, where + ' delta_percent')
    else:
        check(item['delta'] == b - a or
              (isinstance(item['delta'], float) and item['delta'] == float(b) - float(a)),
              f'{where}: delta {item["delta"]!r}')
        if a != 0:
            check(abs(item['delta_percent'] - (b - a) / abs(a) * 100) < 1e-9,
                  f'{where}: delta_percent {item["delta_percent"]}')
    if 'alpha' not in item:
        equal((item['n_a'], item['n_b']), (int(a is not None), int(b is not None)), where + ' n')
        equal((item['p_value'], item['significant']), (None, None), where + ' untested')


def is_raw(value):
    """A raw value: number, string or null, never a formatted number."""
    return value is None or isinstance(value, (int, float, str)) and not isinstance(value, bool)


def validate_schema(doc, where):
    """The shape docs/report-json.md promises, for any document."""
    equal(set(doc), {'schema', 'schema_version', 'kind', 'title', 'run_a', 'run_b',
                     'sections'}, f'{where}: top-level keys')
    equal(doc['schema'], 'e2e-profile/report', f'{where}: schema')
    equal(doc['schema_version'], 2, f'{where}: schema_version')
    for section in doc['sections']:
        equal(set(section), {'id', 'title', 'origin', 'items'}, f'{where}: section keys')
        for item in section['items']:
            kind = item.get('type')
            if not check(kind in ITEM_KEYS, f'{where}: unknown item type {kind!r}'):
                continue
            keys = ITEM_KEYS[kind]
            if kind == 'comparison' and 'alpha' in item:
                keys = keys | COMPARISON_STATISTICS_KEYS
            equal(set(item), keys, f'{where}: keys of {kind} {item.get("id")}')
            if kind == 'comparison':
                check_comparison_change(item, f'{where}: comparison {item.get("id")}')
            for key in ('value', 'a', 'b'):
                if key in item:
                    check(is_raw(item[key]), f'{where}: {item["id"]}.{key} is not raw')
            if kind == 'table':
                width = len(item['columns'])
                for column in item['columns']:
                    equal(set(column), {'id', 'label', 'type', 'unit'}, f'{where}: column keys')
                    check(column['type'] in ('int', 'double', 'text', 'none'),
                          f'{where}: column type {column["type"]!r}')
                for row in item['rows']:
                    equal(len(row), width, f'{where}: row width of {item["id"]}')
                    check(all(is_raw(cell) for cell in row), f'{where}: raw cells')
            if kind == 'series':
                equal(set(item['x']), {'label', 'unit'}, f'{where}: x axis keys')
                equal(set(item['y']), {'label', 'unit'}, f'{where}: y axis keys')
                for point in item['points']:
                    check(len(point) == 2 and all(v is None or isinstance(v, float)
                                                  for v in point),
                          f'{where}: point {point!r} of {item["id"]}')


def check_double_literal(literal):
    """Doubles are written as the shortest text that reads back exactly."""
    equal(literal, repr(float(literal)), 'JSON double literal')
    return float(literal)


def load_json(path):
    text = read_text(path)
    doc = json.loads(text, parse_float=check_double_literal)
    validate_schema(doc, path)
    return doc, text


def all_items(doc, kind=None):
    for section in doc['sections']:
        for item in section['items']:
            if kind is None or item['type'] == kind:
                yield section, item


def item(doc, kind, item_id):
    for _, found in all_items(doc, kind):
        if found['id'] == item_id:
            return found
    failures.append(f'no {kind} {item_id} in the JSON')
    return None


def check_json_analysis(doc, text):
    equal(doc['kind'], 'analysis', 'kind')
    equal(doc['title'], 'baseline', 'title')
    equal(doc['run_a'], 'baseline', 'run_a')
    equal(doc['run_b'], None, 'run_b')
    equal([s['id'] for s in doc['sections']], ['run', 'heap', 'growth', 'widgets', 'empty'],
          'section ids')
    equal([s['origin'] for s in doc['sections']],
          ['core', 'analyzer.heap', 'analyzer.growth', 'analyzer.widgets', 'analyzer.empty'],
          'section origins')
    equal(doc['sections'][3]['title'], 'Widgets & <gadgets> "3rd" party', 'third-party title')
    expected = {
        'run.snapshots': (25, 'count'),
        'run.duration_seconds': (372.5, 'seconds'),
        'heap.peak_inuse_bytes': (52009369, 'bytes'),
        'heap.peak_offset_seconds': (345.0, 'seconds'),
        'heap.peak_snapshot': ('heap23.pprof', ''),
        'growth.slope_bytes_per_second': (1384120.3, 'bytes/second'),
        'widgets.count': (7, 'widgets'),
        'widgets.ratio': (0.1, ''),
        'widgets.tiny': (1e-300, ''),
        'widgets.max': (2**63 - 1, 'count'),
        'widgets.min': (-2**63, 'count'),
        'widgets.nan': (None, ''),
        'widgets.missing': (None, 'bytes'),
        'widgets.tricky': (TRICKY, ''),
        'widgets.not_utf8': (NOT_UTF8_READ, ''),
    }
    for metric_id, (value, unit) in expected.items():
        metric = item(doc, 'metric', metric_id)
        if metric is None:
            continue
        equal((metric['value'], metric['unit']), (value, unit), metric_id)
        equal(type(metric['value']), type(value), f'{metric_id} JSON type')
    equal(item(doc, 'metric', 'widgets.tricky')['label'], TRICKY, 'tricky label')
    # Shortest round trip, not %.17g noise; integral doubles keep ".0".
    check(re.search(r'"value": ?0\.1,', text), 'widgets.ratio written as 0.1')
    check(re.search(r'"value": ?345\.0,', text), 'peak_offset_seconds written as 345.0')

    top = item(doc, 'table', 'heap.top')
    equal([c['id'] for c in top['columns']],
          ['function', 'flat', 'flat_percent', 'sum_percent', 'cum', 'cum_percent'],
          'heap.top column ids')
    equal([c['type'] for c in top['columns']],
          ['text', 'int', 'double', 'double', 'int', 'double'], 'heap.top column types')
    equal(top['rows'][0], ['encoding/json.(*decodeState).objectInterface', 15732111, 30.98,
                           30.98, 23734600, 46.74], 'heap.top row 0')
    equal(top['rows'][2], [TRICKY, -2048, -0.0039, 44.43, None, None], 'heap.top row 2')
    timeline = item(doc, 'table', 'growth.timeline')
    equal(timeline['rows'][0], [0.00157, 'heap0.pprof', 10485760, 100000, None],
          'timeline row 0')
    equal(timeline['rows'][1][4], 1398101.3333333333, 'timeline alloc_rate exact')
    series = item(doc, 'series', 'widgets.a')
    equal(series['points'], [[0.0, 1.0], [1.0, 3.0], [2.0, None], [3.0, 2.0]],
          'widgets.a points (NaN is null)')
    equal((series['title'], series['chart'], series['x'], series['y']),
          ('first, "A"', 'wchart', {'label': 't', 'unit': 'seconds'},
           {'label': 'Widgets', 'unit': 'widgets'}), 'widgets.a header')
    equal(item(doc, 'series', 'widgets.b')['title'], TRICKY, 'widgets.b title')
    equal(item(doc, 'series', 'widgets.c')['points'], [], 'empty series')
    notes = [n['text'] for _, n in all_items(doc, 'note')]
    equal(notes, ['Peak in-use memory was reached at heap23.pprof, 345 s into the run.',
                  TRICKY, '1. not a list'], 'notes')
    recommendations = [(r['rule'], r['advice'], r['evidence'])
                       for _, r in all_items(doc, 'recommendation')]
    equal(recommendations, [('openapi-share', 'Cache OpenAPI schemas',
                             'openapi is 26.2% of in-use memory (> 10%)'),
                            (TRICKY, TRICKY, '')], 'recommendations')
    equal(doc['sections'][4]['items'], [], 'empty section')


def check_json_comparison(doc):
    equal((doc['kind'], doc['title'], doc['run_a'], doc['run_b']),
          ('comparison', 'baseline vs with-caching', 'baseline', 'with-caching'), 'header')
    expected = {
        'duration': (372.5, 390.0, 'seconds'),
        'snapshots': (24, 26, 'count'),
        'peak': (52009369, 43201331, 'bytes'),
        'category.json': (None, 1048576, 'bytes'),
        'peak_snapshot': ('heap23.pprof', 'heap25.pprof', ''),
        'share': (26.2, 8.1, 'percent'),
        'category.openapi': (13631488, 3670016, 'bytes'),
        'tricky': (-5, -10, 'count'),
    }
    for comparison_id, want in expected.items():
        found = item(doc, 'comparison', comparison_id)
        if found is not None:
            equal((found['a'], found['b'], found['unit']), want, comparison_id)
    equal(item(doc, 'comparison', 'tricky')['label'], TRICKY, 'tricky label')
    diff = item(doc, 'table', 'heap.diff')
    equal(diff['rows'], [['openapi3.(*root).GVSpec', 4343849, 1048576, -3295273],
                         [TRICKY, 0, 2048, 2048]], 'heap.diff rows')
    equal([s['title'] for _, s in all_items(doc, 'series')], ['baseline', 'with-caching'],
          'series titles')


# --- CSV ----------------------------------------------------------------

def read_csv(path, line_end):
    text = read_text(path)
    rows = list(csv.reader(io.StringIO(text, newline=''), strict=True))
    # Written again by Python's csv module with the same line end, the
    # rows must give the same bytes: quoting exactly where RFC 4180 needs
    # it, doubled quotes, line ends.
    again = io.StringIO(newline='')
    csv.writer(again, lineterminator=line_end).writerows(rows)
    equal(again.getvalue(), text, f'{os.path.basename(path)} layout')
    return rows


def csv_matches(cell, value):
    """True when cell is value written raw."""
    if value is None:
        return cell == ''
    if isinstance(value, int):
        return cell == str(value)
    if isinstance(value, float):
        # The shortest text that reads back exactly, laid out like repr().
        return cell == repr(value)
    return cell == value


def check_csv(directory, base, doc, line_end):
    """Every metric, comparison, table and series of the JSON, raw in CSV.
    Returns the file names BASE.csv names."""
    index = read_csv(os.path.join(directory, base + '.csv'), line_end)
    equal(index[0], ['kind', 'section', 'id', 'label', 'value', 'a', 'b', 'unit', 'delta',
                     'delta_percent', 'n_a', 'n_b', 'p_value', 'significant'],
          'BASE.csv header')
    rows = index[1:]
    files = []
    position = 0
    for section, entry in all_items(doc):
        kind = entry['type']
        if kind in ('note', 'recommendation'):
            continue
        if not check(position < len(rows), f'BASE.csv ends before {entry["id"]}'):
            break
        row = rows[position]
        position += 1
        where = f'BASE.csv row of {entry["id"]!r}'
        equal(row[:3], [kind, section['id'], entry['id']], where)
        if kind == 'metric':
            equal(row[3], entry['label'], where + ' label')
            check(csv_matches(row[4], entry['value']), f'{where}: value {row[4]!r}')
            equal(row[5:], ['', '', entry['unit']] + [''] * 6, where)
        elif kind == 'comparison':
            equal(row[3], entry['label'], where + ' label')
            equal(row[4], '', where + ' value')
            check(csv_matches(row[5], entry['a']), f'{where}: a {row[5]!r}')
            check(csv_matches(row[6], entry['b']), f'{where}: b {row[6]!r}')
            equal(row[7], entry['unit'], where + ' unit')
            for column, key in zip(row[8:], ('delta', 'delta_percent', 'n_a', 'n_b',
                                             'p_value')):
                check(csv_matches(column, entry[key]), f'{where}: {key} {column!r}')
            equal(row[13], {True: 'true', False: 'false', None: ''}[entry['significant']],
                  where + ' significant')
        else:
            equal(row[3], entry['title'], where + ' title')
            equal(row[5:], ['', '', ''] + [''] * 6, where)
            files.append(row[4])
            side = read_csv(os.path.join(directory, row[4]), line_end)
            if kind == 'table':
                equal(side[0], [c['id'] for c in entry['columns']], row[4] + ' header')
                want = entry['rows']
            else:
                equal(side[0], [axis_header(entry[a], a) for a in ('x', 'y')], row[4] + ' header')
                want = entry['points']
            equal(len(side) - 1, len(want), row[4] + ' row count')
            for got, values in zip(side[1:], want):
                check(len(got) == len(values) and
                      all(csv_matches(c, v) for c, v in zip(got, values)),
                      f'{row[4]}: {got!r} is not {values!r}')
    equal(len(rows), position, 'BASE.csv row count')
    return files


# --- Markdown -----------------------------------------------------------

def md_unescape(text):
    """What a CommonMark reader shows for text the reporter escaped."""
    out, i = [], 0
    while i < len(text):
        if text[i] == '\\' and i + 1 < len(text) and text[i + 1] in string.punctuation:
            out.append(text[i + 1])
            i += 2
        elif text.startswith('<br>', i):
            out.append('\n')
            i += 4
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


def bare_markup(raw):
    """Markdown markup characters in raw text without their backslash: '_'
    only where it could start emphasis, '&' only where it could start an
    entity (the reporter writes <br> for line breaks itself)."""
    raw = raw.replace('<br>', '')
    found, i = [], 0
    while i < len(raw):
        if raw[i] == '\\':
            i += 2
            continue
        previous = raw[i - 1] if i > 0 else ' '
        following = raw[i + 1] if i + 1 < len(raw) else ' '
        if raw[i] in '*`[]<>|~\\' or \
                raw[i] == '_' and not (previous.isalnum() and following.isalnum()) or \
                raw[i] == '&' and (following.isalnum() or following == '#'):
            found.append(raw[i])
        i += 1
    return found


def md_cells(line):
    """The cells of a GFM table row: split at pipes that are not escaped."""
    cells, current, i = [], '', 1
    body = line.rstrip('\n')
    while i < len(body):
        if body[i] == '\\' and i + 1 < len(body):
            current += body[i:i + 2]
            i += 2
        elif body[i] == '|':
            equal(bare_markup(current), [], f'unescaped markup in cell {current!r}')
            cells.append(md_unescape(current.strip(' ')))
            current = ''
            i += 1
        else:
            current += body[i]
            i += 1
    return cells


def md_tables(lines):
    """Every table: (header cells, [row cells])."""
    tables, i = [], 0
    while i < len(lines):
        if lines[i].startswith('|') and i + 1 < len(lines) and \
                re.fullmatch(r'\|(-{3,}:?\|)+', lines[i + 1]):
            header = md_cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith('|'):
                rows.append(md_cells(lines[i]))
                check(len(rows[-1]) == len(header), f'markdown row width: {lines[i]!r}')
                i += 1
            tables.append((header, rows))
        else:
            i += 1
    return tables


def in_cell(text):
    """A text as it reads back from a table cell: line breaks as <br>."""
    return text.replace('\r\n', '\n').replace('\r', '\n')


def in_paragraph(text):
    return text.replace('\r\n', ' ').replace('\r', ' ').replace('\n', ' ')


def md_table_with(tables, header):
    for found_header, rows in tables:
        if found_header == header:
            return rows
    failures.append(f'no markdown table with header {header!r}')
    return []


def axis_header(axis, name):
    """A series CSV's column header: the axis label (else x or y) and its unit."""
    label = axis['label'] or name
    return f'{label} ({axis["unit"]})' if axis['unit'] else label


def check_markdown_common(path, doc):
    text = read_text(path)
    lines = text.split('\n')
    check(text.endswith('\n') and not text.endswith('\n\n\n'), f'{path}: ends with one blank')
    import html
    headings = [html.unescape(line[len('<details><summary>'):-len('</summary>')])
                for line in lines if line.startswith('<details><summary>')]
    equal(headings, [s['title'] or s['id'] for s in doc['sections']],
          'markdown section headings (the id when there is no title)')
    tables = md_tables(lines)
    # Every metric's label, every table's header and text cells, generically.
    metric_rows = [row for header, rows in tables if header == ['Metric', 'Value']
                   for row in rows]
    metric_labels = [row[0] for row in metric_rows]
    for _, metric in all_items(doc, 'metric'):
        check(in_cell(metric['label']) in metric_labels, f'no metric row for {metric["id"]}')
    for _, table in all_items(doc, 'table'):
        rows = md_table_with(tables, [c['label'] for c in table['columns']])
        # Rows whose numbers are all 0 (or empty) are counted, not shown.
        def zero_row(values):
            numbers = [v for v in values if not isinstance(v, str)]
            return any(isinstance(v, (int, float)) for v in numbers) and \
                all(v == 0 or v is None for v in numbers)
        shown = [values for values in table['rows'] if not zero_row(values)]
        hidden = len(table['rows']) - len(shown)
        equal(len(rows), len(shown), f'markdown rows of {table["id"]}')
        if hidden:
            check(f'{hidden} row(s) whose figures are all 0 are not shown.' in text,
                  f'{table["id"]}: says {hidden} all-zero row(s) are hidden')
        for got, values in zip(rows, shown):
            for cell, value in zip(got, values):
                if isinstance(value, str):
                    equal(cell, in_cell(value), f'text cell of {table["id"]}')
                elif value is None:
                    equal(cell, '', f'empty cell of {table["id"]}')
    return text, lines, tables, dict((row[0], row[1]) for row in metric_rows)


def image_links(lines):
    return [re.fullmatch(r'!\[(.*)\]\((.*)\)', line).groups()
            for line in lines if line.startswith('![')]


# --- SVG ----------------------------------------------------------------

def check_svg(path, title, legend):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        failures.append(f'{path}: not well-formed XML: {error}')
        return
    equal(root.tag, SVG + 'svg', f'{path} root')
    equal(root.get('version'), '1.1', f'{path} version')
    equal(root.find(SVG + 'title').text, title, f'{path} title')
    texts = [t.text for t in root.iter(SVG + 'text')]
    for name in legend:
        check(re.sub('[\r\n\t]', ' ', name) in texts, f'{path}: no legend entry {name!r}')
    lines = [p for p in root.iter(SVG + 'path') if p.get('class') == 'series']
    equal(len(lines), len(legend), f'{path} line count')
    for line in lines:
        for pair in svg_line_points(line):
            x, y = pair
            check(0 <= x <= float(root.get('width')) and 0 <= y <= float(root.get('height')),
                  f'{path}: point {pair} outside the picture')
    return root


def svg_line_points(path):
    """The (x, y) of a series path "M x,y L x,y ... M x,y ..."."""
    words = path.get('d').split()
    check(all(w in ('M', 'L') for w in words[0::2]), f'path data {path.get("d")!r}')
    return [tuple(float(v) for v in w.split(',')) for w in words[1::2]]


# --- the scenarios ------------------------------------------------------

def files_in(directory):
    names = sorted(os.listdir(directory))
    check(not any(n.startswith('.') for n in names), f'temporary files left: {names}')
    return names


def check_analysis(directory, charts=True, line_end='\r\n', indent=True):
    doc, text = load_json(os.path.join(directory, 'analysis.json'))
    check_json_analysis(doc, text)
    if indent:
        check(text.count('\n') > 100, 'analysis.json is indented')
        check('\n            ["runtime.allocm", 6829066, 13.45, 44.43, 6829066, 13.45],\n'
              in text, 'a table row stays on one line')
    else:
        check(text.endswith('}\n') and text.count('\n') == 1, 'analysis.json is one line')

    side_files = check_csv(directory, 'analysis', doc, line_end)
    equal(side_files, ['analysis-heap-top.csv', 'analysis-growth-timeline.csv',
                       'analysis-growth-inuse.csv', 'analysis-widgets-heap-top.csv',
                       'analysis-widgets-a.csv', 'analysis-widgets-b.csv',
                       'analysis-widgets-c.csv'],
          'CSV side files (heap-top of widgets must not overwrite heap.top)')

    md, lines, tables, metrics = check_markdown_common(os.path.join(directory, 'analysis.md'),
                                                        doc)
    # The title, the host's summary (its own checks: tests/summary), then the page.
    equal(lines[:3], ['# baseline', '', '**Run baseline**: peak in-use memory 49.60MB at 345 s'],
          'page head')
    check('Analysis of run **baseline**.' in lines, 'page head: the analysis line')
    want_metrics = {
        'Snapshots': '25', 'Duration': '372.50s', 'Test exit status': '0',
        'Peak in-use memory': '49.60MB', 'Peak in-use objects': '412345', 'Peak at': '345s',
        'Peak snapshot': 'heap23.pprof', 'First to peak': '39.60MB', 'Slope': '1.32MB/s',
        'Widgets seen': '7 widgets', 'Ratio': '0.1', 'Tiny': '1e-300',
        'Largest': '9223372036854775807', 'Smallest': '-9223372036854775808',
        'Missing': 'n/a', 'Latency': '1.50s', in_cell(TRICKY): in_cell(TRICKY),
        'Not UTF-8': NOT_UTF8_READ,
    }
    for label, value in want_metrics.items():
        equal(metrics.get(label), value, f'markdown metric {label!r}')
    check('| Peak in-use memory | 49.60MB |' in lines, 'raw metric row')
    top = md_table_with(tables, ['function', 'flat', 'flat%', 'sum%', 'cum', 'cum%'])
    # One unit for the table, as go tool pprof -top prints it.
    equal(top[0], ['encoding/json.(*decodeState).objectInterface', '15363.39kB', '30.98%',
                   '30.98%', '23178.32kB', '46.74%'], 'heap.top row 0')
    equal(top[2], [in_cell(TRICKY), '-2kB', '-0.0039%', '44.43%', '', ''], 'heap.top row 2')
    timeline = md_table_with(tables, ['offset', 'snapshot', 'in-use', 'objects',
                                      'allocation rate'])
    # Times of the run each in its own unit; bytes in one unit.
    equal(timeline, [['1.57ms', 'heap0.pprof', '10MB', '100000', ''],
                     ['15s', 'heap1.pprof', '30MB', '250000', '1.33MB/s'],
                     ['30s', 'heap2.pprof', '49.60MB', '412345', '1.31MB/s']], 'timeline')
    widget_rows = md_table_with(tables, ['name, "quoted"', 'delta', 'share'])
    equal(widget_rows[0], ['a,b', '-1048576B', '-12.50%'], 'widget row 0')
    check(in_paragraph(TRICKY) in [md_unescape(line) for line in lines], 'tricky note')
    tricky_note = [line for line in lines if md_unescape(line) == in_paragraph(TRICKY)]
    # A note's `z` is a code span; everything else is escaped.
    check(tricky_note and bare_markup(tricky_note[0]) == ['`', '`'] and '`z`' in tricky_note[0],
          'tricky note escaped, its code span kept')
    check('1\\. not a list' in lines, 'a note starting "1." is no list')
    check('- **Cache OpenAPI schemas** \u2014 openapi is 26.2% of in-use memory (\\> 10%) '
          '(openapi-share)' in lines, 'recommendation line')
    check(any(line.startswith('- **') and md_unescape(line) ==
              f'- **{in_paragraph(TRICKY)}** ({in_paragraph(TRICKY)})' for line in lines),
          'tricky recommendation line')

    expected_files = ['analysis-growth-inuse.csv', 'analysis-growth-timeline.csv',
                      'analysis-heap-top.csv', 'analysis-widgets-a.csv',
                      'analysis-widgets-b.csv', 'analysis-widgets-c.csv',
                      'analysis-widgets-heap-top.csv', 'analysis.csv', 'analysis.json',
                      'analysis.md']
    if charts:
        equal(image_links(lines), [('In-use memory', 'analysis-inuse.svg'),
                                   ('Widgets', 'analysis-wchart.svg'),
                                   ('Nothing', 'analysis-other.svg')], 'image links')
        check('![In-use memory](analysis-inuse.svg)' in lines, 'the in-use chart link')
        expected_files += ['analysis-inuse.svg', 'analysis-other.svg', 'analysis-wchart.svg']
        root = check_svg(os.path.join(directory, 'analysis-inuse.svg'), 'baseline: In-use memory',
                         ['baseline'])
        if root is not None:
            texts = [t.text for t in root.iter(SVG + 'text')]
            check('10MB' in texts and '0' in texts and '30s' in texts,
                  f'in-use chart ticks in units: {texts}')
        root = check_svg(os.path.join(directory, 'analysis-wchart.svg'), 'baseline: Widgets',
                         ['first, "A"', TRICKY])
        if root is not None:
            first = next(p for p in root.iter(SVG + 'path') if p.get('class') == 'series')
            equal(first.get('d').split()[0::2], ['M', 'L', 'M'],
                  'the line has a gap at the NaN point')
        root = check_svg(os.path.join(directory, 'analysis-other.svg'), 'baseline: Nothing', ['alone'])
        if root is not None:
            check('no data' in [t.text for t in root.iter(SVG + 'text')], 'empty chart')
    else:
        equal(image_links(lines), [], 'no image links without charts')
        rows = md_table_with(tables, ['Time since start', 'In-use memory'])
        equal(rows, [['0', '10MB'], ['15s', '30MB'], ['30s', '49.60MB']], 'series as table')
    equal(files_in(directory), sorted(expected_files), 'files written')


def check_comparison(directory):
    base = 'baseline-vs-with-caching'
    doc, _ = load_json(os.path.join(directory, base + '.json'))
    check_json_comparison(doc)
    side_files = check_csv(directory, base, doc, '\r\n')
    equal(side_files, [base + '-heap-diff.csv', base + '-growth-inuse-baseline.csv',
                       base + '-growth-inuse-with-caching.csv'], 'CSV side files')
    md, lines, tables, _ = check_markdown_common(os.path.join(directory, base + '.md'), doc)
    equal(lines[:2], ['# baseline vs with-caching', ''], 'page head')
    check(lines[2].startswith('**Verdict: '), 'page head: the summary verdict')
    check('Comparison of run **baseline** (before) with run **with-caching** (after).' in lines,
          'page head: the comparison line')
    for row in [
        '| Metric | baseline | with-caching | Change |',
        '| Test duration | 372.50s | 390s | +17.50s (+4.7%) |',
        '| Snapshots | 24 | 26 | +2 (+8.3%) |',
        '| Exit status | 0 | 1 | +1 (n/a) |',
        '| Peak in-use memory | 49.60MB | 41.20MB | -8.40MB (-16.9%) |',
        '| Peak in-use objects | 412345 | 380001 | -32344 (-7.8%) |',
        '| JSON decoding | n/a | 1MB | n/a |',
        '| Peak snapshot | heap23.pprof | heap25.pprof | changed |',
        '| OpenAPI share | 26.20% | 8.10% | -18.1 pp (-69.1%) |',
        '| New category | 0 | 1MB | +1MB (n/a) |',
        '| OpenAPI | 13MB | 3.50MB | -9.50MB (-73.1%) |',
    ]:
        check(row in lines, f'comparison row {row!r}')
    # The first such table is the summary's (key figures only); the
    # sections' tables after it hold every comparison once.
    comparison_tables = [rows for header, rows in tables
                         if header == ['Metric', 'baseline', 'with-caching', 'Change']]
    comparisons = [row for rows in comparison_tables[1:] for row in rows]
    check([in_cell(TRICKY), '-5', '-10', '-5 (-100.0%)'] in comparisons, 'tricky comparison')
    equal(len(comparisons), len(list(all_items(doc, 'comparison'))), 'one row per comparison')
    diff = md_table_with(tables, ['function', 'baseline', 'with-caching', 'delta'])
    equal(diff, [['openapi3.(*root).GVSpec', '4242.04kB', '1024kB', '-3218.04kB'],
                 [in_cell(TRICKY), '0', '2kB', '2kB']], 'heap.diff table')
    equal(image_links(lines), [('In-use memory', base + '-inuse.svg')], 'image links')
    # Chart titles carry the document's title (the runs' names).
    check_svg(os.path.join(directory, base + '-inuse.svg'), 'baseline vs with-caching: In-use memory',
              ['baseline', 'with-caching'])
    equal(files_in(directory), sorted([
        base + '-growth-inuse-baseline.csv', base + '-growth-inuse-with-caching.csv',
        base + '-heap-diff.csv', base + '-inuse.svg', base + '.csv', base + '.json',
        base + '.md']), 'files written')


def check_empty(directory):
    doc, _ = load_json(os.path.join(directory, 'analysis.json'))
    equal((doc['kind'], doc['title'], doc['run_a'], doc['sections']),
          ('analysis', '', 'empty', []), 'empty document')
    equal(check_csv(directory, 'analysis', doc, '\r\n'), [], 'no side files')
    equal(read_text(os.path.join(directory, 'analysis.md')),
          '# empty\n\n**Run empty**\n\nAnalysis of run **empty**.\n\n', 'empty page')
    equal(files_in(directory), ['analysis.csv', 'analysis.json', 'analysis.md'], 'files')


def check_extremes(directory):
    """Edge values: whatever was written parses, and every SVG number is a
    finite number."""
    doc, _ = load_json(os.path.join(directory, 'analysis.json'))
    equal(item(doc, 'metric', 'infinite')['value'], None, 'infinity is null')
    equal(item(doc, 'comparison', 'range')['a'], -2**63, 'INT64_MIN exact')
    side_files = check_csv(directory, 'analysis', doc, '\r\n')
    check('analysis-item.csv' not in side_files and 'analysis-no_rows.csv' in side_files,
          f'side files {side_files}')
    md, lines, tables, _ = check_markdown_common(os.path.join(directory, 'analysis.md'), doc)
    # A change too large for int64 still shows, in bytes.
    check('| whole int64 range | -9223372036854775808B | 8192PB | +1.84467e+19 bytes (+200.0%) |'
          in lines, 'the int64 range comparison')
    check('four spaces would make a code block' in lines, 'leading blanks dropped')
    svgs = [name for name in files_in(directory) if name.endswith('.svg')]
    equal(sorted(svgs), ['analysis-absurd.svg', 'analysis-denormal.svg', 'analysis-many.svg',
                         'analysis-one.svg'], 'charts')
    for name in svgs:
        root = ET.parse(os.path.join(directory, name)).getroot()
        for element in root.iter():
            for key in ('x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'width', 'height'):
                if element.get(key) is not None:
                    value = float(element.get(key))
                    check(value == value and abs(value) < 1e7, f'{name}: {key}={value}')
            if element.get('class') == 'series':
                for x, y in svg_line_points(element):
                    check(abs(x) < 1e7 and abs(y) < 1e7, f'{name}: point {x},{y}')


def check_schema_doc(path):
    """The examples of docs/report-json.md follow the schema they explain."""
    blocks = re.findall(r'```json\n(.*?)```', read_text(path), re.S)
    if not check(len(blocks) == 2, f'{path}: want two json examples, found {len(blocks)}'):
        return
    doc = json.loads(blocks[0], parse_float=check_double_literal)
    validate_schema(doc, path + ' (analysis example)')
    comparison = json.loads(blocks[1], parse_float=check_double_literal)
    validate_schema({'schema': 'e2e-profile/report', 'schema_version': 2,
                     'kind': 'comparison', 'title': 'A vs B', 'run_a': 'A', 'run_b': 'B',
                     'sections': [{'id': 's', 'title': 'S', 'origin': 'core',
                                   'items': [comparison]}]}, path + ' (comparison example)')
    equal(sorted({i['type'] for _, i in all_items(doc)} | {comparison['type']}),
          sorted(ITEM_KEYS), f'{path}: an example of every item type')


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    mode, directory = sys.argv[1:]
    if mode == 'analysis':
        check_analysis(directory)
    elif mode == 'options':
        check_analysis(directory, charts=False, line_end='\n', indent=False)
    elif mode == 'comparison':
        check_comparison(directory)
    elif mode == 'empty':
        check_empty(directory)
    elif mode == 'extremes':
        check_extremes(directory)
    elif mode == 'schema-doc':
        check_schema_doc(directory)
    else:
        print(f'unknown mode {mode}', file=sys.stderr)
        return 2
    for failure in failures:
        print(f'FAIL: {failure}', file=sys.stderr)
    print(f'check_reports.py {mode}: {"ok" if not failures else f"{len(failures)} failures"}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
