"""The build machinery in _ext/: Chinese text handling, search terms, notebook export."""
from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import pytest

from book_cjk import _CJK_BREAK, book_terms
from book_notebooks import Context, convert_notebook, myst_to_markdown, read_bib
from errata_data import by_id, load_errata

ROOT = Path(__file__).resolve().parent.parent


def test_cjk_line_breaks_are_joined_in_prose():
    assert _CJK_BREAK.sub("", "两份；\n这里用") == "两份；这里用"
    assert _CJK_BREAK.sub("", "中文\nabc") == "中文\nabc"  # a break next to Latin text stays a space


def test_book_terms_hold_the_words_readers_search_for(tmp_path):
    (tmp_path / "chapters" / "part9").mkdir(parents=True)
    (tmp_path / "chapters" / "part9" / "01_x.md").write_text(
        "# 反向传播与梯度\n\n**自注意力** 与 位置编码（positional encoding）。\n", encoding="utf-8")
    terms = book_terms(tmp_path)
    for word in ("反向传播", "自注意力", "位置编码", "交叉熵"):
        assert word in terms, word
    assert all(2 <= len(t) <= 10 for t in terms)


def _ctx(**kw) -> Context:
    glue = {"acc": {"data": {"text/plain": "0.98765"}}, "n": {"data": {"text/plain": "42"}}}
    bib = {"kingma2015adam": {"short": "Kingma & Ba", "year": "2015", "full": "Kingma, Ba (2015). Adam."}}
    resolve = kw.pop("resolve", lambda role, target: f"[{role}:{target}]")
    return Context("chapters/part1/03_math", ROOT, glue, by_id(load_errata(ROOT)), bib, resolve)


def test_roles_become_text():
    ctx = _ctx()
    out = myst_to_markdown("准确率 {glue:text}`acc:.3f`，共 {glue:text}`n` 个 {cite:p}`kingma2015adam`。"
                           "见 {ref}`推导 <p1-x>` 与 {numref}`p1-fig`。", ctx)
    assert out == "准确率 0.988，共 42 个 （Kingma & Ba, 2015）。见 推导 与 [numref:p1-fig]。"
    assert ctx.cited == ["kingma2015adam"]
    with pytest.raises(KeyError, match="glue"):
        myst_to_markdown("{glue:text}`missing`", ctx)


def test_directives_become_markdown():
    ctx = _ctx()
    entry = load_errata(ROOT)[0]
    text = textwrap.dedent(f"""\
        (p1-label)=
        ## 标题

        ```{{erratum}} {entry.id}
        ```

        ```{{exercise}}
        :label: p1-ex-a
        算一算 $x$。
        ```

        ```{{literalinclude}} ../../_ext/book_notebooks.py
        :pyobject: read_bib
        ```
        """)
    out = myst_to_markdown(text, ctx)
    assert "(p1-label)=" not in out and "```{" not in out and "{erratum}" not in out
    assert f"> **勘误 · §{entry.section}**" in out
    assert "**练习 1**" in out and "算一算 $x$。" in out and ":label:" not in out
    assert "def read_bib(path: Path)" in out
    method = myst_to_markdown("```{literalinclude} ../../_ext/book_notebooks.py\n:pyobject: Context.__init__\n```", ctx)
    assert method.splitlines()[3].startswith("def __init__(self")  # dedented method source


def test_solutions_fold_into_details_and_references_are_listed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("```{exercise}\n:label: p1-ex-b\n题目 {cite:p}`kingma2015adam`\n```\n\n"
                                      "```{solution-start} p1-ex-b\n:class: dropdown\n```\n\n答案是 2。"),
        nbformat.v4.new_code_cell("x = 1 + 1\nassert x == 2"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n后文。"),
    ]
    sha = "0123456789abcdef0123456789abcdef01234567"
    out = convert_notebook(nb, _ctx(), repo="https://github.com/o/r", page_url=None, commit=sha)
    md = [c.source for c in out.cells if c.cell_type == "markdown"]
    code = [c.source for c in out.cells if c.cell_type == "code"]
    details = [m for m in md if m.startswith("<details>")]
    assert len(details) == 1 and "答案是 2。" in details[0] and "x = 1 + 1" in details[0]
    assert not any("x = 1 + 1" in c for c in code)  # the solution's code is folded, not a cell
    assert "后文。" in md and md[-1].startswith("## 参考文献") and "Adam" in md[-1]
    assert "google.colab" in code[0] and f"git+https://github.com/o/r@{sha}" in code[0]


