"""Unit tests of :mod:`book.part1.apps` (generators and helpers of chapter 05_applications)."""
from __future__ import annotations

import numpy as np
import pytest

from book.part1.apps import (FAULT_DECOUPLE, FAULT_NONE, FAULT_SPIKE, lag_matrix, make_fraud_data,
                       make_random_walk, make_ratings, make_sensor_data, make_traffic_series,
                       traffic_profile)


# --- fraud ------------------------------------------------------------------
def test_fraud_shape_rate_and_seed():
    X, y = make_fraud_data(5000, pos_rate=0.02, n_features=8, seed=3)
    assert X.shape == (5000, 8) and y.shape == (5000,)
    assert y.sum() == 100
    X2, y2 = make_fraud_data(5000, pos_rate=0.02, n_features=8, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_fraud_signal_is_where_the_docstring_says():
    X, y = make_fraud_data(40000, pos_rate=0.1, shift=2.0, seed=0)
    pos, neg = X[y == 1], X[y == 0]
    diff = pos.mean(axis=0) - neg.mean(axis=0)
    # half the frauds shift features 0-2 by +2, the other half 3,4 by +2 and 5 by -2
    assert np.allclose(diff[:5], 1.0, atol=0.1) and abs(diff[5] + 1.0) < 0.1
    assert np.all(np.abs(diff[6:]) < 0.1)
    assert np.allclose(neg.std(axis=0), 1.0, atol=0.05)


@pytest.mark.parametrize("kw", [dict(n=5), dict(pos_rate=0.0), dict(pos_rate=1.0), dict(n_features=5),
                                dict(shift=-1.0)])
def test_fraud_rejects_bad_input(kw):
    with pytest.raises(ValueError):
        make_fraud_data(**kw)


# --- traffic ----------------------------------------------------------------
def test_traffic_profile_has_rush_hours_on_weekdays_only():
    how = np.arange(168)
    p = traffic_profile(how)
    monday = p[:24]
    assert monday.argmax() == 8 and monday[17] > 500 and monday[3] < 200
    saturday = p[5 * 24:6 * 24]
    assert saturday.argmax() == 14 and saturday.max() < 500
    with pytest.raises(ValueError):
        traffic_profile(np.array([168]))


def test_traffic_noise_is_ar1_with_stated_sd():
    how, y = make_traffic_series(60, noise_sd=40.0, ar=0.8, seed=1)
    assert len(y) == 60 * 168 and np.array_equal(how[:170], np.arange(170) % 168)
    e = y - traffic_profile(how)
    assert abs(e.std() - 40.0) < 4.0
    assert abs(np.corrcoef(e[1:], e[:-1])[0, 1] - 0.8) < 0.05


@pytest.mark.parametrize("kw", [dict(n_weeks=1), dict(ar=1.0), dict(noise_sd=-1.0)])
def test_traffic_rejects_bad_input(kw):
    with pytest.raises(ValueError):
        make_traffic_series(**kw)


def test_lag_matrix_aligns_lags_and_targets():
    y = np.arange(10.0)
    X, target, t = lag_matrix(y, [1, 3])
    assert t[0] == 3 and np.array_equal(target, y[3:])
    assert np.array_equal(X[:, 0], target - 1) and np.array_equal(X[:, 1], target - 3)
    X2, target2, t2 = lag_matrix(y, [1], horizon=2)
    assert np.array_equal(X2[:, 0], target2 - 2) and t2[0] == 2


@pytest.mark.parametrize("args", [(np.ones((3, 2)), [1]), (np.arange(5.0), []), (np.arange(5.0), [0]),
                                  (np.arange(5.0), [5])])
def test_lag_matrix_rejects_bad_input(args):
    with pytest.raises(ValueError):
        lag_matrix(*args)


def test_random_walk_steps_are_iid():
    p = make_random_walk(20000, sigma=2.0, start=50.0, seed=0)
    assert p[0] == 50.0
    d = np.diff(p)
    assert abs(d.std() - 2.0) < 0.05 and abs(np.corrcoef(d[1:], d[:-1])[0, 1]) < 0.03
    with pytest.raises(ValueError):
        make_random_walk(1)


# --- sensors ----------------------------------------------------------------
def test_sensor_data_normal_has_no_faults_and_strong_correlations():
    d = make_sensor_data(2000, seed=0)
    assert d.X.shape == (2000, 6) and len(d.names) == 6
    assert np.all(d.fault == FAULT_NONE) and np.all(d.sensor == -1) and d.is_fault.sum() == 0
    c = np.corrcoef(d.X.T)
    assert c[0, 4] > 0.9 and c[0, 3] < -0.9      # current vs speed, current vs oil pressure


def test_sensor_faults_are_what_the_docstring_says():
    d = make_sensor_data(4000, fault_rate=0.1, spike_share=0.5, seed=2)
    dec, spk = d.fault == FAULT_DECOUPLE, d.fault == FAULT_SPIKE
    assert 0.07 < (dec | spk).mean() < 0.13 and dec.sum() > 100 and spk.sum() > 100
    assert np.all(d.sensor[dec | spk] >= 0)
    again = make_sensor_data(4000, fault_rate=0.1, spike_share=0.5, seed=2)
    assert np.array_equal(again.X, d.X) and np.array_equal(again.fault, d.fault)   # same seed, same data
    normal = d.X[d.fault == FAULT_NONE]
    lo, hi = normal.min(axis=0), normal.max(axis=0)
    for i in np.flatnonzero(dec):                # a decoupled reading is an ordinary value of its sensor
        j = d.sensor[i]
        assert lo[j] <= d.X[i, j] <= hi[j]
    z = (d.X - normal.mean(axis=0)) / normal.std(axis=0)
    assert np.all(np.abs(z[spk, d.sensor[spk]]) > 3)


@pytest.mark.parametrize("kw", [dict(n=3), dict(fault_rate=1.0), dict(spike_share=1.5), dict(noise=-0.1)])
def test_sensor_rejects_bad_input(kw):
    with pytest.raises(ValueError):
        make_sensor_data(**kw)


# --- ratings ----------------------------------------------------------------
def test_ratings_cover_every_user_and_item_and_stay_in_range():
    r = make_ratings(50, 40, rank=2, density=0.05, seed=0)
    assert set(r.user) == set(range(50)) and set(r.item) == set(range(40))
    assert r.rating.min() >= 1 and r.rating.max() <= 5 and len(r) == len(r.user)
    sub = r.subset(np.arange(10))
    assert len(sub) == 10 and sub.n_users == 50


def test_ratings_are_low_rank_plus_noise():
    r = make_ratings(200, 150, rank=2, density=0.999, noise_sd=0.0, seed=1)
    M = np.full((200, 150), np.nan)
    M[r.user, r.item] = r.rating
    inside = (M > 1) & (M < 5)                    # ignore clipped entries
    assert inside.mean() > 0.8
    M = np.where(np.isnan(M), np.nanmean(M), M)
    s = np.linalg.svd(M - M.mean(), compute_uv=False)
    # biases add rank <= 2, tastes rank 2: the spectrum drops after about 4 values
    assert s[5] < 0.15 * s[0]


@pytest.mark.parametrize("kw", [dict(rank=0), dict(density=0.0), dict(n_users=1), dict(noise_sd=-0.1)])
def test_ratings_reject_bad_input(kw):
    with pytest.raises(ValueError):
        make_ratings(**kw)
