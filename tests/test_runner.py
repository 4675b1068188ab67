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
