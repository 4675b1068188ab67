"""The chapter runner's probe: it records stderr and warnings and blocks the network."""
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


def test_compare_glue_finds_a_changed_number_and_ignores_timings(tmp_path):
    import json

    from chapter_runner import compare_glue

    assert compare_glue(tmp_path) is None  # nothing recorded: nothing to compare
    html = tmp_path / "build" / "html"
    execute = tmp_path / "build" / "jupyter_execute" / "chapters" / "part9"
    execute.mkdir(parents=True)
    (tmp_path / "_build_path").write_text(str(html))
    built = {"p9_acc": {"data": {"text/plain": "0.97"}}, "p9_train_time_s": {"data": {"text/plain": "3.2"}}}
    (execute / "01_x.glue.json").write_text(json.dumps(built))
    def dump(acc, time_s, measured):
        record = {"values": {"p9_acc": acc, "p9_train_time_s": time_s}, "measured": measured}
        (tmp_path / "part9__01_x.json").write_text(json.dumps(record))

    dump("0.97", "2.9", ["p9_train_time_s"])
    assert compare_glue(tmp_path) == []
    dump("0.96", "2.9", ["p9_train_time_s"])
    assert compare_glue(tmp_path) == ["part9/01_x: p9_acc = 0.97 (build) vs 0.96 (test)"]
    dump("0.97", "2.9", [])  # a time not glued with measured=True is a difference too
    assert compare_glue(tmp_path) == ["part9/01_x: p9_train_time_s = 3.2 (build) vs 2.9 (test)"]


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
