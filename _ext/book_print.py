"""Sphinx extension: one printable page, ``print.html``, with the whole book in reading order.

After the HTML build, the article body of every page (in table-of-contents order) is copied
into a single page built on the home page's template: one scroll, or printing it, gives the
whole book with its Chinese text, figures and formulas (MathJax is served by the build
itself, so this works offline). Nothing is executed a second time. ``tools/make_pdf.py``
prints this page to ``book.pdf`` with headless Chromium.

* the page opens with a full table of contents (parts, chapters, sections), linked;
* every id of page number ``i`` becomes ``p{i}-<id>`` (ids stay unique on one page), each page
  is a ``<section id="p{i}">``, and every link between pages of the book, or inside one page,
  is rewritten to point at the copy on this page (``#p{j}-<id>``), so links work on paper's
  PDF too; links to other files (notebooks, images) work from the site root;
* headings are shifted by the depth of their page in the table of contents (part captions
  become ``<h1>``), so the PDF's bookmarks nest as parts → chapters → sections;
* on paper, code wraps instead of scrolling, formulas and tables are not cut.
"""
from __future__ import annotations

import html as htmllib
import posixpath
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)
_ARTICLE = re.compile(r'(<article class="bd-article"[^>]*>)(.*?)(</article>)', re.S)
_HREF = re.compile(r'((?:src|href)=")([^"]*)(")')
_ID = re.compile(r'\sid="([^"]+)"')
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_TOCTREE = re.compile(r'<div class="toctree-wrapper[^"]*">.*?</div>', re.S)
_SECTION_HEADING = re.compile(r'<section\b[^>]*?\sid="([^"]+)"[^>]*>\s*<h([1-6])[^>]*>(.*?)</h\2>', re.S)

PRINT_CSS = """<style>
nav.book-print-toc ol { list-style: none; padding-left: 1.2em; }
nav.book-print-toc > ol { padding-left: 0; }
nav.book-print-toc li.book-toc-part { font-weight: bold; margin-top: 0.8em; }
nav.book-print-toc li.book-toc-part li { font-weight: normal; }
h1.book-print-part { margin-top: 1em; }
section.book-print-page { border-top: 1px solid var(--pst-color-border); margin-top: 2em; padding-top: 1em; }
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
@media print {
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .prev-next-area,
  .header-article, .book-nb-links, .headerlink, #pst-back-to-top, .bd-header-announcement,
  .skip-link, button.copybtn, .toggle-button-hidden, #jb-print-docs-body { display: none !important; }
  .bd-main .bd-content .bd-article-container, .bd-page-width { max-width: 100% !important; }
  /* the theme hides the first h1 of a printed page (it prints its own title block instead):
     here every part heading, page title and the table of contents' heading must print */
  .bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
  .bd-container, .bd-main, .bd-content, .bd-article-container, .bd-article { display: block !important; }
  section.book-print-page, h1.book-print-part, nav.book-print-toc { break-before: page; }
  section.book-print-page { border-top: 0; margin-top: 0; padding-top: 0; }
  div.cell_input, figure, .admonition { break-inside: avoid; }
  /* code wraps on paper: nothing is cut, no scroll bar is drawn */
  pre, div.highlight pre, div.cell_output pre { white-space: pre-wrap !important; overflow-wrap: anywhere;
    word-break: break-all; overflow: visible !important; max-height: none !important; }
  .book-scrolls, span.math, div.math, mjx-container { overflow: visible !important;
    -webkit-mask-image: none !important; mask-image: none !important; }
  .bd-article table { display: table !important; overflow: visible !important; font-size: 0.85em; }
  a.book-figure-open > img, figure img { max-width: 100% !important; min-width: 0 !important; }
  a { color: inherit; text-decoration: none; }
}
</style>"""

