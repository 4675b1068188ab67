"""book.part2.flow: parsing and drawing a Mermaid flow chart."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from book.part2.flow import draw_flowchart, layered_layout, parse_mermaid  # noqa: E402

CHART = """
graph TB
A[开始] --> B{好吗}
B -->|是| C[结束]
B -->|否| D[重来]
D --> B
"""


def test_parse_nodes_shapes_edges_and_sinks():
    c = parse_mermaid(CHART)
    assert c.labels == {"A": "开始", "B": "好吗", "C": "结束", "D": "重来"}
    assert c.shapes["B"] == "diamond" and c.shapes["A"] == "box"
    assert ("B", "C", "是") in c.edges and ("D", "B", "") in c.edges
    assert c.sinks() == ["C"]
    assert c.successors("B") == ["C", "D"]


def test_layout_depths():
    pos = layered_layout(parse_mermaid(CHART), "A")
    assert pos["A"][1] == 0 and pos["B"][1] == -1 and pos["C"][1] == pos["D"][1] == -2
    assert pos["C"][0] < pos["D"][0]


def test_draw_adds_one_patch_per_node():
    c = parse_mermaid(CHART)
    fig, ax = plt.subplots()
    draw_flowchart(ax, c, layered_layout(c, "A"), highlight={"D": "red"})
    assert len(ax.patches) == 4
    plt.close(fig)


def test_bad_input_is_reported():
    with pytest.raises(ValueError, match="图声明"):
        parse_mermaid("A --> B")
    with pytest.raises(ValueError, match="第 2 行"):
        parse_mermaid("graph TB\nA -> B")
    with pytest.raises(ValueError, match="两个不同的文字"):
        parse_mermaid("graph TB\nA[x] --> B\nA[y] --> B")
    with pytest.raises(ValueError, match="到不了"):
        layered_layout(parse_mermaid("graph TB\nA --> B\nC --> B"), "A")
    c = parse_mermaid(CHART)
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="缺少"):
        draw_flowchart(ax, c, {"A": (0, 0)})
    plt.close(fig)
