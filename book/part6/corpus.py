"""The book's own Chinese prose as a training corpus (Part VI: a tiny language model end to end).

Nothing is downloaded: the corpus is the Markdown of the book's chapters
(``chapters/**/*.md``) with everything that is not running prose removed, so it
grows with the book. :func:`extract_prose` documents exactly what is removed:

1. the YAML/jupytext front matter between the first two ``---`` lines;
2. every fenced block (```` ``` ```` or ``~~~``, any length): code cells, directives
   (``{exercise}``, ``{erratum}``, ``{literalinclude}`` …) and their bodies;
3. display maths ``$$ … $$`` (also over several lines) and inline maths ``$…$``;
4. inline code ```…```, MyST roles with their argument (``{glue:text}`…```,
   ``{cite:p}`…``` …), labels ``(name)=``, HTML comments and tags;
5. Markdown markup: heading hashes, block-quote ``>``, list bullets, emphasis
   stars, table rules and pipes; links ``[text](url)`` keep their text.

Where the chapters come from: the repository's ``chapters/`` folder when the package is used
from a checkout (an editable install); otherwise the copy that the wheel carries in
``book/_corpus/`` (``setup.py`` copies the chapters' Markdown there when the wheel is built, so
a notebook on Colab that installed the package gets the book as it was at that commit).

Lines that hold no CJK character after this are dropped (they are code-like or
English-only remnants). A paragraph's soft line breaks are joined; paragraphs
are separated by one ``"\\n"``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from .._checks import check_fraction, check_positive_int
from ..repo import CHECKOUT_ROOT as BOOK_ROOT, PACKAGED_ROOT  # the checkout, and the copy shipped in the wheel

__all__ = ["extract_prose", "book_corpus", "corpus_stats", "chapter_files", "interleaved_split", "interleaved_split3", "BOOK_ROOT",
           "PACKAGED_ROOT", "SPLIT_BLOCK", "SPLIT_VAL_FRACTION"]


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$")
_ROLE = re.compile(r"\{[A-Za-z0-9:_\-]+\}`[^`]*`")
_TERM = re.compile(r"\{term\}`([^`]*)`")   # a glossary link renders as its word: keep the word
_INLINE_CODE = re.compile(r"`+[^`\n]*`+")
_LABEL = re.compile(r"^\s*\([A-Za-z0-9_\-:]+\)=\s*$")
_HTML = re.compile(r"<!--.*?-->|<[^>\n]+>", re.S)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")


def _strip_front_matter(text: str) -> str:
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return "\n".join(lines[i + 1:])
    return text


def _strip_fences(text: str) -> str:
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = m.group(1)
                out.append("")    # a removed block ends the paragraph before it
                continue
            out.append(line)
        elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                and line.strip() == m.group(1):
            fence = None          # closing fence: same character, at least as long, nothing after it
    return "\n".join(out)


def _clean_line(line: str) -> str:
    if _LABEL.match(line) or _TABLE_RULE.match(line):
        return ""
    line = _TERM.sub(lambda m: m.group(1).split("<")[0].strip(), line)   # {term}`交叉熵`: the word stays
    line = _ROLE.sub("", line)
    line = _INLINE_CODE.sub("", line)
    line = _INLINE_MATH.sub("", line)
    line = re.sub(r"\{[A-Za-z0-9:_\-]+\}`\S*", "", line).replace("`", "")   # broken roles, stray backticks
    line = _LINK.sub(r"\1", line)
    line = re.sub(r"^\s*#+\s*", "", line)                 # headings
    line = re.sub(r"^\s*(>\s*)+", "", line)               # block quotes
    line = re.sub(r"^\s*([-*+]|\d+\.)\s+", "", line)      # list items
    line = line.replace("**", "").replace("|", " ")
    line = re.sub(r"[ \t]+", " ", line).strip()
    return line if _CJK.search(line) else ""


def extract_prose(markdown: str) -> str:
    """一章 MyST Markdown 里的中文正文（去掉什么见模块说明）。

    Return the Chinese prose of one MyST Markdown chapter (see the module
    docstring).

    >>> extract_prose("# 标题\\n\\n正文 $x^2$ 与 `code`。\\n"
    ...               "```python\\nprint(1)\\n```\\n")
    '标题\\n正文 与 。'
    """
    if not isinstance(markdown, str):
        raise TypeError(f"markdown 应为字符串，收到 {type(markdown).__name__}")
    text = _strip_front_matter(markdown.replace("\r\n", "\n"))
    text = _strip_fences(text)
    text = _DISPLAY_MATH.sub("\n", text)
    text = _HTML.sub("", text)
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in text.split("\n"):
        if not raw.strip():
            if current:
                paragraphs.append(_join(current))
                current = []
            continue
        line = _clean_line(raw)
        if line:
            current.append(line)
    if current:
        paragraphs.append(_join(current))
    return "\n".join(p for p in paragraphs if p)


def _join(lines: list[str]) -> str:
    """Join soft line breaks: no space between two CJK characters, one space otherwise."""
    out = lines[0]
    for nxt in lines[1:]:
        sep = "" if (_CJK.match(out[-1]) or not out[-1].isascii()) and \
            (_CJK.match(nxt[0]) or not nxt[0].isascii()) else " "
        out += sep + nxt
    return out


def chapter_files(root: str | Path | None = None, pattern: str = "chapters/**/*.md") -> list[Path]:
    """The chapter files under ``root``, sorted by path.

    Default root: the repository (``BOOK_ROOT``) when it has a ``chapters/`` folder, else the
    copy shipped in the installed package (``PACKAGED_ROOT``).
    """
    if root is not None:
        base = Path(root)
    else:
        base = BOOK_ROOT if (BOOK_ROOT / "chapters").is_dir() else PACKAGED_ROOT
    if not base.is_dir():
        raise ValueError(f"找不到书的根目录 {base}")
    return sorted(p for p in base.glob(pattern) if p.is_file())


def book_corpus(root: str | Path | None = None, pattern: str = "chapters/**/*.md", *,
                files: Iterable[str | Path] | None = None) -> str:
    """The book's prose: :func:`extract_prose` of every chapter file, in path order.

    ``files`` overrides the search (for tests and for a reader's own texts). Files
    are separated by ``"\\n"``. Raises ``ValueError`` when no file is found or
    when the result holds no prose at all.
    """
    paths = [Path(f) for f in files] if files is not None else chapter_files(root, pattern)
    if not paths:
        raise ValueError(f"没有找到任何章节文件（{pattern}）：语料为空")
    texts = [extract_prose(p.read_text(encoding="utf-8")) for p in paths]
    corpus = "\n".join(t for t in texts if t)
    if not corpus:
        raise ValueError("章节文件中没有提取到任何中文正文：语料为空")
    return corpus


def corpus_stats(text: str) -> dict[str, int]:
    """Size of a corpus: characters, distinct characters, CJK characters, UTF-8 bytes, lines."""
    if not isinstance(text, str) or not text:
        raise ValueError("语料应为非空字符串")
    return {"chars": len(text), "distinct": len(set(text)),
            "cjk": len(_CJK.findall(text)), "bytes": len(text.encode("utf-8")),
            "lines": text.count("\n") + 1}


#: The split every Part VI chapter uses (:func:`interleaved_split`'s defaults): one place to change it.
SPLIT_BLOCK, SPLIT_VAL_FRACTION = 1000, 0.1


def interleaved_split(text: str, val_fraction: float = SPLIT_VAL_FRACTION, block: int = SPLIT_BLOCK
                      ) -> tuple[str, str]:
    """Split ``text`` into blocks of ``block`` characters; every ``k``-th block (``k = round(1 /
    val_fraction)``, starting with block ``k - 1``) is held out for validation, the others, in
    order, are the training text.

    The held-out text is never seen in training (each block is contiguous, so no training
    window overlaps it), and it samples the whole book rather than its last chapters: when
    the book grows or a chapter is edited, both parts change only a little, and the results
    of the chapters that train on it move only a little.
    """
    _check_text(text)
    check_fraction("val_fraction", val_fraction)
    if val_fraction > 0.5:
        raise ValueError(f"val_fraction 应在 (0, 0.5] 之内，收到 {val_fraction!r}")
    k = round(1 / val_fraction)
    blocks = _blocks(text, block, k, "留出一块做验证")
    train = "".join(b for i, b in enumerate(blocks) if i % k != k - 1)
    val = "".join(b for i, b in enumerate(blocks) if i % k == k - 1)
    return train, val


def _check_text(text: str) -> None:
    if not isinstance(text, str) or not text:
        raise ValueError("语料应为非空字符串")


def _blocks(text: str, block: int, k: int, what: str) -> list[str]:
    """``text`` cut into blocks of ``block`` characters; at least ``k`` of them (``what`` says why)."""
    block = check_positive_int("block（每块的字符数）", block)
    blocks = [text[i:i + block] for i in range(0, len(text), block)]
    if len(blocks) < k:
        raise ValueError(f"语料只有 {len(blocks)} 块（每块 {block} 个字符），不够每 {k} 块{what}")
    return blocks


def interleaved_split3(text: str, fraction: float = SPLIT_VAL_FRACTION, block: int = SPLIT_BLOCK
                       ) -> tuple[str, str, str]:
    """Train / validation / test: blocks of ``block`` characters; of every ``k = round(1 / fraction)``
    blocks, block ``k - 1`` goes to validation (the blocks of :func:`interleaved_split`) and block
    ``k // 2 - 1`` to test; the others, in order, are the training text.

    Validation picks hyper-parameters (smoothing weights, steps …); the test text is scored once,
    for the final claim, so that the claim is not judged on the text it was tuned on.
    """
    _check_text(text)
    check_fraction("fraction", fraction)
    if fraction > 1 / 3:
        raise ValueError(f"fraction 应在 (0, 1/3] 之内（验证、测试各占一份），收到 {fraction!r}")
    k = round(1 / fraction)
    blocks = _blocks(text, block, k, "留出验证、测试各一块")
    val_at, test_at = k - 1, k // 2 - 1
    train = "".join(b for i, b in enumerate(blocks) if i % k not in (val_at, test_at))
    val = "".join(b for i, b in enumerate(blocks) if i % k == val_at)
    test = "".join(b for i, b in enumerate(blocks) if i % k == test_at)
    return train, val, test