def test_read_bib_gives_short_and_full_forms():
    bib = read_bib(ROOT / "references.bib")
    assert bib, "references.bib is empty"
    for key, entry in bib.items():
        assert entry["year"].isdigit(), key
        assert entry["short"] and entry["full"], key


def test_static_english_labels_become_chinese():
    from book_ui import fix_static_labels

    html = '<summary aria-label="Toggle hidden content"><p>显示代码</p></summary>'
    assert fix_static_labels(html) == '<summary aria-label="展开或收起"><p>显示代码</p></summary>'


# --- issue 28: print page, glossary, search terms, figures, interface --------------------------

def test_print_page_links_point_inside_the_print_page():
    from book_print import rewrite_links, shift_headings

    index = {"intro": 0, "chapters/part1/index": 1, "chapters/part1/03_math": 3, "appendix/errata": 9}
    html = ('<a href="#p1-adam">a</a> <a href="../../appendix/errata.html#errata-entry-p1-adam">b</a> '
            '<a href="04_project.html">c</a> <a href="index.html">d</a> <img src="../../_images/f.svg"> '
            '<a href="../../_notebooks/chapters/part1/03_math.ipynb">e</a> <a href="https://x.org/#y">f</a>')
    out = rewrite_links(html, "chapters/part1/03_math", index, 3)
    assert 'href="#p3-p1-adam"' in out                          # same page: prefixed like its id
    assert 'href="#p9-errata-entry-p1-adam"' in out              # another page of the book
    assert 'href="#p1"' in out                                   # a page without anchor: its top
    assert 'href="chapters/part1/04_project.html"' in out        # not in this build: from the root
    assert 'src="_images/f.svg"' in out and 'href="_notebooks/chapters/part1/03_math.ipynb"' in out
    assert 'href="https://x.org/#y"' in out
    assert shift_headings("<h1>t</h1><h5>u</h5>", 2) == "<h3>t</h3><h6>u</h6>"


def test_glossary_sorts_by_pinyin_and_shows_english_once():
    from book_glossary import glossary_lines, initial, load_glossary, pinyin_key

    entries = load_glossary(ROOT)
    keys = [pinyin_key(e["zh"]) for e in entries]
    assert keys == sorted(keys)
    order = [e["zh"] for e in entries]
    assert order.index("变换器") < order.index("词元") < order.index("交叉熵") < order.index("验证集")
    assert initial("交叉熵") == "J" and initial("Adam 优化器") == "A" and initial("F1 值") == "F"
    lines = glossary_lines(entries, set())
    for e in entries:
        assert sum(line.strip() == e["en"] for line in lines) <= 1
        assert not any(f"（{e['en']}）" in line for line in lines), e["en"]
    text = (ROOT / "appendix" / "glossary.md").read_text(encoding="utf-8")
    assert "{term}" not in text and "glossary.yml" not in text


def test_every_glossary_term_goes_into_the_search_dictionary():
    from book_cjk import book_terms, glossary_search_terms

    terms = set(book_terms(ROOT))
    words = glossary_search_terms(ROOT)
    assert "困惑度" in words and "优化器" in words and "Adam 优化器" not in words
    assert set(words) <= terms
    assert all(" " not in w for w in terms)  # jieba's dictionary format: one word a line


def test_figure_min_width_keeps_the_smallest_text_readable():
    from book_ui import readable_width

    svg = ('<svg width="742.8pt" viewBox="0 0 742.8 254.6">'
           '<g transform="translate(1 2) scale(0.1 -0.1)"></g><g transform="translate(1 2) scale(0.12 -0.12)"></g></svg>')
    # smallest text 10 pt in a 742.8-pt-wide figure: 10 px tall when shown 742.8 px wide
    assert readable_width(svg, 10) == 743
    assert readable_width(svg, 20) == round(742.8 * 4 / 3)  # never wider than the natural size
    assert readable_width("<svg viewBox='0 0 10 10'></svg>") is None


