"""Seeding every random number generator a chapter may use."""
from __future__ import annotations

import os
import random
import sys


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
