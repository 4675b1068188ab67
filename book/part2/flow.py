"""Flow charts as data: parse a small Mermaid ``graph`` and draw it with Matplotlib.

Defined for chapter ``chapters/part2/01_background`` (the article's §2.5 flow
chart). Only the subset of Mermaid the article uses is understood: one edge
per line, ``A[text]`` (a step, drawn as a box), ``C{text}`` (a decision,
drawn as a diamond) and ``-->|label|`` edge labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["FlowChart", "parse_mermaid", "layered_layout", "draw_flowchart"]

_NODE = r"([A-Za-z0-9_]+)(?:\[([^\]]*)\]|\{([^}]*)\})?"
_EDGE = re.compile(rf"^\s*{_NODE}\s*-->\s*(?:\|([^|]*)\|\s*)?{_NODE}\s*;?\s*$")


@dataclass
class FlowChart:
    """Nodes (id → label), their shapes (``"box"`` or ``"diamond"``) and labelled edges."""

    labels: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def successors(self, node: str) -> list[str]:
        return [b for a, b, _ in self.edges if a == node]

    def sinks(self) -> list[str]:
        """Nodes that no edge leaves (the chart's ends), in order of appearance."""
        return [n for n in self.labels if not self.successors(n)]


def _add_node(chart: FlowChart, nid: str, box: str | None, diamond: str | None) -> None:
    if box is not None or diamond is not None:
        label, shape = (box, "box") if box is not None else (diamond, "diamond")
        if nid in chart.labels and chart.labels[nid] != label:
            raise ValueError(f"节点 {nid} 有两个不同的文字：{chart.labels[nid]!r} 与 {label!r}")
        chart.labels[nid], chart.shapes[nid] = label, shape
    elif nid not in chart.labels:
        chart.labels[nid], chart.shapes[nid] = nid, "box"


def parse_mermaid(text: str) -> FlowChart:
    """Parse ``graph TB`` / ``graph LR`` text with one ``X --> Y`` edge per line."""
    if not isinstance(text, str):
        raise ValueError(f"text 应是字符串，收到 {type(text).__name__}")
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines or not re.match(r"^(graph|flowchart)\s+(TB|TD|LR|BT|RL)$", lines[0]):
        raise ValueError("第一行应是 'graph TB' 之类的图声明")
    chart = FlowChart()
    for i, ln in enumerate(lines[1:], start=2):
        m = _EDGE.match(ln)
        if m is None:
            raise ValueError(f"第 {i} 行不是能识别的边（形如 A[文字] --> B{{文字}}）：{ln!r}")
        a, a_box, a_dia, label, b, b_box, b_dia = m.groups()
        _add_node(chart, a, a_box, a_dia)
        _add_node(chart, b, b_box, b_dia)
        chart.edges.append((a, b, label or ""))
    return chart


def layered_layout(chart: FlowChart, root: str) -> dict[str, tuple[float, float]]:
    """Positions ``(x, y)``: ``y = -depth`` (breadth-first depth from ``root``); siblings side by side."""
    if root not in chart.labels:
        raise ValueError(f"root {root!r} 不是图中的节点")
    depth = {root: 0}
    queue = [root]
    while queue:
        n = queue.pop(0)
        for s in chart.successors(n):
            if s not in depth:
                depth[s] = depth[n] + 1
                queue.append(s)
    missing = [n for n in chart.labels if n not in depth]
    if missing:
        raise ValueError(f"从 {root} 出发到不了这些节点：{missing}")
    pos = {}
    for d in sorted(set(depth.values())):
        row = [n for n in chart.labels if depth[n] == d]
        for j, n in enumerate(row):
            pos[n] = (j - (len(row) - 1) / 2, -float(d))
    return pos


def draw_flowchart(ax, chart: FlowChart, pos: dict[str, tuple[float, float]], *,
                   highlight: dict[str, str] | None = None, fontsize: float = 9,
                   back_color: str = "#c0392b") -> None:
    """Draw boxes (steps), diamonds (decisions) and labelled arrows on ``ax``.

    Edges that go down are straight; edges within a row go side to side; edges
    that go back up (loops) are routed around the right-hand side in
    ``back_color``. ``highlight`` maps node ids to a face colour (e.g. the dead
    ends in red).
    """
    from matplotlib.patches import FancyBboxPatch, Polygon

    missing = [n for n in chart.labels if n not in pos]
    if missing:
        raise ValueError(f"pos 缺少这些节点的位置：{missing}")
    highlight = highlight or {}
    w, h = 0.42, 0.22
    for a, b, label in chart.edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        if y1 < y0:          # forward edge: from the bottom of a to the top of b
            start, end, style, color = (x0, y0 - h), (x1, y1 + h), "arc3", "0.3"
            where = ((x0 + x1) / 2, (y0 + y1) / 2)
        elif y1 == y0:       # same row: side to side
            sgn = 1 if x1 > x0 else -1
            start, end, style, color = (x0 + sgn * w, y0), (x1 - sgn * w, y1), "arc3", back_color
            where = ((x0 + x1) / 2, y0 + 0.12)
        else:                # back edge (a loop): routed around the right-hand side
            arm = 25 + 12 * (y1 - y0)
            start, end, color = (x0 + w, y0), (x1 + w, y1), back_color
            style = f"arc,angleA=0,angleB=0,armA={arm:.0f},armB={arm:.0f},rad=6"
            where = (max(x0, x1) + w + 0.08 + 0.02 * (y1 - y0), (y0 + y1) / 2)
        ax.annotate("", xy=end, xytext=start,
                    arrowprops=dict(arrowstyle="->", color=color, lw=1, connectionstyle=style))
        if label:
            ax.text(*where, label, ha="center", va="center", fontsize=fontsize - 1,
                    color="0.2", bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    for n, (x, y) in pos.items():
        face = highlight.get(n, "#dbe9f6" if chart.shapes[n] == "box" else "#fdf0d5")
        if chart.shapes[n] == "diamond":
            patch = Polygon([(x - w, y), (x, y + h), (x + w, y), (x, y - h)], closed=True,
                            fc=face, ec="0.3")
        else:
            patch = FancyBboxPatch((x - w, y - h * 0.75), 2 * w, 1.5 * h,
                                   boxstyle="round,pad=0.02", fc=face, ec="0.3")
        ax.add_patch(patch)
        ax.text(x, y, chart.labels[n], ha="center", va="center", fontsize=fontsize)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 1.0)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
