"""A glue helper that works in the book build, in Jupyter and on Colab.

In the built book it calls ``myst_nb.glue`` so that ``{glue:text}`name``` in
the prose shows the computed value, and shows nothing under the cell. Outside the
build (JupyterLab, Colab, an exported notebook) it also prints one compact line with
the values it recorded, ``glue: p1_acc = 0.9731``, so that a reader who edits a cell
sees their own numbers; the build is recognised by ``BOOK_QUIET=1`` (set by the build
and the tests, see :mod:`book._env`). NumPy scalars and 0-d arrays are turned into plain
Python numbers first: myst-nb cannot render ``np.float64(...)`` reprs.
"""
from __future__ import annotations

import numbers
import re
from typing import Any

GLUED: dict[str, Any] = {}
#: Names glued with ``measured=True``: values that measure this machine (times, throughput and
#: what is computed from them). They differ between two runs; every other glued value must not.
MEASURED: set[str] = set()
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def to_python(value: Any) -> Any:
    """Convert NumPy/PyTorch scalars and 0-d arrays to plain ``int``/``float``/``bool``."""
    if hasattr(value, "detach") and hasattr(value, "numel"):  # torch tensor
        if value.numel() != 1:
            raise ValueError(f"只能 glue 单个数值，收到形状为 {tuple(value.shape)} 的张量")
        value = value.detach().cpu().item()
    if hasattr(value, "shape") and hasattr(value, "item") and not isinstance(value, (int, float)):
        if getattr(value, "size", 1) != 1:
            raise ValueError(f"只能 glue 单个数值，收到形状为 {tuple(value.shape)} 的数组")
        value = value.item()
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _shown(value: Any) -> str:
    """A glued value as one short piece of text: 4 significant digits for floats."""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _announce(values: dict[str, Any]) -> None:
    """Outside the build, print the values one glue call recorded on one line."""
    from ._env import quiet

    if quiet():
        return
    print("glue: " + " · ".join(f"{k} = {_shown(v)}" for k, v in values.items()))


def glue(name: str, value: Any, display: bool = False, *, measured: bool = False) -> None:
    """Glue ``value`` under ``name`` for the prose: ``{glue:text}`name:.3f``` shows it.

    Returns ``None``, so that a cell ending with it echoes nothing; ``display=False``
    (the default) keeps myst-nb from printing the value under the cell too. Read
    the converted value back with :func:`glued`. ``measured=True`` marks a value that
    measures the machine (a time, a throughput, or anything computed from one): it differs
    from run to run, while every other glued value is fixed by the chapter's seeds.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"glue 名称应为字母开头的标识符（可含 - 与 _），收到 {name!r}")
    _record(name, value, measured=measured, display=display)
    _announce({name: GLUED[name]})


def _record(name: str, value: Any, *, measured: bool, display: bool = False) -> None:
    value = to_python(value)
    GLUED[name] = value
    if measured:
        MEASURED.add(name)
    else:
        MEASURED.discard(name)
    try:
        from myst_nb import glue as _mystnb_glue
    except ImportError:  # Colab or plain Jupyter without myst-nb
        return None
    _mystnb_glue(name, value, display=display)
    return None


def glued(name: str) -> Any:
    """The value last glued under ``name`` (plain Python number), for asserts and reuse."""
    if name not in GLUED:
        raise KeyError(f"还没有 glue 过名为 {name!r} 的值；已有：{sorted(GLUED)[:10]}")
    return GLUED[name]


def glue_many(*, measured: bool = False, **values: Any) -> None:
    """Glue several values at once: ``glue_many(acc=0.97, loss=0.1)``. Returns ``None``,
    so that nothing is echoed under the cell. ``measured=True`` marks them all as
    measurements of the machine (see :func:`glue`)."""
    if not values:
        raise ValueError("glue_many 至少需要一个 name=value")
    for name in values:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"glue 名称应为字母开头的标识符（可含 - 与 _），收到 {name!r}")
    for name, value in values.items():
        _record(name, value, measured=measured)
    _announce({name: GLUED[name] for name in values})
