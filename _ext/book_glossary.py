"""Sphinx extension: the 术语表 appendix, rendered from the book's glossary data.

``{book-glossary}`` reads every ``glossary.yml`` under ``book/`` (Part V's terminology list
is the seed: ``book/part5/glossary.yml``) and ``appendix/glossary.yml`` (terms the other
articles add), merges them by Chinese term, and renders one Sphinx glossary, sorted by
pinyin-free Unicode order of the Chinese term. Each entry answers to its Chinese and its
English name, so chapters can write ``{term}`验证集``` or ``{term}`validation set```.
Each entry: ``zh``, ``en``, ``definition`` (one line), optional ``source``.
"""
from __future__ import annotations

from pathlib import Path

from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


def glossary_files(root: Path) -> list[Path]:
    return sorted(root.glob("book/**/glossary.yml")) + sorted(root.glob("appendix/glossary.yml"))


def load_glossary(root: Path) -> list[dict[str, str]]:
    """All entries, merged by Chinese term (the first file that defines a term wins)."""
    import yaml

    merged: dict[str, dict[str, str]] = {}
    for path in glossary_files(root):
        for i, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            missing = [k for k in ("zh", "en", "definition") if not str(raw.get(k, "")).strip()]
            if missing:
                raise ValueError(f"{path} 第 {i + 1} 条缺少 {missing}")
            entry = {k: str(raw[k]).strip() for k in ("zh", "en", "definition")}
            merged.setdefault(entry["zh"], entry)
    return sorted(merged.values(), key=lambda e: e["zh"])


class GlossaryDirective(SphinxDirective):
    has_content = False

    def run(self):
        root = Path(self.env.srcdir)
        for path in glossary_files(root):
            self.env.note_dependency(str(path))
        lines = ["```{glossary}"]
        seen_en: set[str] = set()
        for e in load_glossary(root):
            lines.append(e["zh"])
            en = e["en"].split(" / ")[0].strip()
            if en.lower() not in seen_en and en != e["zh"]:
                seen_en.add(en.lower())
                lines.append(en)
            lines += [f"  （{e['en']}）{e['definition']}", ""]
        lines.append("```")
        container = []
        from docutils import nodes

        node = nodes.container(classes=["book-glossary"])
        self.state.nested_parse(StringList(lines, source="glossary"), self.content_offset, node)
        container.append(node)
        return container


def setup(app):
    app.add_directive("book-glossary", GlossaryDirective)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
