"""The measuring chapters under faked measurement profiles (issue 19 §3).

A sentence about a measured time must read true on every machine. ``book.timing`` can report
the times of another kind of machine (``BOOK_MEASURE_PROFILE``, see its module docstring):
``bf16_fast`` (bf16 matmul 4x faster than fp32), ``bf16_slow`` (4x slower, a CPU without bf16
instructions) and ``gpu_like`` (every time nearly flat in problem size, as a launch-bound GPU).
Each measuring chapter is executed once per profile with ``tests/chapter_runner.execute``
(which copies ``os.environ`` into the kernel), so that every branch of its measured sentences
runs and every assert is shown to hold on those machines too. The plain executions (profile
unset) are in ``test_chapters.py``.

A chapter belongs in ``MEASURING`` once every timing it makes goes through ``book.timing``
(or the ``book.cost`` re-exports) and it passes under all profiles.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chapter_runner import execute

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ["bf16_fast", "bf16_slow", "gpu_like"]
#: chapter → the profiles whose branches it has (a chapter that times no bf16 runs only gpu_like)
MEASURING = {"part3/01_unit_economics": PROFILES, "part3/02_architectures": ["gpu_like"],
             "part6/04_serving": ["gpu_like"]}
CASES = [(chapter, profile) for chapter, profiles in MEASURING.items() for profile in profiles]


@pytest.mark.parametrize(("chapter", "profile"), CASES, ids=[f"{c}-{p}" for c, p in CASES])
def test_chapter_under_profile(chapter, profile, tmp_path, monkeypatch):
    monkeypatch.setenv("BOOK_MEASURE_PROFILE", profile)
    monkeypatch.delenv("BOOK_SEED_OFFSET", raising=False)
    record = execute(ROOT / "chapters" / f"{chapter}.md", tmp_path)
    assert record["ok"], f"{chapter} under BOOK_MEASURE_PROFILE={profile} failed:\n{record['error']}"


def test_profiles_are_the_ones_book_timing_knows():
    from book import timing
    assert set(PROFILES) == set(timing.PROFILES) - {""}
