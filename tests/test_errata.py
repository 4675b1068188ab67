"""The errata have one source (errata/*.yml); every entry is shown by exactly one 勘误 box on its page."""
from __future__ import annotations

from pathlib import Path

import pytest

from errata_data import boxes_in, by_id, labels_in, load_errata

ROOT = Path(__file__).resolve().parent.parent


def _pages() -> dict[str, str]:
    pages = {}
    for md in ROOT.glob("chapters/**/*.md"):
        pages[str(md.relative_to(ROOT).with_suffix(""))] = md.read_text(encoding="utf-8")
    return pages


def test_errata_load_and_are_not_empty():
    errata = load_errata(ROOT)
    assert len(errata) >= 10
    assert len({e.id for e in errata}) == len(errata)


def test_every_entry_has_exactly_one_box_on_its_page_and_its_proof_label():
    pages = _pages()
    for e in load_errata(ROOT):
        assert e.chapter in pages, f"{e.id}: page {e.chapter} does not exist"
        homes = [doc for doc, text in pages.items() if e.id in boxes_in(text)]
        assert homes == [e.chapter], f"{e.id}: boxes on {homes}, expected only on {e.chapter}"
        assert boxes_in(pages[e.chapter]).count(e.id) == 1
        assert e.proof in labels_in(pages[e.chapter]), f"{e.id}: label ({e.proof})= missing in {e.chapter}"


def test_no_box_without_entry():
    known = by_id(load_errata(ROOT))
    for doc, text in _pages().items():
        for eid in boxes_in(text):
            assert eid in known, f"{doc}: box {eid} has no entry in errata/*.yml"


def test_bad_entry_is_reported(tmp_path: Path):
    (tmp_path / "errata").mkdir()
    (tmp_path / "errata" / "x.yml").write_text("- id: Bad_ID\n  article: '000'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="缺少字段"):
        load_errata(tmp_path)
    (tmp_path / "errata" / "x.yml").write_text(
        "- {id: a, article: '999', section: '1', claim: c, correction: d, chapter: x, proof: p}\n",
        encoding="utf-8")
    with pytest.raises(ValueError, match="article"):
        load_errata(tmp_path)


def test_box_and_label_parsers():
    text = "(p1-x)=\n\n```{erratum} p1-a\n```\n\n:::{erratum} p1-b\n:::\n"
    assert boxes_in(text) == ["p1-a", "p1-b"]
    assert labels_in(text) == {"p1-x"}
