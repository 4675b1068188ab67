"""Tests of book.part5.explog: glossary, data versions, experiment log, re-runs."""
from __future__ import annotations

import numpy as np
import pytest

from book.part5.explog import ExperimentLog, data_version, load_glossary, rerun


def test_glossary_has_article_terms_and_rejects_bad_entries(tmp_path):
    g = load_glossary()
    assert {"数据治理", "管理优势"} <= {e["zh"] for e in g}
    assert any("Transformer" in e["en"] and "(GPT)" in e["en"] for e in g)
    bad = tmp_path / "g.yml"
    bad.write_text("- {zh: a, en: b, source: c}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="缺少字段"):
        load_glossary(bad)
    bad.write_text("- {zh: a, en: b, source: c, definition: d}\n- {zh: a, en: e, source: c, definition: d}\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="重复"):
        load_glossary(bad)


def test_data_version_changes_with_content_shape_and_dtype():
    a = np.arange(6.0)
    v = data_version(a)
    assert v == data_version(a.copy()) and len(v) == 12
    b = a.copy()
    b[3] += 1e-9
    assert data_version(b) != v
    assert data_version(a.reshape(2, 3)) != v
    assert data_version(a.astype(np.float32)) != v
    with pytest.raises(ValueError):
        data_version()


def _train(*, seed, w):
    rng = np.random.default_rng(seed)
    return {"val": float(w * rng.normal())}


def test_log_choose_save_load_and_rerun(tmp_path):
    log = ExperimentLog()
    for w in [1.0, 2.0]:
        for s in range(3):
            log.record({"w": w}, s, "abc", _train(seed=s, w=w))
    best, table = log.choose("val", by=["w"], higher_is_better=False)
    means = {w: np.mean([_train(seed=s, w=w)["val"] for s in range(3)]) for w in [1.0, 2.0]}
    assert best["w"] == min(means, key=means.get)
    assert table["count"].tolist() == [3, 3]
    log.save_csv(tmp_path / "r.csv")
    back = ExperimentLog.load_csv(tmp_path / "r.csv")
    assert back.frame().equals(log.frame())
    assert rerun(back, 4, _train, "abc")["val"] == pytest.approx(log.get(4).metrics["val"])
    with pytest.raises(ValueError, match="数据版本不同"):
        rerun(back, 4, _train, "xyz")
    with pytest.raises(AssertionError, match="没有复现"):
        rerun(back, 4, lambda seed, w: {"val": 99.0}, "abc")


def test_record_rejects_bad_input():
    log = ExperimentLog()
    with pytest.raises(ValueError):
        log.record({"a": 1}, 0, "v", {})
    with pytest.raises(ValueError):
        log.record({"a": 1}, 0.5, "v", {"m": 1.0})
    with pytest.raises(ValueError):
        log.record({"seed": 1}, 0, "v", {"m": 1.0})
    with pytest.raises(ValueError):
        log.record({"a": 1}, 0, "v", {"m": float("nan")})
    with pytest.raises(KeyError):
        log.get(0)
