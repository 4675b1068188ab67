"""Input checks shared by the ``book`` modules: each raises ``ValueError`` saying what was expected."""
from __future__ import annotations

import numpy as np


def check_positive_int(name: str, v: int, minimum: int = 1) -> int:
    """``v`` must be an integer (not a bool) of at least ``minimum``; returns it as ``int``."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        want = "正整数" if minimum == 1 else f"不小于 {minimum} 的整数"
        raise ValueError(f"{name} 应为{want}，收到 {v!r}")
    return int(v)


def check_fraction(name: str, v: float, *, closed_low: bool = False) -> None:
    """``v`` must be a share in ``(0, 1)``, or in ``[0, 1)`` with ``closed_low=True``."""
    ok = isinstance(v, (int, float, np.floating)) and not isinstance(v, bool)
    low_ok = ok and (v >= 0 if closed_low else v > 0)
    if not (ok and low_ok and v < 1):
        interval = "[0, 1)" if closed_low else "(0, 1)"
        raise ValueError(f"{name} 应是 {interval} 内的比例，收到 {v!r}")


def _is_real(v) -> bool:
    return (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            and bool(np.isfinite(v)))


def check_positive(name: str, v: float) -> float:
    """``v`` must be a finite real number ``> 0`` (the one rule for learning rates, eps, scales)."""
    if not (_is_real(v) and v > 0):
        raise ValueError(f"{name} 应为有限的正数，收到 {v!r}")
    return float(v)


def check_nonnegative(name: str, v: float) -> float:
    """``v`` must be a finite real number ``>= 0``."""
    if not (_is_real(v) and v >= 0):
        raise ValueError(f"{name} 应为有限的非负数，收到 {v!r}")
    return float(v)


def check_decay(name: str, v: float) -> float:
    """``v`` must be a decay rate in ``[0, 1)`` (momentum, Adam's beta1/beta2)."""
    if not (_is_real(v) and 0 <= v < 1):
        raise ValueError(f"{name} 应在 [0, 1) 内，收到 {v!r}")
    return float(v)


def check_rows(X, y, what: str = "") -> int:
    """``X`` and ``y`` must have the same, non-zero number of rows; returns that number.

    ``what`` names the data in the message (e.g. ``"训练集"``).
    """
    where = f"{what}：" if what else ""
    n_x, n_y = len(X), len(y)
    if n_x != n_y:
        raise ValueError(f"{where}X 有 {n_x} 行而 y 有 {n_y} 行，二者应相同")
    if n_x == 0:
        raise ValueError(f"{where}数据为空")
    return n_x
