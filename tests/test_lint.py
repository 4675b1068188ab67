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
