"""Sphinx extension: the 术语表 appendix, rendered from the book's glossary data.

``{book-glossary}`` reads every ``glossary.yml`` under ``book/`` (Part V's terminology list
is the seed: ``book/part5/glossary.yml``) and ``appendix/glossary.yml`` (terms the other
articles add), merges them by Chinese term and renders them in pinyin order (``pypinyin``;
a term that starts with Latin letters sorts by those letters), one section per initial
letter, with a line of letter links at the top. Each entry shows its Chinese term, its
English term once, and the definition; it answers to both names, so chapters can write
``{term}`验证集``` or ``{term}`validation set```.
Each data entry: ``zh``, ``en``, ``definition`` (one line), optional ``source``.
"""
from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


def glossary_files(root: Path) -> list[Path]:
    return sorted(root.glob("book/**/glossary.yml")) + sorted(root.glob("appendix/glossary.yml"))


def pinyin_key(term: str) -> tuple:
    """Sort key of a term in pinyin order: syllables without tones first, tones break ties.

    Latin letters and digits keep their own spelling (lower case), so “Adam 优化器” sorts
    among the a-syllables and “F1 值” among the f-syllables."""
    from pypinyin import Style, lazy_pinyin

    plain = [s.strip().lower() for s in lazy_pinyin(term) if s.strip()]
    tones = [s.strip().lower() for s in lazy_pinyin(term, style=Style.TONE3) if s.strip()]
    return (" ".join(plain), " ".join(tones), term)


def initial(term: str) -> str:
    """The letter a term is filed under (A–Z; other leading characters under “#”)."""
    first = pinyin_key(term)[0][:1].upper()
    return first if "A" <= first <= "Z" else "#"


def load_glossary(root: Path) -> list[dict[str, str]]:
    """All entries, merged by Chinese term (the first file that defines a term wins),
    in pinyin order."""
    import yaml

    merged: dict[str, dict[str, str]] = {}
    for path in glossary_files(root):
        for i, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            missing = [k for k in ("zh", "en", "definition") if not str(raw.get(k, "")).strip()]
            if missing:
                raise ValueError(f"{path} 第 {i + 1} 条缺少 {missing}")
            entry = {k: str(raw[k]).strip() for k in ("zh", "en", "definition")}
            merged.setdefault(entry["zh"], entry)
    return sorted(merged.values(), key=lambda e: pinyin_key(e["zh"]))


def glossary_lines(entries: list[dict[str, str]], seen_en: set[str]) -> list[str]:
    """MyST source of one Sphinx glossary: the Chinese term, then the English term (a second
    name of the same entry, shown once), then the definition."""
    lines = ["```{glossary}"]
    for e in entries:
        lines.append(e["zh"])
        en = re.sub(r"\s+", " ", e["en"])
        if en.lower() not in seen_en and en != e["zh"]:
            seen_en.add(en.lower())
            lines.append(en)
        lines += [f"  {e['definition']}", ""]
    lines.append("```")
    return lines


class GlossaryDirective(SphinxDirective):
    has_content = False

    def run(self):
        root = Path(self.env.srcdir)
        for path in glossary_files(root):
            self.env.note_dependency(str(path))
        groups: dict[str, list[dict[str, str]]] = {}
        for e in load_glossary(root):
            groups.setdefault(initial(e["zh"]), []).append(e)
        out: list[nodes.Node] = []
        letters = nodes.paragraph(classes=["book-glossary-letters"])
        for k, letter in enumerate(groups):
            if k:
                letters += nodes.Text(" · ")
            letters += nodes.reference("", letter, internal=True, refid=f"glossary-{letter.lower()}")
        out.append(letters)
        seen_en: set[str] = set()
        for letter, entries in groups.items():
            section = nodes.section(ids=[f"glossary-{letter.lower()}"], names=[f"glossary-{letter.lower()}"],
                                    classes=["book-glossary"])
            section += nodes.title(text=letter)
            self.state.nested_parse(StringList(glossary_lines(entries, seen_en), source="glossary"),
                                    self.content_offset, section)
            out.append(section)
        return out


def setup(app):
    app.add_directive("book-glossary", GlossaryDirective)
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}
