"""tools/glue_dump.py: a chapter's glued values dumped through the tests' runner, and compared."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import glue_dump  # noqa: E402
from conftest import tiny_chapter  # noqa: E402



def _dump(values: dict, measured=(), offset="0") -> dict:
    return {"chapter": "c.md", "seed_offset": offset, "values": values, "measured": sorted(measured)}


def test_compare_equal_dumps_and_skips_measured():
    a = _dump({"p9_x": 0.1 + 0.2, "p9_t": 1.0, "p9_s": "文本", "p9_nan": float("nan")}, ["p9_t"])
    b = _dump({"p9_x": 0.30000000000000004, "p9_t": 2.5, "p9_s": "文本", "p9_nan": float("nan")}, ["p9_t"])
    assert glue_dump.compare(a, b) == []


@pytest.mark.parametrize("after, word", [
    ({"p9_x": 0.3}, "p9_x: 0.30000000000000004 -> 0.3"),   # floats compare exactly
    ({"p9_x": 0.30000000000000004, "p9_y": 1}, "only after"),
    ({}, "only before"),
])
def test_compare_reports_every_difference(after, word):
    diffs = glue_dump.compare(_dump({"p9_x": 0.1 + 0.2}), _dump(after))
    assert len(diffs) >= 1 and any(word in d for d in diffs)


def test_compare_types_and_offsets():
    assert glue_dump.compare(_dump({"p9_n": 1}), _dump({"p9_n": 1.0})) == ["p9_n: 1 -> 1.0"]
    assert glue_dump.compare(_dump({"p9_l": [1, 2]}), _dump({"p9_l": [1, 2]})) == []
    assert "seed_offset" in glue_dump.compare(_dump({}, offset="0"), _dump({}, offset="1000"))[0]


def test_dump_runs_a_chapter_through_the_tests_runner(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOK_SEED_OFFSET", raising=False)
    md = tiny_chapter(tmp_path, "01_a.md", "import book\n"
                      "book.glue('p9_a', 0.1 + 0.2)\nbook.glue_many(p9_n=3, p9_s='二')\n"
                      "book.glue('p9_t', 1.5, measured=True)")
    out = tmp_path / "dump.json"
    result = glue_dump.dump(md, out)
    assert json.loads(out.read_text(encoding="utf-8")) == result
    assert result["values"] == {"p9_a": 0.30000000000000004, "p9_n": 3, "p9_s": "二", "p9_t": 1.5}
    assert result["measured"] == ["p9_t"] and result["seed_offset"] == "0"
    assert glue_dump.chapter_runner.PROBE_END.lstrip().startswith("assert")   # restored
    assert glue_dump.main(["--compare", str(out), str(out)]) == 0
    # a failing chapter has no numbers: an error, not a dump
    md = tiny_chapter(tmp_path, "01_a.md", "assert False, 'boom'")
    with pytest.raises(RuntimeError, match="boom"):
        glue_dump.dump(md, tmp_path / "fail.json")
