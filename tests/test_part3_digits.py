"""Unit tests of book.part3.digits (Part III, chapters 02 and 04)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from book.part3.digits import accuracy, load_digit_images, small_cnn, train_classifier


def test_split_shapes_disjoint_and_stratified():
    s = load_digit_images(seed=1)
    n = len(s.X_train) + len(s.X_val) + len(s.X_test)
    assert n == 1797 and s.X_train.shape[1:] == (1, 8, 8)
    assert s.X_train.dtype == np.float32 and s.y_train.dtype == np.int64
    assert 0.0 <= s.X_train.min() and s.X_train.max() <= 1.0
    assert abs(len(s.X_test) / n - 0.2) < 0.01
    # every class in every split, in about the same share
    for y in (s.y_train, s.y_val, s.y_test):
        share = np.bincount(y, minlength=10) / len(y)
        assert share.min() > 0.08 and share.max() < 0.12
    # no image appears in two splits
    rows = lambda X: {x.tobytes() for x in X}  # noqa: E731
    assert not rows(s.X_test) & rows(s.X_train)


def test_split_depends_on_seed():
    a, b = load_digit_images(seed=0), load_digit_images(seed=1)
    assert not np.array_equal(a.y_test, b.y_test)
    assert np.array_equal(a.y_test, load_digit_images(seed=0).y_test)


@pytest.mark.parametrize("kw", [dict(seed=-1), dict(seed=1.5), dict(val_size=0), dict(test_size=1.2)])
def test_split_rejects_bad(kw):
    with pytest.raises(ValueError):
        load_digit_images(**kw)


def test_training_learns_and_accuracy_counts():
    torch.manual_seed(0)
    s = load_digit_images(seed=0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    before = accuracy(model, s.X_val, s.y_val)
    log = train_classifier(model, s.X_train, s.y_train, epochs=15, lr=1e-2, X_val=s.X_val, y_val=s.y_val)
    assert len(log.train_loss) == 15 and len(log.val_acc) == 15
    assert log.train_loss[-1] < log.train_loss[0]
    assert log.val_acc[-1] > 0.9 > before
    # accuracy is the share of argmax hits
    with torch.no_grad():
        pred = model(torch.as_tensor(s.X_test)).argmax(1).numpy()
    assert accuracy(model, s.X_test, s.y_test) == pytest.approx((pred == s.y_test).mean())


def test_training_rejects_bad():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    X, y = np.zeros((4, 1, 8, 8), np.float32), np.zeros(4, np.int64)
    for kw in [dict(epochs=0), dict(epochs=1, lr=0), dict(epochs=1, lr=float("nan")),
               dict(epochs=1, batch_size=0), dict(epochs=1, weight_decay=-0.1)]:
        with pytest.raises(ValueError):
            train_classifier(model, X, y, **kw)
    with pytest.raises(ValueError):
        train_classifier(model, X, y[:3], epochs=1)
    with pytest.raises(ValueError):
        accuracy(model, X, y[:2])


def test_cosine_schedule_ends_at_zero():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    X, y = np.random.default_rng(0).random((10, 1, 8, 8)).astype(np.float32), np.arange(10) % 10
    w0 = model[1].weight.detach().clone()
    train_classifier(model, X, y, epochs=2, lr=0.1, batch_size=5, cosine=True)
    w1 = model[1].weight.detach().clone()
    # one more epoch would continue at lr = 0 only if the schedule were exhausted: emulate by a 1-step run
    train_classifier(model, X, y, epochs=1, lr=0.1, batch_size=10, cosine=True)
    assert not torch.equal(w0, w1)  # first step of a cosine run uses the full lr


def test_small_cnn_shapes_params_and_bad_input():
    m = small_cnn(8)
    assert m(torch.zeros(5, 1, 8, 8)).shape == (5, 10)
    # conv 1→8 (80), BN 8 (16), conv 8→16 (1168), BN 16 (32), linear 64→10 (650)
    assert sum(p.numel() for p in m.parameters()) == 80 + 16 + 1168 + 32 + 650
    assert small_cnn(4, n_classes=3)(torch.zeros(2, 1, 8, 8)).shape == (2, 3)
    for kw in [dict(c=0), dict(c=2.5), dict(n_classes=0)]:
        with pytest.raises(ValueError):
            small_cnn(**kw)


def _old_loop(model, X, y, *, epochs, lr, batch_size, weight_decay, cosine, X_val, y_val, seed):
    """The hand-written loop train_classifier had before it used book.train_torch."""
    import math

    import torch.nn.functional as F

    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    total = epochs * ((len(Xt) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.5 * (1 + math.cos(math.pi * min(t, total) / total)) if cosine else 1.0)
    gen = torch.Generator().manual_seed(seed)
    losses, accs = [], []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(Xt), generator=gen)
        s_loss = 0.0
        for s in range(0, len(Xt), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            s_loss += float(loss.detach()) * len(idx)
        losses.append(s_loss / len(Xt))
        accs.append(accuracy(model, X_val, y_val))
    return losses, accs


@pytest.mark.parametrize("cosine", [False, True])
def test_train_classifier_is_the_old_loop_exactly(cosine):
    """Folding the loop into book.train_torch changed no number (batch-norm and dropout too)."""
    s = load_digit_images(seed=0)
    X, y = s.X_train[:300], s.y_train[:300]
    kw = dict(epochs=3, lr=1e-2, batch_size=64, weight_decay=1e-4, cosine=cosine, seed=7)
    models = []
    for _ in range(2):
        torch.manual_seed(3)
        models.append(small_cnn(4))
    torch.manual_seed(11)
    old = _old_loop(models[0], X, y, X_val=s.X_val, y_val=s.y_val, **kw)
    torch.manual_seed(11)                      # dropout draws from the global generator
    log = train_classifier(models[1], X, y, X_val=s.X_val, y_val=s.y_val, **kw)
    assert log.train_loss == old[0] and log.val_acc == old[1]
    for a, b in zip(models[0].state_dict().values(), models[1].state_dict().values()):
        assert torch.equal(a, b)
