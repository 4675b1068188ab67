"""English number phrases and Chinese numerals for 0–9999: the generated translation task of Part IV, chapter 3.

``english(3005) == "three thousand and five"`` and ``chinese(3005) == "三千零五"``. The rules
(British "and" before the last two digits; 零 for every run of zeros inside the number; 十 rather
than 一十 for 10–19; 二 rather than 两 everywhere) are documented in the chapter
``chapters/part4/03_math``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ONES", "TENS", "CN_DIGITS", "english", "chinese", "make_pairs"]

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
CN_DIGITS = "零一二三四五六七八九"
_CN_UNITS = ["千", "百", "十", ""]
MAX_NUMBER = 9999


def _check(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"n 应为 0 到 {MAX_NUMBER} 之间的整数，收到 {n!r}")
    return int(n)


def _below_100(n: int) -> list[str]:
    if n < 20:
        return [ONES[n]]
    tens, ones = divmod(n, 10)
    return [TENS[tens]] + ([ONES[ones]] if ones else [])


def english(n: int) -> str:
    """British English words for ``n`` (0–9999), e.g. ``"two hundred and forty one"`` (no hyphens)."""
    n = _check(n)
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    hundreds, last = divmod(rest, 100)
    words: list[str] = []
    if thousands:
        words += [ONES[thousands], "thousand"]
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if last:
        if words:
            words.append("and")
        words += _below_100(last)
    return " ".join(words)


def chinese(n: int) -> str:
    """整数 ``n``（0–9999）的中文读法。

    Chinese numeral for ``n`` (0–9999), e.g. ``chinese(1010) == "一千零一十"``,
    ``chinese(15) == "十五"``."""
    n = _check(n)
    if n == 0:
        return "零"
    if 10 <= n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    digits = [int(c) for c in f"{n:04d}"]
    first = next(i for i, d in enumerate(digits) if d)
    out: list[str] = []
    pending_zero = False
    for d, unit in zip(digits[first:], _CN_UNITS[first:]):
        if d == 0:
            pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(CN_DIGITS[d] + unit)
    return "".join(out)


def make_pairs(numbers) -> list[tuple[list[str], list[str]]]:
    """(English tokens, Chinese characters) for each number: the model's source and target sequences."""
    return [(english(int(n)).split(), list(chinese(int(n)))) for n in numbers]
