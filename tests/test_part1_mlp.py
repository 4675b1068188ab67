"""Unit tests of ``book.part1.mlp`` (the NumPy two-layer perceptron of chapter p1-training-loop)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from book.part1.mlp import (
    KEYS, accuracy, bce_with_logits, copy_params, init_mlp, mlp_backward, mlp_forward, mlp_loss,
    numerical_gradient, predict_proba, relative_error, sgd_step, sigmoid,
)


def _data(n: int = 40, d: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    return X, y


def _torch_grads(params, X, y, activation):
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(X) @ P["W1"] + P["b1"]
    H = torch.tanh(A) if activation == "tanh" else torch.relu(A)
    z = (H @ P["W2"] + P["b2"])[:, 0]
    torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(y)).backward()
    return {k: t.grad.numpy() for k, t in P.items()}


def test_init_shapes_dtype_and_glorot_range():
    p = init_mlp(3, 5, seed=1)
    assert {k: v.shape for k, v in p.items()} == {"W1": (3, 5), "b1": (5,), "W2": (5, 1), "b2": (1,)}
    assert all(v.dtype == np.float64 for v in p.values())
    assert np.abs(p["W1"]).max() <= np.sqrt(6 / 8) and np.abs(p["W2"]).max() <= np.sqrt(6 / 6)
    assert not p["b1"].any() and not p["b2"].any()
    q = init_mlp(3, 5, seed=1)
    assert all(np.array_equal(p[k], q[k]) for k in KEYS)
    assert init_mlp(2, 4, dtype=np.float32)["W1"].dtype == np.float32


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_init_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="正整数"):
        init_mlp(bad, 4)
    with pytest.raises(ValueError, match="正整数"):
        init_mlp(2, bad)


def test_sigmoid_is_stable_and_correct():
    z = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert np.isclose(s[3], 1 / (1 + np.exp(-1.0)))


def test_bce_matches_definition_and_torch():
    z = np.array([-3.0, -0.2, 0.0, 0.7, 4.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    p = sigmoid(z)
    direct = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.isclose(bce_with_logits(z, y), direct, rtol=1e-12)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y))
    assert np.isclose(bce_with_logits(z, y), float(ref), rtol=1e-12)
    assert np.isfinite(bce_with_logits(np.array([1000.0]), np.array([0.0])))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_backward_matches_autograd(activation):
    X, y = _data()
    p = init_mlp(3, 6, seed=2)
    p["b1"] += 0.1  # non-zero biases exercise every term
    _, cache = mlp_forward(p, X, activation)
    assert relative_error(mlp_backward(p, cache, y), _torch_grads(p, X, y, activation)) < 1e-12


def test_backward_matches_finite_differences_tanh():
    X, y = _data()
    p = init_mlp(3, 4, seed=3)
    _, cache = mlp_forward(p, X)
    assert relative_error(mlp_backward(p, cache, y), numerical_gradient(p, X, y)) < 1e-6


def test_sgd_step_is_pure_and_train_lowers_loss():
    X, y = _data(80)
    p0 = init_mlp(3, 8, seed=0)
    before = copy_params(p0)
    p1, losses = p0, []
    for _ in range(200):                       # the chapter's four-line loop
        z, cache = mlp_forward(p1, X)
        losses.append(bce_with_logits(z, y))
        p1 = sgd_step(p1, mlp_backward(p1, cache, y), 0.5)
    assert all(np.array_equal(p0[k], before[k]) for k in KEYS)  # input not modified
    assert len(losses) == 200 and losses[-1] < 0.5 * losses[0]
    assert mlp_loss(p1, X, y) < losses[-1]
    assert accuracy(p1, X, y) > 0.9
    probs = predict_proba(p1, X)
    assert probs.shape == (80,) and np.all((probs > 0) & (probs < 1))


def test_input_checks():
    X, y = _data()
    p = init_mlp(3, 4)
    with pytest.raises(ValueError, match="activation"):
        mlp_forward(p, X, activation="gelu")
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        mlp_forward(p, X[:, :2])
    with pytest.raises(ValueError, match="为空"):
        mlp_forward(p, X[:0])
    with pytest.raises(ValueError, match="键"):
        mlp_forward({"W1": p["W1"]}, X)
    bad = copy_params(p)
    bad["b1"] = np.zeros(5)
    with pytest.raises(ValueError, match="形状"):
        mlp_forward(bad, X)
    with pytest.raises(ValueError, match="0 与 1"):
        mlp_loss(p, X, y + 2)
    with pytest.raises(ValueError, match="行而 y 有"):         # book._checks.check_rows
        mlp_loss(p, X, y[:-1])
    with pytest.raises(ValueError, match="lr"):
        sgd_step(p, p, lr=0.0)
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(p, X, y, eps=0.0)
    with pytest.raises(ValueError, match="键"):
        relative_error({"a": np.zeros(1)}, {"b": np.zeros(1)})


def test_relative_error_basics():
    a = {"x": np.array([1.0, 2.0])}
    assert relative_error(a, a) == 0.0
    assert relative_error({"x": np.zeros(2)}, {"x": np.zeros(2)}) == 0.0
    assert np.isclose(relative_error(a, {"x": np.array([1.0, 2.0]) * (1 + 1e-3)}), 5e-4, rtol=1e-2)
