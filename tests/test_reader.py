"""The built site as a reader sees it: quotation marks, stray values, search, figures,
exported notebooks, interface language (issue 6). Uses the one build of the ``site`` fixture."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("build")

ROOT = Path(__file__).resolve().parent.parent

from html.parser import HTMLParser  # noqa: E402

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


# ---------------------------------------------------------------------------------------------
# Issue 28: the site as a reader sees it — formulas, figures, glossary, search, errata, numbers,
# code width. The browser checks use Debian's chromium (CI installs it with fonts-noto-cjk).

def _chromium() -> str:
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium is not installed: apt-get install -y chromium fonts-noto-cjk poppler-utils "
                    "(the reader tests look at the pages in a real browser)")
    return path


@pytest.fixture(scope="session")
def layout(site: Path) -> dict:
    """Every content page measured in Chromium at 1280 and 390 px (tools/check_layout.py)."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import check_layout

    return check_layout.check_site(site, (1280, 390), chromium=_chromium())


def test_no_page_is_wider_than_the_screen_and_no_formula_is_clipped(layout):
    """At 1280 and 390 px: the page fits the window, and every rendered formula is whole, or in
    a box that scrolls (overflow: hidden does not count: what it hides cannot be reached)."""
    problems = []
    for page, by_width in layout.items():
        for width, r in by_width.items():
            if "error" in r:
                problems.append(f"{page} @{width}: {r['error']}")
                continue
            if r["sw"] > r["vw"] or r["wide"]:
                problems.append(f"{page} @{width}: {r['sw']} px wide; {r['wide'][:3]}")
            for c in r["clipped"]:
                problems.append(f"{page} @{width}: formula cut by {c['x']}×{c['y']} px in §{c['section']}: {c['tex'][:60]}")
    assert not problems, "\n".join(problems[:40])
    assert sum(r["nmath"] for by in layout.values() for r in by.values()) > 500  # MathJax ran


FIGURE_TEXT_PX = {1280: 8.0, 390: 9.5}


