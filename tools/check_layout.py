"""Check the built book as a reader's browser lays it out, at desktop and phone widths.

Usage::

    python tools/check_layout.py _build/html [--width 1280 --width 390] [--pages 'chapters/*/*.html']

Every HTML page is opened in headless Chromium (Debian's ``chromium`` package:
``apt-get install -y chromium fonts-noto-cjk``), once, with one frame per width; after MathJax
has typeset the formulas and every folded solution is opened, a small script measures:

* **page width** — ``document.documentElement.scrollWidth`` must not exceed the viewport,
  and no element may stick out of it unless it sits inside a box that scrolls
  (``overflow: auto|scroll``). ``overflow: hidden`` is not a scroller: what it hides, the reader
  cannot reach.
* **formulas** — the rendered box of every formula (``mjx-math``) is compared with each
  ancestor that clips (``overflow: hidden|clip``) up to the first one that scrolls; a formula
  cut by more than one pixel, horizontally or vertically, is reported with its TeX source.
* **figures** — the rendered width of every SVG figure; :func:`figure_font_px` turns it into
  the rendered size of the figure's smallest text (matplotlib writes glyphs as outlines, with
  their font size in the ``scale(...)`` of each text group).

The script works on a copy of the site, into which it injects the measuring script, so the
build itself is never changed. Exit status 1 when a page overflows or a formula is clipped.
"""
from __future__ import annotations

import argparse
import fnmatch
import html as htmllib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

PROBE = """<script>
window.addEventListener("load", function () {
  function texOf() {
    var map = new Map();
    try {
      Array.from(MathJax.startup.document.math).forEach(function (item) {
        if (item.typesetRoot) map.set(item.typesetRoot, item.math);
      });
    } catch (e) {}
    return map;
  }
  function where(el) {
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "SECTION" && p.id) return p.id;
    }
    return "";
  }
  function clipCut(el, r) {
    // the first ancestor (from el up) that does not let overflow show, per axis
    var cut = {x: 0, y: 0, by: ""};
    var doneX = false, doneY = false;
    for (var p = el; p && p !== document.documentElement && !(doneX && doneY); p = p.parentElement) {
      var cs = getComputedStyle(p), pr = p.getBoundingClientRect();
      if (!doneX && cs.overflowX !== "visible") {
        doneX = true;
        if (cs.overflowX === "hidden" || cs.overflowX === "clip") {
          cut.x = Math.max(0, r.right - pr.right, pr.left - r.left);
          if (cut.x > 1) cut.by = p.tagName.toLowerCase() + "." + (p.className || "").toString().split(" ")[0];
        }
      }
      if (!doneY && cs.overflowY !== "visible") {
        doneY = true;
        if (cs.overflowY === "hidden" || cs.overflowY === "clip") {
          cut.y = Math.max(0, r.bottom - pr.bottom, pr.top - r.top);
          if (cut.y > 1 && !cut.by) cut.by = p.tagName.toLowerCase() + "." + (p.className || "").toString().split(" ")[0];
        }
      }
    }
    return cut;
  }
  function measure() {
    var vw = document.documentElement.clientWidth;
    var wide = [];
    document.querySelectorAll("body *").forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 1 && getComputedStyle(el).visibility !== "hidden") {
        var inScroller = false;
        for (var p = el.parentElement; p; p = p.parentElement) {
          var s = getComputedStyle(p).overflowX;
          if ((s === "auto" || s === "scroll") && p.getBoundingClientRect().right <= vw + 1) { inScroller = true; break; }
          if (getComputedStyle(p).position === "fixed") { inScroller = true; break; }  // off-canvas drawers
        }
        if (!inScroller) wide.push(el.tagName.toLowerCase() + "." + (el.className || "").toString().split(" ")[0] + " (" + Math.round(r.right) + " px)");
      }
    });
    var tex = texOf(), clipped = [], nmath = 0;
    document.querySelectorAll("mjx-container").forEach(function (mj) {
      var inner = mj.querySelector("mjx-math") || mj;
      var r = inner.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      nmath++;
      var cut = clipCut(mj, r);
      if (cut.x > 1 || cut.y > 1) {
        clipped.push({tex: (tex.get(mj) || mj.textContent || "").slice(0, 120), x: Math.round(cut.x),
                      y: Math.round(cut.y), by: cut.by, section: where(mj),
                      display: mj.getAttribute("display") === "true"});
      }
    });
    var figures = [];
    document.querySelectorAll(".bd-article img").forEach(function (img) {
      var src = img.getAttribute("src") || "";
      var r = img.getBoundingClientRect();
      if (/\\.svg$/.test(src) && r.width > 0) figures.push({src: src, w: r.width, section: where(img)});
    });
    parent.postMessage(JSON.stringify({vw: vw, sw: document.documentElement.scrollWidth, wide: wide.slice(0, 8),
                                       nmath: nmath, clipped: clipped, figures: figures}), "*");
  }
  function openAll() {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    document.querySelectorAll(".toggle-hidden").forEach(function (d) { d.classList.remove("toggle-hidden"); });
    document.querySelectorAll(".toggle.admonition").forEach(function (d) {
      d.classList.remove("toggle-hidden");
      Array.prototype.forEach.call(d.children, function (c) { c.classList.remove("toggle-hidden"); });
    });
  }
  function later() { openAll(); setTimeout(measure, 400); }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(function () { setTimeout(later, 200); });
  } else { setTimeout(later, 500); }
});
</script>"""

