"""Tests of book.part5.cnn (Keras model, PyTorch twin) and book.part5.intent (generated corpus)."""
from __future__ import annotations

import numpy as np
import pytest

import book  # noqa: F401  (before TensorFlow)
from book.part5.cnn import (batch_order, build_keras_cnn, load_digits_images, n_params, predict_proba_torch,
                            shift_augment, torch_twin, train_keras, train_torch)
from book.part5.intent import TEMPLATES, make_corpus, template_split


def test_digits_and_augment():
    X, y = load_digits_images()
    assert X.shape == (1797, 8, 8, 1) and X.max() <= 1 and len(y) == 1797
    Xa, ya = shift_augment(X[:3], y[:3])
    assert Xa.shape == (15, 8, 8, 1) and (ya[:3] == y[:3]).all()
    assert np.allclose(Xa[3, 1:, :, 0], X[0, :-1, :, 0]) and (Xa[3, 0] == 0).all()   # shifted down by one
    with pytest.raises(ValueError):
        shift_augment(X[:3, :, :, 0], y[:3])


def test_batch_order_covers_each_epoch():
    b = batch_order(10, 4, 2, seed=0)
    assert [len(x) for x in b] == [4, 4, 2, 4, 4, 2]
    assert sorted(np.concatenate(b[:3])) == list(range(10))
    with pytest.raises(ValueError):
        batch_order(10, 0, 1, seed=0)


def test_twin_matches_keras_before_and_after_one_step():
    X, y = load_digits_images()
    X, y = X[:64], y[:64]
    model = build_keras_cnn(seed=1)
    twin = torch_twin(model)
    assert n_params(twin) == n_params(model)
    assert np.allclose(predict_proba_torch(twin, X), model(X).numpy(), atol=1e-5)
    batches = [np.arange(64)]
    lk = train_keras(model, X, y, batches, lr=1e-3)
    lt = train_torch(twin, X, y, batches, lr=1e-3)
    assert abs(lk[0] - lt[0]) < 1e-5
    assert np.allclose(predict_proba_torch(twin, X), model(X).numpy(), atol=1e-3)


def test_corpus_and_template_split():
    rows = make_corpus(5, seed=0)
    assert {r["intent"] for r in rows} == set(TEMPLATES)
    train, test = template_split(rows, 2, seed=0)
    assert not {r["template"] for r in train} & {r["template"] for r in test}
    assert len({r["template"] for r in test}) == 2 * len(TEMPLATES)
    assert "{" not in "".join(r["text"] for r in rows)
    with pytest.raises(ValueError):
        template_split(rows, 99)
