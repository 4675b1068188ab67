"""The chapter runner: its probe (stderr, warnings, network), one execution per chapter and run,
and the hand-over of those executions to the book build."""
from __future__ import annotations

import subprocess
import sys

from chapter_runner import PROBE_END, PROBE_START

CHECK = r'''
import socket, urllib.request
try:
    urllib.request.urlopen("http://example.com", timeout=2)
    print("NETWORK OPEN")
except OSError as err:
    assert "不允许联网" in str(err), err
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
client = socket.socket(); client.connect(server.getsockname())  # loopback stays open
print("ok")
'''


def test_probe_blocks_the_network_but_not_loopback():
    run = subprocess.run([sys.executable, "-c", PROBE_START + CHECK], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok", run.stdout


def test_probe_fails_on_stderr_and_warnings():
    for body in ("import sys; sys.stderr.write('oops\\n')", "import warnings; warnings.warn('careful')"):
        run = subprocess.run([sys.executable, "-c", PROBE_START + body + "\n" + PROBE_END],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode != 0 and "AssertionError" in run.stderr, (body, run.stderr)


TINY = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# 小章

```{code-cell} ipython3
---
tags: [hide-input]
---
x = 6 * 7
print(x)
```

正文。

```{code-cell} ipython3
BODY
```
"""


def _chapter(folder, body):
    md = folder / "chapters" / "part9" / "01_tiny.md"
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(TINY.replace("BODY", body), encoding="utf-8")
    return md


def test_a_chapter_runs_once_per_run_and_the_build_finds_its_outputs(tmp_path):
    import nbformat
    from jupyter_cache import get_cache

    from chapter_runner import ensure_chapter, fill_cache, read_chapter

    md = _chapter(tmp_path / "src", "assert x == 42")
    run = tmp_path / "run"
    record = ensure_chapter(md, run)
    assert record["ok"], record["error"]
    executed = nbformat.read(record["notebook"], as_version=4)
    assert [c.source for c in executed.cells if c.cell_type == "code"] == ["x = 6 * 7\nprint(x)", "assert x == 42"]
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "42\n" and len(code) == 2   # the test cells are gone
    md.write_text(md.read_text(encoding="utf-8").replace("x == 42", "x == 41"), encoding="utf-8")
    assert ensure_chapter(md, run) == record                       # claimed already: not run again
    md.write_text(md.read_text(encoding="utf-8").replace("x == 41", "x == 42"), encoding="utf-8")
    assert fill_cache(tmp_path / "cache", [md], [record]) == 1
    cache = get_cache(str(tmp_path / "cache"))
    _, merged = cache.merge_match_into_notebook(read_chapter(md))  # what myst-nb does in the build
    first = merged.cells[1]
    assert first.metadata["tags"] == ["hide-input"] and first.outputs[0]["text"] == "42\n"
    # a changed chapter no longer matches: the build would execute it itself
    md.write_text(md.read_text(encoding="utf-8").replace("x == 42", "x > 0"), encoding="utf-8")
    try:
        cache.match_cache_notebook(read_chapter(md))
    except KeyError:
        pass
    else:
        raise AssertionError("a changed chapter matched the old execution")
    assert fill_cache(tmp_path / "cache2", [md], [record]) == 0    # and is not handed to the build


def test_a_failing_chapter_is_reported_with_its_cell_and_not_cached(tmp_path):
    from chapter_runner import ensure_chapter, fill_cache

    for i, (body, expected) in enumerate([("assert x == 41, '答案不对'", "答案不对"),
                                          ("import sys; sys.stderr.write('oops\\n')", "wrote to stderr"),
                                          ("import warnings; warnings.warn('小心')", "emitted warnings")]):
        md = _chapter(tmp_path / f"src{i}", body)
        record = ensure_chapter(md, tmp_path / f"run{i}")
        assert not record["ok"] and expected in record["error"], record["error"][-2000:]
        assert fill_cache(tmp_path / f"cache{i}", [md], [record]) == 0


def test_loadgroup_keeps_the_build_tests_on_one_worker(tmp_path):
    """The README's `pytest -n 2 --dist loadgroup` relies on xdist grouping the tests marked
    xdist_group("build") onto one worker (the book is built once). Some pytest/xdist version pairs
    silently stop grouping (pytest-xdist issue #1386); this catches that."""
    import subprocess
    import sys

    for name in ("a", "b"):
        (tmp_path / f"test_{name}.py").write_text(
            "import os, pytest\n"
            "pytestmark = pytest.mark.xdist_group('build')\n"
            "@pytest.mark.parametrize('i', range(4))\n"
            f"def test_{name}(i):\n"
            "    with open('workers.txt', 'a') as f:\n"
            "        f.write(os.environ['PYTEST_XDIST_WORKER'] + '\\n')\n")
    (tmp_path / "test_c.py").write_text("import pytest\n@pytest.mark.parametrize('i', range(8))\ndef test_c(i):\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q",
                           "-p", "no:cacheprovider"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    workers = (tmp_path / "workers.txt").read_text().split()
    assert len(workers) == 8 and len(set(workers)) == 1, workers


def test_probe_keeps_the_standard_library_docstrings():
    """Part VI's English corpus is the standard library's docstrings: the network guard that the
    chapter tests install must not change them (else the test and the build glue different numbers)."""
    import subprocess
    import sys

    from chapter_runner import PROBE_START

    code = ("import inspect, socket\n"
            "before = [inspect.getdoc(socket.getaddrinfo), inspect.getdoc(socket.socket.connect)]\n"
            f"exec({PROBE_START!r})\n"
            "after = [inspect.getdoc(socket.getaddrinfo), inspect.getdoc(socket.socket.connect)]\n"
            "assert before == after and before[0], (before, after)\n"
            "try:\n    socket.getaddrinfo('example.org', 80)\nexcept OSError as e:\n    print('blocked', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "blocked" in proc.stdout
