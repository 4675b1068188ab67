"""The built site as a reader sees it: quotation marks, stray values, search, figures,
exported notebooks, interface language (issue 6). Uses the one build of the ``site`` fixture."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("build")

ROOT = Path(__file__).resolve().parent.parent

from html.parser import HTMLParser

CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
CHAPTER_PAGES = sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md"))


class _ProseText(HTMLParser):
    """The text a reader reads as prose: no code, no maths, no scripts."""

    SKIP = {"pre", "code", "script", "style", "kbd", "samp", "mjx-container", "math"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        skip = tag in self.SKIP or "math" in classes.split() or "highlight" in classes
        self.stack.append(skip)
        self.depth += skip

    def handle_endtag(self, tag):
        if self.stack:
            self.depth -= self.stack.pop()

    def handle_data(self, data):
        if self.depth == 0:
            self.parts.append(data)


def _prose(page: Path) -> str:
    parser = _ProseText()
    parser.feed(page.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def _content_pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html")
            if not str(p.relative_to(site)).startswith(("_static", "_sources", "genindex", "search"))]


def test_chinese_quotation_marks(site: Path):
    """Chinese prose uses “…”; an ASCII " next to Chinese text, or a page whose opening and
    closing marks do not pair up (the ”…” that smart quotes make), fails."""
    problems = []
    for page in _content_pages(site):
        text = _prose(page)
        rel = page.relative_to(site)
        # an English title in ASCII quotes may stand before a Chinese bracket; a Chinese
        # word may not touch an ASCII quote
        ascii_next_to_cjk = re.findall(f'[{HAN}]"|"[{HAN}]', text)
        if ascii_next_to_cjk:
            problems.append(f"{rel}: ASCII quote next to Chinese: {ascii_next_to_cjk[:3]}")
        if text.count("“") != text.count("”"):
            problems.append(f"{rel}: {text.count('“')} “ but {text.count('”')} ”")
        if re.search(r"”[^“”]{1,80}”", text) and text.count("“") == 0:
            problems.append(f"{rel}: closing marks used as opening marks")
    assert not problems, problems


_BARE = re.compile(r"^\s*(-?[\d.]+(e[-+]?\d+)?|None|Text\(.*\)|<matplotlib.*|\[<matplotlib.*|"
                   r"np\.float\d*\(.*\)|tensor\(-?[\d.e+-]+\))\s*$", re.S)


def test_no_stray_values_under_cells(site: Path):
    """A cell that ends in book.glue(...), a plot call or a lone number echoes nothing."""
    out_re = re.compile(r'class="output text_plain[^"]*"><div class="highlight"><pre><span></span>(.*?)</pre>', re.S)
    problems = []
    for md in CHAPTER_PAGES:
        page = site / "chapters" / md.parent.name / (md.stem + ".html")
        for value in out_re.findall(page.read_text(encoding="utf-8")):
            text = re.sub(r"<[^>]+>", "", value)
            if _BARE.match(text):
                problems.append(f"{page.name}: {text.strip()[:60]}")
    assert not problems, problems


def test_search_finds_book_terms_on_the_pages_that_define_them(site: Path):
    raw = (site / "searchindex.js").read_text()
    index = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
    terms, docnames = index["terms"], index["docnames"]
    for word in ("交叉熵", "优化器", "大模型", "验证集", "反向传播", "梯度", "损失"):
        assert word in terms, f"search does not know {word}"
        hits = terms[word] if isinstance(terms[word], list) else [terms[word]]
        pages = {docnames[i] for i in hits}
        # the word must lead to the page that defines it: the glossary when it is a glossary
        # term, else the chapter whose source uses it most
        if "appendix/glossary" in docnames and "appendix/glossary" in pages:
            continue
        counts = {str(md.relative_to(ROOT).with_suffix("")): md.read_text(encoding="utf-8").count(word)
                  for md in CHAPTER_PAGES}
        best = max(counts, key=counts.get)
        if counts[best]:
            assert best in pages, f"{word}: {best} uses it {counts[best]} times but search gives {sorted(pages)[:5]}"


def test_figures_have_captions_and_chinese_alt_text(site: Path):
    problems = []
    for md in CHAPTER_PAGES:
        page = site / "chapters" / md.parent.name / (md.stem + ".html")
        html = page.read_text(encoding="utf-8")
        for fig in re.findall(r'<div class="cell_output docutils container">(.*?)</div>\s*</div>\s*</div>', html, re.S):
            if "<img" in fig and "<figcaption" not in fig:
                problems.append(f"{page.name}: a figure without caption")
        for alt in re.findall(r'<img[^>]*alt="([^"]*)"', html):
            if not re.search(f"[{CJK}]", alt):
                problems.append(f"{page.name}: alt text {alt[:40]!r} is not Chinese")
        numbers = re.findall(r'caption-number">图 ([\d.]+)', html)
        # the chapter's number is its place in the part (a part may skip a file number)
        siblings = sorted(p.stem for p in md.parent.glob("[0-9][0-9]_*.md"))
        part, chap = int(md.parent.name[4:]), siblings.index(md.stem) + 1
        for n in numbers:
            if not n.startswith(f"{part}.{chap}."):
                problems.append(f"{page.name}: figure number {n} does not follow chapter {part}.{chap}")
    assert not problems, problems


_LEFTOVER = re.compile(r"\{[a-z][\w:-]*\}`|^[`:]{3,}\{|^\([\w:.-]+\)=\s*$|\{glue", re.M)


def test_exported_notebooks_are_plain_jupyter(site: Path):
    """The .ipynb a reader downloads or opens on Colab carries no MyST markup, has the glued
    numbers filled in, the 勘误 boxes and folded solutions, and the links point at it."""
    import nbformat

    for md in CHAPTER_PAGES:
        rel = f"chapters/{md.parent.name}/{md.stem}"
        nb = nbformat.read(site / "_notebooks" / f"{rel}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        left = [m.group(0) for m in _LEFTOVER.finditer(text)]
        assert not left, f"{rel}: MyST left in the notebook: {left[:5]}"
        source = md.read_text(encoding="utf-8")
        if "{solution-start}" in source:
            assert "<details>" in text, rel
        if "{erratum}" in source:
            assert "**勘误 · §" in text, rel
        if "{cite:" in source:
            assert "## 参考文献" in text, rel
        html = (site / f"{rel}.html").read_text(encoding="utf-8")
        for link in re.findall(r'href="([^"]+\.ipynb)"', html):
            if link.startswith("http"):
                assert link.endswith(f"_notebooks/{rel}.ipynb"), link
            else:
                assert (site / f"{rel}.html").parent.joinpath(link).resolve().exists(), link


def test_ui_text_is_simplified_chinese(site: Path):
    for page in _content_pages(site):
        html = page.read_text(encoding="utf-8")
        for bad in ("Launch on", "列印", "Toggle hidden content", "Run Time (s)", "<th class=\"head\"><p>Document",
                    "Show code cell", "Hide code cell"):
            assert bad not in html, f"{page.relative_to(site)}: {bad}"
