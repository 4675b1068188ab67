"""Shared pytest set-up: quiet library logs, a fixed matplotlib backend, the repo root."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from book._env import redirect_caches  # noqa: E402

redirect_caches()  # caches of matplotlib, IPython, Keras, Jupyter go to the temp folder

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
