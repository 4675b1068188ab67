"""The performance record (`python tools/bench.py`): chapters found, run, timed, merged."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import bench  # noqa: E402
from conftest import tiny_chapter as _chapter  # noqa: E402

def test_chapters_lists_numbered_chapter_files_only(tmp_path):
    _chapter(tmp_path, "01_a.md", "x = 1")
    _chapter(tmp_path, "02_b.md", "x = 2")
    (tmp_path / "chapters" / "part9" / "index.md").write_text("# 索引\n", encoding="utf-8")
    found = bench.chapters(tmp_path)
    assert [p.name for p in found] == ["01_a.md", "02_b.md"]
    assert [p.name for p in bench.chapters(tmp_path, "02_")] == ["02_b.md"]


def test_run_all_records_pass_fail_and_update_merges(tmp_path):
    good = _chapter(tmp_path, "01_good.md", "assert 1 + 1 == 2")
    bad = _chapter(tmp_path, "02_bad.md", "assert 1 + 1 == 3, '算错了'")
    out = tmp_path / "results.json"
    record = bench.run_all([good, bad], out, timeout=120)
    assert json.loads(out.read_text(encoding="utf-8")) == record
    rows = {Path(r["chapter"]).name: r for r in record["chapters"]}
    assert rows["01_good.md"]["passed"] and rows["01_good.md"]["wall_s"] > 0
    assert not rows["02_bad.md"]["passed"] and "算错了" in rows["02_bad.md"]["error"]
    assert "\x1b" not in rows["02_bad.md"]["error"]           # no terminal colours in the record
    assert record["machine"]["cores"] >= 1 and record["machine"]["matmul_gflops_fp32"] > 0

    bad.write_text(bad.read_text(encoding="utf-8").replace("== 3", "== 2"), encoding="utf-8")
    merged = bench.run_all([bad], out, timeout=120, update=True)
    rows = {Path(r["chapter"]).name: r for r in merged["chapters"]}
    assert set(rows) == {"01_good.md", "02_bad.md"} and rows["02_bad.md"]["passed"]


def test_run_all_rejects_no_chapters_and_update_without_record(tmp_path):
    with pytest.raises(ValueError, match="没有找到"):
        bench.run_all([], tmp_path / "r.json")
    md = _chapter(tmp_path, "01_a.md", "x = 1")
    with pytest.raises(ValueError, match="--update"):
        bench.run_all([md], tmp_path / "missing.json", update=True)
