"""Sphinx extension: the interface text of the pages in Simplified Chinese.

The themes' zh_CN catalogues are incomplete or in Taiwan usage (sphinx-book-theme's zh_CN
catalogue says 列印 for "Print to PDF"); the strings below replace or add translations in
every loaded catalogue before the pages are written. ``book-ui.js`` does the same for the
one label written by JavaScript (sphinx-togglebutton's "Toggle hidden content").
"""
from __future__ import annotations

import re
from pathlib import Path

UI_TEXT = {
    "Print to PDF": "打印为 PDF",
    "Toggle primary sidebar": "显示或隐藏目录",
    "Toggle secondary sidebar": "显示或隐藏本页目录",
    "System Settings": "跟随系统",
    "Color mode": "颜色模式",
    "Light": "亮色",
    "Dark": "暗色",
    "Search this book...": "在本书中搜索……",
    "Search...": "搜索……",
    "Link to this heading": "链接到本节",
    "Link to this image": "链接到本图",
    "Link to this code": "链接到本代码",
    "Link to this table": "链接到本表",
    "Link to this definition": "链接到本定义",
    "Link to this term": "链接到本术语",
    "Page": "本页",
    "Main": "正文",
    "Contents": "目录",
    "Skip to main content": "跳到正文",
    "Back to top": "回到顶部",
    "Download source file": "下载源文件",
    "Download this page": "下载此页面",
    "Fullscreen mode": "全屏模式",
    "Source repository": "源码库",
    "By": "作者",
    "Last updated on": "最后更新于",
}


def _patch_catalogues(app) -> None:
    from sphinx.locale import translators

    for translator in translators.values():
        seen = set()
        while translator is not None and id(translator) not in seen:
            seen.add(id(translator))
            catalog = getattr(translator, "_catalog", None)
            if isinstance(catalog, dict):
                catalog.update(UI_TEXT)
            translator = getattr(translator, "_fallback", None)


# Labels that templates write into the HTML as they are (myst-nb's hidden-code cells), not
# through a catalogue: replaced in every page body before it is written.
STATIC_LABELS = {'aria-label="Toggle hidden content"': 'aria-label="展开或收起"'}


def fix_static_labels(body: str) -> str:
    """``body`` with the English labels of :data:`STATIC_LABELS` in Chinese."""
    for english, chinese in STATIC_LABELS.items():
        body = body.replace(english, chinese)
    return body


def _static_labels(app, pagename, templatename, context, doctree):
    if isinstance(context.get("body"), str):
        context["body"] = fix_static_labels(context["body"])
        context["body"] = readable_figures(context["body"], _image_sources(app))


# Figures on a phone: the text of a matplotlib SVG shrinks with the figure. Each SVG figure
# gets the width at which its smallest text is READABLE_PX tall on a phone (``--book-fig-minw``)
# and DESKTOP_PX on a wider screen (``--book-fig-minw-wide``); book.css shows it at least that
# wide, in a box that scrolls sideways, and book-ui.js makes a tap open the picture itself.
READABLE_PX = 10.0
DESKTOP_PX = 8.5
_SVG_IMG = re.compile(r'<img\b([^>]*?)\ssrc="([^"]+\.svg)"([^>]*?)\s*/?>')
_SCALE = re.compile(r'<g transform="translate\([^)]*\) scale\(([0-9.]+) -[0-9.]+\)"')
_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def readable_width(svg: str, readable_px: float = READABLE_PX) -> int | None:
    """CSS width (px) at which the smallest text of a matplotlib SVG is ``readable_px`` tall,
    at most the figure's natural width; None when the SVG has no measurable text.

    matplotlib (``svg.fonttype: path``) writes each text as outlines scaled by font size / 100;
    the viewBox is in points, and a browser shows 1 pt as 4/3 px at natural size."""
    m = _VIEWBOX.search(svg)
    sizes = [100 * float(x) for x in _SCALE.findall(svg)]
    if not m or not sizes:
        return None
    vb = float(m.group(1))
    natural = vb * 4 / 3
    return round(min(natural, readable_px * vb / min(sizes)))


