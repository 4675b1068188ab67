"""Shared pytest set-up: quiet library logs, a fixed matplotlib backend, the repo root."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from book._env import redirect_caches  # noqa: E402

redirect_caches()  # caches of matplotlib, IPython, Keras, Jupyter go to the temp folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))  # the build's Sphinx extensions (errata_data, book_notebooks, …)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    # copy the sources (not _build, .venv) so the build writes only into the temp folder
    ignore = shutil.ignore_patterns("_build", ".venv", "venv", ".git", "__pycache__", "*.ipynb",
                                    ".pytest_cache")
    shutil.copytree(ROOT, src / "book_src", ignore=ignore)
    out = src / "book_src"
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, OMP_NUM_THREADS="1")  # it runs beside the chapter tests (pytest -n 2)
    proc = subprocess.run([str(jb), "build", str(out), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=3000, env=env)
    assert proc.returncode == 0, f"book build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    return html


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
