"""Shared code of 《大模型创业：可运行的技术读本》.

Import ``book`` before TensorFlow: it silences TensorFlow's start-up logs at
their source. Sub-modules: :mod:`book.device`, :mod:`book.seed` (the seed switch
``BOOK_SEED_OFFSET``), :mod:`book.plotting`, :mod:`book.glue`, :mod:`book.progress`,
:mod:`book.train`, :mod:`book.data`, :mod:`book.scaling`, :mod:`book.cost`, :mod:`book.timing`,
and ``book.partN`` for code one part uses.
"""
from __future__ import annotations

from . import _env  # noqa: F401  (sets TF log level before anything imports TensorFlow)
from .data import Split, load_breast_cancer_split, make_threshold_numbers, split_dataset, standardize
from .device import describe_devices, limit_cpu_threads, tf_device, torch_device
from .glue import glue, glue_many, glued
from . import numfmt  # noqa: F401  (book.numfmt.num: numbers in Chinese prose)
from .numfmt import num
from .plotting import subplots, use_book_style
from .progress import progress
from .seed import seed_everything, seed_for, seed_offset, seeds
from .start import start
from .train import History, binary_accuracy, predict_torch, train_torch

__all__ = [
    "Split", "load_breast_cancer_split", "make_threshold_numbers", "split_dataset", "standardize",
    "num", "describe_devices", "limit_cpu_threads", "tf_device", "torch_device", "glue", "glue_many", "glued", "start", "subplots", "use_book_style",
    "progress", "seed_everything", "seed_for", "seed_offset", "seeds", "History", "binary_accuracy", "predict_torch", "train_torch",
]
