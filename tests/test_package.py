"""The book package installs from the repository as a wheel, as an exported notebook's first
cell does on Colab, and imports from that wheel in a fresh virtual environment."""
from __future__ import annotations

import os
import subprocess
import sysconfig
import venv
import zipfile
from pathlib import Path

from reader_env import build_wheel

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_builds_and_imports_in_a_fresh_venv(tmp_path: Path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    # every module and sub-package of book/ ships, and nothing of the build machinery
    for py in (ROOT / "book").rglob("*.py"):
        rel = py.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} missing from the wheel"
    assert "book/py.typed" in names
    assert not any(n.startswith(("_ext/", "tests/", "chapters/")) for n in names), names
    # the chapters' Markdown ships inside the package: Part VI's corpus where no checkout exists
    shipped = sorted(n for n in names if n.startswith("book/_corpus/"))
    from book.repo import SHIPPED

    expected = sorted("book/_corpus/" + p.relative_to(ROOT).as_posix() for pattern in SHIPPED for p in ROOT.glob(pattern))
    assert shipped == expected and "book/_corpus/references.bib" in shipped

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with zipfile.ZipFile(wheel) as zf:  # install = unpack a pure-Python wheel into site-packages
        zf.extractall(site)
    # third-party libraries (numpy, torch, …) come from the test environment, appended *after*
    # the fresh site-packages, so `book` itself can only come from the wheel
    (Path(site) / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = "import book, book.start; print(book.__file__); print(book.glue.__module__)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.splitlines()[0].startswith(site), run.stdout

    # outside the repository, the corpus is read from the copy in the wheel: the same text
    from book.part6.corpus import book_corpus

    code = "import sys, book.part6.corpus as c; sys.stdout.buffer.write(c.book_corpus().encode('utf-8'))"
    run = subprocess.run([str(py), "-c", code], capture_output=True, timeout=300, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.decode("utf-8") == book_corpus()

    # the repository's files a chapter reads come from the wheel's copy: the same bytes
    code = "import book.repo as r; print(r.book_file('references.bib'))"
    run = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert Path(run.stdout.strip()).read_bytes() == (ROOT / "references.bib").read_bytes()
