"""book.part2.applications: the de-duplicated table of the article's applications."""
import pytest
import yaml

from book.part2.applications import STATUSES, load_applications


def test_table_covers_all_fifty_sections_once():
    df = load_applications()
    assert df["n_sections"].sum() == 50
    assert len(df) < 50                       # 去重后行数少于小节数
    assert set(df["status"]) <= set(STATUSES)
    assert (df.loc[df["status"] != "无法核实", "source"].str.len() > 0).all()
    baidu = df[df["sections"].map(lambda s: "6.1" in s)].iloc[0]
    assert baidu["status"] == "已更正" and "ERNIE" in baidu["note"]
    unknown = df[df["status"] == "无法核实"]
    assert (unknown["searched"].str.len() > 10).all()             # 每个“无法核实”都记录了查过什么
    rec = df[df["area"] == "推荐系统与个性化推荐"].iloc[0]
    assert rec["status"] == "已核实" and "DSSTNE" in rec["source"]   # 亚马逊 2016 年开源了深度学习推荐引擎
    assert "github.com/amazon-archives/amazon-dsstne" in rec["source"] and "2016-05-10" in rec["source"]
    assert not rec["partial"]
    face = df[df["area"] == "人脸识别与刷脸支付"].iloc[0]
    assert face["status"] == "已核实" and face["partial"]          # 微信的部分没有找到


def _write(tmp_path, rows):
    p = tmp_path / "apps.yml"
    p.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    return p


ROW = dict(area="a", category="c", sections=["6.1"], example="e", status="已核实", note="",
           source="s, https://example.org/s", searched="")


def test_bad_tables_are_reported(tmp_path):
    with pytest.raises(ValueError, match="缺少字段"):
        load_applications(_write(tmp_path, [{"area": "a"}]), n_sections=1)
    with pytest.raises(ValueError, match="status"):
        load_applications(_write(tmp_path, [dict(ROW, status="对")]), n_sections=1)
    with pytest.raises(ValueError, match="没有 source"):
        load_applications(_write(tmp_path, [dict(ROW, source="")]), n_sections=1)
    with pytest.raises(ValueError, match="出处本身"):
        load_applications(_write(tmp_path, [dict(ROW, source="同上（自动驾驶）")]), n_sections=1)
    with pytest.raises(ValueError, match="网址、DOI"):      # 第二条来源只有名字，查不到
        load_applications(_write(tmp_path, [dict(ROW, source="s, doi:10.1/x；Waymo Safety Report, 2020")]),
                          n_sections=1)
    with pytest.raises(ValueError, match="searched"):
        load_applications(_write(tmp_path, [dict(ROW, status="无法核实", source="")]), n_sections=1)
    with pytest.raises(ValueError, match="部分没有找到"):
        load_applications(_write(tmp_path, [dict(ROW, note="乙的部分没有找到来源")]), n_sections=1)
    assert len(load_applications(_write(tmp_path, [dict(ROW, note="乙的部分没有找到来源", searched="查过 X")]),
                                 n_sections=1)) == 1
    with pytest.raises(ValueError, match="不止一行"):
        load_applications(_write(tmp_path, [ROW, dict(ROW, area="b")]), n_sections=1)
    with pytest.raises(ValueError, match="缺"):
        load_applications(_write(tmp_path, [ROW]), n_sections=2)
    assert len(load_applications(_write(tmp_path, [ROW]), n_sections=1)) == 1
