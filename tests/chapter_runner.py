"""Execute each chapter once per test run, with checks of what a reader would see; the book
build of the same run shows exactly those executions.

A chapter is read the way myst-nb reads it (so that the build recognises it) and gets two
test-only cells: a first one that records everything the kernel writes to stderr and every
Python warning (a missing CJK glyph is one), and that blocks every network connection
except to this machine, and a last one that fails when anything was recorded. nbclient
then runs the notebook: any failing cell, including the asserts inside the chapter, fails
the chapter.

Each chapter runs once per test run, whoever asks first: its chapter test, or the book
build (the ``site`` fixture), which needs every chapter. A claim file in the run's folder
says who runs it; the other waits for the result. The executed notebook (test cells
removed) goes into a jupyter-cache that the test build reads (``execute_notebooks: cache``),
so the build renders the very outputs whose asserts the tests checked and executes no
chapter a second time. The README's build command is unchanged: it executes every chapter.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

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

PROBE_END = r"""
assert not _book_test_warnings, "chapter emitted warnings: " + " | ".join(_book_test_warnings[:5])
assert not _book_test_stderr, "chapter wrote to stderr: " + "".join(_book_test_stderr)[:800]
"""

CONFIG = Path(__file__).resolve().parent.parent / "_config.yml"


def _myst_extensions() -> set[str]:
    """The MyST extensions the book enables (``parse.myst_enable_extensions`` in _config.yml)."""
    import yaml

    return set(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["parse"]["myst_enable_extensions"])


def read_chapter(md: Path) -> nbformat.NotebookNode:
    """The chapter as the book build reads it (myst-nb's own reader): same cells, same metadata."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = md.read_text(encoding="utf-8")
    nb = read_myst_markdown_notebook(text, config=MdParserConfig(enable_extensions=_myst_extensions()),
                                     add_source_map=True, path=str(md))
    return nb


def chapter_id(md: Path) -> str:
    return f"{md.parent.name}__{md.stem}"


def execute(md: Path, out_dir: Path, timeout: int = 240) -> dict:
    """Run chapter ``md`` (with the test cells) in a fresh kernel; return its record.

    The record: ``ok``, ``seconds`` (wall time of the execution), ``error`` (the failing cell
    and traceback), and on success ``notebook``: the executed notebook without the test cells.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = read_chapter(md)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE_START))
    nb.cells.append(nbformat.v4.new_code_cell(PROBE_END))
    source, target = out_dir / "input.ipynb", out_dir / "executed.ipynb"
    nbformat.write(nb, source)
    # One BLAS/OpenMP thread per kernel: the tests run two chapters at a time on 2 cores,
    # where extra threads only fight over the same cores.
    env = dict(os.environ, BOOK_QUIET="1", OMP_NUM_THREADS="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, str(source), str(target), str(md.parent), str(timeout)],
                          env=env, capture_output=True, text=True, timeout=timeout * 4)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return {"ok": False, "seconds": seconds, "error": f"{proc.stdout[-6000:]}\n{proc.stderr[-4000:]}"}
    return {"ok": True, "seconds": seconds, "error": "", "notebook": str(target)}


def ensure_chapter(md: Path, run_dir: Path, timeout: int = 240, wait_s: float = 3600) -> dict:
    """Chapter ``md``'s record in this test run: executed here if nobody has claimed it yet,
    else the record of whoever did (waiting for it if it is still running)."""
    folder = run_dir / "chapters" / chapter_id(md)
    folder.mkdir(parents=True, exist_ok=True)
    result = folder / "result.json"
    try:
        os.close(os.open(folder / "claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + wait_s
        while not result.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{md.name}: waited {wait_s:.0f} s for another worker's execution") from None
            time.sleep(0.5)
        return json.loads(result.read_text(encoding="utf-8"))
    record = execute(md, folder, timeout)
    partial = folder / "result.tmp"
    partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    partial.replace(result)  # atomic: a waiting worker never reads half a file
    return record


def fill_cache(cache_dir: Path, chapters: list[Path], records: list[dict]) -> int:
    """Put the executed chapters into a jupyter-cache at ``cache_dir`` for the build to use.

    A chapter that failed is left out (the build then executes it itself and fails on it
    too), and so is one edited since it ran (its code no longer matches: the build executes
    the new version). Returns how many chapters were cached.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))
    n = 0
    for md, record in zip(chapters, records):
        if not record["ok"]:
            continue
        executed, chapter = nbformat.read(record["notebook"], as_version=4), read_chapter(md)
        if cache.create_hashed_notebook(executed)[1] != cache.create_hashed_notebook(chapter)[1]:
            continue  # the chapter was edited after it ran: the build executes the new version itself
        stored = cache.cache_notebook_bundle(
            CacheBundleIn(executed, str(md), data={"execution_seconds": record["seconds"]}),
            check_validity=False, overwrite=True)
        assert cache.match_cache_notebook(chapter).pk == stored.pk
        n += 1
    return n


def _run(source: str, target: str, cwd: str, timeout: str) -> int:
    """In a subprocess: execute ``source`` with nbclient; write it without the test cells."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(source, as_version=4)
    kernelspec = nb.metadata.get("kernelspec")
    client = NotebookClient(nb, timeout=int(timeout), kernel_name="python3", allow_errors=False,
                            record_timing=False, resources={"metadata": {"path": cwd}})
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        print(err, file=sys.stderr)
        return 1
    # ipykernel may route a cell's stderr past the probe: the outputs themselves are checked too
    stderr = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    if stderr:
        print("chapter wrote to stderr: " + "".join(stderr)[:800], file=sys.stderr)
        return 1
    nb.cells = nb.cells[1:-1]  # the two test cells
    if kernelspec is not None:  # the build matches the cache on the chapter's own kernelspec
        nb.metadata["kernelspec"] = kernelspec
    nbformat.write(nb, target)
    return 0


if __name__ == "__main__":
    sys.exit(_run(*sys.argv[1:5]))