def test_pdf_menu_entry_and_chinese_attributes():
    from book_ui import add_pdf_link, fix_static_attributes

    page = ('<div class="dropdown dropdown-download-buttons"><button></button>\n<ul class="dropdown-menu">'
            '<li>x</li></ul></div><input placeholder="Search this book..." aria-label="Search this book...">'
            '<button title="Toggle primary sidebar" aria-label="Main"></button>')
    out = fix_static_attributes(add_pdf_link(page, 2))
    assert 'href="../../book.pdf"' in out and out.count("book-pdf-link") == 1
    assert add_pdf_link(out, 2) == out
    assert "Search this book" not in out and "Toggle primary" not in out and 'aria-label="Main"' not in out


def test_errata_table_names_chapters_with_their_numbers():
    from book_errata import chapter_title

    title = chapter_title(ROOT, "chapters/part5/03_math")
    assert title.startswith("5.3 ") and "交叉熵" in title


class _AnyGlue(dict):
    """Every glue name has a value (a test without the build's execution records)."""

    def get(self, key, default=None):
        return {"data": {"text/plain": "1"}}


def test_every_chapter_converts_to_plain_jupyter_markdown():
    """The regex MyST parser over the real chapters, read by myst-nb's reader (the build's):
    no directive fence, role, label or solution marker is left in any Markdown cell, every code
    cell survives with its source, and the notebook is valid nbformat."""
    import re

    from book_notebooks import read_chapter
    from chapter_runner import _myst_extensions

    ext = _myst_extensions()
    left = re.compile(r"^\s*[`:]{3,}\{|\{[a-z][\w:-]*\}`|^\([\w:.-]+\)=\s*$", re.M)
    chapters = sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md"))
    assert len(chapters) > 20
    for md in chapters:
        docname = str(md.relative_to(ROOT).with_suffix(""))
        nb = read_chapter(md, ext)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        ctx = Context(docname, ROOT, _AnyGlue(), by_id(load_errata(ROOT)), read_bib(ROOT / "references.bib"),
                      lambda role, target: target)
        out = convert_notebook(nb, ctx, repo="https://example.invalid/r", page_url=None, commit="0" * 40)
        nbformat.validate(out)
        for cell in out.cells:
            if cell.cell_type == "markdown":
                hit = left.search(cell.source)
                assert hit is None, f"{docname}: MyST left in a Markdown cell: {cell.source[hit.start():][:80]!r}"
        kept = [c.source for c in out.cells if c.cell_type == "code"][1:]     # after the Colab cell
        solutions = "\n".join(c.source for c in out.cells if c.cell_type == "markdown")
        assert all(src in kept or src in solutions for src in code), docname


def test_book_runtime_stays_until_upstream_exec_table_takes_labels():
    """Why ``{book-runtime}`` (_ext/book_env.py) and not myst-nb's ``{nb-exec-table}``: the
    upstream directive takes no options, its English headers and ✅/❌ status live in a private
    module dict (translating means patching ``_key2header``), and it adds two columns readers
    don't need (modified, method). Both read the same records (NbMetadataCollector). When an
    upgrade gives the directive options, this fails: then use it with Chinese labels."""
    from myst_nb.ext import execution_tables as upstream

    assert not getattr(upstream.ExecutionStatsTable, "option_spec", None)
    assert list(upstream._key2header) == ["mtime", "method", "runtime", "succeeded"]
    from book_env import _table

    table = _table(["章节", "运行时间（秒）", "状态"], [["a", "1.0", "通过"], ["合计", "1.0", ""]], [60, 20, 20])
    assert [e.astext() for e in table.findall(lambda n: n.tagname == "entry")][:3] == ["章节", "运行时间（秒）", "状态"]
    assert table.astext().count("合计") == 1
