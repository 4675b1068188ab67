"""Sphinx extension: Chinese text in the pages and in the search index.

* A Markdown paragraph wrapped between two Chinese characters would show a stray space
  there (browsers render the newline as a space): the soft break is dropped.
* Sphinx's Chinese search splits words with ``jieba``, which cuts book terms such as
  交叉熵 or 反向传播 into pieces. The build gives jieba a user dictionary made from the
  book itself (:func:`book_terms`): every term introduced as ``中文（English）``, every
  bold term, every term of the glossary data (``glossary.yml``), and the short Chinese runs of every heading.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from docutils import nodes

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n[ \\t]*(?=[{_CJK}])")
_KEEP = (nodes.literal_block, nodes.literal, nodes.math, nodes.math_block, nodes.raw)

# 交叉熵（cross-entropy）, 反向传播（backpropagation, …）
_TERM_EN = re.compile(f"([{_HAN}]{{2,8}})（[A-Za-z]")
_BOLD = re.compile(f"\\*\\*([{_HAN}]{{2,8}})\\*\\*")
_HEADING = re.compile(r"^#{1,4}\s+(.+)$", re.M)
_RUN = re.compile(f"[{_HAN}]{{2,6}}")
# words a reader searches for, which the sources use without an English gloss
BASE_TERMS = ["交叉熵", "优化器", "大模型", "验证集", "测试集", "训练集", "反向传播", "梯度下降",
              "学习率", "损失函数", "激活函数", "过拟合", "正则化", "注意力", "勘误", "分词器",
              "语言模型", "置信区间", "基线"]


def book_terms(root: Path) -> list[str]:
    """The book's own terms, for the search tokenizer (sorted, unique)."""
    terms = set(BASE_TERMS)
    sources = list(root.glob("chapters/**/*.md")) + list(root.glob("appendix/*.md")) + [root / "intro.md"]
    for path in sources:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        terms.update(_TERM_EN.findall(text))
        terms.update(_BOLD.findall(text))
        for heading in _HEADING.findall(text):
            terms.update(m for m in _RUN.findall(heading) if 2 <= len(m) <= 4)
    terms.update(glossary_search_terms(root))
    return sorted(terms)


def glossary_search_terms(root: Path) -> list[str]:
    """Every glossary term (``glossary.yml`` data, the same the 术语表 page renders), as the
    search tokenizer can hold it: the whole term when it has no space (“困惑度”, “AI大模型”),
    else each Chinese run of two or more characters (“Adam 优化器” → “优化器”)."""
    from book_glossary import load_glossary

    out = []
    for entry in load_glossary(root):
        zh = entry["zh"]
        if " " not in zh:
            out.append(zh)
        else:
            out += re.findall(f"[{_HAN}]{{2,}}", zh)
    return out


def _search_dictionary(app, config) -> None:
    """Write the jieba user dictionary and hand it to Sphinx's Chinese search."""
    terms = book_terms(Path(app.srcdir))
    out = Path(tempfile.gettempdir()) / "llm-startup-book" / "search-terms.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    # a high frequency makes jieba prefer the whole term to its pieces
    out.write_text("".join(f"{t} 100000 n\n" for t in terms), encoding="utf-8")
    options = dict(config.html_search_options or {})
    options["dict"] = str(out)
    config.html_search_options = options


def _join_cjk_lines(app, doctree):
    """Drop the line break between two Chinese characters in prose."""
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


def setup(app):
    app.connect("config-inited", _search_dictionary)
    app.connect("doctree-read", _join_cjk_lines)
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}
