"""全书唯一的计时代码：``timed``、``median_seconds``、``measure_matmul_flops``，以及测试用的“假测量画像”。

The book's one timing harness (moved out of :mod:`book.cost`, which re-exports the three
names so that ``book.cost.median_seconds`` etc. keep working). Part III's throughput
measurements, Part VI's serving chapter, the training timings and ``python tools/bench.py``
all time through these functions, so their numbers are measured the same way.

Clock: CUDA is synchronised before and after each timed call. On a CPU with PyTorch limited
to one thread (``torch.get_num_threads() == 1``, as ``book.start`` sets it) the clock is the
calling thread's CPU time, so other programs competing for the cores do not inflate it;
otherwise it is wall-clock time. ``clock="process"`` (for :func:`timed` and
:func:`median_seconds`) uses the CPU time of the whole process instead, all threads summed:
the right clock for work that runs in a library's own worker threads (TensorFlow/Keras), which
the calling thread's clock does not see and which the other programs on a shared machine would
inflate on the wall clock. ``clock="wall"`` forces wall-clock time.

Faked measurement profiles (测量画像)
-------------------------------------
A sentence about a measured time must read true on every machine the book supports. To
execute every branch of such a sentence in CI on one CPU, the environment variable
``BOOK_MEASURE_PROFILE`` makes the timing functions report the times of another kind of
machine. Readers never set it; ``tests/test_profiles.py`` does.

* unset or ``""`` — real measurements (the default).
* ``"bf16_fast"`` — a CPU/GPU with fast low-precision units (e.g. ``avx512_bf16``, AMX,
  tensor cores): :func:`measure_matmul_flops` with ``dtype`` bfloat16 or float16 times the
  same product in float32 and divides the time by :data:`BF16_SPEEDUP` (= 4), so bf16 is
  about 4× faster than fp32. Other timings are real.
* ``"bf16_slow"`` — a CPU without bf16 instructions: the same, but the low-precision product
  is reported :data:`BF16_SPEEDUP` times *slower* than fp32.
* ``"gpu_like"`` — a launch-bound GPU running the book's small models: every time measured by
  :func:`timed` (and so by :func:`median_seconds` and :func:`measure_matmul_flops`) becomes
  ``LAUNCH_SECONDS + real / GPU_SPEEDUP`` (50 µs + real time / 10⁵), i.e. nearly flat in problem size,
  batch and sequence length; ratios of two times are close to 1 (for any job below ~1 s
  of real time the variable part is under 20 % of the total).

:func:`profile` returns the active profile name (``""`` when unset); an unknown value raises
``ValueError``. The chapters never branch on the profile: they branch on what was measured.
"""
from __future__ import annotations

import os
import statistics
import time
from typing import Any, Callable

from ._checks import check_positive_int

__all__ = ["BF16_SPEEDUP", "CLOCKS", "GPU_SPEEDUP", "LAUNCH_SECONDS", "PROFILES", "measure_matmul_flops",
           "median_seconds", "profile", "timed"]

# Module attributes so that the tests can replace the clocks. On a CPU running one thread the
# timer is the thread's CPU time: other processes sharing the cores do not inflate it.
_clock = time.perf_counter
_cpu_clock = time.thread_time
_process_clock = time.process_time

CLOCKS = ("auto", "process", "wall")

PROFILES = ("", "bf16_fast", "bf16_slow", "gpu_like")
BF16_SPEEDUP = 4.0        # bf16_fast: low-precision matmul this many times faster than fp32
LAUNCH_SECONDS = 5e-5     # gpu_like: fixed cost of one timed call (kernel launches + sync)
GPU_SPEEDUP = 1e5         # gpu_like: how much faster than this machine the variable part runs


def profile() -> str:
    """当前的假测量画像：``BOOK_MEASURE_PROFILE`` 的值（未设置时为 ``""``）。

    The active faked measurement profile (see the module docstring); unknown values raise ``ValueError``.
    """
    p = os.environ.get("BOOK_MEASURE_PROFILE", "").strip()
    if p not in PROFILES:
        raise ValueError(f"BOOK_MEASURE_PROFILE（测量画像）应为 {', '.join(repr(x) for x in PROFILES)} 之一，收到 {p!r}")
    return p


def _fake(seconds: float) -> float:
    """The time the active profile reports for a call that really took ``seconds``."""
    if profile() == "gpu_like":
        return LAUNCH_SECONDS + seconds / GPU_SPEEDUP
    return seconds


