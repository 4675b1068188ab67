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
import socket as _socket
def _book_local(address):
    host = address[0] if isinstance(address, tuple) else address
    return not isinstance(host, str) or host.startswith("127.") or host in ("localhost", "::1", "")
def _book_guard(orig):
    def connect(self, address):
        if self.family in (_socket.AF_INET, _socket.AF_INET6) and not _book_local(address):
            raise OSError(f"本书的测试不允许联网：{address!r}")
        return orig(self, address)
    return connect
_socket.socket.connect = _book_guard(_socket.socket.connect)
_socket.socket.connect_ex = _book_guard(_socket.socket.connect_ex)
_book_getaddrinfo = _socket.getaddrinfo
def _book_resolve(host, *args, **kw):
    if not _book_local((host,)):
        raise OSError(f"本书的测试不允许联网：{host!r}")
    return _book_getaddrinfo(host, *args, **kw)
_socket.getaddrinfo = _book_resolve
'''

PROBE_END = r'''
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


def run_chapter(md: Path, tmp: Path, timeout: int = 240) -> float:
    """Execute chapter ``md`` with nbval; return the wall time; raise on failure."""
    nb = convert(md, tmp)
    # One BLAS/OpenMP thread per kernel: the tests run chapters in parallel beside the
    # book build on 2 cores, where extra threads only fight over the same cores.
    env = dict(os.environ, BOOK_QUIET="1", OMP_NUM_THREADS="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--nbval-cell-timeout", str(timeout), str(nb)],
        cwd=md.parent, env=env, capture_output=True, text=True, timeout=timeout * 2)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise AssertionError(f"{md.name} failed under nbval:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return elapsed
