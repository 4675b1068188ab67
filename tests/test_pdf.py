"""The whole book as one PDF (issue 28 item 2): tools/make_pdf.py prints the build's print.html
with Chromium and adds bookmarks. The PDF has every part, chapter and section in its outline,
its internal links resolve, its Chinese text, figures and long code lines are whole, and every
page of the site links to it. Needs Debian's chromium, fonts-noto-cjk and poppler-utils."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("build")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} is not installed: apt-get install -y chromium fonts-noto-cjk poppler-utils")
    return path


@pytest.fixture(scope="session")
def pdf(site: Path) -> Path:
    import make_pdf

    _need("chromium")
    return make_pdf.make_pdf(site)  # site/book.pdf, the file the site links to


def _outline(reader) -> list[tuple[int, str, int]]:
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def test_pdf_has_the_whole_book_with_bookmarks(pdf: Path, site: Path):
    from pypdf import PdfReader

    import make_pdf

    reader = PdfReader(pdf)
    n_pages = len(reader.pages)
    chapters = sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md"))
    assert n_pages >= 4 * len(chapters), f"{n_pages} pages for {len(chapters)} chapters"
    outline = _outline(reader)
    titles = [t for _, t, _ in outline]
    toc = make_pdf.toc_of(site / "print.html")
    parts = [text for text, _, children in toc if children]
    assert len(parts) >= 6 and all(p in titles for p in parts), parts
    assert sum(t.startswith("第 ") and "部分" in t for depth, t, _page in outline if depth == 0) >= 6
    # every chapter title is a bookmark below its part, on the page where the chapter starts
    for md in chapters:
        title = next(line[2:].strip() for line in md.read_text(encoding="utf-8").splitlines()
                     if line.startswith("# "))
        hits = [(d, p) for d, t, p in outline if t.endswith(title)]
        assert hits, f"no bookmark for {md.stem}: {title}"
        assert hits[0][0] >= 1, f"{title} is not nested under its part"
    assert max(d for d, _, _ in outline) >= 3  # part → part index → chapter → section
    pages = [p for _, _, p in outline]
    assert pages == sorted(pages), "bookmarks are not in reading order"


def test_pdf_internal_links_resolve(pdf: Path):
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    names = set(reader.named_destinations)
    internal, dead, files = 0, [], []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") != "/Link":
                continue
            dest = a.get("/Dest")
            action = a.get("/A")
            if action is not None and action.get("/S") == "/GoTo":
                dest = action.get("/D")
            if dest is not None:
                internal += 1
                if isinstance(dest, str) and dest not in names and "/" + dest not in names:
                    dead.append(dest)
            elif action is not None and action.get("/S") == "/URI":
                uri = str(action.get("/URI"))
                if uri.startswith("file:"):
                    files.append(uri)
    assert internal > 500, f"only {internal} internal links"
    assert not dead, f"{len(dead)} links to missing destinations: {dead[:10]}"
    # links that pointed at other HTML pages of the book must point inside the PDF now
    assert not [u for u in files if u.split("#")[0].endswith(".html")], files[:10]


def test_pdf_text_figures_and_code_are_whole(pdf: Path, site: Path):
    _need("pdftotext")
    _need("pdffonts")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "勘误表" in text and "术语表" in text and "交叉熵" in text
    # every font is embedded (Chromium embeds the CJK glyphs as Type 3 fonts) and maps to Unicode
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5:-3] == ["yes", "no"] or row[-5] == "yes" for row in rows), fonts[:800]
    assert all(row[-3] == "yes" for row in rows), "a font without a Unicode map: its text cannot be searched"
    # every figure number of the site is in the PDF (figures are drawn with their captions)
    html = (site / "print.html").read_text(encoding="utf-8")
    figures = set(re.findall(r'caption-number">图 ([\d.]+)', html))
    assert len(figures) > 50
    missing = [f for f in figures if f"图{f}" not in flat]
    assert not missing, f"figures missing from the PDF: {sorted(missing)[:10]}"
    # the longest code lines are printed whole (wrapped, not cut at the edge of the page)
    import html as htmllib

    lines = []
    for block in re.findall(r'<div class="highlight"><pre>(.*?)</pre>', html, re.S):
        lines += htmllib.unescape(re.sub(r"<[^>]+>", "", block)).splitlines()
    longest = sorted({line.strip() for line in lines if line.isascii()}, key=len)[-20:]
    cut = [line for line in longest if re.sub(r"\s+", "", line)[-12:] not in flat]
    assert len(cut) <= 2, f"long code lines cut on paper: {cut[:3]}"


def test_every_page_links_to_the_pdf(site: Path, pdf: Path):
    for page in [site / "intro.html", site / "chapters" / "part1" / "01_background.html",
                 site / "appendix" / "errata.html"]:
        html = page.read_text(encoding="utf-8")
        m = re.search(r'href="([^"]*book\.pdf)"', html)
        assert m, f"{page.name} does not link to book.pdf"
        assert (page.parent / m.group(1)).resolve() == pdf.resolve()
