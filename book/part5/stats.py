"""Mean and t-interval over seeds: the one spread convention of Part V.

Every multi-seed claim of Part V is asserted on the mean of its per-seed values and the 95% Student-t
interval of that mean, with the sample standard deviation (``ddof=1``), so that 01–05 speak the same way.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class Interval(NamedTuple):
    """Mean of per-seed values, its t-interval ``[lo, hi]``, the sample standard deviation and ``n``."""
    mean: float
    lo: float
    hi: float
    sd: float
    n: int


def t_interval(values, level: float = 0.95) -> Interval:
    """平均值及其 t 区间（样本标准差，ddof=1）。``values`` 是每个种子一个数，至少两个、全为有限值。"""
    from scipy import stats

    x = np.asarray(values, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"t 区间至少需要 2 个值，收到 {x.size} 个")
    if not np.all(np.isfinite(x)):
        raise ValueError("t 区间的输入含有 NaN 或无穷大")
    if not 0 < level < 1:
        raise ValueError(f"置信水平 level 应在 (0, 1) 内，收到 {level!r}")
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1)) * sd / math.sqrt(x.size)
    m = float(x.mean())
    return Interval(m, m - half, m + half, sd, int(x.size))
