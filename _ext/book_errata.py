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


def _mark_ids(node: nodes.Element, ids: set[str]) -> None:
    """Give the inline code that shows an entry's id the class ``book-eid`` (book.css keeps
    it on one line; other inline code in the boxes still wraps on a phone)."""
    for literal in node.findall(nodes.literal):
        if literal.astext() in ids:
            literal["classes"].append("book-eid")


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
        table = (f"本条亦列于{{ref}}`勘误表 <{entry_label(e.id)}>`"
                 if ERRATA_DOC in self.env.found_docs else "本条亦列于勘误表")
        lines += ["", f"**更正**：{e.correction}", "",
                  f"**证据**：{{ref}}`{e.proof}`。{table}（编号 `{e.id}`）。"]
        box = nodes.admonition(classes=["warning", "erratum"])
        box += nodes.title(text=f"勘误 · §{e.section}")
        self.state.nested_parse(StringList(lines, source=e.chapter), self.content_offset, box)
        _mark_ids(box, {e.id})
        # a label, so that the table can link back to the box: {ref}`… <erratum-ID>`
        target = nodes.target("", "", ids=[f"erratum-{e.id}"], names=[f"erratum-{e.id}"])
        self.state.document.note_explicit_target(target)
        return [target, box]


ERRATA_DOC = "appendix/errata"


def entry_label(eid: str) -> str:
    """The label of an entry's block in the 勘误表 (a chapter's box links to it)."""
    return f"errata-entry-{eid}"


def chapter_title(srcdir: str | Path, chapter: str) -> str:
    """“2.3 标题”: the chapter's number (part, place in the part, as the figure numbers count)
    and the first ``# `` heading of its source (the table is built before every chapter has
    been read, so Sphinx's titles and numbers are not known yet)."""
    path = Path(srcdir) / f"{chapter}.md"
    title = chapter
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                title = line[2:].strip()
                break
        part = path.parent.name
        siblings = sorted(p.stem for p in path.parent.glob("[0-9][0-9]_*.md"))
        if part.startswith("part") and part[4:].isdigit() and path.stem in siblings:
            title = f"{int(part[4:])}.{siblings.index(path.stem) + 1} {title}"
    return title


def _section(ids: str, title: str) -> nodes.section:
    section = nodes.section(ids=[ids], names=[ids])
    section += nodes.title(text=title)
    return section


def _item(text: str, refid: str, count: int) -> nodes.list_item:
    para = nodes.paragraph()
    para += nodes.reference("", text, internal=True, refid=refid)
    para += nodes.Text(f"（{count} 条）")
    return nodes.list_item("", para)


class ErrataTableDirective(SphinxDirective):
    """``{errata-table}``: every entry of this build's chapters, by part and chapter.

    A list of contents at the top (parts and chapters with their counts); a section per part
    and a sub-section per chapter (so the page's own table of contents lists them); each entry
    a block with an anchor (``errata-entry-ID``, the target of the chapter box's link): the
    article's section, the id, links to the box in the chapter and to the proof, the
    article's claim and the correction. Long formulas scroll inside their own block.
    """

    has_content = False

    def run(self):
        _depend_on_errata(self)
        # a build of part of the book (``--toc`` with fewer chapters) lists only its own entries
        errata = [e for e in _errata(self.env) if e.chapter in self.env.found_docs]
        out: list[nodes.Node] = []
        contents: list[str] = []
        empty = []
        sections = []
        for key, (part, title) in ARTICLES.items():
            rows = [e for e in errata if e.article == key]
            if not rows:
                empty.append(f"第 {part} 部分")
                continue
            chapters = list(dict.fromkeys(e.chapter for e in rows))
            part_id = f"errata-part-{part}"
            part_item = _item(f"第 {part} 部分 ·《{title}》", part_id, len(rows))
            chapter_list = nodes.bullet_list()
            part_item += chapter_list
            contents.append(part_item)
            part_sec = _section(part_id, f"第 {part} 部分 ·《{title}》")
            part_sec += nodes.paragraph(text=f"共 {len(rows)} 条，分属 {len(chapters)} 章。")
            for chapter in chapters:
                here = [e for e in rows if e.chapter == chapter]
                ctitle = chapter_title(self.env.srcdir, chapter)
                chap_id = "errata-" + chapter.replace("chapters/", "").replace("/", "-").replace("_", "-")
                chapter_list += _item(ctitle, chap_id, len(here))
                chap_sec = _section(chap_id, ctitle)
                lines = [f"本章正文：{{doc}}`/{chapter}`。", ""]
                for e in here:
                    lines += [f"({entry_label(e.id)})=", "::::{container} errata-entry", "",
                              f"**§{e.section}** · `{e.id}` · "
                              f"{{ref}}`正文中的勘误框 <erratum-{e.id}>` · {{ref}}`证据 <{e.proof}>`", "",
                              ":::{container} errata-claim", "**原文**：", ""]
                    lines += e.claim.splitlines()
                    lines += ["", ":::", "", ":::{container} errata-fix", "**更正**：", ""]
                    lines += e.correction.splitlines()
                    lines += ["", ":::", "", "::::", ""]
                self.state.nested_parse(StringList(lines, source="errata"), self.content_offset, chap_sec)
                _mark_ids(chap_sec, {e.id for e in here})
                part_sec += chap_sec
            sections.append(part_sec)
        box = nodes.container(classes=["errata-contents"])
        box += nodes.paragraph(text=f"共 {len(errata)} 条，按部分与章排列：")
        box += nodes.bullet_list("", *contents)
        if empty:
            box += nodes.paragraph(text=f"{'、'.join(empty)}尚未成书，暂无条目。")
        out.append(box)
        out.extend(sections)
        return out


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
