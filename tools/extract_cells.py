"""Write the code cells of every chapter as one Python file a chapter, for the tools that read
only source files: `duplicates` (copied code across chapters and book/) and `ruff`
(tests/test_lint.py).

    python tools/extract_cells.py /tmp/cells && duplicates --repo /tmp/cells

Each output line keeps its chapter line number in a trailing comment-free mapping: the file
``partN__NN_x.py`` has the cells in order, separated by ``# %% line K`` markers (K = the line of
the chapter where the cell starts), so a finding at line L is found in the chapter near the
marker above it. Solution cells are included: they run in the build too.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def code_cells(md: Path) -> list[tuple[int, str]]:
    """(first line, source) of each ``{code-cell}`` of a chapter, without its ``---`` metadata."""
    lines, cells, current, start = md.read_text(encoding="utf-8").splitlines(), [], None, 0
    for i, line in enumerate(lines, 1):
        if current is None and line.startswith("```{code-cell}"):
            current, start = [], i + 1
        elif current is not None and line.startswith("```"):
            if current and current[0].strip() == "---":  # the cell's YAML metadata block
                end = current.index("---", 1) if "---" in current[1:] else 0
                start += end + 1
                current = current[end + 1:]
            cells.append((start, "\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return cells


def extract(out: Path, chapters: list[Path] | None = None) -> list[Path]:
    """Write one ``.py`` per chapter into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for md in chapters or sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md")):
        body = [f"# %% line {start}\n{src}\n" for start, src in code_cells(md)]
        target = out / f"{md.parent.name}__{md.stem}.py"
        target.write_text("\n".join(body), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("用法：python tools/extract_cells.py 输出目录")
    files = extract(Path(sys.argv[1]))
    print(f"{len(files)} 章的代码格写入 {sys.argv[1]}")
