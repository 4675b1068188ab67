"""Shared pytest set-up: quiet library logs, a fixed matplotlib backend, the repo root."""
from __future__ import annotations

import json
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
sys.path.insert(0, str(ROOT / "_ext"))
sys.path.insert(0, str(ROOT / "tests"))  # the build's Sphinx extensions (errata_data, book_notebooks, …)


CHAPTERS = sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md"))


def pytest_collection_modifyitems(session, config, items):
    """Chapter tests first: with `-n 2` one worker runs them in this order while the other,
    holding the build group, executes chapters from the other end (conftest `site`). The nbval
    pass over the exported notebooks (tests/test_notebooks.py) needs the build: it comes last."""
    def rank(item) -> int:
        if item.nodeid.startswith("tests/test_chapters.py::test_chapter["):
            return 0
        return 2 if item.nodeid.startswith("tests/test_notebooks.py::test_exported_notebook") else 1

    items.sort(key=rank)


@pytest.fixture(scope="session")
def site(request) -> Path:
    """The whole book, built once per test run (warnings are errors) into the run's folder.

    Every chapter is executed once per run (tests/chapter_runner.py): this fixture executes,
    from the last chapter backwards, those no chapter test has claimed yet, waits for the
    others, and builds the book from those executions (a jupyter-cache), so the pages show
    exactly the outputs the tests checked. The tests that use it share one xdist group;
    should another worker ask for it anyway, a file lock makes it wait for the first build
    and reuse it (or its failure) instead of building the book a second time.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the xdist group alone keeps the build on one worker
        fcntl = None
    folder = run_dir(request.config) / "site"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        done, failed = folder / "html_path", folder / "failed"
        if failed.exists():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not done.exists():
            try:
                html = _build_book(folder, run_dir(request.config))
            except AssertionError as err:
                failed.write_text(str(err), encoding="utf-8")
                raise
            done.write_text(str(html), encoding="utf-8")
        html = Path(done.read_text(encoding="utf-8"))
    return html


def _build_book(folder: Path, run: Path) -> Path:
    from chapter_runner import ensure_chapter, fill_cache

    records = {md: ensure_chapter(md, run) for md in reversed(CHAPTERS)}
    cache = folder / "jupyter_cache"
    n_cached = fill_cache(cache, CHAPTERS, [records[md] for md in CHAPTERS])
    # copy the sources (not _build, .venv) so the build writes only into the temp folder
    ignore = shutil.ignore_patterns("_build", ".venv", "venv", ".git", "__pycache__", "*.ipynb",
                                    ".pytest_cache")
    out = folder / "book_src"
    shutil.copytree(ROOT, out, ignore=ignore)
    config = out / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "execute_notebooks: force" in text
    config.write_text(text.replace("execute_notebooks: force",
                                   f"execute_notebooks: cache\n  cache: {json.dumps(str(cache))}"),
                      encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, OMP_NUM_THREADS="1")  # it runs beside the chapter tests (pytest -n 2)
    # the copy has no .git: the commit the exported notebooks' install cells pin comes from here
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0 and "BOOK_COMMIT" not in env:
        env["BOOK_COMMIT"] = head.stdout.strip()
    proc = subprocess.run([str(jb), "build", str(out), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=3000, env=env)
    assert proc.returncode == 0, f"book build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    reused = proc.stdout.count("Using cached notebook")  # myst-nb's log line for each cache hit
    assert reused == n_cached, f"the build reused {reused} of the {n_cached} executed chapters"
    return html


def run_dir(config) -> Path:
    """This test run's shared folder: the controller's basetemp (xdist workers use sub-folders)."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


# A minimal chapter for the tests of tools that execute chapters (tools/bench.py, tools/glue_dump.py).
TINY_CHAPTER_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def tiny_chapter(folder: Path, name: str, code: str) -> Path:
    """Write ``folder/chapters/part9/name``: the jupytext header, a title and one code cell."""
    md = folder / "chapters" / "part9" / name
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(TINY_CHAPTER_HEADER + f"\n# 标题\n\n```{{code-cell}} ipython3\n{code}\n```\n", encoding="utf-8")
    return md
