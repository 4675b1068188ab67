"""The article's list of applications (§6.1–6.50) as data: de-duplicated, categorised, checked.

Defined for chapter ``chapters/part2/05_applications``. The data live in
``book/part2/applications.yml`` (one row per application area); this module
loads them into a ``pandas.DataFrame`` and checks that they are consistent.
"""
from __future__ import annotations

import re
from pathlib import Path

__all__ = ["STATUSES", "load_applications"]

STATUSES = ("已核实", "已更正", "无法核实")
_FIELDS = ("area", "category", "sections", "example", "status", "note", "source", "searched")
DATA = Path(__file__).with_name("applications.yml")
# note 中出现这些词，说明这一行有一部分没有核实：这时也要有 searched 记录
_UNCHECKED = ("没有找到", "没有查", "找不到", "未检索", "无法核实", "未能核实")
# 每一条来源（用“；”分隔）都要能查到：写出网址、DOI 或 arXiv 编号
_LOCATOR = re.compile(r"https?://|doi:|arXiv:")


def load_applications(path: str | Path = DATA, *, n_sections: int = 50):
    """Load the table and check it: every field present, a known status, a source for every
    verified or corrected row (a source itself, not a pointer such as “同上”), a URL, DOI or arXiv
    number in every source item (items are separated by “；”), a record of what was
    searched for every row marked 无法核实, and every article section ``6.1`` … ``6.{n_sections}``
    listed exactly once. Adds ``n_sections`` and ``partial`` (the note says part of the row was not
    found or not searched)."""
    import pandas as pd
    import yaml

    rows = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{path} 应是非空的列表")
    for i, r in enumerate(rows):
        missing = [f for f in _FIELDS if f not in r]
        if missing:
            raise ValueError(f"第 {i + 1} 行缺少字段 {missing}")
        if r["status"] not in STATUSES:
            raise ValueError(f"第 {i + 1} 行（{r['area']}）的 status {r['status']!r} 不在 {STATUSES} 中")
        if r["status"] != "无法核实" and not str(r["source"]).strip():
            raise ValueError(f"第 {i + 1} 行（{r['area']}）标为{r['status']}，却没有 source")
        if str(r["source"]).strip().startswith(("同上", "见上")):
            raise ValueError(f"第 {i + 1} 行（{r['area']}）的 source 只写了{str(r['source'])[:2]}：要写出处本身")
        unlocated = [s for s in str(r["source"]).split("；") if s.strip() and not _LOCATOR.search(s)]
        if unlocated:
            raise ValueError(f"第 {i + 1} 行（{r['area']}）的来源没有网址、DOI 或 arXiv 编号：{unlocated[0][:40]}")
        partial = any(w in str(r["note"]) for w in _UNCHECKED)
        if partial and not str(r["searched"]).strip():
            raise ValueError(f"第 {i + 1} 行（{r['area']}）的 note 说有部分没有找到或未检索，却没有 searched")
        if r["status"] == "无法核实" and not str(r["searched"]).strip():
            raise ValueError(f"第 {i + 1} 行（{r['area']}）标为无法核实，却没有 searched（查过什么、结果如何）")
    sections = [s for r in rows for s in r["sections"]]
    dup = sorted({s for s in sections if sections.count(s) > 1})
    if dup:
        raise ValueError(f"这些小节出现在不止一行：{dup}")
    want = {f"6.{i}" for i in range(1, n_sections + 1)}
    if set(sections) != want:
        raise ValueError(f"小节不全或多余：缺 {sorted(want - set(sections))}，多 {sorted(set(sections) - want)}")
    df = pd.DataFrame(rows, columns=list(_FIELDS))
    df["n_sections"] = df["sections"].map(len)
    df["partial"] = df["note"].map(lambda s: any(w in str(s) for w in _UNCHECKED))  # 有一部分没有核实
    return df
