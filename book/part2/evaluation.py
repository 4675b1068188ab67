"""Rational evaluation: intervals over seeds and bootstrap intervals over test samples.

Defined for chapter ``chapters/part2/01_background`` and reused by the other
chapters of Part II.

* :func:`seed_interval` summarises a claim measured over several seeds: mean
  and a Student-t confidence interval of the mean.
* :func:`bootstrap_ci` is the percentile bootstrap interval of a statistic of
  one sample (for example the accuracy on a test set).
* :func:`paired_bootstrap_diff` resamples the *same* test rows for two models
  and gives the interval of the difference of their mean scores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._checks import check_fraction, check_positive_int

__all__ = ["Interval", "seed_interval", "bootstrap_ci", "paired_bootstrap_diff"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval ``[low, high]``."""

    estimate: float
    low: float
    high: float

    def excludes(self, value: float = 0.0) -> bool:
        """True when ``value`` lies outside the interval."""
        return not (self.low <= value <= self.high)

    @property
    def half_width(self) -> float:
        return 0.5 * (self.high - self.low)


def _as_1d(name: str, values, minimum: int = 2) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or len(a) < minimum:
        raise ValueError(f"{name} 应是至少 {minimum} 个数的一维数组，收到形状 {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} 中有 NaN 或无穷大")
    return a


def seed_interval(values, level: float = 0.95) -> Interval:
    """Mean of ``values`` (one per seed) and its Student-t interval at confidence ``level``."""
    from scipy import stats

    a = _as_1d("values", values)
    check_fraction("level", level)
    mean = float(a.mean())
    se = float(a.std(ddof=1) / np.sqrt(len(a)))
    t = float(stats.t.ppf(0.5 + level / 2, df=len(a) - 1))
    return Interval(mean, mean - t * se, mean + t * se)


def bootstrap_ci(values,
                 statistic: Callable[[np.ndarray], np.ndarray] | None = None,
                 *, n_boot: int = 2000, level: float = 0.95,
                 seed: int = 0) -> Interval:
    """一个样本的 ``statistic``（默认均值）的百分位自助法区间。

    Percentile bootstrap interval of ``statistic`` (default: the mean) of one
    sample.

    ``statistic`` receives an array of shape ``(n_boot, n)`` (one resample per
    row) and must return ``n_boot`` numbers.
    """
    a = _as_1d("values", values)
    check_positive_int("n_boot", n_boot, minimum=100)
    check_fraction("level", level)
    stat = statistic if statistic is not None else (lambda s: s.mean(axis=1))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(n_boot, len(a)))
    boots = np.asarray(stat(a[idx]), dtype=float)
    if boots.shape != (n_boot,):
        raise ValueError("statistic 应对每个重采样返回一个数"
                         f"（形状 ({n_boot},)），收到 {boots.shape}")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha])
    est = np.asarray(stat(a[None, :]), dtype=float).ravel()[0]
    return Interval(float(est), float(lo), float(hi))


def paired_bootstrap_diff(scores_a, scores_b, *, n_boot: int = 2000,
                          level: float = 0.95, seed: int = 0) -> Interval:
    """两个模型在同一批行上打分时 ``mean(scores_b) - mean(scores_a)`` 的区间。
    重抽样按行进行、成对保留，两个模型同对同错的行不增加噪声。

    Interval of ``mean(scores_b) - mean(scores_a)`` when both are scored on the
    same rows.

    ``scores_a[i]`` and ``scores_b[i]`` are the two models' scores on test row
    ``i`` (1/0 for right/wrong gives accuracy). Resampling rows keeps the pairs
    together, so what both models get right or wrong does not add noise.
    """
    a = _as_1d("scores_a", scores_a)
    b = _as_1d("scores_b", scores_b)
    if a.shape != b.shape:
        raise ValueError("scores_a 与 scores_b 应等长（同一批测试样本），"
                         f"收到 {a.shape} 与 {b.shape}")
    return bootstrap_ci(b - a, n_boot=n_boot, level=level, seed=seed)
