"""Check that no page of the built book is wider than a phone screen.

Usage::

    python tools/check_layout.py _build/html [--width 390] [--pages 'chapters/*/*.html']

Every HTML page is opened in headless Chromium (Debian's ``chromium`` package:
``apt-get install -y chromium fonts-noto-cjk``) at the given window width, after MathJax has
typeset the formulas. The page passes when ``document.documentElement.scrollWidth`` is at
most the viewport width; otherwise the script names the widest elements. It works on a
copy of the site, into which it injects a small measuring script, so the build itself is
never changed. Exit status 1 when a page overflows.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROBE = """<script>
window.addEventListener("load", function () {
  function measure() {
    var vw = document.documentElement.clientWidth;
    var wide = [];
    document.querySelectorAll("body *").forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 1 && getComputedStyle(el).visibility !== "hidden") {
        var inScroller = false;
        for (var p = el.parentElement; p; p = p.parentElement) {
          var s = getComputedStyle(p).overflowX;
          if ((s === "auto" || s === "scroll" || s === "hidden") && p.clientWidth <= vw) { inScroller = true; break; }
          if (getComputedStyle(p).position === "fixed") { inScroller = true; break; }  // off-canvas drawers
        }
        if (!inScroller) wide.push(el.tagName.toLowerCase() + "." + (el.className || "").toString().split(" ")[0] + " (" + Math.round(r.right) + " px)");
      }
    });
    parent.postMessage(JSON.stringify({vw: vw, sw: document.documentElement.scrollWidth,
                                       wide: wide.slice(0, 8)}), "*");
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(function () { setTimeout(measure, 200); });
  } else { setTimeout(measure, 500); }
});
</script>"""

# Chromium's window is at least 500 px wide: the page is measured inside an iframe of the
# wanted width (media queries then see that width), which reports back with postMessage.
WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<pre id="book-layout-result"></pre>
<iframe src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<script>window.addEventListener("message", function (e) {{
  document.getElementById("book-layout-result").textContent = e.data; }});</script>
</body></html>"""

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def measure(page: Path, width: int, chromium: str) -> dict:
    profile = tempfile.mkdtemp(prefix="chromium-")
    wrapper = page.with_name(page.stem + ".__layout__.html")
    wrapper.write_text(WRAPPER.format(src=page.name, width=width), encoding="utf-8")
    page = wrapper
    try:
        proc = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={max(width, 800)},1000",
             "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    m = re.search(r'<pre id="book-layout-result">(.+?)</pre>', proc.stdout, re.S)
    if not m:
        return {"error": "no measurement (page did not load?)"}
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", type=Path, help="the built HTML folder, e.g. _build/html")
    ap.add_argument("--width", type=int, default=390)
    ap.add_argument("--pages", default="*.html", help="glob of pages relative to the site")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = ap.parse_args(argv)
    if not (args.site / "index.html").exists():
        ap.error(f"{args.site} is not a built site (no index.html)")
    if not shutil.which(args.chromium):
        ap.error("chromium not found: apt-get install -y chromium fonts-noto-cjk")
    work = Path(tempfile.mkdtemp(prefix="layout-")) / "html"
    shutil.copytree(args.site, work)
    pages = sorted(p for p in work.rglob("*.html")
                   if fnmatch.fnmatch(str(p.relative_to(work)), args.pages)
                   and not p.name.startswith(("genindex", "search"))
                   and not str(p.relative_to(work)).startswith(("_static", "_sources"))
                   and "http-equiv=\"Refresh\"" not in p.read_text(encoding="utf-8")[:2000])
    for p in pages:
        text = p.read_text(encoding="utf-8")
        p.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: (p, measure(p, args.width, args.chromium)), pages))
    bad = 0
    for page, r in results:
        rel = page.relative_to(work)
        if "error" in r:
            bad += 1
            print(f"FAIL {rel}: {r['error']}")
        elif r["sw"] > r["vw"] or r["wide"]:
            bad += 1
            print(f"FAIL {rel}: document {r['sw']} px > viewport {r['vw']} px; widest: {', '.join(r['wide'])}")
    shutil.rmtree(work.parent, ignore_errors=True)
    print(f"{len(pages) - bad} of {len(pages)} pages fit in {args.width} px")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
