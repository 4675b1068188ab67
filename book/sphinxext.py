"""Sphinx extension of the book, listed under ``sphinx: extra_extensions`` in ``_config.yml``.

* Sets ``BOOK_QUIET=1`` (and TensorFlow's log level) in the build process
  before any notebook kernel starts; kernels inherit it, so progress bars and
  start-up logs stay out of the pages.
* ``{erratum} ID`` renders the 勘误 box of one entry of ``errata/*.yml``.
* ``{errata-table}`` renders the 勘误表 appendix from the same entries.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from ._env import redirect_caches
from .errata import ARTICLES, Erratum, by_id, load_errata

logger = logging.getLogger(__name__)


def _indent(text: str, n: int) -> list[str]:
    pad = " " * n
    return [pad + line if line.strip() else "" for line in text.splitlines()]


def _errata(env) -> list[Erratum]:
    if not hasattr(env, "book_errata"):
        env.book_errata = load_errata(Path(env.srcdir))
    return env.book_errata


def _quote(text: str) -> list[str]:
    return ["> " + line if line.strip() else ">" for line in text.splitlines()]


class ErratumDirective(SphinxDirective):
    """``{erratum} ID``: the 勘误 box of one entry."""

    required_arguments = 1
    has_content = False

    def run(self):
        entries = by_id(_errata(self.env))
        eid = self.arguments[0]
        if eid not in entries:
            logger.warning(f"未知的勘误条目 {eid!r}（见 errata/*.yml）", location=self.get_location())
            return []
        e = entries[eid]
        if self.env.docname != e.chapter:
            logger.warning(f"勘误 {eid} 登记在 {e.chapter}，却出现在 {self.env.docname}",
                           location=self.get_location())
        self.env.book_errata_used = getattr(self.env, "book_errata_used", {})
        self.env.book_errata_used.setdefault(eid, []).append(self.env.docname)
        lines = [f"**原文**（《{e.article_title}》§{e.section}）：", ""]
        lines += _quote(e.claim)
        lines += ["", f"**更正**：{e.correction}", "",
                  f"**证据**：{{ref}}`{e.proof}`。本条亦列于{{ref}}`勘误表 <errata-table>`（编号 `{e.id}`）。"]
        box = nodes.admonition(classes=["warning", "erratum"])
        box += nodes.title(text=f"勘误 · §{e.section}")
        self.state.nested_parse(StringList(lines, source=e.chapter), self.content_offset, box)
        target = nodes.target("", "", ids=[f"erratum-{e.id}"])
        return [target, box]


class ErrataTableDirective(SphinxDirective):
    """``{errata-table}``: every entry, grouped by article."""

    has_content = False

    def run(self):
        errata = _errata(self.env)
        lines: list[str] = []
        empty = []
        for key, (part, title) in ARTICLES.items():
            rows = [e for e in errata if e.article == key]
            if not rows:
                empty.append(f"第 {part} 部分")
                continue
            lines += [f"## 第 {part} 部分 ·《{title}》", "", f"共 {len(rows)} 条。", "",
                      "```{list-table}", ":header-rows: 1", ":widths: 22 39 39", ":class: errata", "",
                      "* - 条目", "  - 原文", "  - 更正"]
            for e in rows:
                lines += [f"* - §{e.section}", "",
                          f"    `{e.id}`", "",
                          f"    {{ref}}`证据 <{e.proof}>` · {{doc}}`章节 </{e.chapter}>`"]
                lines += ["  - " + e.claim.splitlines()[0]]
                lines += _indent("\n".join(e.claim.splitlines()[1:]), 4)
                lines += ["  - " + e.correction.splitlines()[0]]
                lines += _indent("\n".join(e.correction.splitlines()[1:]), 4)
            lines += ["```", ""]
        if empty:
            lines += [f"{'、'.join(empty)}尚未成书，暂无条目。", ""]
        self.env.book_errata_tables = getattr(self.env, "book_errata_tables", set()) | {self.env.docname}
        container = nodes.container(classes=["errata-table"])
        self.state.nested_parse(StringList(lines, source="errata"), self.content_offset, container)
        return [container]


_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n[ \\t]*(?=[{_CJK}])")
_KEEP = (nodes.literal_block, nodes.literal, nodes.math, nodes.math_block, nodes.raw)


def _join_cjk_lines(app, doctree):
    """Drop the line break between two Chinese characters in prose.

    A Markdown paragraph wrapped between two Chinese characters would otherwise
    show a stray space there (browsers render the newline as a space). MyST
    keeps such a soft break either inside one text node or as a node of its own.
    """
    cjk = re.compile(f"[{_CJK}]")
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or isinstance(parent, _KEEP) or "\n" not in text:
            continue
        # Text is a str: equal nodes compare equal, so find this one by identity
        i = next(k for k, child in enumerate(parent.children) if child is text)
        new = _CJK_BREAK.sub("", str(text))
        if not new.strip() and "\n" in new:  # a soft break on its own: look at the neighbours
            before = parent[i - 1].astext() if i > 0 else ""
            after = parent[i + 1].astext() if i + 1 < len(parent) else ""
            if before and after and cjk.match(before[-1]) and cjk.match(after[0]):
                new = ""
        if new != str(text):
            parent[i] = nodes.Text(new)


def _check_all_used(app, env):
    used = getattr(env, "book_errata_used", {})
    for e in _errata(env):
        docs = used.get(e.id, [])
        if len(docs) != 1:
            logger.warning(f"勘误 {e.id} 应在 {e.chapter} 中以 {{erratum}} 出现一次，实际出现 {len(docs)} 次")


def _purge(app, env, docname):
    used = getattr(env, "book_errata_used", {})
    for eid in list(used):
        used[eid] = [d for d in used[eid] if d != docname]


def _merge(app, env, docnames, other):
    used = getattr(env, "book_errata_used", {})
    for eid, docs in getattr(other, "book_errata_used", {}).items():
        used.setdefault(eid, []).extend(docs)
    env.book_errata_used = used


def _errata_mtime(env) -> float:
    files = list((Path(env.srcdir) / "errata").glob("*.yml"))
    return max((f.stat().st_mtime for f in files), default=0.0)


def _outdated(app, env, added, changed, removed):
    """Re-read the pages that render errata when ``errata/*.yml`` changed (Sphinx can't see that)."""
    now = _errata_mtime(env)
    docs = set(getattr(env, "book_errata_tables", set()))
    if now != getattr(env, "book_errata_mtime", None):
        for used_in in getattr(env, "book_errata_used", {}).values():
            docs.update(used_in)
        if hasattr(env, "book_errata"):
            del env.book_errata
    env.book_errata_mtime = now
    return sorted(d for d in docs if d in env.found_docs)


COLAB_SETUP = """# 在 Colab 上：安装中文字体与本书的小工具包 book（本地运行时跳过）
import sys
if "google.colab" in sys.modules:
    get_ipython().run_line_magic("pip", "install -q justmytype-intl-cjk git+{repo}")
"""

_CHAPTER = re.compile(r"^chapters/part\d+/\d\d_[\w-]+$")


def _repo_url(app) -> str:
    url = str(getattr(app.config, "html_theme_options", {}).get("repository_url", "") or "")
    return url.rstrip("/")


def _write_notebook(app, docname: str) -> str:
    """Convert one chapter to ``_notebooks/<docname>.ipynb`` in the HTML output (no outputs)."""
    import jupytext
    import nbformat

    src = Path(app.srcdir) / f"{docname}.md"
    nb = jupytext.read(src)
    repo = _repo_url(app)
    if repo:
        nb.cells.insert(0, nbformat.v4.new_code_cell(COLAB_SETUP.format(repo=repo)))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    rel = f"_notebooks/{docname}.ipynb"
    out = Path(app.outdir) / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return rel


def _chapter_links(app, pagename, templatename, context, doctree):
    """Put "下载 .ipynb" and "在 Colab 中打开" links at the top of every chapter page."""
    if app.builder.format != "html" or not _CHAPTER.match(pagename) or "body" not in context:
        return
    rel = _write_notebook(app, pagename)
    links = [f'<a href="{context["pathto"](rel, 1)}" download>下载 .ipynb</a>']
    repo = _repo_url(app)
    if repo.startswith("https://github.com/"):
        colab = f"https://colab.research.google.com/github/{repo[len('https://github.com/'):]}/blob/gh-pages/{rel}"
        links.append(f'<a href="{colab}">在 Colab 中打开</a>')
    context["body"] = ('<p class="book-nb-links">本章笔记本：' + " · ".join(links) + "</p>\n"
                       + context["body"])


def setup(app):
    os.environ["BOOK_QUIET"] = "1"
    redirect_caches()  # kernels inherit this: nothing is written under $HOME
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    app.add_directive("erratum", ErratumDirective)
    app.add_directive("errata-table", ErrataTableDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-updated", _check_all_used)
    app.connect("env-get-outdated", _outdated)
    app.connect("html-page-context", _chapter_links)
    app.connect("doctree-read", _join_cjk_lines)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
