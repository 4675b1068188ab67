"""nbval runs every exported notebook exactly as a reader gets it, on a second block of seeds.

The notebooks are the ones the book build writes into ``_build/html/_notebooks/`` (download and
Colab). Each is copied into a folder outside the checkout and run by nbval (``--nbval-lax``: the
notebooks store no outputs, so nbval checks that every cell runs without an error) with:

* ``book`` from the wheel built from this checkout, first on ``PYTHONPATH`` (as Colab installs
  it), never from the checkout;
* the Colab cell inert (it acts only where ``google.colab`` is imported);
* ``BOOK_SEED_OFFSET=SECOND_BLOCK``: every seed of every chapter shifted (book.seed_for), so
  every assert of every chapter must hold on two seed blocks in each test run — the chapter
  tests run the chapters on the first block (no offset);
* no ``BOOK_QUIET``: what a reader sees (glue prints its values, progress bars show).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CHAPTERS, run_dir
from reader_env import build_wheel, unpack_wheel

#: The second seed block of every test run (BOOK_SEED_OFFSET for the nbval pass).
SECOND_BLOCK = 1000


@pytest.fixture(scope="session")
def reader_lib(request) -> Path:
    """The ``book`` wheel of this checkout, unpacked once per test run (file lock across workers)."""
    import fcntl

    folder = run_dir(request.config) / "reader"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lib = folder / "lib"
        if not (lib / "book" / "__init__.py").exists():
            unpack_wheel(build_wheel(folder / "build"), lib)
    return lib


def reader_environment(lib: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BOOK_QUIET", "BOOK_SEED_OFFSET")}
    env.update(PYTHONPATH=str(lib), BOOK_SEED_OFFSET=str(SECOND_BLOCK), OMP_NUM_THREADS="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    return env


def test_reader_environment_imports_book_from_the_wheel(reader_lib: Path, tmp_path: Path):
    code = "import book; print(book.__file__); print(book.seed_offset())"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env=reader_environment(reader_lib))
    assert run.returncode == 0, run.stderr[-2000:]
    where, offset = run.stdout.split()
    assert Path(where).is_relative_to(reader_lib), where
    assert int(offset) == SECOND_BLOCK


@pytest.mark.parametrize("md", CHAPTERS, ids=[f"{p.parent.name}/{p.stem}" for p in CHAPTERS])
def test_exported_notebook_runs_on_the_second_seed_block(md: Path, site: Path, reader_lib: Path,
                                                         tmp_path: Path):
    exported = site / "_notebooks" / "chapters" / md.parent.name / f"{md.stem}.ipynb"
    assert exported.exists(), f"the build exported no notebook for {md}"
    work = tmp_path / "reader"
    work.mkdir()
    notebook = Path(shutil.copy(exported, work / exported.name))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600",
         "-p", "no:cacheprovider", "-p", "no:xdist", "-o", "addopts=", "-q", "--rootdir", str(work),
         str(notebook)],
        capture_output=True, text=True, timeout=1800, cwd=work, env=reader_environment(reader_lib))
    assert proc.returncode == 0, f"{exported.name} (BOOK_SEED_OFFSET={SECOND_BLOCK}):\n{proc.stdout[-6000:]}"
    assert " passed" in proc.stdout and " failed" not in proc.stdout, proc.stdout[-2000:]
