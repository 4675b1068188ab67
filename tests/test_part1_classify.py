"""Tests of book.part1.classify: hand-written metrics against scikit-learn, and the Keras/PyTorch twin."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

import book  # noqa: F401  (before TensorFlow: quiet logs)
from book.part1.classify import (auc_rank, build_keras_classifier, roc_points,
                                  torch_adam_like, torch_twin, train_keras_full_batch)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ties", [False, True])
def test_roc_and_auc_match_sklearn(seed, ties):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    s = rng.normal(size=200) + y
    if ties:
        s = np.round(s, 1)  # many tied scores
    fpr, tpr, thr = roc_points(y, s)
    f_sk, t_sk, th_sk = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, f_sk)
    np.testing.assert_allclose(tpr, t_sk)
    np.testing.assert_allclose(thr[1:], th_sk[1:])
    auc = roc_auc_score(y, s)
    assert abs(np.trapezoid(tpr, fpr) - auc) < 1e-12
    assert abs(auc_rank(y, s) - auc) < 1e-12


def test_auc_small_example_by_hand():
    s, y = [0.9, 0.8, 0.8, 0.3], [1, 0, 1, 0]
    f, t, th = roc_points(y, s)
    np.testing.assert_allclose(f, [0, 0, 0.5, 1])
    np.testing.assert_allclose(t, [0, 0.5, 1, 1])
    assert th[0] == np.inf
    assert auc_rank(y, s) == np.trapezoid(t, f) == 0.875


@pytest.mark.parametrize("bad", [
    lambda: roc_points([0, 1, 2], [0.1, 0.2, 0.3]),
    lambda: roc_points([1, 1], [0.1, 0.2]),
    lambda: roc_points([0, 1], [0.1]),
    lambda: roc_points([0, 1], [0.1, np.nan]),
    lambda: roc_points([], []),
    lambda: auc_rank([0, 0], [0.1, 0.2]),
    lambda: build_keras_classifier(0),
    lambda: build_keras_classifier(3, hidden=-1),
])
def test_bad_inputs_raise_value_error(bad):
    with pytest.raises(ValueError):
        bad()


@pytest.mark.parametrize("hidden", [0, 4])
def test_twin_has_same_outputs(hidden):
    import torch

    model = build_keras_classifier(5, hidden=hidden, seed=3)
    x = np.random.default_rng(0).normal(size=(16, 5)).astype(np.float32)
    p_keras = model.predict(x, verbose=0).ravel()
    twin = torch_twin(model)
    with torch.no_grad():
        p_torch = torch.sigmoid(twin(torch.as_tensor(x))).numpy().ravel()
    np.testing.assert_allclose(p_keras, p_torch, atol=1e-6)
    # same seed, same initial weights
    again = build_keras_classifier(5, hidden=hidden, seed=3)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_twin_rejects_other_layers():
    import keras

    m = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="tanh"),
                          keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError):
        torch_twin(m)
    with pytest.raises(ValueError):
        torch_adam_like(keras.optimizers.SGD(), [])


def test_keras_full_batch_training_matches_torch():
    import keras
    import torch

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * rng.normal(size=60) > 0).astype(np.float32)
    model = build_keras_classifier(4, seed=0)
    twin = torch_twin(model)
    k_opt = keras.optimizers.Adam(learning_rate=0.05)
    hist, best = train_keras_full_batch(model, k_opt, X[:40], y[:40], epochs=50,
                                        X_val=X[40:], y_val=y[40:], restore_best=True)
    assert 1 <= best <= 50 and len(hist.val_loss) == 50
    assert hist.val_loss[best - 1] == min(hist.val_loss)
    t_opt = torch_adam_like(k_opt, twin.parameters())
    assert t_opt.defaults["eps"] == pytest.approx(1e-7)
    t_hist = book.train_torch(twin, torch.nn.BCEWithLogitsLoss(), t_opt, X[:40], y[:40, None],
                              epochs=best, X_val=X[40:], y_val=y[40:, None], progress_bar=False)
    np.testing.assert_allclose(hist.train_loss[:best], t_hist.train_loss, atol=1e-5)
    np.testing.assert_allclose(hist.val_loss[:best], t_hist.val_loss, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0].ravel(),
                               twin[0].weight.detach().numpy().ravel(), atol=1e-4)


def test_keras_full_batch_checks_arguments():
    import keras

    model = build_keras_classifier(2)
    opt = keras.optimizers.Adam()
    X, y = np.zeros((4, 2)), np.zeros(4)
    with pytest.raises(ValueError):
        train_keras_full_batch(model, opt, X, y, epochs=0)
    with pytest.raises(ValueError):
        train_keras_full_batch(model, opt, X, y, epochs=2, X_val=X)
    with pytest.raises(ValueError):
        train_keras_full_batch(model, opt, X, y, epochs=2, restore_best=True)
    with pytest.raises(ValueError):
        train_keras_full_batch(model, opt, X, y[:3], epochs=2)
