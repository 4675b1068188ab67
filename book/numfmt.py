"""Numbers as a reader of Chinese prose reads them: ``3.15×10²³``, never ``3.15e+23``.

One formatter for every number the prose shows (glued or printed)::

    book.numfmt.num(3.1496e23)      # '3.15×10²³'
    book.numfmt.num(0.000123)       # '1.23×10⁻⁴'
    book.numfmt.num(0.8512, 2)      # '0.85'
    book.numfmt.num(-0.0)           # '0'   (no “-0.000000”)
    book.numfmt.num(12345.6)        # '12346'
    book.numfmt.percent(0.1234)     # '12.3%'
    book.glue("p1_flops", book.numfmt.num(flops))   # {glue:text}`p1_flops` → 3.15×10²³

The result is a :class:`Formatted` string: it shows without quotes under a cell and in
``{glue:text}`` (its ``repr`` is the text itself). Keep the raw number for asserts.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

#: below this magnitude (and at or above LARGE) a number is written as m×10ⁿ
SMALL = 1e-3
LARGE = 1e6


class Formatted(str):
    """A number already written for the prose: ``repr`` shows the text without quotes."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain (cell output, myst-nb glue)
        p.text(str(self))


def _real(x: Any, what: str = "x") -> float:
    if hasattr(x, "item") and getattr(x, "size", 1) == 1 and not isinstance(x, (int, float)):
        x = x.item()  # NumPy / PyTorch scalars
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} 应为实数，收到 {type(x).__name__}：{x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{what} 应为有限实数，收到 {x!r}（正文里的数不该是 nan 或 inf）")
    return x


def _check_digits(digits: Any) -> int:
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 1 <= digits <= 15:
        raise ValueError(f"有效数字位数 digits 应为 1–15 的整数，收到 {digits!r}")
    return int(digits)


def power_of_ten(exponent: int) -> str:
    """``10ⁿ`` with a superscript exponent: ``power_of_ten(-4) == '10⁻⁴'``."""
    return "10" + str(int(exponent)).translate(_SUPERSCRIPT)


def num(x: Any, digits: int = 3) -> Formatted:
    """``x`` for Chinese prose with ``digits`` significant digits.

    * ``SMALL`` ≤ |x| < ``LARGE``: plain decimals, as many as ``digits`` significant digits
      need (integers keep all their digits: 12346, not 1.23×10⁴; an int stays an int);
    * otherwise ``m×10ⁿ`` with ``1 ≤ |m| < 10``;
    * anything that rounds to zero is ``0`` (never ``-0`` or ``-0.000000``)."""
    scalar = x.item() if hasattr(x, "dtype") and getattr(x, "size", 0) == 1 else x
    integral = isinstance(scalar, numbers.Integral) and not isinstance(scalar, bool)
    x = _real(x)
    digits = _check_digits(digits)
    if integral and abs(x) < LARGE:
        return Formatted(str(int(x)))  # counts stay counts: 42, not 42.0
    if x == 0:
        return Formatted("0")
    mag = abs(x)
    exponent = math.floor(math.log10(mag))
    if SMALL <= mag < LARGE:
        decimals = max(0, digits - 1 - exponent)
        text = f"{x:.{decimals}f}"
        if float(text) == 0:
            return Formatted("0")
        return Formatted(text)
    mantissa = round(x / 10 ** exponent, digits - 1)
    if abs(mantissa) >= 10:  # 9.996 → 10.0: carry into the exponent
        mantissa /= 10
        exponent += 1
    if SMALL <= abs(mantissa) * 10.0 ** exponent < LARGE:  # the carry brought it into range
        return num(mantissa * 10.0 ** exponent, digits)
    return Formatted(f"{mantissa:.{digits - 1}f}×{power_of_ten(exponent)}")


def percent(x: Any, digits: int = 3) -> Formatted:
    """A fraction as a percentage for the prose: ``percent(0.1234) == '12.3%'``."""
    return Formatted(num(_real(x) * 100, digits) + "%")


def ratio(x: Any, digits: int = 2) -> Formatted:
    """A ratio “x 倍”-style: like :func:`num` with 2 significant digits by default."""
    return num(x, digits)
