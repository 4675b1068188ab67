"""Sphinx extension: one printable page, ``print.html``, with the whole book in reading order.

After the HTML build, the article body of every page (in table-of-contents order) is copied
into a single page built on the home page's template: one scroll, or the browser's “打印 →
另存为 PDF”, gives the whole book with its Chinese text, figures and formulas (MathJax is
served by the build itself, so this works offline). Nothing is executed a second time.
"""
from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)
_ARTICLE = re.compile(r'(<article class="bd-article"[^>]*>)(.*?)(</article>)', re.S)
_URL = re.compile(r'((?:src|href)=")((?:\.\./)+)')
_ID = re.compile(r'\sid="([^"]+)"')

PRINT_CSS = """<style>
@media print {
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .prev-next-area,
  .header-article, .book-nb-links, .headerlink { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
  section.book-print-page { break-before: page; }
  div.cell_input { break-inside: avoid; }
}
section.book-print-page { border-top: 1px solid var(--pst-color-border); margin-top: 2em; padding-top: 1em; }
</style>"""


def reading_order(env, root: str) -> list[str]:
    """Documents in table-of-contents order, starting at ``root``."""
    order: list[str] = []

    def walk(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(root)
    return order


def _relocate(html: str, docname: str) -> str:
    """Rewrite ``../`` links of a page at ``docname`` so that they work from the site root."""
    depth = docname.count("/")

    def fix(m: re.Match) -> str:
        ups = m.group(2).count("../")
        return m.group(1) + "../" * max(ups - depth, 0)

    return _URL.sub(fix, html)


def _write_print_page(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    root_doc = app.config.root_doc
    template_path = outdir / f"{root_doc}.html"
    if not template_path.exists():
        return
    parts = []
    for i, doc in enumerate(reading_order(app.env, root_doc)):
        page = outdir / f"{doc}.html"
        if not page.exists():
            continue
        m = _ARTICLE.search(page.read_text(encoding="utf-8"))
        if not m:
            continue
        body = _relocate(m.group(2), doc)
        body = _ID.sub(lambda k: f' id="p{i}-{k.group(1)}"', body)  # ids stay unique on one page
        parts.append(f'<section class="book-print-page" data-doc="{doc}">{body}</section>')
    template = template_path.read_text(encoding="utf-8")
    m = _ARTICLE.search(template)
    if not m:
        logger.warning("print.html：首页中找不到正文 <article>")
        return
    page = template[:m.start(2)] + "\n".join(parts) + template[m.end(2):]
    page = page.replace("</head>", PRINT_CSS + "</head>", 1)
    page = re.sub(r"<title>(.*?)</title>", r"<title>打印版 · \1</title>", page, count=1, flags=re.S)
    (outdir / "print.html").write_text(page, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _write_print_page)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
