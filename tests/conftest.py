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
sys.path.insert(0, str(ROOT / "_ext"))
sys.path.insert(0, str(ROOT / "tests"))  # the build's Sphinx extensions (errata_data, book_notebooks, …)


@pytest.fixture(scope="session")
def site(request, glue_dir) -> Path:
    """The whole book, built once per test run (warnings are errors) into the run's folder.

    The tests that use it share one xdist group; should another worker ask for it anyway, a
    file lock makes it wait for the first build and reuse it (or its failure) instead of
    building the book a second time.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the xdist group alone keeps the build on one worker
        fcntl = None
    folder = _run_dir(request.config) / "site"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        done, failed = folder / "html_path", folder / "failed"
        if failed.exists():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not done.exists():
            try:
                html = _build_book(folder)
            except AssertionError as err:
                failed.write_text(str(err), encoding="utf-8")
                raise
            done.write_text(str(html), encoding="utf-8")
        html = Path(done.read_text(encoding="utf-8"))
    (glue_dir / "_build_path").write_text(str(html), encoding="utf-8")
    return html


def _build_book(folder: Path) -> Path:
    # copy the sources (not _build, .venv) so the build writes only into the temp folder
    ignore = shutil.ignore_patterns("_build", ".venv", "venv", ".git", "__pycache__", "*.ipynb",
                                    ".pytest_cache")
    out = folder / "book_src"
    shutil.copytree(ROOT, out, ignore=ignore)
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, OMP_NUM_THREADS="1")  # it runs beside the chapter tests (pytest -n 2)
    proc = subprocess.run([str(jb), "build", str(out), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=3000, env=env)
    assert proc.returncode == 0, f"book build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    return html


def _run_dir(config) -> Path:
    """This test run's shared folder: the controller's basetemp (xdist workers use sub-folders)."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def glue_dir(request) -> Path:
    """Where chapter tests and the build record what they glued (compared at the end of the run)."""
    folder = _run_dir(request.config) / "glue"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_sessionfinish(session, exitstatus):
    """After every test (on the controller): the chapter tests and the book build executed each
    chapter once each; the numbers they glued must be the same (every chapter is deterministic)."""
    if hasattr(session.config, "workerinput"):
        return
    from chapter_runner import compare_glue

    problems = compare_glue(_run_dir(session.config) / "glue")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if problems is None:
        return
    if problems:
        if reporter:
            reporter.write_line("两次执行 glue 的数值不一致（章节不确定）：", red=True)
            for p in problems[:30]:
                reporter.write_line("  " + p, red=True)
        session.exitstatus = 1
    elif reporter:
        reporter.write_line("两次执行（章节测试与全书构建）glue 的数值一致。")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
