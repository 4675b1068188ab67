"""One test per chapter: the MyST notebook runs cleanly, its asserts hold, it writes nothing to
stderr, warns nothing and reaches no network (tests/chapter_runner.py). Each chapter runs once
per test run; the book build of the same run renders that execution."""
from __future__ import annotations

from pathlib import Path

import pytest

from chapter_runner import ensure_chapter
from conftest import CHAPTERS, run_dir

# A chapter must run in well under a minute alone on the 2-core machine (measured: the
# appendix's performance record). Under `pytest -n 2`, two chapters share the cores, so the
# ceiling here is looser; it catches a chapter that has grown far too slow.
CEILING_S = 150


def test_there_are_chapters():
    assert len(CHAPTERS) >= 5, CHAPTERS


@pytest.mark.parametrize("md", CHAPTERS, ids=[f"{p.parent.name}/{p.stem}" for p in CHAPTERS])
def test_chapter(md: Path, request):
    record = ensure_chapter(md, run_dir(request.config))
    assert record["ok"], f"{md.name} failed:\n{record['error']}"
    assert record["seconds"] < CEILING_S, f"{md.name} took {record['seconds']:.0f} s"
