"""Make ``book.pdf``, the whole book as one PDF, from a built site.

Usage::

    python tools/make_pdf.py _build/html            # writes _build/html/book.pdf

The build writes ``print.html`` (``_ext/book_print.py``): every page in reading order, a full
table of contents, links rewritten to point inside that page, print styles that wrap code and
open folded solutions. This script prints it with headless Chromium (Debian's ``chromium``
package, with ``fonts-noto-cjk`` for the Chinese text; MathJax is served by the build itself,
so nothing is fetched), then gives the PDF its bookmarks (parts → chapters → sections, from
the same table of contents) with ``pypdf``. The site links to ``book.pdf`` from every page
(``_static/book-ui.js``).

Why Chromium: the book's formulas are typeset by MathJax in the browser, so a printer that
runs no JavaScript (WeasyPrint) would print raw TeX, and a LaTeX route (xeCJK) would typeset a
second, different book from the sources and needs a TeX installation of about a gigabyte;
Chromium prints exactly the pages the reader sees. Chromium's own outline option
(``--generate-pdf-document-outline``) was tried and dropped: it doubled the text of some
headings and lost one part heading.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--no-pdf-header-footer"]


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class _TocParser(HTMLParser):
    """The nested list of ``<nav id="book-print-toc">``: ``[(title, target id, children)]``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_nav = 0
        self.root: list = []
        self.stack: list[list] = [self.root]
        self.current: list | None = None  # [title, target, children] of the open <li>
        self.li_stack: list[list] = []
        self.in_a = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and a.get("id") == "book-print-toc":
            self.in_nav = 1
            return
        if not self.in_nav:
            return
        if tag == "li":
            item = ["", None, []]
            self.stack[-1].append(item)
            self.li_stack.append(item)
        elif tag == "ol" and self.li_stack:
            self.stack.append(self.li_stack[-1][2])
        elif tag == "a" and self.li_stack:
            self.in_a = True
            href = a.get("href") or ""
            if href.startswith("#") and self.li_stack[-1][1] is None:
                self.li_stack[-1][1] = href[1:]

    def handle_endtag(self, tag):
        if not self.in_nav:
            return
        if tag == "nav":
            self.in_nav = 0
        elif tag == "li" and self.li_stack:
            self.li_stack.pop()
        elif tag == "ol" and len(self.stack) > 1 and self.li_stack:
            self.stack.pop()
        elif tag == "a":
            self.in_a = False

    def handle_data(self, data):
        if self.in_nav and self.li_stack and not self.li_stack[-1][2]:
            self.li_stack[-1][0] += data.strip() if not self.li_stack[-1][0] else data.rstrip()


def toc_of(print_html: Path) -> list:
    parser = _TocParser()
    parser.feed(print_html.read_text(encoding="utf-8"))
    return parser.root


def print_pdf(print_html: Path, out: Path, chromium: str, budget_ms: int = 120000) -> None:
    profile = tempfile.mkdtemp(prefix="chromium-pdf-")
    try:
        proc = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}",
             f"--print-to-pdf={out}", print_html.resolve().as_uri()],
            capture_output=True, text=True, timeout=1800)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"chromium 没有生成 PDF：\n{proc.stderr[-2000:]}")


def add_outline(raw: Path, out: Path, toc: list, title: str) -> int:
    """Copy ``raw`` to ``out`` with bookmarks from ``toc`` (targets are named destinations
    that Chromium made for the linked ids). Returns the number of bookmarks."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(raw)
    dests = {name.lstrip("/"): reader.get_destination_page_number(d)
             for name, d in reader.named_destinations.items()}
    writer = PdfWriter(clone_from=reader)
    count = 0

    def add(items, parent):
        nonlocal count
        for text, target, children in items:
            page = dests.get(target) if target else None
            if page is None:  # a part caption: the page of its first child
                page = next((dests[c[1]] for c in children if c[1] in dests), None)
            if page is None:
                raise ValueError(f"书签“{text}”的目标 #{target} 不在 PDF 中")
            node = writer.add_outline_item(title=text, page_number=page, parent=parent)
            count += 1
            add(children, node)

    add(toc, None)
    writer.add_metadata({"/Title": title, "/Creator": "tools/make_pdf.py (Chromium + pypdf)"})
    writer.page_mode = "/UseOutlines"
    with open(out, "wb") as f:
        writer.write(f)
    return count


def make_pdf(site: Path, out: Path | None = None, chromium: str | None = None) -> Path:
    site = Path(site)
    page = site / "print.html"
    if not page.exists():
        raise FileNotFoundError(f"{page} 不存在：先构建全书（jupyter-book build .）")
    chromium = chromium or find_chromium()
    if not chromium:
        raise FileNotFoundError("找不到 chromium：apt-get install -y chromium fonts-noto-cjk")
    out = Path(out) if out else site / "book.pdf"
    toc = toc_of(page)
    if not toc:
        raise ValueError("print.html 中没有目录（book_print.py 应写出 <nav id=\"book-print-toc\">）")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.pdf"
        print_pdf(page, raw, chromium)
        add_outline(raw, out, toc, "大模型创业：可运行的技术读本")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", type=Path, help="the built HTML folder, e.g. _build/html")
    ap.add_argument("-o", "--output", type=Path, help="default: SITE/book.pdf")
    ap.add_argument("--chromium", default=None)
    args = ap.parse_args(argv)
    t0 = time.time()
    out = make_pdf(args.site, args.output, args.chromium)
    from pypdf import PdfReader

    print(f"{out}: {len(PdfReader(out).pages)} pages, {out.stat().st_size / 1e6:.1f} MB, {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
