"""scikit-learn's 8×8 handwritten digits as image tensors, and a classifier trained by book.train_torch.

Used by ``chapters/part3/02_architectures`` (the CNN against a tiny Vision Transformer, same
digits, same training budget) and ``04_project`` (the article's CNN classifier made real). The digits ship with scikit-learn
(1797 images, 10 classes), so nothing is downloaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import (check_fraction, check_nonnegative, check_positive,
                       check_positive_int, check_rows)

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
    """手写数字作为图像，按类别分层切分：
    ``test_size`` 取自全部，``val_size`` 取自其余；像素除以固定的 16。

    The digits as images, split stratified by class: ``test_size`` of all,
    ``val_size`` of the rest.

    Pixel values (0–16 in scikit-learn) are divided by 16: a fixed scale, so no
    statistic of the validation or test images leaks into training.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    check_positive_int("seed", seed, minimum=0)
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
    """本书给 8×8 数字用的 CNN：两级“3×3 卷积 → 批归一化 → ReLU → 2×2 池化”，
    再接 dropout 和一个线性层；``c`` 是第一级的通道数（第二级 ``2c``）。

    The book's CNN for 8×8 digits (Part III 04): two stages of
    3×3 conv → BatchNorm → ReLU → 2×2 pool.

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
    check_rows(X, y)
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(X), batch_size):
            pred = model(X[s:s + batch_size].to(dev)).argmax(dim=1).cpu()
            correct += int((pred == y[s:s + batch_size]).sum())
    return correct / len(X)


def train_classifier(model: Any, X: Any, y: Any, *, epochs: int,
                     lr: float = 3e-3, batch_size: int = 64,
                     weight_decay: float = 0.0, cosine: bool = False,
                     X_val: Any = None, y_val: Any = None, seed: int = 0,
                     device: Any = None) -> TrainLog:
    """用 AdamW 与交叉熵训练分类器（输出 logits），返回每轮记录 TrainLog。

    循环本身是全书共用的 :func:`book.train_torch`：小批量按 ``seed`` 打乱；
    ``cosine=True`` 时学习率沿半个余弦从 ``lr`` 降到 0；给了验证集就每轮记一次
    验证准确率。模型搬到 ``device``（默认：参数所在的设备）。

    Train a classifier (logits out) with AdamW and cross-entropy through
    :func:`book.train_torch`; returns the per-epoch :class:`TrainLog`.
    """
    import torch
    import torch.nn.functional as F

    from ..train import train_torch

    steps = _check_classifier_args(epochs, lr, batch_size, weight_decay, X, y)
    dev = next(model.parameters()).device if device is None else device
    model.to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr,
                            weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: _cosine(t, steps) if cosine else 1.0)
    log = TrainLog()

    def record(epoch: int, m: Any) -> None:      # 每轮之后：验证准确率
        if X_val is not None:
            log.val_acc.append(accuracy(m, X_val, y_val))

    hist = train_torch(model, F.cross_entropy, opt, X,
                       torch.as_tensor(y, dtype=torch.long),
                       epochs=epochs, batch_size=batch_size, seed=seed,
                       device=torch.device(dev), scheduler=sched,
                       callback=record, progress_bar=False)
    log.train_loss = hist.train_loss
    return log


def _cosine(step: int, total: int) -> float:
    """Half-cosine factor: 1 at step 0, 0 at ``total`` and after."""
    return 0.5 * (1 + math.cos(math.pi * min(step, total) / total))


def _check_classifier_args(epochs: int, lr: float, batch_size: int,
                           weight_decay: float, X: Any, y: Any) -> int:
    """The checks of :func:`train_classifier`; returns its optimizer steps."""
    epochs = check_positive_int("epochs（轮数）", epochs)
    batch_size = check_positive_int("batch_size（批大小）", batch_size)
    check_positive("lr（学习率）", lr)
    check_nonnegative("weight_decay（权重衰减）", weight_decay)
    n = check_rows(X, y)
    return epochs * ((n + batch_size - 1) // batch_size)
