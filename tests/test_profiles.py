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

import time
from pathlib import Path

import pytest

from chapter_runner import execute

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ["bf16_fast", "bf16_slow", "gpu_like"]
#: chapter → the profiles whose branches it has (a chapter that times no bf16 runs only gpu_like)
MEASURING = {"part1/04_project": ["gpu_like"], "part3/01_unit_economics": PROFILES, "part3/02_architectures": ["gpu_like"],
             "part5/05_applications": ["gpu_like"], "part6/04_serving": ["gpu_like"]}
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


# --- the process-wide clock (Part I 04 times TensorFlow, which computes in its own threads) ----

def test_process_clock_counts_work_in_other_threads():
    import threading

    from book import timing

    def spin_in_a_worker():
        def burn():
            t_end = time.thread_time() + 0.2
            while time.thread_time() < t_end:
                pass
        worker = threading.Thread(target=burn)
        worker.start()
        worker.join()

    _, t_process = timing.timed(spin_in_a_worker, device="cpu", clock="process")
    assert t_process > 0.15  # the worker's 0.2 s of CPU time is on the process clock
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # "auto" on one thread (as book.start sets it): the thread's clock
    try:
        _, t_auto = timing.timed(spin_in_a_worker, device="cpu")
    finally:
        torch.set_num_threads(threads)
    assert t_auto < 0.1  # misses the worker's 0.2 s


def test_clock_choice_and_bad_clocks(monkeypatch):
    from book import timing

    calls = []
    for name in ("_clock", "_cpu_clock", "_process_clock"):
        monkeypatch.setattr(timing, name, lambda name=name: calls.append(name) or float(len(calls)))
    timing.timed(lambda: None, device="cpu", clock="process")
    timing.timed(lambda: None, device="cpu", clock="wall")
    assert calls == ["_process_clock"] * 2 + ["_clock"] * 2
    calls.clear()
    assert timing.median_seconds(lambda: None, repeats=3, warmup=0, device="cpu", clock="process") == 1.0
    assert set(calls) == {"_process_clock"}
    for bad in ("thread", "", None, 1):
        with pytest.raises(ValueError, match="clock"):
            timing.timed(lambda: None, clock=bad)
        with pytest.raises(ValueError, match="clock"):
            timing.median_seconds(lambda: None, clock=bad)


def test_gpu_like_fakes_the_process_clock_too(monkeypatch):
    from book import timing

    ticks = iter([0.0, 2.0])
    monkeypatch.setattr(timing, "_process_clock", lambda: next(ticks))
    monkeypatch.setenv("BOOK_MEASURE_PROFILE", "gpu_like")
    _, t = timing.timed(lambda: None, device="cpu", clock="process")
    assert t == pytest.approx(timing.LAUNCH_SECONDS + 2.0 / timing.GPU_SPEEDUP)
