"""ruff (pinned in requirements.txt) on the code: the package, the build extensions, the tests and
tools with the rules in pyproject.toml, and the chapters' code cells with pyflakes' rules (unused
imports and names, undefined names), as extracted by tools/extract_cells.py."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise"]


def test_ruff_on_the_code():
    run = subprocess.run(RUFF + ["book", "_ext", "tests", "tools"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_ruff_on_the_chapters_code_cells(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "tools"))
    from extract_cells import extract

    files = extract(tmp_path)
    assert len(files) >= 30
    # a notebook's cells are one module: pyflakes' rules apply; a bare last expression is display
    run = subprocess.run(RUFF + ["--isolated", "--select", "F,E9", "--line-length", "200"] + [str(f) for f in files],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:]


def test_extract_cells_skips_cell_metadata(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "tools"))
    from extract_cells import code_cells

    md = tmp_path / "x.md"
    md.write_text("# t\n\n```{code-cell} ipython3\n---\ntags: [hide-input]\n---\nx = 1\n```\n\n"
                  "```{code-cell} ipython3\ny = x + 1\n```\n", encoding="utf-8")
    assert code_cells(md) == [(7, "x = 1"), (11, "y = x + 1")]


def glued_names(md: Path) -> list[str]:
    """Every name a chapter's code cells glue (book.glue("name", …), book.glue_many(name=…)), in order."""
    import ast

    sys.path.insert(0, str(ROOT / "tools"))
    from extract_cells import code_cells

    names = []
    for _, src in code_cells(md):
        try:
            tree = ast.parse(src)
        except SyntaxError:  # a cell with IPython syntax: nothing to read here
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.value.id == "book":
                if node.func.attr == "glue" and node.args and isinstance(node.args[0], ast.Constant):
                    names.append(node.args[0].value)
                elif node.func.attr == "glue_many":
                    names.extend(k.arg for k in node.keywords if k.arg and k.arg != "measured")
    return names


def test_each_glued_name_is_glued_once_per_chapter():
    """One name, one number: a name glued twice shows the later value wherever the prose cites the
    earlier one (Part I 04 glued a timing ratio and a loss ratio under one name)."""
    from collections import Counter

    problems = []
    for md in sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md")):
        twice = [n for n, k in Counter(glued_names(md)).items() if k > 1]
        if twice:
            problems.append(f"{md.relative_to(ROOT)}: {twice}")
    assert not problems, problems


def test_glued_names_sees_both_ways_of_glueing(tmp_path: Path):
    md = tmp_path / "x.md"
    md.write_text("```{code-cell} ipython3\nbook.glue(\"a\", 1)\nbook.glue_many(b=2, a=3, measured=True)\n```\n",
                  encoding="utf-8")
    assert glued_names(md) == ["a", "b", "a"]


def test_every_glossary_term_is_linked_at_its_first_use():
    """tools/link_terms.py --check: each chapter links each glossary term where it first uses it."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "link_terms.py"), "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
