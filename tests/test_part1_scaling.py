"""Unit tests of book.scaling (chapter part1/01_background)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from book.scaling import (MLPFamily, PowerLaw, SineTeacher, column_mse, fit_power_law,
                          make_teacher_task, mlp_param_count, train_mse)


# --- counting -------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[3, 1], [3, 64, 1], [784, 256, 128, 10], [5, 7, 7, 7, 2]])
@pytest.mark.parametrize("bias", [True, False])
def test_param_count_matches_torch(sizes, bias):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b, bias=bias), nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    assert mlp_param_count(sizes, bias=bias) == sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("bad", [[3], [], [3, 0, 1], [3, -2, 1], [3, 2.5, 1], [True, 2]])
def test_param_count_rejects_bad_sizes(bad):
    with pytest.raises(ValueError):
        mlp_param_count(bad)


def test_six_n_d_has_one_implementation():
    # the rule lives in book.cost only (issue 20: one formula, one place)
    import book.cost
    import book.scaling
    assert not hasattr(book.scaling, "training_flops")
    assert book.cost.train_flops(10, 20) == 1200.0


# --- the teacher ------------------------------------------------------------------
@pytest.mark.parametrize("d_in,k,seed", [(3, 32, 0), (1, 4, 1), (5, 16, 2)])
def test_teacher_has_mean_zero_and_unit_variance(d_in, k, seed):
    f = SineTeacher(d_in, k, seed)
    X = np.random.default_rng(123).normal(size=(400_000, d_in))
    v = f(X)
    assert abs(v.mean()) < 0.01
    assert v.var() == pytest.approx(1.0, abs=0.02)


def test_teacher_rejects_bad_input():
    f = SineTeacher(3, 8, 0)
    with pytest.raises(ValueError):
        f(np.zeros((4, 2)))
    with pytest.raises(ValueError):
        SineTeacher(0, 8)


def test_task_shapes_noise_floor_and_reproducibility():
    t = make_teacher_task(100, 50_000, d_in=3, noise_std=0.3, seed=4)
    assert t.X_train.shape == (100, 3) and t.y_train.shape == (100,)
    assert t.X_test.shape == (50_000, 3) and t.X_test.dtype == np.float32
    assert t.noise_var == pytest.approx(0.09)
    assert np.mean((t.y_test - t.clean_test) ** 2) == pytest.approx(0.09, rel=0.03)
    t2 = make_teacher_task(100, 50_000, d_in=3, noise_std=0.3, seed=4)
    assert np.array_equal(t.X_train, t2.X_train) and np.array_equal(t.y_test, t2.y_test)
    with pytest.raises(ValueError):
        make_teacher_task(0, 5)
    for bad in (-1.0, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="noise_std"):
            make_teacher_task(5, 5, noise_std=bad)


# --- the family of networks --------------------------------------------------------------
def test_family_counts_shapes_and_members():
    torch.manual_seed(0)
    fam = MLPFamily(3, [2, 5, 9])
    assert fam.param_counts() == [mlp_param_count([3, h, 1]) for h in (2, 5, 9)]
    assert sum(fam.param_counts()) == sum(p.numel() for p in fam.parameters())
    X = torch.randn(7, 3)
    out = fam(X)
    assert out.shape == (7, 3)
    for j in range(3):
        m = fam.member(j)
        assert sum(p.numel() for p in m.parameters()) == fam.param_counts()[j]
        torch.testing.assert_close(m(X)[:, 0], out[:, j])
    with pytest.raises(ValueError):
        fam.member(3)
    with pytest.raises(ValueError):
        MLPFamily(3, [])
    with pytest.raises(ValueError):
        MLPFamily(3, [4, 0])


def test_family_training_equals_separate_training():
    """Training side by side gives each member exactly the run it would have alone."""
    torch.manual_seed(1)
    task = make_teacher_task(300, 10, d_in=3, seed=1)
    fam = MLPFamily(3, [3, 8, 16]).double()
    alone = [fam.member(j) for j in range(3)]
    train_mse(fam, task.X_train, task.y_train, steps=40, batch_size=64, lr=1e-2, seed=5)
    for j, net in enumerate(alone):
        train_mse(net, task.X_train, task.y_train, steps=40, batch_size=64, lr=1e-2, seed=5)
        for a, b in zip(fam.member(j).parameters(), net.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


def test_train_mse_lowers_the_loss_and_checks_input():
    torch.manual_seed(0)
    task = make_teacher_task(500, 500, d_in=2, n_features=8, noise_std=0.1, seed=0)
    fam = MLPFamily(2, [4, 32])
    before = column_mse(fam, task.X_test, task.y_test)
    after_train = train_mse(fam, task.X_train, task.y_train, steps=300, batch_size=None, lr=2e-2)
    after = column_mse(fam, task.X_test, task.y_test)
    assert after_train.shape == (2,) and np.all(after < before)
    with pytest.raises(ValueError):
        train_mse(fam, task.X_train, task.y_train[:10], steps=1)
    with pytest.raises(ValueError):
        train_mse(fam, task.X_train, task.y_train, steps=0)
    with pytest.raises(ValueError):
        column_mse(fam, task.X_train, task.y_train[:, None])


# --- power laws ---------------------------------------------------------------------
def test_fit_power_law_recovers_exponent():
    x = np.array([10.0, 30, 100, 300, 1000])
    fit = fit_power_law(x, 5.0 * x ** -0.7)
    assert fit.exponent == pytest.approx(-0.7)
    assert fit.coefficient == pytest.approx(5.0)
    assert isinstance(fit, PowerLaw) and fit(10.0) == pytest.approx(5.0 * 10 ** -0.7)


@pytest.mark.parametrize("x,y", [([1, 2], [1, -1]), ([1], [1]), ([1, 2, 3], [1, 2]), ([2, 2], [1, 3])])
def test_fit_power_law_rejects_bad_input(x, y):
    with pytest.raises(ValueError):
        fit_power_law(x, y)
