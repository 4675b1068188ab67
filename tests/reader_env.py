"""What a reader installs: the ``book`` wheel built from this checkout, unpacked where only it is
found first (Colab and a downloaded notebook use the package, never the checkout)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(work: Path) -> Path:
    """Build the ``book`` wheel from a copy of the sources (setuptools writes build/ and
    *.egg-info next to them) into ``work/wheels``; return the wheel's path."""
    src = work / "src"
    shutil.copytree(ROOT / "book", src / "book", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "chapters", src / "chapters", ignore=shutil.ignore_patterns("*.ipynb"))
    for name in ("pyproject.toml", "setup.py", "README.md", "references.bib"):
        shutil.copy(ROOT / name, src / name)
    wheels = work / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-w", str(wheels), str(src)], capture_output=True, text=True, timeout=300,
                           cwd=work)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    return next(wheels.glob("book-*.whl"))


def unpack_wheel(wheel: Path, target: Path) -> Path:
    """Install a pure-Python wheel by unpacking it into ``target`` (a folder to put first on
    ``PYTHONPATH``); return ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target