def _image_sources(app) -> dict[str, Path]:
    """Output file name of every image of the build -> its source file."""
    images = getattr(app.builder, "images", {}) or {}
    return {dest: Path(app.srcdir, src) for src, dest in images.items()}


def readable_figures(body: str, sources: dict[str, Path]) -> str:
    """``body`` with ``data-book-minw`` and ``--book-fig-minw`` on every SVG image."""

    def fix(m: re.Match) -> str:
        src = m.group(2)
        path = sources.get(src.rsplit("/", 1)[-1])
        if path is None or not path.exists() or "data-book-minw" in m.group(0):
            return m.group(0)
        svg = path.read_text(encoding="utf-8", errors="replace")
        width, wide = readable_width(svg), readable_width(svg, DESKTOP_PX)
        if width is None:
            return m.group(0)
        return (f'<img{m.group(1)} src="{src}"{m.group(3)} data-book-minw="{width}" '
                f'style="--book-fig-minw: {width}px; --book-fig-minw-wide: {wide}px" />')

    return _SVG_IMG.sub(fix, body)


# The whole book as one PDF (tools/make_pdf.py writes book.pdf at the site root): an entry in
# every page's download menu, next to the theme's “print this page”.
PDF_NAME = "book.pdf"
_DOWNLOAD_MENU = re.compile(r'(<div class="dropdown dropdown-download-buttons">.*?<ul class="dropdown-menu">)', re.S)


def pdf_menu_item(root: str) -> str:
    return (f'<li><a href="{root}{PDF_NAME}" class="btn btn-sm dropdown-item book-pdf-link" '
            'title="下载全书 PDF（含目录与书签）" data-bs-placement="left" data-bs-toggle="tooltip">'
            '<span class="btn__icon-container"><i class="fas fa-book"></i></span>'
            '<span class="btn__text-container">全书 PDF</span></a></li>')


def add_pdf_link(html: str, depth: int) -> str:
    """``html`` with the 全书 PDF entry in its download menu (``depth``: folders below the root)."""
    if "book-pdf-link" in html:
        return html
    return _DOWNLOAD_MENU.sub(lambda m: m.group(1) + pdf_menu_item("../" * depth), html, count=1)


# Attributes that the themes' templates write in English whatever the catalogues say
# (sphinx-book-theme's search field, pydata's navigation landmarks and sidebar toggles):
# replaced in every written page.
STATIC_ATTRIBUTES = {
    'aria-label="Search this book..."': 'aria-label="在本书中搜索……"',
    'placeholder="Search this book..."': 'placeholder="在本书中搜索……"',
    'aria-label="Search the docs ..."': 'aria-label="搜索……"',
    'placeholder="Search the docs ..."': 'placeholder="搜索……"',
    'aria-label="Page"': 'aria-label="本页"',
    'aria-label="Main"': 'aria-label="正文"',
    'aria-label="Section Navigation"': 'aria-label="本部分导航"',
    'title="Toggle primary sidebar"': 'title="显示或隐藏目录"',
    'title="Link to this term"': 'title="链接到本术语"',
    'title="Toggle secondary sidebar"': 'title="显示或隐藏本页目录"',
    'aria-label="Toggle primary sidebar"': 'aria-label="显示或隐藏目录"',
    'aria-label="Toggle secondary sidebar"': 'aria-label="显示或隐藏本页目录"',
}


def fix_static_attributes(html: str) -> str:
    for english, chinese in STATIC_ATTRIBUTES.items():
        html = html.replace(english, chinese)
    return html


def _pdf_links(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        rel = page.relative_to(out)
        if rel.parts[0] in ("_static", "_sources", "_images", "_notebooks", "_downloads"):
            continue
        text = page.read_text(encoding="utf-8")
        new = fix_static_attributes(add_pdf_link(text, len(rel.parts) - 1))
        if new != text:
            page.write_text(new, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _pdf_links)
    app.connect("builder-inited", _patch_catalogues)
    app.connect("html-page-context", _static_labels)
    # book-ui.js: Jupyter Book adds every .js file of _static/ to the pages itself
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