def _check_clock(clock: Any) -> str:
    if clock not in CLOCKS:
        raise ValueError(f"clock（计时钟）应为 {', '.join(repr(c) for c in CLOCKS)} 之一，收到 {clock!r}")
    return clock


def _clock_for(device: Any, which: str = "auto"):
    """The clock and the synchronisation for timing work on ``device`` (see :func:`median_seconds`)."""
    import torch

    from .device import torch_device

    dev = torch_device() if device is None else torch.device(device)
    if which == "process":
        clock = _process_clock
    elif which == "wall":
        clock = _clock
    else:
        clock = _cpu_clock if dev.type == "cpu" and torch.get_num_threads() == 1 else _clock

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    return clock, sync


def timed(fn: Callable[[], Any], *, device: Any = None, clock: str = "auto") -> tuple[Any, float]:
    """运行一次 ``fn()``，返回 ``(结果, 秒数)``；计时方式与 :func:`median_seconds` 相同。

    ``clock="process"`` 计整个进程（所有线程）的 CPU 时间，适合 TensorFlow/Keras 这类在
    自己的工作线程里计算的库；``"wall"`` 计墙上时间；默认 ``"auto"`` 见模块说明。

    Run ``fn()`` once; return its result and the seconds it took, timed as :func:`median_seconds`
    times (so a training run's samples per second is measured like the benchmark's FLOP/s).
    Under ``BOOK_MEASURE_PROFILE=gpu_like`` the seconds are faked (module docstring), whatever the clock.
    """
    if not callable(fn):
        raise ValueError(f"fn 应为可调用对象（不带参数的函数），收到 {fn!r}")
    clock, sync = _clock_for(device, _check_clock(clock))
    sync()
    t0 = clock()
    result = fn()
    sync()
    return result, _fake(clock() - t0)


def median_seconds(fn: Callable[[], Any], *, repeats: int = 7, warmup: int = 1, device: Any = None,
                   clock: str = "auto") -> float:
    """``fn()`` 的中位耗时（秒）：先不计时地运行 ``warmup`` 次，再计时 ``repeats`` 次取中位数。

    Median time of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed calls, each timed
    by :func:`timed` with the same ``clock`` (so the faked profiles apply).
    """
    if not callable(fn):
        raise ValueError(f"fn 应为可调用对象（不带参数的函数），收到 {fn!r}")
    _check_clock(clock)
    repeats = check_positive_int("repeats（重复次数）", repeats)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup（热身次数）应为非负整数，收到 {warmup!r}")
    for _ in range(warmup):
        fn()
    return float(statistics.median(timed(fn, device=device, clock=clock)[1] for _ in range(repeats)))


def measure_matmul_flops(n: int = 512, *, dtype: Any = None, device: Any = None, repeats: int = 10) -> float:
    """实测一次 ``n×n @ n×n`` 矩阵乘法（``2·n³`` 次运算）的 FLOP/s。

    Measured FLOP/s of one ``n×n @ n×n`` matmul. ``dtype`` defaults to ``torch.float32``;
    ``device`` to :func:`book.torch_device` (the GPU when there is one). Two warm-up
    products, then the median time over ``repeats`` products (:func:`median_seconds`).
    Under ``BOOK_MEASURE_PROFILE=bf16_fast`` (``bf16_slow``) a bfloat16/float16 product is
    timed in float32 and reported :data:`BF16_SPEEDUP` times faster (slower); module docstring.
    """
    import torch

    from .device import torch_device

    n = check_positive_int("n（矩阵边长）", n)
    repeats = check_positive_int("repeats（重复次数）", repeats)
    dtype = torch.float32 if dtype is None else dtype
    if not isinstance(dtype, torch.dtype) or not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"dtype 应为 torch 的浮点类型（如 torch.float32、torch.bfloat16），收到 {dtype!r}")
    dev = torch_device() if device is None else torch.device(device)
    low = dtype in (torch.bfloat16, torch.float16)
    speedup = 1.0
    if low and profile() in ("bf16_fast", "bf16_slow"):
        dtype, speedup = torch.float32, (BF16_SPEEDUP if profile() == "bf16_fast" else 1 / BF16_SPEEDUP)
    a = torch.randn(n, n, device=dev).to(dtype)
    b = torch.randn(n, n, device=dev).to(dtype)

    t = median_seconds(lambda: a @ b, repeats=repeats, warmup=2, device=dev) / speedup
    if t <= 0:
        raise RuntimeError("计时结果为 0：矩阵太小，请增大 n")
    return 2.0 * n ** 3 / t
