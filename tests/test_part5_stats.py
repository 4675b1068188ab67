"""Tests of book.part5.stats.t_interval (the t-interval over seeds used by Part V)."""
from __future__ import annotations

import numpy as np
import pytest

from book.part5.stats import t_interval


def test_t_interval_matches_hand_computation():
    r = t_interval([1.0, 2.0, 3.0, 4.0])
    sd = np.std([1, 2, 3, 4], ddof=1)
    assert r.mean == 2.5 and r.n == 4 and abs(r.sd - sd) < 1e-12      # sample sd, not ddof=0
    half = 3.182446305284263 * sd / 2                                  # t_{0.975, 3}
    assert abs(r.lo - (2.5 - half)) < 1e-9 and abs(r.hi - (2.5 + half)) < 1e-9


def test_t_interval_narrows_with_level_and_n():
    x = np.random.default_rng(0).normal(size=30)
    wide, narrow = t_interval(x, 0.99), t_interval(x, 0.8)
    assert wide.lo < narrow.lo < narrow.hi < wide.hi
    assert t_interval(x[:5]).hi - t_interval(x[:5]).lo > t_interval(x).hi - t_interval(x).lo


def test_t_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="至少需要 2 个"):
        t_interval([1.0])
    with pytest.raises(ValueError, match="NaN"):
        t_interval([1.0, float("nan")])
    with pytest.raises(ValueError, match="置信水平"):
        t_interval([1.0, 2.0], level=1.0)
