"""scikit-learn's 8×8 handwritten digits as image tensors, and a small multi-class training loop.

Used by ``chapters/part3/02_architectures`` (the CNN against a tiny Vision Transformer, same
digits, same training budget) and ``04_project`` (the article's CNN classifier made real). The digits ship with scikit-learn
(1797 images, 10 classes), so nothing is downloaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import check_fraction, check_positive_int

__all__ = ["DigitSplit", "TrainLog", "accuracy", "load_digit_images", "small_cnn", "train_classifier"]


@dataclass(frozen=True)
class DigitSplit:
    """Stratified train/validation/test split; ``X*`` are ``(n, 1, 8, 8)`` float32 in [0, 1], ``y*`` int64."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digit_images(
    *, seed: int = 0, val_size: float = 0.2, test_size: float = 0.2
) -> DigitSplit:
    """The digits as images, split stratified by class: ``test_size`` of all,
    ``val_size`` of the rest.

    Pixel values (0–16 in scikit-learn) are divided by 16: a fixed scale, so no
    statistic of the validation or test images leaks into training.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or seed < 0
    ):
        raise ValueError(f"seed 应为非负整数，收到 {seed!r}")
    check_fraction("val_size", val_size)
    check_fraction("test_size", test_size)
    d = load_digits()
    X = (d.images / 16.0).astype(np.float32)[:, None, :, :]
    y = d.target.astype(np.int64)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_tr, X_val, y_tr, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size, stratify=y_rest, random_state=seed
    )
    return DigitSplit(X_tr, y_tr, X_val, y_val, X_test, y_test)


def small_cnn(c: int = 16, n_classes: int = 10) -> Any:
    """The book's CNN for 8×8 digits (Part III 04): two stages of 3×3 conv →
    BatchNorm → ReLU → 2×2 pool.

    ``c`` is the first stage's channel count (the second has ``2c``); 8×8 → 4×4
    → 2×2, then dropout and one linear layer to ``n_classes`` logits.
    """
    from torch import nn

    c = check_positive_int("c（通道数）", c)
    n_classes = check_positive_int("n_classes（类别数）", n_classes)
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1),
        nn.BatchNorm2d(c),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8×8 → 4×4
        nn.Conv2d(c, 2 * c, 3, padding=1),
        nn.BatchNorm2d(2 * c),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 4×4 → 2×2
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(2 * c * 4, n_classes),
    )


@dataclass
class TrainLog:
    """Per-epoch mean training loss and validation accuracy."""

    train_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)


def accuracy(model: Any, X: Any, y: Any, *, batch_size: int = 1024) -> float:
    """Share of correctly classified images (model in eval mode, no gradients)."""
    import torch

    dev = next(model.parameters()).device
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y)
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X 与 y 的样本数应相同且非零，收到 {len(X)} 与 {len(y)}")
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(X), batch_size):
            pred = model(X[s:s + batch_size].to(dev)).argmax(dim=1).cpu()
            correct += int((pred == y[s:s + batch_size]).sum())
    return correct / len(X)


def train_classifier(
    model: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    cosine: bool = False,
    X_val: Any = None,
    y_val: Any = None,
    seed: int = 0,
    device: Any = None,
) -> TrainLog:
    """Train ``model`` (logits out) with AdamW and cross-entropy; returns the
    :class:`TrainLog`.

    Mini-batches are shuffled by a generator seeded with ``seed``; the model is
    moved to ``device`` (default: where its parameters are). With
    ``cosine=True`` the learning rate decays from ``lr`` to 0 along a half
    cosine over all steps.
    """
    import torch
    import torch.nn.functional as F

    epochs = check_positive_int("epochs（轮数）", epochs)
    batch_size = check_positive_int("batch_size（批大小）", batch_size)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr（学习率）应为正数，收到 {lr!r}")
    dev = (
        next(model.parameters()).device
        if device is None
        else torch.device(device)
    )
    model.to(dev)
    Xt = torch.as_tensor(X, dtype=torch.float32).to(dev)
    yt = torch.as_tensor(y, dtype=torch.long).to(dev)
    if len(Xt) != len(yt) or len(Xt) == 0:
        raise ValueError(
            f"X 与 y 的样本数应相同且非零，收到 {len(Xt)} 与 {len(yt)}"
        )
    opt = torch.optim.AdamW(
        model.parameters(), lr=lr, weight_decay=weight_decay
    )
    total_steps = epochs * ((len(Xt) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda step: (
            0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
            if cosine
            else 1.0
        ),
    )
    gen = torch.Generator().manual_seed(seed)
    log = TrainLog()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(Xt), generator=gen).to(dev)
        total = 0.0
        for s in range(0, len(Xt), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        log.train_loss.append(total / len(Xt))
        if X_val is not None:
            log.val_acc.append(accuracy(model, X_val, y_val))
    return log