# Chromium's window is at least 500 px wide: each width is measured inside an iframe of that
# width (media queries then see it), which reports back with postMessage.
WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
{pres}
{frames}
<script>window.addEventListener("message", function (e) {{
  for (var i = 0; i < window.frames.length; i++) if (window.frames[i] === e.source)
    document.getElementById("book-layout-result-" + i).textContent = e.data; }});</script>
</body></html>"""

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--disable-dev-shm-usage"]

DEFAULT_WIDTHS = (1280, 390)


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def measure(page: Path, widths: tuple[int, ...], chromium: str) -> dict[int, dict]:
    """Measurements of one page (in a prepared copy of the site) at each width."""
    profile = tempfile.mkdtemp(prefix="chromium-")
    wrapper = page.with_name(page.stem + ".__layout__.html")
    wrapper.write_text(WRAPPER.format(
        pres="\n".join(f'<pre id="book-layout-result-{i}"></pre>' for i in range(len(widths))),
        frames="\n".join(f'<iframe src="{page.name}" style="width:{w}px;height:900px;border:0"></iframe>'
                         for w in widths)), encoding="utf-8")
    try:
        proc = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={sum(widths) + 40},1000",
             "--virtual-time-budget=20000", "--dump-dom", wrapper.as_uri()],
            capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out: dict[int, dict] = {}
    for i, w in enumerate(widths):
        m = re.search(rf'<pre id="book-layout-result-{i}">(.+?)</pre>', proc.stdout, re.S)
        out[w] = json.loads(htmllib.unescape(m.group(1))) if m else {"error": "no measurement (page did not load?)"}
    return out


def prepare(site: Path, pattern: str = "*.html") -> tuple[Path, list[Path]]:
    """A copy of the site with the probe injected into every content page matching ``pattern``."""
    work = Path(tempfile.mkdtemp(prefix="layout-")) / "html"
    shutil.copytree(site, work)
    pages = sorted(p for p in work.rglob("*.html")
                   if fnmatch.fnmatch(str(p.relative_to(work)), pattern)
                   and not p.name.startswith(("genindex", "search", "print"))
                   and not str(p.relative_to(work)).startswith(("_static", "_sources", "_notebooks"))
                   and "http-equiv=\"Refresh\"" not in p.read_text(encoding="utf-8")[:2000])
    for p in pages:
        text = p.read_text(encoding="utf-8")
        p.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return work, pages


def check_site(site: Path, widths: tuple[int, ...] = DEFAULT_WIDTHS, pattern: str = "*.html",
               chromium: str | None = None, workers: int = 2) -> dict[str, dict[int, dict]]:
    """Measure every content page of ``site`` at every width: ``{page: {width: result}}``."""
    chromium = chromium or find_chromium()
    if not chromium:
        raise FileNotFoundError("chromium not found: apt-get install -y chromium fonts-noto-cjk")
    work, pages = prepare(site, pattern)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda p: (p, measure(p, widths, chromium)), pages))
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    return {str(p.relative_to(work)): r for p, r in results}


_SCALE = re.compile(r'<g transform="translate\([^)]*\) scale\(([0-9.]+) -[0-9.]+\)"')
_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


@lru_cache(maxsize=None)
def svg_text_sizes(path: Path) -> tuple[float, list[float]]:
    """(viewBox width, font sizes of the text groups in viewBox units) of a matplotlib SVG.

    matplotlib (``svg.fonttype: path``) writes each text as glyph outlines scaled by
    ``font size / 100`` (``matplotlib.textpath.TextToPath.FONT_SCALE``)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    m = _VIEWBOX.search(text)
    if not m:
        return 0.0, []
    return float(m.group(1)), [100 * float(s) for s in _SCALE.findall(text)]


