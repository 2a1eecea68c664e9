#!/usr/bin/env python3
"""Recomputes, independently, what repeat_test.sh's runs report.

From each repetition's own analysis.json (REP/analysis.json): the summary
NAME/analysis.json (median, min, max per metric) and, for the comparisons
cached-a vs cached-b and cached-a vs baseline, the medians, the change and
the two-sided Mann-Whitney p-value, by enumerating every assignment of the
pooled values (ties included). Standard library only.
usage: check_repeat.py OUTPUT_DIR
"""
import itertools
import json
import os
import statistics
import sys

out = sys.argv[1]
# Comparison id -> the analysis metric holding the same figure.
FIGURES = {
    "peak": "heap.peak_inuse_bytes",
    "objects": "heap.peak_inuse_objects",
    "category.openapi": "category.openapi.inuse_bytes",
    "category.json": "category.json.inuse_bytes",
    "snapshots": "run.snapshots",
}


def metrics(path):
    doc = json.load(open(path))
    assert doc["schema_version"] == 2, path
    return {i["id"]: i for s in doc["sections"] for i in s["items"] if i["type"] == "metric"}


def repetitions(name):
    top = json.load(open(os.path.join(out, name, "run.json")))
    return [metrics(os.path.join(out, name, r["directory"], "analysis.json"))
            for r in top["repetitions"]]


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def utest(a, b):
    pooled = a + b
    order = sorted(pooled)
    rank = {}
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and order[j] == order[i]:
            j += 1
        rank[order[i]] = (i + 1 + j) / 2
        i = j
    u = lambda side: sum(rank[x] for x in side) - len(side) * (len(side) + 1) / 2
    observed = u(a)
    below = above = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(a)):
        value = u([pooled[k] for k in chosen])
        total += 1
        below += value <= observed + 1e-9
        above += value >= observed - 1e-9
    return min(1.0, 2 * min(below / total, above / total))


summaries = 0
for name in ("cached-a", "cached-b", "baseline"):
    reps = repetitions(name)
    doc = json.load(open(os.path.join(out, name, "analysis.json")))
    items = [i for s in doc["sections"] for i in s["items"]]
    table = [i for i in items if i["type"] == "table" and i["id"] == "repetitions.metrics"][0]
    cols = [c["id"] for c in table["columns"]]
    assert cols == ["id", "label", "unit", "median", "min", "max", "rep1", "rep2", "rep3", "rep4"]
    rows = {r[0]: dict(zip(cols, r)) for r in table["rows"]}
    median_metrics = {s_i["id"]: s_i for s in doc["sections"] if s["id"] == "median"
                      for s_i in s["items"]}
    checked = 0
    for metric_id, row in rows.items():
        values = [r[metric_id]["value"] for r in reps if metric_id in r]
        values = [v for v in values if isinstance(v, (int, float))]
        assert [row[f"rep{k}"] for k in range(1, 5)] == values, (name, metric_id, row, values)
        assert close(row["median"], statistics.median(values)), (name, metric_id)
        assert row["min"] == min(values) and row["max"] == max(values), (name, metric_id)
        assert close(median_metrics[metric_id]["value"], statistics.median(values)), (
            name, metric_id, median_metrics[metric_id]["value"], values)
        checked += 1
    assert "heap.peak_inuse_bytes" in rows and checked >= 10, (name, checked)
    summaries += 1

comparisons = 0
for a_name, b_name, want_significant in (("cached-a", "cached-b", False),
                                         ("cached-a", "baseline", True)):
    path = os.path.join(out, "comparisons", f"{a_name}-vs-{b_name}.json")
    doc = json.load(open(path))
    assert doc["schema_version"] == 2
    items = {i["id"]: i for s in doc["sections"] for i in s["items"]
             if i["type"] == "comparison"}
    ra, rb = repetitions(a_name), repetitions(b_name)
    for cid, metric_id in FIGURES.items():
        item = items[cid]
        a = [r[metric_id]["value"] for r in ra]
        b = [r[metric_id]["value"] for r in rb]
        assert (item["n_a"], item["n_b"]) == (4, 4), item
        assert item["a"] == statistics.median(a), (cid, item, a)
        assert item["b"] == statistics.median(b), (cid, item, b)
        assert item["delta"] == item["b"] - item["a"], item
        p = utest(a, b)
        assert close(item["p_value"], p), (cid, item["p_value"], p, a, b)
        assert item["significant"] == (p < 0.05), item
        assert item["a_range"] == [min(a), max(a)] and item["b_range"] == [min(b), max(b)]
        assert item["a_ci95"] is None and item["b_ci95"] is None, item
    peak = items["peak"]
    assert peak["significant"] is want_significant, (a_name, b_name, peak)
    if want_significant:
        assert peak["p_value"] < 0.05 and peak["b"] > peak["a"] * 1.05, peak
    comparisons += 1
print(f"checked {summaries} summaries and {comparisons} comparisons")
