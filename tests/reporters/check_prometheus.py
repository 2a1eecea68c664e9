#!/usr/bin/env python3
"""Checks what a real Prometheus holds after e2e-profile pushed (or
backfilled) the runs of tests/analysis/data, through its HTTP API
(/api/v1/query and /api/v1/query_range), against the figures `go tool
pprof` computes from the same files (data/expected.json), the runs'
run.json and the analysis.json written beside them.

usage: check_prometheus.py URL DATADIR OUTDIR TOTAL RUN:LABEL=VALUE,... ...
  URL      Prometheus, e.g. http://127.0.0.1:9090
  DATADIR  tests/analysis/data (expected.json, RUN/run.json)
  OUTDIR   where the runs were analyzed (RUN/analysis.json)
  TOTAL    how many runs the server holds in all (one peak series each)
  RUN:...  a run that was sent, with the extra labels it was sent with;
           the same run may be given twice with other labels (a
           repetition), and the series must be kept apart.
Prints "N passed, M failed" last; exits 1 when anything failed."""
import json
import sys
import urllib.parse
import urllib.request

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f'FAIL: {what}')


def api(base, path, **params):
    url = f'{base}{path}?{urllib.parse.urlencode(params)}'
    with urllib.request.urlopen(url, timeout=30) as answer:
        body = json.load(answer)
    if body.get('status') != 'success':
        raise RuntimeError(f'{url}: {body}')
    return body['data']


def selector(name, labels):
    inner = ','.join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f'{name}{{{inner}}}'


def seconds(ms):
    return f'{ms // 1000}.{ms % 1000:03d}'


def raw_samples(base, name, labels, end_ms):
    """Every stored sample of the series matching labels, with its exact
    timestamp: a range selector at an instant returns raw samples."""
    data = api(base, '/api/v1/query', query=selector(name, labels) + '[1h]',
               time=seconds(end_ms + 1))
    return data['result']


