"""Seeding every random number generator a chapter may use."""
from __future__ import annotations

import os
import random
import sys

import numpy as np


def seed_everything(seed: int, *, tensorflow: bool | None = None) -> int:
    """Seed Python's ``random``, NumPy, PyTorch (CPU and CUDA) and TensorFlow.

    TensorFlow is seeded when it has already been imported or when
    ``tensorflow=True``; it is never imported just to be seeded otherwise.
    Returns the seed, so that ``rng = np.random.default_rng(seed_everything(0))`` works.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed 应为整数，收到 {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed 应在 [0, 2**32) 内，收到 {seed}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a requirement
        torch = None
    if torch is not None:
        torch.manual_seed(seed)  # also seeds every CUDA device
    if tensorflow or (tensorflow is None and "tensorflow" in sys.modules):
        import tensorflow as tf

        tf.keras.utils.set_random_seed(seed)
    return seed


#: The environment variable that shifts every seed of every chapter (the book's one seed switch).
SEED_OFFSET_VAR = "BOOK_SEED_OFFSET"


def seed_offset() -> int:
    """The shift that ``BOOK_SEED_OFFSET`` gives every seed (0 when unset).

    ``BOOK_SEED_OFFSET=1000 jupyter lab`` (or ``BOOK_SEED_OFFSET=1000 python -m pytest …``) re-runs
    a chapter on another block of seeds without editing it: every seed a chapter uses comes from
    :func:`seed_for` or :func:`seeds`, which add this offset.
    """
    raw = os.environ.get(SEED_OFFSET_VAR, "").strip()
    if raw == "":
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"环境变量 {SEED_OFFSET_VAR} 应为非负整数，收到 {raw!r}") from None
    if not 0 <= value < 2**31:
        raise ValueError(f"环境变量 {SEED_OFFSET_VAR} 应在 [0, 2**31) 内，收到 {value}")
    return value


def seed_for(base: int) -> int:
    """本章第 ``base`` 号种子：``base`` 加上 ``BOOK_SEED_OFFSET`` 给出的偏移。

    The seed a chapter passes to any generator (``np.random.default_rng``, ``torch.Generator``,
    ``random_state=``, a data split, a teacher function): ``base`` shifted by :func:`seed_offset`.
    Two calls with the same ``base`` give the same seed under any shift (twins that must share
    initial weights stay equal); different bases stay different.
    """
    if isinstance(base, bool) or not isinstance(base, (int, np.integer)) or base < 0:
        raise ValueError(f"种子编号 base 应为非负整数，收到 {base!r}")
    seed = int(base) + seed_offset()
    if seed >= 2**32:
        raise ValueError(f"种子 {base} + 偏移 {seed_offset()} 超出 [0, 2**32)")
    return seed


def seeds(n: int, start: int = 0) -> list[int]:
    """``n`` 个相继的种子（多种子结论用）：``seed_for(start)``, …, ``seed_for(start + n - 1)``。"""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"种子个数 n 应为正整数，收到 {n!r}")
    return [seed_for(start + i) for i in range(int(n))]
