"""Unit tests of book.part1.optim: each from-scratch rule against torch.optim, plus input checks."""
from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import torch

from book.part1.optim import (AdamState, adam_step, article_adam_step, gd_step, minimize, momentum_step,
                        rosenbrock, rosenbrock_grad)

START = np.array([-1.5, 2.0])


def _torch_path(make_opt, n_steps: int) -> np.ndarray:
    p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = make_opt([p])
    path = [p.detach().clone().numpy()]
    for _ in range(n_steps):
        opt.zero_grad()
        x, y = p[0], p[1]
        ((1 - x) ** 2 + 100 * (y - x**2) ** 2).backward()
        opt.step()
        path.append(p.detach().clone().numpy())
    return np.array(path)


def test_gd_matches_torch_sgd():
    ours = minimize(gd_step, rosenbrock_grad, START, 200, lr=1e-4)
    ref = _torch_path(lambda ps: torch.optim.SGD(ps, lr=1e-4), 200)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_momentum_matches_torch_sgd_momentum():
    ours = minimize(momentum_step, rosenbrock_grad, START, 300, lr=1e-4, momentum=0.9)
    ref = _torch_path(lambda ps: torch.optim.SGD(ps, lr=1e-4, momentum=0.9), 300)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_adam_matches_torch_adam():
    ours = minimize(adam_step, rosenbrock_grad, START, 500, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    ref = _torch_path(lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8), 500)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_article_rule_first_step_adds_g_and_g_squared():
    g = np.array([-2.0, 3.0])
    theta, state = article_adam_step(np.zeros(2), g, None, lr=0.1)
    np.testing.assert_allclose(theta, -0.1 * (g + g**2))
    assert state.t == 1


def test_adam_state_counts_steps_and_inputs_are_not_modified():
    theta = np.array([1.0, 2.0])
    state = None
    for _ in range(3):
        new, state = adam_step(theta, np.ones(2), state)
    assert isinstance(state, AdamState) and state.t == 3
    np.testing.assert_array_equal(theta, [1.0, 2.0])
    assert new.shape == (2,)


def test_scalar_parameters_are_accepted():
    theta, _ = gd_step(1.0, 2.0, lr=0.5)
    np.testing.assert_allclose(theta, [0.0])


def test_rosenbrock_minimum_and_gradient_by_finite_differences():
    assert rosenbrock([1.0, 1.0]) == 0.0
    np.testing.assert_allclose(rosenbrock_grad([1.0, 1.0]), [0.0, 0.0])
    p, h = np.array([-0.7, 0.4]), 1e-6
    fd = [(rosenbrock(p + h * e) - rosenbrock(p - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(rosenbrock_grad(p), fd, rtol=1e-6)
    grid = np.zeros((3, 4, 2))
    assert rosenbrock(grid).shape == (3, 4) and rosenbrock_grad(grid).shape == (3, 4, 2)


def test_minimize_stops_on_divergence_without_overflow():
    with np.errstate(all="raise"):
        path = minimize(partial(article_adam_step), rosenbrock_grad, START, 1000, lr=0.01)
    assert len(path) < 1001
    assert np.all(np.isfinite(path[:-1]))
    assert np.max(np.abs(path[-1])) > 1e6


@pytest.mark.parametrize("kw", [{"lr": 0}, {"lr": -1}, {"lr": 0.1, "beta1": 1.0},
                                {"lr": 0.1, "beta2": -0.1}])
def test_bad_hyperparameters_are_rejected(kw):
    with pytest.raises(ValueError):
        adam_step(np.zeros(2), np.ones(2), None, **kw)


def test_bad_shapes_and_values_are_rejected():
    with pytest.raises(ValueError, match="形状"):
        gd_step(np.zeros(2), np.ones(3), lr=0.1)
    with pytest.raises(ValueError, match="一维"):
        gd_step(np.zeros((2, 2)), np.ones((2, 2)), lr=0.1)
    with pytest.raises(ValueError, match="非有限"):
        gd_step(np.zeros(2), np.array([np.nan, 0.0]), lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        momentum_step(np.zeros(2), np.ones(2), lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="最后一维"):
        rosenbrock([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="n_steps"):
        minimize(gd_step, rosenbrock_grad, START, -1, lr=0.1)
    with pytest.raises(ValueError, match="AdamState"):
        adam_step(np.zeros(2), np.ones(2), state=np.zeros(2))
