"""Checks the flame graphs and folded stacks e2e-profile wrote against
pprof's figures (data/expected.json, from data/make-expected.sh).

usage: check_flamegraph.py EXPECTED.json OUT_DIR
OUT_DIR holds the runs baseline, with-caching, cpu (two copies of
tests/pprof/data/cpu.pb.gz) and their comparisons, analyzed by the CLI.
Prints one line per failed check and the count of checks; exits 1 on a
failure.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
expected = json.load(open(sys.argv[1]))["profiles"]
out = sys.argv[2]
checks = 0
failures = 0


def check(ok, message):
    global checks, failures
    checks += 1
    if not ok:
        failures += 1
        print("FAIL: " + message)


def svg_frames(path):
    """(svg element, frames): each frame (depth, x, width, name, values),
    values the exact integers of its tooltip in order (A, B for a diff)."""
    root = ET.parse(path).getroot()
    frames = []
    for g in root.iter(NS + "g"):
        if "f" not in g.get("class", "").split():
            continue
        title = g.find(NS + "title").text
        rect = g.find(NS + "rect")
        name = title.split("\n")[0]
        values = [int(v) for v in re.findall(r"%, (-?\d+) \w+\)", title)]
        frames.append({"y": float(rect.get("y")), "x": float(rect.get("x")),
                       "w": float(rect.get("width")), "name": name, "values": values,
                       "class": g.get("class")})
    return root, frames


def cum_by_function(frames, index):
    """pprof's cum from a flame graph: the sum of a function's frames that
    have no frame of the same function above them (recursion counts once)."""
    cum, path = {}, []
    for f in frames:
        depth = round((f["y"] - frames[0]["y"]) / 16)
        del path[depth:]
        if f["name"] not in path and depth > 0:
            cum[f["name"]] = cum.get(f["name"], 0) + f["values"][index]
        path.append(f["name"])
    return cum


def folded(path, columns):
    lines = [l.rsplit(" ", columns) for l in open(path).read().splitlines()]
    return [(l[0].split(";"), [int(v) for v in l[1:]]) for l in lines]


def folded_cum(lines, index):
    cum = {}
    for stack, values in lines:
        for name in set(stack):
            cum[name] = cum.get(name, 0) + values[index]
    return cum


def peak_of(run):
    doc = json.load(open("%s/%s/analysis.json" % (out, run)))
    for s in doc["sections"]:
        for item in s["items"]:
            if item.get("id") == "heap.peak_snapshot":
                return item["value"]
    raise SystemExit("no heap.peak_snapshot in " + run)


def check_analysis(label, svg, fold, want, scale=1, top=10):
    root, frames = svg_frames(svg)
    total = want["total"] * scale
    check(root.get("class") == "ep-flame", label + ": svg class ep-flame")
    check(int(root.get("data-total")) == total,
          "%s: data-total %s, pprof total %d" % (label, root.get("data-total"), total))
    check(frames and frames[0]["name"] == "root" and frames[0]["values"][0] == total,
          label + ": root frame holds the total")
    check(root.get("data-merged") == "0", label + ": no frame merged into other")
    cum = cum_by_function(frames, 0)
    ranked = sorted(want["cum"].items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:top]
    for name, value in ranked:
        check(cum.get(name) == value * scale,
              "%s: frames of %s add up to %s, pprof cum %d" % (label, name, cum.get(name),
                                                               value * scale))
    # widths in pixels: value / total of the 1180 px between the pads
    for f in frames:
        if round((f["y"] - frames[0]["y"]) / 16) == 1:
            px = f["values"][0] / total * 1180
            check(abs(f["w"] - px) < 0.01,
                  "%s: %s is %.2f px wide, want %.2f" % (label, f["name"], f["w"], px))
    lines = folded(fold, 1)
    check(sum(v[0] for _, v in lines) == total,
          "%s: folded values sum to %d, pprof total %d" % (label, sum(v[0] for _, v in lines),
                                                           total))
    fcum = folded_cum(lines, 0)
    bad = [n for n, v in want["cum"].items() if fcum.get(n) != v * scale]
    check(not bad, "%s: folded cum differs from pprof for %s" % (label, bad[:5]))
    check(len(want["cum"]) == len(fcum),
          "%s: folded has %d functions, pprof %d" % (label, len(fcum), len(want["cum"])))


def check_diff(label, svg, fold, want_a, want_b, scale=1):
    root, frames = svg_frames(svg)
    check(root.get("data-diff") == "true", label + ": marked differential")
    check(all(len(f["values"]) == 2 for f in frames), label + ": every tooltip has A and B")
    for side, want in ((0, want_a), (1, want_b)):
        cum = cum_by_function(frames, side)
        ranked = sorted(want["cum"].items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:10]
        for name, value in ranked:
            check(cum.get(name) == value * scale,
                  "%s: side %d frames of %s add up to %s, pprof cum %d" %
                  (label, side, name, cum.get(name), value * scale))
    lines = folded(fold, 2)
    for side, want in ((0, want_a), (1, want_b)):
        got = sum(v[side] for _, v in lines)
        check(got == want["total"] * scale,
              "%s: folded column %d sums to %d, pprof %d" % (label, side + 1, got,
                                                             want["total"] * scale))
        fcum = folded_cum(lines, side)
        bad = [n for n, v in want["cum"].items() if fcum.get(n) != v * scale]
        check(not bad, "%s: folded column %d cum differs for %s" % (label, side + 1, bad[:5]))
    return frames


peaks = {run: peak_of(run) for run in ("baseline", "with-caching")}
for run in ("baseline", "with-caching"):
    base = "%s/%s/analysis-flamegraph-heap" % (out, run)
    check_analysis(run, base + ".svg", base + ".folded", expected["%s/%s" % (run, peaks[run])])
base = "%s/cpu/analysis-flamegraph-cpu" % out
check_analysis("cpu", base + ".svg", base + ".folded", expected["cpu.pb.gz"], scale=2)

base = "%s/comparisons/baseline-vs-with-caching-flamegraph-heap_diff" % out
frames = check_diff("heap diff", base + ".svg", base + ".folded",
                    expected["baseline/" + peaks["baseline"]],
                    expected["with-caching/" + peaks["with-caching"]])
vanished = [f for f in frames if "ep-vanished" in f["class"]]
check(all(f["values"][1] == 0 and f["values"][0] > 0 for f in vanished),
      "heap diff: vanished frames have B = 0 and A > 0")
base = "%s/comparisons/cpu-vs-cpu2-flamegraph-cpu_diff" % out
check_diff("cpu diff", base + ".svg", base + ".folded", expected["cpu.pb.gz"],
           expected["cpu.pb.gz"], scale=2)

print("%d checks, %d failed" % (checks, failures))
sys.exit(1 if failures or checks < 100 else 0)
