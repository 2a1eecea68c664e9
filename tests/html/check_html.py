"""Drives the HTML report and the flame graph SVG in real headless Chromium
(DevTools protocol over a pipe, cdp.py) and checks what a user does: the
page loads without console errors or external resources, a click on a
frame zooms into it, the search box highlights frames with pprof's share,
a header click sorts a table. Saves screenshots into SHOT_DIR.

usage: check_html.py CHROMIUM OUT_DIR SHOT_DIR
OUT_DIR holds runs baseline and with-caching (tests/analysis/data),
analyzed and compared by the CLI. Prints the count of checks; exits 1 on a
failure.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, Page  # noqa: E402

chromium, out, shots = sys.argv[1:4]
checks = failures = 0
# pprof -focus=REGEX at the baseline peak (heap8.pprof), from
# tests/analysis/data/expected.json: the json category's in-use bytes over
# the peak's total. The search covers exactly the samples with a frame that
# matches, so its share is the same figure.
JSON_REGEX = r"encoding/json|sigs\.k8s\.io/json|json-iterator|k8s\.io/apimachinery/pkg/util/json"
JSON_SHARE = "%.2f" % (100.0 * 80278733 / 109594099)


def check(ok, message):
    global checks, failures
    checks += 1
    if not ok:
        failures += 1
        print("FAIL: " + message)


def frame_box(page, svg_selector, min_width, max_width):
    """A frame drawn between min_width and max_width px: (name, x, y) of
    its centre in the viewport, after scrolling it into view."""
    return page.evaluate("""(function(){
      var svg=document.querySelector(%r);
      var gs=[].slice.call(svg.querySelectorAll('g.f'));
      for (var i=1;i<gs.length;i++){var r=gs[i].querySelector('rect');
        var w=+r.getAttribute('width');
        if(w>=%d&&w<=%d){gs[i].id='ep-target';r.scrollIntoView({block:'center'});
          var b=r.getBoundingClientRect();
          return [gs[i].querySelector('title').textContent.split('\\n')[0],
                  b.left+Math.min(b.width/2,40),b.top+b.height/2,w];}}
      return null;})()""" % (svg_selector, min_width, max_width))


def check_zoom(page, label, svg_selector):
    target = frame_box(page, svg_selector, 100, 900)
    check(target is not None, label + ": a frame between 100 and 900 px to click")
    if target is None:
        return
    name, x, y, width = target
    page.click(x, y)
    state = page.evaluate("""(function(){var svg=document.querySelector(%r);
      var t=document.getElementById('ep-target').querySelector('rect');
      var hidden=[].filter.call(svg.querySelectorAll('g.f'),function(g){
        return g.style.display==='none';}).length;
      return [svg.getAttribute('data-zoomed'), +t.getAttribute('width'), hidden,
              svg.querySelector('.ep-reset').style.display];})()""" % svg_selector)
    zoomed, new_width, hidden, reset = state
    check(zoomed == name, "%s: click zoomed into %r, got %r" % (label, name, zoomed))
    check(abs(new_width - 1180) < 0.05,
          "%s: the clicked frame (%.1f px) fills the width after zoom, got %.2f" %
          (label, width, new_width))
    check(hidden > 0, label + ": frames outside the zoomed one are hidden")
    check(reset == "", label + ": Reset zoom shown")
    page.evaluate("document.querySelector(%r).epReset()" % svg_selector)


def check_page(name, path, shot):
    page = Page(browser)
    page.navigate("file://" + path)
    text = open(path, encoding="utf-8").read()
    external = re.findall(r'(?:src|href)\s*=\s*"(?!#)[^"]*"', text)
    check(not external, "%s: no external resource, found %s" % (name, external[:3]))
    count = page.evaluate("document.querySelectorAll('svg.ep-flame').length")
    check(count >= 1, "%s: has a flame graph (%s)" % (name, count))
    check_zoom(page, name, "svg.ep-flame")
    # The page's search box: focus it and type, as a user does.
    page.evaluate("document.querySelector('input.ep-flame-search').scrollIntoView();"
                  "document.querySelector('input.ep-flame-search').focus()")
    page.type_text(JSON_REGEX)
    hits, matched, label = page.evaluate("""(function(){var svg=document.querySelector('svg.ep-flame');
      return [svg.querySelectorAll('g.ep-hit').length, svg.getAttribute('data-matched'),
              svg.querySelector('.ep-matched').textContent];})()""")
    check(hits > 0, "%s: search highlights frames (%s)" % (name, hits))
    check("Matched" in label, "%s: search prints the matched share: %r" % (name, label))
    if name == "analysis":
        check(matched == JSON_SHARE,
              "%s: search share %s%%, pprof -focus share %s%%" % (name, matched, JSON_SHARE))
        # Sorting: the heap.top table by its flat column, ascending.
        values = page.evaluate("""(function(){
          var t=document.querySelector('table[data-id="heap.top"]');
          var th=t.tHead.rows[0].cells[1];th.scrollIntoView();th.click();
          return [].map.call(t.tBodies[0].rows,function(r){return +r.cells[1].getAttribute('data-v');});
        })()""")
        check(values and values == sorted(values), name + ": a header click sorts its column")
    page.screenshot(shot)
    errors = page.errors()
    check(not errors, "%s: no console errors, got %s" % (name, errors[:3]))
    browser.events.clear()


def check_svg(name, path, shot):
    page = Page(browser)
    page.navigate("file://" + path)
    check_zoom(page, name, "svg")
    # The SVG's own Search button asks with window.prompt().
    x, y = page.evaluate("""(function(){var b=document.querySelector('.ep-search').getBoundingClientRect();
      return [b.left+b.width/2,b.top+b.height/2];})()""")
    page.click(x, y, prompt_answer=JSON_REGEX)
    hits, matched = page.evaluate("""[document.querySelectorAll('g.ep-hit').length,
      document.documentElement.getAttribute('data-matched')]""")
    check(hits > 0, "%s: search from the Search button highlights frames" % name)
    if name == "analysis svg":
        check(matched == JSON_SHARE, "%s: search share %s%%, pprof %s%%" % (name, matched,
                                                                          JSON_SHARE))
    page.screenshot(shot)
    errors = page.errors()
    check(not errors, "%s: no console errors, got %s" % (name, errors[:3]))
    browser.events.clear()


browser = Browser(chromium)
try:
    check_page("analysis", out + "/baseline/analysis.html", shots + "/analysis-html.png")
    check_page("comparison", out + "/comparisons/baseline-vs-with-caching.html",
               shots + "/comparison-html.png")
    check_svg("analysis svg", out + "/baseline/analysis-flamegraph-heap.svg",
              shots + "/flamegraph-svg.png")
    check_svg("diff svg", out + "/comparisons/baseline-vs-with-caching-flamegraph-heap_diff.svg",
              shots + "/flamegraph-diff-svg.png")
finally:
    browser.close()
print("%d checks, %d failed; screenshots in %s" % (checks, failures, shots))
sys.exit(1 if failures or checks < 25 else 0)
