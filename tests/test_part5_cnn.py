"""Tests of book.part5.cnn (Keras model, PyTorch twin) and book.part5.intent (generated corpus)."""
from __future__ import annotations

import numpy as np
import pytest

import book  # noqa: F401  (before TensorFlow)
from book.part5.cnn import (KerasAdamTrainer, batch_order, step_down, build_keras_cnn, load_digits_images, n_params, predict_proba_torch,
                            shift_augment, torch_cnn, torch_twin, train_keras,
                            train_torch_on_batches)
from book.part5.intent import FAQ, SLOTS, TEMPLATES, load_corpus_spec, make_corpus, template_split


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
    lt = train_torch_on_batches(twin, X, y, batches, lr=1e-3)
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


def test_torch_cnn_has_keras_shapes_and_init():
    net = torch_cnn(seed=3)
    assert n_params(net) == n_params(build_keras_cnn(seed=0))
    limit = np.sqrt(6 / (9 * 1 + 9 * 32))                       # Glorot-uniform bound of the conv kernel
    w = net.conv.weight.detach().numpy()
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.8 * limit
    assert all(float(l.bias.detach().abs().sum()) == 0 for l in (net.conv, net.fc1, net.fc2))
    X, _ = load_digits_images()
    assert predict_proba_torch(net, X[:5]).shape == (5, 10)
    assert not np.allclose(torch_cnn(seed=4).conv.weight.detach().numpy(), w)
    assert np.allclose(torch_cnn(seed=3).conv.weight.detach().numpy(), w)
    with pytest.raises(ValueError):
        torch_cnn((8, 8))


def test_corpus_spec_is_consistent_and_checked(tmp_path):
    assert set(FAQ) == set(TEMPLATES) and all(len(t) == 8 for t in TEMPLATES.values())
    assert "耳机" in SLOTS["item"] and SLOTS["order"] == []
    bad = tmp_path / "c.yml"
    bad.write_text("slots: {item: [a]}\ntemplates: {x: ['{item}', '{city}']}\nfaq: {x: {question: q, answer: a}}\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="未定义的槽位"):
        load_corpus_spec(bad)
    bad.write_text("slots: {item: [a]}\ntemplates: {x: ['{item}', 'b']}\nfaq: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="FAQ"):
        load_corpus_spec(bad)
    bad.write_text("slots: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="三个键"):
        load_corpus_spec(bad)


def test_keras_trainer_restart_matches_a_fresh_run():
    X, y = load_digits_images()
    X, y = X[:96], y[:96]
    batches = batch_order(96, 32, 2, seed=0)
    trainer = KerasAdamTrainer(build_keras_cnn(seed=1), lr=1e-2)
    trainer.fit(X, y, batches)                                   # seed 1, then restart from seed 2
    trainer.restart(build_keras_cnn(seed=2).get_weights())
    reused = trainer.fit(X, y, batches)
    fresh = train_keras(build_keras_cnn(seed=2), X, y, batches, lr=1e-2)
    assert np.allclose(reused, fresh, atol=1e-5)
    assert float(trainer.opt.learning_rate) == pytest.approx(1e-2)
    with pytest.raises(ValueError):
        trainer.fit(X, y[:10], batches)


def test_step_down_and_schedules_match_across_frameworks():
    lrs = step_down(1e-2, 5, 2)
    assert np.allclose(lrs, [1e-2, 1e-2, 1e-2, 1e-3, 1e-3])
    with pytest.raises(ValueError):
        step_down(1e-2, 5, 6)
    X, y = load_digits_images()
    X, y = X[:64], y[:64]
    batches = batch_order(64, 32, 2, seed=0)
    model = build_keras_cnn(seed=5)
    twin = torch_twin(model)
    lrs = step_down(1e-2, len(batches), 2)
    lk = train_keras(model, X, y, batches, lrs=lrs)
    lt = train_torch_on_batches(twin, X, y, batches, lrs=lrs)
    assert np.allclose(lk, lt, atol=1e-3)                          # float32, Adam's eps placed differently
    plain = train_torch_on_batches(torch_twin(build_keras_cnn(seed=5)), X, y, batches, lr=1e-2)
    assert np.allclose(lt[:3], plain[:3], atol=1e-6)                # same until the rate drops ...
    assert abs(lt[3] - plain[3]) > 5e-3                             # ... then the schedule is really applied
    with pytest.raises(ValueError):
        train_torch_on_batches(twin, X, y, batches, lrs=lrs[:2])
    for bad in (np.nan, np.inf, 0.0):
        with pytest.raises(ValueError, match="有限正数"):
            train_torch_on_batches(twin, X, y, batches, lrs=np.r_[bad, np.asarray(lrs)[1:]])
