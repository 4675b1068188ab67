"""Small PyTorch training loops shared by the chapters."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._checks import check_positive_int, check_rows
from .progress import progress


@dataclass
class History:
    """Per-epoch record of a training run."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in self.__dict__.items() if v}


def _as_tensor(a, device, dtype):
    import torch

    if isinstance(a, torch.Tensor):
        return a.to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(a), device=device, dtype=dtype)


def _as_target(y, device, dtype):
    """Targets as a tensor on ``device``: integer labels keep their integer dtype (class
    indices for ``cross_entropy``); real-valued targets and 0/1 booleans take ``dtype``.

    目标：整数标签保持整数类型（交叉熵要的类别下标），实数目标与布尔 0/1 转成模型的浮点类型。
    """
    import torch

    if not isinstance(y, torch.Tensor):
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"标签应为整数（类别下标）、布尔或实数，收到 NumPy 类型 {y.dtype}")
        y = torch.as_tensor(y)
    if y.dtype.is_complex:
        raise TypeError(f"标签应为整数（类别下标）、布尔或实数，收到 {y.dtype}")
    if y.dtype != torch.bool and not y.dtype.is_floating_point:
        return y.to(device=device)             # integer labels stay integer
    return y.to(device=device, dtype=dtype)


def _loss(loss_fn: Callable, output, target):
    """``loss_fn(output, target)``; a dtype error on integer labels gets a Chinese hint."""
    import torch

    try:
        return loss_fn(output, target)
    except RuntimeError as err:
        integer = not target.dtype.is_floating_point and target.dtype != torch.bool
        if integer and ("Long" in str(err) or "Int" in str(err) or "dtype" in str(err)):
            raise TypeError(f"标签是整数（{target.dtype}），而这个损失函数要浮点目标（如二元交叉熵）："
                            "把 y 转成浮点再训练，例如 y.astype(np.float32)") from err
        raise


def train_torch(model, loss_fn: Callable, optimizer, X, y, *, epochs: int,
                batch_size: int | None = None, X_val=None, y_val=None,
                metric: Callable | None = None, device=None, seed: int | None = 0,
                shuffle: bool = True, dtype=None, desc: str = "训练",
                progress_bar: bool | None = None, scheduler=None,
                max_steps: int | None = None, drop_last: bool = False,
                callback: Callable | None = None) -> History:
    """全书唯一的训练循环：小批量训练 ``model``，返回每轮记录 :class:`History`。

    Train ``model`` with mini-batches and return its :class:`History`.

    ``X``/``y`` may be NumPy arrays or tensors; they are moved to ``device``
    (default: the model's device). ``X`` takes ``dtype`` (default: the model's
    parameter dtype); integer labels ``y`` keep their integer dtype (class indices,
    as ``cross_entropy`` wants them), real-valued and boolean targets take ``dtype``
    (a loss that needs float targets, such as binary cross-entropy, then needs
    ``y.astype(np.float32)``: the error says so). ``batch_size=None`` means full-batch
    gradient descent. ``metric(output, target) -> float`` is evaluated on the
    whole training and validation sets after each epoch. ``seed`` fixes the
    order of the mini-batches (a generator of its own, so the global RNG is
    left alone). The progress bar is silent in the built book.

    Options (all off by default): ``scheduler`` (a ``torch.optim.lr_scheduler``)
    is stepped after every optimizer step; ``max_steps`` stops training after
    that many optimizer steps (the last epoch is then partial and is recorded
    with the samples it saw); ``drop_last=True`` skips the last, smaller
    mini-batch of each epoch, so every step sees ``batch_size`` samples;
    ``callback(epoch, model)`` is called after each epoch (``epoch`` counts
    from 1), in eval mode and without gradients, to record anything else.
    """
    import torch

    check_positive_int("epochs", epochs)
    if batch_size is not None:
        check_positive_int("batch_size", batch_size)
    if max_steps is not None:
        check_positive_int("max_steps", max_steps)
    check_rows(X, y, "训练集")
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val 与 y_val 要么都给出，要么都不给")
    if X_val is not None:
        check_rows(X_val, y_val, "验证集")
    params = list(model.parameters())
    if not params:
        raise ValueError("模型没有可训练参数")
    device = device if device is not None else params[0].device
    dtype = dtype if dtype is not None else params[0].dtype
    Xt, yt = _as_tensor(X, device, dtype), _as_target(y, device, dtype)
    if X_val is not None:
        Xv, yv = _as_tensor(X_val, device, dtype), _as_target(y_val, device, dtype)
    n = len(Xt)
    bs = n if batch_size is None else min(batch_size, n)
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    last_start = n - bs if drop_last else n - 1
    hist = History()
    steps = 0
    for _ in progress(range(epochs), desc=desc, enabled=progress_bar):
        if max_steps is not None and steps >= max_steps:
            break
        model.train()
        if shuffle and bs < n:
            order = torch.randperm(n, generator=gen).to(device)
        else:
            order = torch.arange(n, device=device)
        total, seen = 0.0, 0
        for start in range(0, last_start + 1, bs):
            if max_steps is not None and steps >= max_steps:
                break
            idx = order[start:start + bs]
            optimizer.zero_grad()
            loss = _loss(loss_fn, model(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            steps += 1
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
        hist.train_loss.append(total / seen)
        model.eval()
        with torch.no_grad():
            if metric is not None:
                hist.train_metric.append(float(metric(model(Xt), yt)))
            if X_val is not None:
                out = model(Xv)
                hist.val_loss.append(float(loss_fn(out, yv)))
                if metric is not None:
                    hist.val_metric.append(float(metric(out, yv)))
            if callback is not None:
                callback(len(hist.train_loss), model)
    return hist


def predict_torch(model, X, *, device=None, dtype=None) -> np.ndarray:
    """Run ``model`` on ``X`` in eval mode without gradients and return a NumPy array."""
    import torch

    params = list(model.parameters())
    device = device if device is not None else (params[0].device if params else "cpu")
    dtype = dtype if dtype is not None else (params[0].dtype if params else torch.float32)
    model.eval()
    with torch.no_grad():
        return model(_as_tensor(X, device, dtype)).detach().cpu().numpy()


def binary_accuracy(output, target, threshold: float = 0.5, *, logits: bool = False) -> float:
    """Share of correct 0/1 predictions; ``output`` is a probability (or a logit when ``logits=True``)."""
    import torch

    out = torch.as_tensor(output).reshape(-1)
    tgt = torch.as_tensor(target).reshape(-1)
    if out.shape != tgt.shape:
        raise ValueError(f"输出有 {out.numel()} 个值而标签有 {tgt.numel()} 个，二者应相同")
    if logits:
        out = torch.sigmoid(out)
    return float(((out > threshold).to(tgt.dtype) == tgt).float().mean())
