"""Plot set-up shared by every chapter: a CJK font that ships with the requirements, one style.

The font is Noto Sans SC from the PyPI package ``justmytype-intl-cjk``. It is a
variable font, which matplotlib registers with weight 100; we register it
with weight 400 ("normal") so that matplotlib's font matching finds it
without a "Failed to find font weight normal" warning.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

FONT_NAME = "Noto Sans SC"
FIGSIZE = (6.0, 3.8)


def cjk_font_path() -> Path:
    """Path of the Noto Sans SC file shipped by ``justmytype-intl-cjk``."""
    try:
        import justmytype_intl_cjk
    except ImportError as err:  # pragma: no cover - it is a requirement
        raise ImportError("缺少中文字体包：请先 pip install -r requirements.txt（含 justmytype-intl-cjk）") from err
    root = Path(justmytype_intl_cjk.__file__).resolve().parent
    hits = sorted(root.rglob("NotoSansSC*.ttf")) + sorted(root.rglob("NotoSansSC*.otf"))
    if not hits:
        raise FileNotFoundError(f"在 {root} 中找不到 Noto Sans SC 字体文件")
    return hits[0]


def register_cjk_font() -> str:
    """Register Noto Sans SC with matplotlib (idempotent) and return its family name."""
    from matplotlib import font_manager as fm

    path = str(cjk_font_path())
    mgr = fm.fontManager
    if not any(e.fname == path for e in mgr.ttflist):
        mgr.addfont(path)
    mgr.ttflist = [dataclasses.replace(e, weight=400) if e.fname == path else e for e in mgr.ttflist]
    name = fm.FontProperties(fname=path).get_name()
    mgr._findfont_cached.cache_clear()  # matching results cached before the fix are stale
    return name


def use_book_style(figsize: tuple[float, float] = FIGSIZE, dpi: int = 100) -> None:
    """Apply the book's plot style: CJK font, sizes, grid; call once at the top of a chapter."""
    if len(figsize) != 2 or min(figsize) <= 0:
        raise ValueError(f"figsize 应为两个正数 (宽, 高)，收到 {figsize!r}")
    if dpi <= 0:
        raise ValueError(f"dpi 应为正数，收到 {dpi!r}")
    import matplotlib as mpl

    name = register_cjk_font()
    mpl.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [name, "DejaVu Sans"],
        "axes.unicode_minus": False,  # ASCII hyphen-minus: present in every font
        "figure.figsize": figsize,
        "figure.dpi": dpi,
        "savefig.dpi": 2 * dpi,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "figure.constrained_layout.use": True,
        "svg.fonttype": "path",  # glyphs as outlines: the reader's browser needs no CJK font
    })
    _inline_svg()


def _inline_svg() -> None:
    """In Jupyter (and in the book build), show figures as SVG: sharp at any width, on any screen."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to configure
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg")


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, **kw):
    """``plt.subplots`` with the book's style applied and a size that scales with the grid."""
    if nrows <= 0 or ncols <= 0:
        raise ValueError(f"nrows 与 ncols 应为正整数，收到 {nrows}, {ncols}")
    import matplotlib.pyplot as plt

    use_book_style()
    if figsize is None:
        figsize = (min(FIGSIZE[0] * ncols * 0.85, 12.0), FIGSIZE[1] * nrows * 0.9)
    return plt.subplots(nrows, ncols, figsize=figsize, **kw)
