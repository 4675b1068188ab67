"""Unit tests of book.part6.corpus (the book's prose as the corpus of Part VI)."""
from __future__ import annotations

import pytest

from book.part6.corpus import (book_corpus, chapter_files, corpus_stats, extract_prose, interleaved_split,
                               interleaved_split3)

MD = """---
jupytext:
  text_representation: {extension: .md}
---

(p9-label)=
# 第一章 标题

这是**正文**，含行内公式 $x^2+1$ 与代码 `print(1)`，
以及一个数 {glue:text}`p9_x:.3f` 和引用 {cite:p}`kaplan2020scaling`。

```{code-cell} ipython3
# 代码格里的中文注释不应出现
x = 1
```

$$
y = \\frac{1}{2}
$$

````{exercise}
:label: p9-ex
练习里的文字属于指令，被去掉。
````

> 引用块里的[链接文字](https://example.com)保留。

| 列一 | 列二 |
|---|---|
| 表格中文 | 2 |

Only English here.
"""


def test_extract_prose_keeps_prose_and_strips_the_rest():
    out = extract_prose(MD)
    for kept in ["第一章 标题", "这是正文，含行内公式 与代码 ，以及一个数 和引用 。", "链接文字", "表格中文"]:
        assert kept in out, (kept, out)
    for gone in ["jupytext", "p9-label", "x^2", "print", "代码格", "frac", "练习里", "p9_x",
                 "kaplan", "https", "Only English", "**", "$", "`", "|", "---"]:
        assert gone not in out, (gone, out)


def test_soft_line_breaks_between_chinese_are_joined():
    assert extract_prose("第一行\n第二行\n\n新段落") == "第一行第二行\n新段落"
    assert extract_prose("中文 and\nEnglish 中文") == "中文 and English 中文"


def test_longer_fence_contains_shorter_ones():
    md = "前文\n````{solution-start}\n```python\n代码\n```\n仍在指令内\n````\n后文"
    assert extract_prose(md) == "前文\n后文"


def test_extract_prose_rejects_non_string():
    with pytest.raises(TypeError):
        extract_prose(b"bytes")  # type: ignore[arg-type]


def test_book_corpus_reads_the_chapters():
    files = chapter_files()
    assert files and all(f.suffix == ".md" for f in files)
    text = book_corpus()
    stats = corpus_stats(text)
    assert stats["chars"] > 10_000 and stats["cjk"] > stats["chars"] / 2
    assert "```" not in text and "$$" not in text and "{glue" not in text


def test_book_corpus_on_given_files(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("甲乙\n", encoding="utf-8")
    b.write_text("```\n代码\n```\n丙丁\n", encoding="utf-8")
    assert book_corpus(files=[a, b]) == "甲乙\n丙丁"


def test_empty_corpus_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="语料为空"):
        book_corpus(tmp_path)                     # no chapter files at all
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.md").write_text("```python\nx = 1\n```\nEnglish only\n", encoding="utf-8")
    with pytest.raises(ValueError, match="语料为空"):
        book_corpus(tmp_path)                     # files without Chinese prose
    with pytest.raises(ValueError):
        book_corpus(tmp_path / "missing")
    with pytest.raises(ValueError):
        corpus_stats("")


@pytest.mark.parametrize("kw", [dict(val_fraction=0.0), dict(val_fraction=0.6), dict(val_fraction=float("nan")),
                                dict(val_fraction=True), dict(block=0), dict(block=2.0), dict(block=True)])
def test_interleaved_split_rejects_bad_arguments(kw):
    with pytest.raises(ValueError, match="val_fraction|block"):
        interleaved_split("甲乙丙丁" * 100, **kw)


@pytest.mark.parametrize("kw", [dict(fraction=0.5), dict(fraction=float("nan")), dict(block=-1)])
def test_interleaved_split3_rejects_bad_arguments(kw):
    with pytest.raises(ValueError, match="fraction|block"):
        interleaved_split3("甲乙丙丁" * 100, **kw)


def test_corpus_stats_counts():
    s = corpus_stats("大模型\nab")
    assert s == {"chars": 6, "distinct": 6, "cjk": 3, "bytes": 3 * 3 + 1 + 2, "lines": 2}


def test_interleaved_split_holds_out_every_kth_block():
    from book.part6.corpus import interleaved_split

    text = "".join(chr(0x4e00 + i) for i in range(95))          # 95 distinct characters
    train, val = interleaved_split(text, val_fraction=0.25, block=10)
    blocks = [text[i:i + 10] for i in range(0, 95, 10)]       # 10 blocks, the last one short
    assert val == blocks[3] + blocks[7]                        # every 4th block, starting with the 4th
    assert train == "".join(b for i, b in enumerate(blocks) if i not in (3, 7))
    assert sorted(train + val) == sorted(text) and not set(train) & set(val)


def test_interleaved_split_moves_little_when_the_text_changes():
    """An edit near the start shifts the blocks after it, but the held-out share stays the same
    and the held-out text still samples the whole corpus (unlike a 'last 10%' split)."""
    from book.part6.corpus import interleaved_split

    text = "".join(chr(0x4e00 + (i * 7919) % 20000) for i in range(20000))
    _, val = interleaved_split(text, 0.1, 100)
    _, val2 = interleaved_split("插入几个字" + text, 0.1, 100)
    assert abs(len(val2) - len(val)) <= 100 and len(val) == 2000
    positions = [text.index(val[i:i + 5]) for i in range(0, len(val), 100)]   # each held-out block
    assert min(positions) < 2000 and max(positions) > 18000    # from the start to the end


@pytest.mark.parametrize("kwargs, message", [
    (dict(text=""), "非空"), (dict(text="中文", val_fraction=0), "val_fraction"),
    (dict(text="中文", val_fraction=0.9), "val_fraction"), (dict(text="中文", block=0), "block"),
    (dict(text="中文", block=1.5), "block"), (dict(text="中文" * 3, block=2), "不够"),
])
def test_interleaved_split_rejects_bad_input(kwargs, message):
    from book.part6.corpus import interleaved_split

    with pytest.raises(ValueError, match=message):
        interleaved_split(**kwargs)


def test_interleaved_split3_three_disjoint_parts():
    from book.part6.corpus import interleaved_split, interleaved_split3

    text = "".join(chr(0x4e00 + i) for i in range(200))
    train, val, test = interleaved_split3(text, 0.1, 10)
    assert len(train) + len(val) + len(test) == len(text)
    assert val == interleaved_split(text, 0.1, 10)[1]           # the same validation blocks
    assert test == text[40:50] + text[140:150]                  # block k//2 - 1 = 4 of every 10
    assert not set(test) & set(train) and not set(val) & set(train)


@pytest.mark.parametrize("kwargs, message", [
    (dict(text=""), "非空"), (dict(text="汉字" * 50, fraction=0.5), "1/3"),
    (dict(text="汉字" * 50, block=0), "block"), (dict(text="汉字", block=1), "不够"),
])
def test_interleaved_split3_rejects_bad_input(kwargs, message):
    from book.part6.corpus import interleaved_split3

    with pytest.raises(ValueError, match=message):
        interleaved_split3(**kwargs)


def test_glossary_links_keep_their_word_in_the_corpus():
    from book.part6.corpus import extract_prose

    linked = extract_prose("训练用{term}`交叉熵`作损失，{term}`学习率 <学习率>`取 0.1，见{ref}`p1-x`。\n")
    plain = extract_prose("训练用交叉熵作损失，学习率取 0.1，见。\n")
    assert linked == plain