def main():
    base, datadir, outdir, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sent = []
    for spec in sys.argv[5:]:
        run, _, text = spec.partition(':')
        extra = dict(item.split('=', 1) for item in text.split(',') if item)
        sent.append((run, extra))
    with open(f'{datadir}/expected.json') as f:
        expected = json.load(f)

    for run, extra in sent:
        where = f'{run} {extra}'
        with open(f'{datadir}/{run}/run.json') as f:
            manifest = json.load(f)
        with open(f'{outdir}/{run}/analysis.json') as f:
            report = json.load(f)
        items = {i.get('id'): i for s in report['sections'] for i in s['items']}
        exp = expected['runs'][run]
        heap = [s for s in manifest['snapshots'] if s.get('ok') and s['kind'] == 'heap']
        times = {s['file']: s['time_unix_ns'] // 1_000_000 for s in heap}
        source = heap[0]['source']
        end_ms = manifest['ended_unix_ns'] // 1_000_000
        own = dict(extra, run=run)
        check(len(heap) == len(exp['snapshots']), f'{where}: snapshot count')

        # Every snapshot's in-use bytes and objects: exact values at exact
        # times, one series with exactly the expected labels.
        for name, key in (('e2e_profile_heap_inuse_bytes', 'inuse_bytes'),
                          ('e2e_profile_heap_inuse_objects', 'inuse_objects')):
            result = raw_samples(base, name, own, end_ms)
            check(len(result) == 1, f'{where}: {name}: {len(result)} series, want 1')
            if not result:
                continue
            want_labels = dict(own, __name__=name, instance=source)
            check(result[0]['metric'] == want_labels,
                  f'{where}: {name} labels {result[0]["metric"]}, want {want_labels}')
            got = [(round(float(t) * 1000), float(v)) for t, v in result[0]['values']]
            want = [(times[s['file']], float(s[key])) for s in exp['snapshots']]
            check(got == want, f'{where}: {name} samples {got}, want {want}')
            # The same figures one instant query at a time.
            for ms, value in want:
                data = api(base, '/api/v1/query', query=selector(name, own), time=seconds(ms))
                values = [float(r['value'][1]) for r in data['result']]
                check(values == [value], f'{where}: {name} at {seconds(ms)}: {values}, '
                      f'want [{value}]')

        # A timeline column no mapping names reaches Prometheus under a
        # derived name: growth.timeline's alloc_rate (none for the first).
        growth = items['growth.timeline']
        gcol = [c['id'] for c in growth['columns']]
        name = 'e2e_profile_growth_alloc_rate_bytes_per_second'
        result = raw_samples(base, name, own, end_ms)
        got = [(round(float(t) * 1000), float(v)) for r in result for t, v in r['values']]
        want = [(times[row[gcol.index('snapshot')]], float(row[gcol.index('alloc_rate')]))
                for row in growth['rows'] if row[gcol.index('alloc_rate')] is not None]
        check(len(want) == len(heap) - 1 and got == want,
              f'{where}: {name} samples {got}, want {want}')

        # query_range: each step sees the latest snapshot at or before it.
        first_ms, last_ms = min(times.values()), max(times.values())
        step_ms = 500
        data = api(base, '/api/v1/query_range',
                   query=selector('e2e_profile_heap_inuse_bytes', own),
                   start=seconds(first_ms), end=seconds(last_ms), step=f'{step_ms / 1000}')
        check(len(data['result']) == 1, f'{where}: query_range series count')
        if data['result']:
            by_time = sorted((times[s['file']], float(s['inuse_bytes'])) for s in exp['snapshots'])
            steps = 0
            for t, v in data['result'][0]['values']:
                ms = round(float(t) * 1000)
                latest = [value for when, value in by_time if when <= ms][-1]
                check(float(v) == latest, f'{where}: query_range at {t}: {v}, want {latest}')
                steps += 1
            check(steps == (last_ms - first_ms) // step_ms + 1,
                  f'{where}: query_range gave {steps} steps')

        # Each category's bytes in every snapshot, as analysis.json's
        # category.timeline has them; at the first and the peak, pprof's.
        timeline = items['category.timeline']
        columns = [c['id'] for c in timeline['columns']]
        for category, figures in exp['categories'].items():
            labels = dict(own, category=category)
            result = raw_samples(base, 'e2e_profile_category_inuse_bytes', labels, end_ms)
            check(len(result) == 1, f'{where}: category {category}: {len(result)} series')
            if not result:
                continue
            got = {round(float(t) * 1000): float(v) for t, v in result[0]['values']}
            want = {times[row[columns.index('snapshot')]]: float(row[columns.index(category)])
                    for row in timeline['rows']}
            check(got == want, f'{where}: category {category} samples {got}, want {want}')
            check(got.get(times[exp['first']]) == figures['inuse_bytes_first'],
                  f'{where}: category {category} at the first snapshot, pprof -focus')
            check(got.get(times[exp['peak']['file']]) == figures['inuse_bytes_peak'],
                  f'{where}: category {category} at the peak, pprof -focus')
            data = api(base, '/api/v1/query',
                       query=selector('e2e_profile_category_peak_inuse_bytes', labels),
                       time=seconds(end_ms))
            values = [float(r['value'][1]) for r in data['result']]
            check(values == [figures['inuse_bytes_peak']],
                  f'{where}: category_peak {category}: {values}')

        # The run's figures at its end.
        duration = (manifest['ended_unix_ns'] - manifest['started_unix_ns']) / 1e9
        for name, want in (('e2e_profile_peak_inuse_bytes', exp['peak']['inuse_bytes']),
                           ('e2e_profile_peak_inuse_objects', exp['peak']['inuse_objects']),
                           ('e2e_profile_run_duration_seconds', duration),
                           ('e2e_profile_run_snapshots', len(heap)),
                           ('e2e_profile_run_failed_snapshots', manifest['counts']['failed']),
                           ('e2e_profile_test_exit_status', manifest['command']['exit_status'])):
            result = raw_samples(base, name, own, end_ms)
            got = [(round(float(t) * 1000), float(v)) for r in result for t, v in r['values']]
            check(got == [(end_ms, float(want))], f'{where}: {name}: {got}, want '
                  f'[({end_ms}, {float(want)})]')
            if result:
                check(result[0]['metric'] == dict(own, __name__=name),
                      f'{where}: {name} labels {result[0]["metric"]}')

    # Runs sent apart stay apart: one peak series per run sent.
    data = api(base, '/api/v1/query', query='count(last_over_time(e2e_profile_peak_inuse_bytes[1h]))',
               time=seconds(max(json.load(open(f'{datadir}/{r}/run.json'))['ended_unix_ns']
                                for r, _ in sent) // 1_000_000))
    count = int(float(data['result'][0]['value'][1])) if data['result'] else 0
    check(count == total, f'{count} peak series, want {total}')

    print(f'{passed} passed, {failed} failed')
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
