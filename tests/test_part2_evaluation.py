"""book.part2.evaluation: seed intervals and bootstrap intervals."""
import numpy as np
import pytest
from scipy import stats

from book.part2.evaluation import Interval, bootstrap_ci, paired_bootstrap_diff, seed_interval


def test_seed_interval_matches_the_t_formula():
    v = np.array([0.1, 0.3, 0.2, 0.5, 0.4])
    ci = seed_interval(v)
    half = stats.t.ppf(0.975, 4) * v.std(ddof=1) / np.sqrt(5)
    assert ci.estimate == pytest.approx(0.3)
    assert ci.low == pytest.approx(0.3 - half) and ci.high == pytest.approx(0.3 + half)
    assert ci.excludes(0.0) and not ci.excludes(0.3)


def test_bootstrap_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(0)
    hits = [bootstrap_ci(rng.normal(1.0, 1.0, 200), n_boot=500, seed=s).excludes(1.0) for s in range(200)]
    assert 0.01 < np.mean(hits) < 0.12          # 约 5% 的区间不含真值


def test_bootstrap_statistic_and_estimate():
    v = np.arange(10.0)
    ci = bootstrap_ci(v, lambda s: np.median(s, axis=1))
    assert ci.estimate == pytest.approx(4.5) and ci.low <= 4.5 <= ci.high


def test_paired_is_narrower_than_unpaired_when_models_agree():
    rng = np.random.default_rng(1)
    a = (rng.random(500) < 0.8).astype(float)
    b = a.copy()
    flip = rng.choice(500, 10, replace=False)
    b[flip] = 1 - b[flip]
    paired = paired_bootstrap_diff(a, b)
    i, j = rng.integers(0, 500, (2, 2000, 500))
    unpaired = np.quantile(b[j].mean(1) - a[i].mean(1), [0.025, 0.975])
    assert paired.high - paired.low < 0.5 * (unpaired[1] - unpaired[0])
    assert paired.estimate == pytest.approx(b.mean() - a.mean())


def test_bad_input_is_reported():
    with pytest.raises(ValueError, match="至少 2 个数"):
        seed_interval([1.0])
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_ci([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="等长"):
        paired_bootstrap_diff([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="level"):
        seed_interval([1.0, 2.0], level=1.5)
    with pytest.raises(ValueError, match="一个数"):
        bootstrap_ci([1.0, 2.0, 3.0], lambda s: s)
    assert Interval(0.0, -1.0, 1.0).half_width == 1.0