# Before printing: folded solutions and hidden code open; a formula wider than its line is
# scaled down to fit (on paper nothing can scroll).
PRINT_JS = """<script>
window.bookPrintReady = false;
window.addEventListener("load", function () {
  function fit() {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    document.querySelectorAll("mjx-container").forEach(function (mj) {
      var box = mj.closest("span.math, div.math") || mj.parentElement;
      var avail = (box.closest("p, li, dd, td, div.math, .admonition, section") || box).clientWidth;
      var w = mj.scrollWidth;
      if (avail > 0 && w > avail) { mj.style.zoom = (avail / w).toFixed(3); }
    });
    window.bookPrintReady = true;
    document.documentElement.setAttribute("data-book-print-ready", "1");
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(function () { setTimeout(fit, 300); });
  } else { setTimeout(fit, 1000); }
});
</script>"""


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


def toc_structure(env, root: str) -> list[tuple[str | None, list[str]]]:
    """The root page's toctrees: ``[(caption, [top-level docs]), ...]`` in order."""
    from sphinx import addnodes

    try:
        tree = env.get_doctree(root)
    except Exception:  # pragma: no cover - no pickled doctree (should not happen after a build)
        return [(None, env.toctree_includes.get(root, []))]
    groups = [(t.get("caption"), [doc for _, doc in t["entries"]]) for t in tree.findall(addnodes.toctree)]
    return groups or [(None, env.toctree_includes.get(root, []))]


def depths(env, root: str, groups: list[tuple[str | None, list[str]]]) -> dict[str, int]:
    """Outline depth of every document: the root 1, top-level docs of a captioned group 2
    (the caption being 1), their sub-pages 3, and so on."""
    depth = {root: 1}

    def walk(doc: str, d: int) -> None:
        if doc in depth:
            return
        depth[doc] = d
        for child in env.toctree_includes.get(doc, []):
            walk(child, d + 1)

    for caption, docs in groups:
        for doc in docs:
            walk(doc, 2 if caption else 1)
    return depth


def rewrite_links(html: str, docname: str, index: dict[str, int], i: int) -> str:
    """Links of page ``docname`` (number ``i``) rewritten for print.html at the site root."""
    here = posixpath.dirname(docname)

    def fix(m: re.Match) -> str:
        attr, url, end = m.groups()
        if url.startswith("#"):
            return f"{attr}#p{i}-{url[1:]}{end}" if url != "#" else m.group(0)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) or url.startswith("/") or not url:
            return m.group(0)
        path, _, frag = url.partition("#")
        target = posixpath.normpath(posixpath.join(here, path)) if path else docname
        doc = target[:-5] if target.endswith(".html") else None
        if attr.startswith("href") and doc in index:
            j = index[doc]
            return f"{attr}#p{j}-{frag}{end}" if frag else f"{attr}#p{j}{end}"
        return f"{attr}{target}{'#' + frag if frag else ''}{end}"

    return _HREF.sub(fix, html)


def shift_headings(html: str, shift: int) -> str:
    if shift <= 0:
        return html
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", html)


def _numbered(env, doc: str) -> str:
    """The page's title with its number in the book (“1.2. …”), as the navigation shows it."""
    number = env.toc_secnumbers.get(doc, {}).get("")
    title = env.titles[doc].astext()
    return f"{'.'.join(map(str, number))}. {title}" if number else title


