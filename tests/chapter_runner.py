"""Run one MyST chapter as a notebook under nbval, with checks of what a reader would see.

The chapter is converted with jupytext to a notebook in a temporary folder.
Two test-only cells are added: a first one that records everything the
kernel writes to stderr and every Python warning (a missing CJK glyph is one),
and that blocks every network connection except to this machine,
and a last one that fails when anything was recorded. nbval (``--nbval-lax``)
then runs the notebook: any failing cell, including the asserts inside the
chapter, fails the test.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat

PROBE_START = r'''
import sys, warnings, logging
_book_test_stderr = []
_orig_write = sys.stderr.write
def _rec(s, _w=_orig_write):
    if s.strip():
        _book_test_stderr.append(s)
    return _w(s)
sys.stderr.write = _rec
_book_test_warnings = []
def _showwarning(message, category, filename, lineno, file=None, line=None):
    _book_test_warnings.append(f"{category.__name__}: {message} ({filename}:{lineno})")
warnings.showwarning = _showwarning
warnings.simplefilter("always")
class _H(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            _book_test_warnings.append(f"log {record.name}: {record.getMessage()}")
logging.getLogger().addHandler(_H())
# No network: a chapter that tries to reach any host but this machine fails (nothing may be
# downloaded while the book is built or tested). Loopback stays open (DDP's gloo, kernels).
# The guards keep the wrapped functions' names and docstrings (functools.wraps): Part VI reads
# the standard library's docstrings as its English corpus, and the probe must not change them.
import functools as _functools
import socket as _socket
def _book_local(address):
    host = address[0] if isinstance(address, tuple) else address
    return not isinstance(host, str) or host.startswith("127.") or host in ("localhost", "::1", "")
def _book_guard(orig):
    @_functools.wraps(orig)
    def connect(self, address):
        if self.family in (_socket.AF_INET, _socket.AF_INET6) and not _book_local(address):
            raise OSError(f"本书的测试不允许联网：{address!r}")
        return orig(self, address)
    return connect
_socket.socket.connect = _book_guard(_socket.socket.connect)
_socket.socket.connect_ex = _book_guard(_socket.socket.connect_ex)
_book_getaddrinfo = _socket.getaddrinfo
@_functools.wraps(_book_getaddrinfo)
def _book_resolve(host, *args, **kw):
    if not _book_local((host,)):
        raise OSError(f"本书的测试不允许联网：{host!r}")
    return _book_getaddrinfo(host, *args, **kw)
_socket.getaddrinfo = _book_resolve
'''

PROBE_END = r'''
# the glued values of this execution, for the test that compares them with the book build's
import json as _json, os as _os, sys as _sys
if _os.environ.get("BOOK_GLUE_DUMP") and "book.glue" in _sys.modules:
    with open(_os.environ["BOOK_GLUE_DUMP"], "w", encoding="utf-8") as _f:
        _g = _sys.modules["book.glue"]
        _json.dump({"values": {k: repr(v) for k, v in _g.GLUED.items()},
                    "measured": sorted(_g.MEASURED)}, _f)
assert not _book_test_warnings, "chapter emitted warnings: " + " | ".join(_book_test_warnings[:5])
assert not _book_test_stderr, "chapter wrote to stderr: " + "".join(_book_test_stderr)[:800]
'''


def convert(md: Path, out_dir: Path) -> Path:
    nb = jupytext.read(md)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE_START))
    nb.cells.append(nbformat.v4.new_code_cell(PROBE_END))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    target = out_dir / (md.stem + ".ipynb")
    nbformat.write(nb, target)
    return target


def glue_dump_name(md: Path) -> str:
    return f"{md.parent.name}__{md.stem}.json"


def compare_glue(glue_dir: Path) -> list[str] | None:
    """Compare what each chapter test glued with what the book build glued.

    ``glue_dir`` holds one ``partN__NN_x.json`` per chapter test and ``_build_path`` naming the
    build's HTML folder. Returns ``None`` when there is nothing to compare (no build or no
    chapter test in this run), else the list of differences (empty: deterministic). Values a
    chapter glued with ``measured=True`` (times, throughput: :func:`book.glue.glue`) are skipped.
    """
    import json

    marker = glue_dir / "_build_path"
    dumps = sorted(glue_dir.glob("part*__*.json"))
    if not marker.exists() or not dumps:
        return None
    execute = Path(marker.read_text(encoding="utf-8").strip()).parent / "jupyter_execute" / "chapters"
    problems = []
    for dump in dumps:
        part, stem = dump.stem.split("__", 1)
        record = json.loads(dump.read_text(encoding="utf-8"))
        tested, measured = record["values"], set(record["measured"])
        built_file = execute / part / f"{stem}.glue.json"
        if not built_file.exists():
            continue
        for name, entry in json.loads(built_file.read_text(encoding="utf-8")).items():
            if name in measured or name not in tested:
                continue
            built = entry["data"]["text/plain"]
            if built != tested[name]:
                problems.append(f"{part}/{stem}: {name} = {built} (build) vs {tested[name]} (test)")
    return problems


def run_chapter(md: Path, tmp: Path, timeout: int = 240, glue_dir: Path | None = None) -> float:
    """Execute chapter ``md`` with nbval; return the wall time; raise on failure.

    With ``glue_dir``, the values the chapter glued are left there (see :func:`compare_glue`).
    """
    nb = convert(md, tmp)
    # One BLAS/OpenMP thread per kernel: the tests run chapters in parallel beside the
    # book build on 2 cores, where extra threads only fight over the same cores.
    env = dict(os.environ, BOOK_QUIET="1", OMP_NUM_THREADS="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    if glue_dir is not None:
        env["BOOK_GLUE_DUMP"] = str(glue_dir / glue_dump_name(md))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--nbval-cell-timeout", str(timeout), str(nb)],
        cwd=md.parent, env=env, capture_output=True, text=True, timeout=timeout * 2)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise AssertionError(f"{md.name} failed under nbval:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return elapsed
