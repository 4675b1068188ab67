"""tools/code_width.py: the source-side count of shown code lines wider than the code box."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import tiny_chapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import code_width  # noqa: E402

LONG = "x = " + "1 + " * 30 + "1"  # 126 columns
assert len(LONG) > 80


def _reader_columns():
    """``_columns`` of tests/test_reader.py, loaded without running its build fixture."""
    spec = importlib.util.spec_from_file_location("reader_for_columns", ROOT / "tests" / "test_reader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._columns


@pytest.mark.parametrize("text", ["", "abc", "x = 1  # 中文注释", "“引号”，全角：ＡＢ", "한국어 かな ½ é", "\t tab"])
def test_columns_agree_with_the_reader_test(text):
    assert code_width._columns(text) == _reader_columns()(text)


def test_reader_settings_are_read_from_the_reader_test(tmp_path):
    columns, allowance = code_width.reader_settings()
    assert columns == 80 and isinstance(allowance, dict)  # empty once no page has debt
    assert all(k.startswith("chapters/part") and v > 0 for k, v in allowance.items())
    fake = tmp_path / "test_reader.py"
    fake.write_text('CODE_COLUMNS = 72  # columns\n'
                    'LONG_CODE_LINES: dict[str, int] = {"chapters/part1/01_x": 3}\n',
                    encoding="utf-8")
    assert code_width.reader_settings(fake) == (72, {"chapters/part1/01_x": 3})


def test_counts_what_the_page_shows(tmp_path):
    (tmp_path / "mod.py").write_text(
        "import functools\n\n\n@functools.cache\ndef shown():\n"
        f"    {LONG}\n    return x\n\n\ndef other():\n    {LONG}\n",
        encoding="utf-8")
    md = tiny_chapter(tmp_path, "01_t.md", f"{LONG}\ny = 1")
    cjk = "z = 1  # " + "中" * 36  # 9 + 72 = 81 columns, 45 characters
    assert len(cjk) <= 80 and code_width._columns(cjk) == 81
    md.write_text(md.read_text(encoding="utf-8") + (
        "\n```{code-cell} ipython3\n:tags: [remove-input]\n" f"{LONG}\n```\n"
        "\n```{code-cell} ipython3\n---\ntags: [hide-input]\n---\n" f"{LONG}  # hidden\n```\n"
        "\n```{literalinclude} ../../mod.py\n:pyobject: shown\n```\n"
        "\n```text\n" f"{LONG}\n```\n"
        "\n````{exercise}\n:label: t\n```python\n" f"{cjk}\n```\n````\n"),
        encoding="utf-8")
    long = code_width.long_lines(md)
    texts = [s.text for s in long]
    # the plain cell, the hide-input cell, the included object, the CJK line; not the
    # remove-input cell, not the ``text`` fence, not the object that is not included
    assert texts == [LONG, f"{LONG}  # hidden", f"    {LONG}", cjk]
    assert long[0].md_line == md.read_text(encoding="utf-8").splitlines().index(LONG) + 1
    assert long[2].source.endswith("mod.py") and long[2].lineno == 6
    assert [n for n, _ in code_width.included_lines(tmp_path / "mod.py", {"pyobject": "shown"})] == [4, 5, 6, 7]


def test_main_reports_a_page_over_its_allowance(tmp_path, capsys):
    md = tiny_chapter(tmp_path, "01_t.md", LONG)
    assert code_width.main([str(md), "--list"]) == 1  # chapters/part9/01_t is allowed none
    out = capsys.readouterr().out
    line = md.read_text(encoding="utf-8").splitlines().index(LONG) + 1
    assert "chapters/part9/01_t" in out and f"01_t.md:{line}: [{len(LONG)}] {LONG}" in out


def test_included_lines_agree_with_sphinx():
    """Every ``{literalinclude}`` of the chapters: the lines this tool reads are the lines
    Sphinx's own reader includes (pyobject, start-after, end-before, dedent)."""
    code = pytest.importorskip("sphinx.directives.code")

    class Config:
        source_encoding = "utf-8"

    checked = 0
    for md in sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md")):
        lines = md.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("```{literalinclude}"):
                continue
            body = []
            for s in lines[i + 1:]:
                if s.startswith("```"):
                    break
                body.append(s)
            options, _, _ = code_width._split_options(body)
            path = (md.parent / line.split("}", 1)[1].strip()).resolve()
            sphinx_options = {k: (int(v) if k == "dedent" and v else v or None) for k, v in options.items()}
            text, _ = code.LiteralIncludeReader(str(path), sphinx_options, Config()).read()
            assert [s for _, s in code_width.included_lines(path, options)] == text.splitlines(), (md, i)
            checked += 1
    assert checked > 0


def test_erratum_boxes_show_the_code_of_their_entry(tmp_path):
    yml = tmp_path / "errata" / "part9_01.yml"
    yml.parent.mkdir()
    yml.write_text(f"- id: t-e\n  claim: |\n    ```python\n    {LONG}\n    ```\n"
                   f"  correction: |\n    改正。\n    ```text\n    {LONG}\n    ```\n", encoding="utf-8")
    md = tiny_chapter(tmp_path, "01_t.md", "y = 1")
    md.write_text(md.read_text(encoding="utf-8") + "\n```{erratum} t-e\n```\n", encoding="utf-8")
    long = code_width.long_lines(md, errata=code_width.errata_entries(tmp_path))
    # the claim's python fence is shown in the box; the correction's text fence is not counted
    assert [(s.text, s.lineno) for s in long] == [(LONG, 4)]
    assert code_width.long_lines(md, errata={}) == []