def test_figure_text_is_readable_on_a_phone_and_a_desktop(layout, site: Path):
    """The smallest text of every figure, as rendered (figure width × font size / viewBox width),
    is at least 9.5 px at 390 px and 8 px at 1280 px (the figure scrolls sideways if it must)."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    from check_layout import figure_font_px

    problems, seen = [], 0
    for page, by_width in layout.items():
        for width, r in by_width.items():
            for fig in r.get("figures", []):
                px = figure_font_px(site, page, fig)
                if px is None:
                    continue
                seen += 1
                if px < FIGURE_TEXT_PX[width]:
                    problems.append(f"{page} @{width}: text {px:.1f} px in {fig['src'].rsplit('/', 1)[-1][:16]} (§{fig['section']})")
    assert seen > 50, f"only {seen} figures measured"
    assert not problems, "\n".join(problems)


def _glossary_entries():
    import sys

    sys.path.insert(0, str(ROOT / "_ext"))
    from book_glossary import load_glossary

    return load_glossary(ROOT)


def test_glossary_reads_in_pinyin_order_with_each_english_term_once(site: Path):
    from book_glossary import pinyin_key

    html = (site / "appendix" / "glossary.html").read_text(encoding="utf-8")
    text = _prose(site / "appendix" / "glossary.html")
    entries = _glossary_entries()
    terms = re.findall(r'<dt id="term-[^"]*">(.*?)<a class="headerlink"', html, re.S)
    zh_shown = [re.sub(r"<[^>]+>", "", t).strip() for t in terms]
    zh_order = [t for t in zh_shown if t in {e["zh"] for e in entries}]
    assert len(zh_order) == len(entries), f"{len(zh_order)} of {len(entries)} terms on the page"
    keys = [pinyin_key(t) for t in zh_order]
    assert keys == sorted(keys), "terms are not in pinyin order"
    assert zh_order.index("变换器") < zh_order.index("词元") < zh_order.index("交叉熵") < zh_order.index("验证集")
    for e in entries:
        en = re.sub(r"\s+", " ", e["en"])
        assert text.count(en) >= 1, en
        assert sum(1 for t in zh_shown if t == en) <= 1, f"{en} shown twice"
        assert f"（{en}）" not in text, f"{en} printed again in its definition"
    for authoring in ("{term}", "glossary.yml", "book/part5"):
        assert authoring not in text, f"the glossary page shows {authoring!r} to readers"


def _search_index(site: Path) -> dict:
    raw = (site / "searchindex.js").read_text()
    return json.loads(raw[raw.index("(") + 1:raw.rindex(")")])


def test_every_glossary_term_is_a_search_term(site: Path):
    """Each glossary term (its Chinese runs, for a term with a space) is one search token and
    finds the glossary page; 困惑度 finds the chapter that uses it most."""
    from book_cjk import glossary_search_terms

    index = _search_index(site)
    terms, docnames = index["terms"], index["docnames"]
    missing, not_glossary = [], []
    for word in (w.lower() for w in glossary_search_terms(ROOT)):  # the index holds lower case
        if word not in terms:
            missing.append(word)
            continue
        hits = terms[word] if isinstance(terms[word], list) else [terms[word]]
        if "appendix/glossary" not in {docnames[i] for i in hits}:
            not_glossary.append(word)
    assert not missing, f"{len(missing)} glossary terms are no search term: {missing[:20]}"
    assert not not_glossary, f"search does not lead to the glossary for {not_glossary[:20]}"
    counts = {str(md.relative_to(ROOT).with_suffix("")): md.read_text(encoding="utf-8").count("困惑度")
              for md in CHAPTER_PAGES}
    hits = terms["困惑度"] if isinstance(terms["困惑度"], list) else [terms["困惑度"]]
    pages = {docnames[i] for i in hits}
    for doc, n in counts.items():
        if n >= 3:
            assert doc in pages, f"困惑度: {doc} uses it {n} times, search finds {sorted(pages)}"


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8")))


def test_errata_table_is_grouped_anchored_and_linked_both_ways(site: Path):
    from errata_data import load_errata

    table_page = site / "appendix" / "errata.html"
    html = table_page.read_text(encoding="utf-8")
    ids = _ids(table_page)
    errata = [e for e in load_errata(ROOT) if (site / f"{e.chapter}.html").exists()]
    assert len(errata) == len(load_errata(ROOT)) or not (site / "chapters/part1/01_background.html").exists()
    # grouped: a section per part and per chapter, listed in the page's own table of contents
    sidebar = html[html.find('id="pst-page-toc-nav"'):]
    for part in sorted({e.part for e in errata}):
        assert f"errata-part-{part}" in ids, part
        assert f'href="#errata-part-{part}"' in sidebar, f"part {part} not in the page's contents"
    problems = []
    for e in errata:
        if f"errata-entry-{e.id}" not in ids:
            problems.append(f"{e.id}: no anchor in the table")
        chapter_page = site / f"{e.chapter}.html"
        chapter = chapter_page.read_text(encoding="utf-8")
        back = re.search(rf'href="([^"]*errata\.html#errata-entry-{re.escape(e.id)})"', chapter)
        if not back:
            problems.append(f"{e.id}: the box in {e.chapter} does not link to its entry")
        if not re.search(rf'href="\.\./[^"]*{re.escape(e.chapter.split("/")[-1])}\.html#erratum-{re.escape(e.id)}"', html):
            problems.append(f"{e.id}: the entry does not link to its box")
    # every link of the table resolves: page and anchor
    for href in set(re.findall(r'href="([^"#:]*\.html)(?:#([^"]*))?"', html)):
        target = (table_page.parent / href[0]).resolve()
        if not target.exists():
            problems.append(f"dead link {href[0]}")
        elif href[1] and href[1] not in _ids(target):
            problems.append(f"dead anchor {href[0]}#{href[1]}")
    for anchor in set(re.findall(r'href="#([^"]+)"', html)):
        if anchor not in ids:
            problems.append(f"dead in-page anchor #{anchor}")
    assert not problems, problems[:30]
    assert "所在章节" not in html


# --- numbers as a reader reads them (item 7) -------------------------------------------------
# Pages that still show a repr or e-notation, with what they show. The lead shrinks this list as
# chapters are fixed (use book.numfmt.num for numbers in prose); a page not listed must be clean,
# and a listed page that has become clean is reported (a warning) so that it is removed.
NUMBER_DEBT: dict[str, str] = {}

_E_NOTATION = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?[eE][-+]?\d+\b")
# what a reader should not have to decode: NumPy scalar reprs, the tail of a pandas Series repr,
# a negative zero
_REPRS = re.compile(r"np\.(?:float|int)\d*\(|^Name: [^\n]*, dtype: \w+$|^dtype: \w+$|(?<![\w.])-0\.0+(?![\d])", re.M)


def _number_problems(site: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    out_re = re.compile(r'class="output (?:text_plain|stream)[^"]*"><div class="highlight"><pre><span></span>(.*?)</pre>', re.S)
    for page in _content_pages(site):
        rel = str(page.relative_to(site).with_suffix(""))
        if rel == "print":  # the pages again, in one
            continue
        hits = [m.group(0) for m in _E_NOTATION.finditer(_prose(page))]
        html = page.read_text(encoding="utf-8")
        for block in out_re.findall(html):
            text = htmllib_unescape(re.sub(r"<[^>]+>", "", block))
            hits += [m.group(0) for m in _REPRS.finditer(text)]
            hits += [m.group(0) for m in _E_NOTATION.finditer(text)]
        table_text = " ".join(re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<table.*?</table>", html, re.S))
        hits += [m.group(0) for m in re.finditer(r"(?<![\w.])-0\.0+(?![\d])", table_text)]
        if hits:
            out[rel] = hits
    return out


def htmllib_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_numbers_in_prose_and_outputs_read_as_numbers(site: Path):
    """No e-notation in prose, no NumPy/pandas/PyTorch reprs or “-0.000” in what a page shows,
    except the pages of NUMBER_DEBT (listed, to be shrunk)."""
    found = _number_problems(site)
    new = {p: h[:5] for p, h in found.items() if p not in NUMBER_DEBT}
    stale = [p for p in NUMBER_DEBT if p not in found]
    assert not new, f"reprs or e-notation on pages not in NUMBER_DEBT: {new}"
    if stale:
        import warnings

        warnings.warn(f"pages in NUMBER_DEBT that are clean now (remove them): {stale}", stacklevel=2)


# --- code as shown (item 8) --------------------------------------------------------------------
CODE_COLUMNS = 80  # display columns (a Chinese character counts 2); a 1280 px code box shows about 84
# Chapters whose shown code still has lines wider than CODE_COLUMNS: the number of such lines
# (a page may not exceed its number, a page not listed may have none; when a page has fewer,
# the test warns with the number to write here, so the list only shrinks).
# Counted from the sources with tools/code_width.py (which agrees line for line with a built
# page), 2 Dec 2026: none left (1301 the stop before); run the tool before committing a chapter.
LONG_CODE_LINES: dict[str, int] = {}


def _columns(line: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def long_code_lines(page: Path) -> list[str]:
    html = page.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r'<div class="(?:cell_input|highlight-(?:python|ipython3|default))[^"]*">.*?<pre>(.*?)</pre>',
                            html, re.S):
        text = htmllib_unescape(re.sub(r"<[^>]+>", "", block))
        out += [line for line in text.splitlines() if _columns(line.rstrip()) > CODE_COLUMNS]
    return out


def test_shown_code_lines_fit_the_code_box(site: Path):
    problems, stale = [], []
    for md in CHAPTER_PAGES:
        rel = f"chapters/{md.parent.name}/{md.stem}"
        long = long_code_lines(site / f"{rel}.html")
        allowed = LONG_CODE_LINES.get(rel, 0)
        if len(long) > allowed:
            problems.append(f"{rel}: {len(long)} code lines wider than {CODE_COLUMNS} columns "
                            f"(allowed {allowed}), e.g. {long[0].strip()[:70]!r}")
        elif len(long) < allowed:
            stale.append(f"{rel}: {len(long)} < {allowed}")
    assert not problems, "\n".join(problems)
    if stale:
        import warnings

        warnings.warn(f"lower LONG_CODE_LINES to what the pages show now: {stale}", stacklevel=2)


# --- consistency (item 9) ------------------------------------------------------------------------

def test_interface_labels_and_erratum_ids(site: Path):
    """aria labels in Chinese; the teaching page links chapters by title; erratum ids do not wrap."""
    english = re.compile(r'aria-label="(Search this book|Toggle primary sidebar|Toggle secondary sidebar|'
                         r'Download this page|Source repositories|Fullscreen mode|Color mode|Search)')
    for page in _content_pages(site):
        html = page.read_text(encoding="utf-8")
        m = english.search(html)
        assert not m, f"{page.relative_to(site)}: {m.group(0)}"
        assert 'placeholder="Search' not in html, page
    css = (site / "_static" / "book.css").read_text(encoding="utf-8")
    assert "code.docutils.book-eid" in css and "white-space: nowrap" in css
    errata_html = (site / "appendix" / "errata.html").read_text(encoding="utf-8")
    assert errata_html.count("book-eid") >= 10
    teaching = (site / "appendix" / "teaching.html").read_text(encoding="utf-8")
    shown_paths = re.findall(r"chapters/part\d/\d\d_\w+(?:\.md)?", _prose(site / "appendix" / "teaching.html"))
    assert not shown_paths, f"the teaching page shows file names instead of linked titles: {shown_paths[:5]}"
    assert teaching.count('href="../chapters/part') >= 10


_ROMAN_PART = re.compile(r"第\s*(?:I|II|III|IV|V|VI)\s*(?:部分|至|[–—-]\s*(?:I|II|III|IV|V|VI)\s*部分)")


def test_parts_are_numbered_as_the_navigation_numbers_them(site: Path):
    """The navigation says “第 3 部分”: the prose, captions and errata say it the same way, never
    “第 III 部分” (nor “第 I 至第 V 部分”, “第 II–VI 部分”)."""
    found = {}
    for page in _content_pages(site):
        hits = _ROMAN_PART.findall(_prose(page))
        if hits:
            found[str(page.relative_to(site))] = hits[:3]
    assert not found, f"Roman part numbers in the prose: {found}"
    for bad in ("第 III 部分", "第 I 至第 V 部分", "第 II–VI 部分"):
        assert _ROMAN_PART.search(bad)
    assert not _ROMAN_PART.search("第 3 部分 · 如何实现盈利") and not _ROMAN_PART.search("文章 III §9")
