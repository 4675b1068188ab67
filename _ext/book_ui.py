"""Sphinx extension: the interface text of the pages in Simplified Chinese.

The themes' zh_CN catalogues are incomplete or in Taiwan usage (sphinx-book-theme's zh_CN
catalogue says 列印 for "Print to PDF"); the strings below replace or add translations in
every loaded catalogue before the pages are written. ``book-ui.js`` does the same for the
one label written by JavaScript (sphinx-togglebutton's "Toggle hidden content").
"""
from __future__ import annotations

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


def setup(app):
    app.connect("builder-inited", _patch_catalogues)
    app.connect("html-page-context", _static_labels)
    app.add_js_file("book-ui.js")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
