"""The errata: one YAML source, rendered as each chapter's 勘误 box and as the appendix table.

Each file ``errata/*.yml`` holds a list of entries::

    - id: p1-adam                 # unique, used by ```{erratum} p1-adam```
      article: "000"              # seed file prefix, see ARTICLES
      section: "4.1.3"            # the article's section number
      claim: 原文的原话（引用）      # MyST Markdown
      correction: 正确的说法         # MyST Markdown
      chapter: chapters/part1/03_math   # the page that shows the box
      proof: p1-adam-proof         # a MyST label in that page, before the cell that proves it

The Sphinx side lives in ``_ext/book_errata.py``; ``tests/test_errata.py``
checks that every entry is shown by exactly one box, on its own page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ARTICLES: dict[str, tuple[str, str]] = {
    "000": ("1", "大模型创业潮：互联网大厂高管纷纷入局AI"),
    "001": ("2", "大模型创业的心理转变：从狂热到理性"),
    "002": ("3", "AI大模型创业：如何实现未来盈利"),
    "003": ("4", "技术创新驱动：大模型创业的核心力量"),
    "004": ("5", "AI 大模型创业：如何利用管理优势？"),
}
FIELDS = ("id", "article", "section", "claim", "correction", "chapter", "proof")
_ID = re.compile(r"^[a-z0-9][a-z0-9\-]*$")


@dataclass(frozen=True)
class Erratum:
    id: str
    article: str
    section: str
    claim: str
    correction: str
    chapter: str
    proof: str

    @property
    def article_title(self) -> str:
        return ARTICLES[self.article][1]

    @property
    def part(self) -> str:
        return ARTICLES[self.article][0]


def errata_dir(root: str | Path | None = None) -> Path:
    """The ``errata/`` folder of the book (next to the ``book`` package by default)."""
    base = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    return base / "errata"


def load_errata(root: str | Path | None = None) -> list[Erratum]:
    """Read and validate every ``errata/*.yml``; raise ``ValueError`` naming the bad entry."""
    import yaml

    folder = errata_dir(root)
    if not folder.is_dir():
        raise FileNotFoundError(f"找不到勘误目录 {folder}")
    out: list[Erratum] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(data, list):
            raise ValueError(f"{path.name}：顶层应是条目列表")
        for i, raw in enumerate(data):
            where = f"{path.name} 第 {i + 1} 条"
            if not isinstance(raw, dict):
                raise ValueError(f"{where}：应是映射")
            missing = [f for f in FIELDS if not str(raw.get(f, "")).strip()]
            extra = sorted(set(raw) - set(FIELDS))
            if missing or extra:
                raise ValueError(f"{where}：缺少字段 {missing}，多余字段 {extra}")
            e = Erratum(**{f: str(raw[f]).strip() for f in FIELDS})
            if not _ID.match(e.id):
                raise ValueError(f"{where}：id {e.id!r} 只能含小写字母、数字与 -")
            if e.id in seen:
                raise ValueError(f"{where}：id {e.id!r} 与 {seen[e.id].name} 中的条目重复")
            if e.article not in ARTICLES:
                raise ValueError(f"{where}：article {e.article!r} 不在 {sorted(ARTICLES)} 中")
            seen[e.id] = path
            out.append(e)
    return out


def by_id(errata: list[Erratum]) -> dict[str, Erratum]:
    return {e.id: e for e in errata}


_DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{erratum\}\s+(\S+)", re.M)
_LABEL = re.compile(r"^\(([^)\s]+)\)=\s*$", re.M)


def boxes_in(text: str) -> list[str]:
    """Erratum ids used by ``{erratum}`` directives in a MyST text."""
    return [m.group(2) for m in _DIRECTIVE.finditer(text)]


def labels_in(text: str) -> set[str]:
    """MyST target labels ``(name)=`` defined in a text."""
    return set(_LABEL.findall(text))