def figure_font_px(site: Path, page: str, fig: dict) -> float | None:
    """Rendered size (CSS px) of the smallest text of one measured figure, or None."""
    path = (site / page).parent.joinpath(fig["src"]).resolve()
    if not path.exists():
        return None
    vb, sizes = svg_text_sizes(path)
    if not vb or not sizes:
        return None
    return min(sizes) * fig["w"] / vb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", type=Path, help="the built HTML folder, e.g. _build/html")
    ap.add_argument("--width", type=int, action="append", help="window width (repeat; default 1280 and 390)")
    ap.add_argument("--pages", default="*.html", help="glob of pages relative to the site")
    ap.add_argument("--chromium", default=find_chromium() or "chromium")
    ap.add_argument("--min-figure-px", type=float, default=0.0,
                    help="also fail when a figure's smallest text renders below this size (px)")
    ap.add_argument("--json", type=Path, help="write all measurements to this file")
    args = ap.parse_args(argv)
    if not (args.site / "index.html").exists():
        ap.error(f"{args.site} is not a built site (no index.html)")
    if not shutil.which(args.chromium):
        ap.error("chromium not found: apt-get install -y chromium fonts-noto-cjk")
    widths = tuple(args.width or DEFAULT_WIDTHS)
    results = check_site(args.site, widths, args.pages, args.chromium)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    bad = set()
    for rel, by_width in results.items():
        for w, r in by_width.items():
            if "error" in r:
                bad.add(rel)
                print(f"FAIL {rel} @{w}: {r['error']}")
                continue
            if r["sw"] > r["vw"] or r["wide"]:
                bad.add(rel)
                print(f"FAIL {rel} @{w}: document {r['sw']} px > viewport {r['vw']} px; widest: {', '.join(r['wide'])}")
            for c in r["clipped"]:
                bad.add(rel)
                print(f"FAIL {rel} @{w}: formula cut by {c['x']} px × {c['y']} px ({c['by']}, §{c['section']}): {c['tex']}")
            for fig in r["figures"]:
                px = figure_font_px(args.site, rel, fig)
                if px is not None and px < args.min_figure_px:
                    bad.add(rel)
                    print(f"FAIL {rel} @{w}: figure text {px:.1f} px < {args.min_figure_px} px: {fig['src']}")
    print(f"{len(results) - len(bad)} of {len(results)} pages pass at {', '.join(map(str, widths))} px")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