def _text(fragment: str) -> str:
    fragment = re.sub(r'<a class="headerlink".*?</a>', "", fragment, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def headings(body: str, max_level: int) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of the section headings of one page body, down to ``max_level``."""
    return [(int(lvl), sid, _text(title)) for sid, lvl, title in _SECTION_HEADING.findall(body)
            if int(lvl) <= max_level]


def toc_html(groups, order_index, bodies, titles, root: str | None = None) -> str:
    """The table of contents of print.html: captions, pages, and each page's sections (h2, h3)."""
    out = ['<nav class="book-print-toc" id="book-print-toc"><h1>目录</h1><ol>']

    def page_items(doc: str, env_children) -> None:
        if doc not in order_index:
            return
        i = order_index[doc]
        out.append(f'<li><a href="#p{i}">{htmllib.escape(titles.get(doc, doc))}</a>')
        # sections of each page (the glossary's letter sections are left to its own page)
        subs = [h for h in headings(bodies.get(doc, ""), 3) if h[0] >= 2 and not h[1].startswith("glossary-")]
        kids = env_children(doc)
        if subs or kids:
            out.append("<ol>")
            for level, sid, text in subs:
                if level == 2:
                    out.append(f'<li><a href="#p{i}-{sid}">{htmllib.escape(text)}</a></li>')
            for child in kids:
                page_items(child, env_children)
            out.append("</ol>")
        out.append("</li>")

    if root is not None and root in order_index:
        out.append(f'<li><a href="#p{order_index[root]}">{htmllib.escape(titles.get(root, root))}</a></li>')
    for caption, docs, children in groups:
        if caption:
            first = next((order_index[d] for d in docs if d in order_index), None)
            label = htmllib.escape(caption)
            if first is not None:
                label = f'<a href="#p{first}-part">{label}</a>'
            out.append(f'<li class="book-toc-part">{label}<ol>')
        for doc in docs:
            page_items(doc, children)
        if caption:
            out.append("</ol></li>")
    out.append("</ol></nav>")
    return "\n".join(out)


_TOC_SLOT = "<!-- book-print-toc -->"


def _write_print_page(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    root_doc = app.config.root_doc
    template_path = outdir / f"{root_doc}.html"
    if not template_path.exists():
        return
    env = app.env
    order = [d for d in reading_order(env, root_doc) if (outdir / f"{d}.html").exists()]
    index = {doc: i for i, doc in enumerate(order)}
    groups = toc_structure(env, root_doc)
    depth = depths(env, root_doc, groups)
    first_of_group = {docs[0]: caption for caption, docs in groups if caption and docs}
    bodies: dict[str, str] = {}
    parts = []
    for doc in order:
        m = _ARTICLE.search((outdir / f"{doc}.html").read_text(encoding="utf-8"))
        if not m:
            continue
        i = index[doc]
        bodies[doc] = m.group(2)
        # the home page's own toctree is replaced by the full table of contents below
        body = _TOCTREE.sub("", m.group(2))
        body = rewrite_links(body, doc, index, i)
        body = _ID.sub(lambda k, i=i: f' id="p{i}-{k.group(1)}"', body)  # ids stay unique on one page
        body = shift_headings(body, depth.get(doc, 1) - 1)
        if doc in first_of_group:
            parts.append(f'<h1 class="book-print-part" id="p{i}-part">{htmllib.escape(first_of_group[doc])}</h1>')
        parts.append(f'<section class="book-print-page" id="p{i}" data-doc="{doc}">{body}</section>')
        if doc == root_doc:
            parts.append(_TOC_SLOT)  # after the home page; filled once every page's headings are read
    titles = {d: _numbered(env, d) for d in order if d in env.titles}

    def children(d: str) -> list[str]:
        return [c for c in env.toctree_includes.get(d, []) if c in index]

    toc = toc_html([(c, docs, children) for c, docs in groups], index, bodies, titles, root_doc)
    parts = [toc if p == _TOC_SLOT else p for p in parts]
    template = template_path.read_text(encoding="utf-8")
    m = _ARTICLE.search(template)
    if not m:
        logger.warning("print.html：首页中找不到正文 <article>")
        return
    page = template[:m.start(2)] + "\n".join(parts) + template[m.end(2):]
    page = page.replace("</head>", PRINT_CSS + PRINT_JS + "</head>", 1)
    page = re.sub(r"<title>(.*?)</title>", r"<title>打印版 · \1</title>", page, count=1, flags=re.S)
    (outdir / "print.html").write_text(page, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _write_print_page)
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}
