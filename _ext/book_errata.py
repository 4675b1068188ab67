"""Sphinx extension: the 勘误 boxes and the 勘误表, rendered from ``errata/*.yml``.

* ``{erratum} ID`` renders the box of one entry, on the page the entry names;
* ``{errata-table}`` renders the appendix table (stacked entries, readable on a phone);
* a warning (an error under ``-W``) for an unknown id, a box on the wrong page, or an entry
  that no page of this build shows exactly once.

Both directives declare ``errata/*.yml`` as dependencies (``env.note_dependency``), so Sphinx
re-reads the pages that render errata when an entry changes.
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from errata_data import ARTICLES, Erratum, by_id, errata_dir, load_errata

logger = logging.getLogger(__name__)


def _errata(env) -> list[Erratum]:
    if not hasattr(env, "book_errata"):
        env.book_errata = load_errata(Path(env.srcdir))
    return env.book_errata


def _depend_on_errata(directive: SphinxDirective) -> None:
    for path in sorted(errata_dir(directive.env.srcdir).glob("*.yml")):
        directive.env.note_dependency(str(path))


def _quote(text: str) -> list[str]:
    return ["> " + line if line.strip() else ">" for line in text.splitlines()]


class ErratumDirective(SphinxDirective):
    """``{erratum} ID``: the 勘误 box of one entry."""

    required_arguments = 1
    has_content = False

    def run(self):
        _depend_on_errata(self)
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
    """``{errata-table}``: every entry of this build's chapters, grouped by article.

    Each entry is a block (not a table row): a heading line with the section, the id and
    links to its chapter and proof, then the article's claim and the correction. Long
    formulas scroll inside their own block, so the page reads on a phone.
    """

    has_content = False

    def run(self):
        _depend_on_errata(self)
        # a build of part of the book (``--toc`` with fewer chapters) lists only its own entries
        errata = [e for e in _errata(self.env) if e.chapter in self.env.found_docs]
        lines: list[str] = []
        empty = []
        for key, (part, title) in ARTICLES.items():
            rows = [e for e in errata if e.article == key]
            if not rows:
                empty.append(f"第 {part} 部分")
                continue
            lines += [f"## 第 {part} 部分 ·《{title}》", "", f"共 {len(rows)} 条。", ""]
            for e in rows:
                lines += ["::::{container} errata-entry", "",
                          f"**§{e.section}** · `{e.id}` · {{doc}}`所在章节 </{e.chapter}>` · "
                          f"{{ref}}`证据 <{e.proof}>`", "",
                          ":::{container} errata-claim", "**原文**：", ""]
                lines += e.claim.splitlines()
                lines += ["", ":::", "", ":::{container} errata-fix", "**更正**：", ""]
                lines += e.correction.splitlines()
                lines += ["", ":::", "", "::::", ""]
        if empty:
            lines += [f"{'、'.join(empty)}尚未成书，暂无条目。", ""]
        container = nodes.container(classes=["errata-table"])
        self.state.nested_parse(StringList(lines, source="errata"), self.content_offset, container)
        return [container]


def _check_all_used(app, env):
    used = getattr(env, "book_errata_used", {})
    for e in _errata(env):
        if e.chapter not in env.found_docs:  # chapter not in this build's table of contents
            continue
        docs = used.get(e.id, [])
        if len(docs) != 1:
            logger.warning(f"勘误 {e.id} 应在 {e.chapter} 中以 {{erratum}} 出现一次，实际出现 {len(docs)} 次")


def _purge(app, env, docname):
    used = getattr(env, "book_errata_used", {})
    for eid in list(used):
        used[eid] = [d for d in used[eid] if d != docname]
    if hasattr(env, "book_errata"):  # re-read the YAML when a page that uses it is re-read
        del env.book_errata


def _merge(app, env, docnames, other):
    used = getattr(env, "book_errata_used", {})
    for eid, docs in getattr(other, "book_errata_used", {}).items():
        used.setdefault(eid, []).extend(docs)
    env.book_errata_used = used


def setup(app):
    app.add_directive("erratum", ErratumDirective)
    app.add_directive("errata-table", ErrataTableDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-updated", _check_all_used)
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}
