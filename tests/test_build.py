"""Build the whole book with warnings as errors and look at the HTML as a reader would.

The build (the ``site`` fixture in conftest.py) runs once per test session, on one xdist worker."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("build")

ROOT = Path(__file__).resolve().parent.parent
BAD = [
    (r'class="output stderr', "stderr box in a cell output"),
    (r"Glyph \d+", "missing glyph warning"),
    (r"Traceback \(most recent call last\)", "traceback"),
    (r"findfont:", "font warning"),
]


def test_no_bad_outputs(site: Path):
    problems = []
    for page in site.rglob("*.html"):
        text = page.read_text(errors="replace")
        for pattern, what in BAD:
            if re.search(pattern, text):
                problems.append(f"{page.relative_to(site)}: {what}")
    assert not problems, problems


def test_language_is_chinese(site: Path):
    page = (site / "intro.html").read_text()
    assert '<html lang="zh-CN"' in page


def test_chinese_search_index(site: Path):
    raw = (site / "searchindex.js").read_text()
    terms = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])["terms"]
    chinese = [t for t in terms if re.search(r"[\u4e00-\u9fff]", t)]
    assert len(chinese) > 200, len(chinese)
    for word in ("梯度", "损失", "模型"):
        assert word in terms, word
    long_runs = [t for t in chinese if len(t) > 8]
    assert len(long_runs) < len(chinese) // 10


def test_every_chapter_page_has_a_figure_and_exercises(site: Path):
    for md in sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md")):
        page = site / "chapters" / md.parent.name / (md.stem + ".html")
        text = page.read_text()
        assert "<img" in text, f"{page.name}: no figure"
        assert "solution" in text and "exercise" in text, f"{page.name}: no exercise with solution"
        assert "小结" in text, f"{page.name}: no summary"


def test_errata_table_lists_every_entry(site: Path):
    from errata_data import load_errata

    table = (site / "appendix" / "errata.html").read_text()
    for e in load_errata(ROOT):
        assert e.id in table, e.id
        chapter = (site / (e.chapter + ".html")).read_text()
        assert f'id="erratum-{e.id}"' in chapter, e.id


def test_chapters_offer_a_notebook_download(site: Path):
    """Every link to a chapter's notebook derives from repository.url in _config.yml: the Colab
    link opens a path the publishing workflow publishes (gh-pages = _build/html), the install
    cell installs the very commit the notebook was built from, cell 0 links back to the page,
    and the header's download menu offers the notebook instead of the raw .md."""
    import nbformat
    import yaml

    repo = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"].rstrip("/")
    owner, name = repo.removeprefix("https://github.com/").split("/")
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    commit = head.stdout.strip() if head.returncode == 0 else None
    colab = re.compile(r'href="https://colab\.research\.google\.com/github/' + re.escape(f"{owner}/{name}")
                       + r'/blob/gh-pages/([^"]+)"')
    for md in sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md")):
        rel = f"chapters/{md.parent.name}/{md.stem}"
        page = (site / f"{rel}.html").read_text()
        nb = nbformat.read(site / "_notebooks" / f"{rel}.ipynb", as_version=4)
        assert sum(c.cell_type == "code" for c in nb.cells) > 5
        links = colab.findall(page)
        assert links == [f"_notebooks/{rel}.ipynb"], (rel, links)
        assert (site / links[0]).exists()  # what the workflow publishes at that path
        install = nb.cells[1].source
        assert "google.colab" in install
        pinned = re.search(r"book\[colab\] @ git\+" + re.escape(repo) + r"@([0-9a-f]{40})", install)
        assert pinned, install  # a commit, never a moving branch
        if commit:
            assert pinned.group(1) == commit
        assert f"https://{owner.lower()}.github.io/{name}/{rel}.html" in nb.cells[0].source
        menu = page[page.index('aria-label="Download this page"') if 'aria-label="Download this page"' in page
                    else page.index("download-buttons"):]
        assert f"_notebooks/{rel}.ipynb" in menu[:4000]
        assert f"_sources/{rel}.md" not in page, f"{rel}: the download menu still offers the raw .md"
