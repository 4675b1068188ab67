"""Binary classification helpers of the chapter 项目实战 (label p1-project): metrics by hand and a Keras/PyTorch twin.

* :func:`roc_points` and :func:`auc_rank` compute the ROC curve and its area
  from their definitions (the chapter shows them and checks them against
  scikit-learn; the trapezoid area is ``np.trapezoid``).
* :func:`build_keras_classifier` builds the article's Keras model (written
  with ``keras.Input``); :func:`torch_twin` copies its weights into an
  equivalent PyTorch module; :func:`torch_adam_like` builds a
  ``torch.optim.Adam`` with the Keras optimizer's hyper-parameters.
* :func:`train_keras_full_batch` trains a Keras model with full-batch steps in
  one compiled ``tf.function`` (``model.fit`` pays a large per-epoch overhead
  for tiny data) and records a :class:`book.train.History` like
  :func:`book.train.train_torch` does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_positive_int
from ..train import History


def _binary_labels(y_true, name: str = "y_true") -> np.ndarray:
    y = np.asarray(y_true).reshape(-1)
    if y.size == 0:
        raise ValueError(f"{name} 为空：需要至少一个样本")
    ok = np.isin(y, (0, 1))
    if not ok.all():
        bad = y[~ok][:3]
        raise ValueError(f"{name} 应只含 0/1 标签，收到 {bad.tolist()} 等值")
    return y.astype(int)


def _scores(scores, n: int) -> np.ndarray:
    s = np.asarray(scores, dtype=float).reshape(-1)
    if s.size != n:
        raise ValueError(f"scores 有 {s.size} 个值而标签有 {n} 个，二者应相同")
    if not np.isfinite(s).all():
        raise ValueError("scores 含 NaN 或无穷大")
    return s


def roc_points(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``scores``（越大越像正类）对 0/1 标签 ``y_true`` 的 ROC 曲线。
    返回 ``(fpr, tpr, thresholds)``：每个不同的分数一个点，阈值从大到小，
    起点 ``(0, 0)`` 的阈值是 ``+inf``；分数相同的样本让曲线斜着走。

    ROC curve of ``scores`` (higher means "positive") against 0/1 labels
    ``y_true``.

    Returns ``(fpr, tpr, thresholds)``: one point per distinct score, in
    decreasing order of the threshold, plus the starting point ``(0, 0)`` at
    threshold ``+inf``. A sample is predicted positive when
    ``score >= threshold``. Tied scores move the curve diagonally, as in
    :func:`sklearn.metrics.roc_curve` with ``drop_intermediate=False``. Both
    classes must be present.
    """
    y = _binary_labels(y_true)
    s = _scores(scores, y.size)
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(
            f"ROC 需要两个类别都出现，收到 {n_pos} 个正例、{n_neg} 个负例"
        )
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    # last index of each distinct score
    last = np.r_[np.flatnonzero(np.diff(s) != 0), y.size - 1]
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    fpr = np.r_[0.0, fp / n_neg]
    tpr = np.r_[0.0, tp / n_pos]
    thresholds = np.r_[np.inf, s[last]]
    return fpr, tpr, thresholds


def auc_rank(y_true, scores) -> float:
    """AUC 的概率读法：随机一个正例的分数高于随机一个负例的概率，
    同分算 1/2（Mann–Whitney 形式，等于 roc_points 曲线下的梯形面积）。

    AUC as a probability: P(score of a random positive > score of a random
    negative), ties count 1/2.

    This is the Mann–Whitney form; it equals the trapezoid area under
    :func:`roc_points`.
    """
    y = _binary_labels(y_true)
    s = _scores(scores, y.size)
    pos, neg = s[y == 1], s[y == 0]
    if pos.size == 0 or neg.size == 0:
        raise ValueError(
            f"AUC 需要两个类别都出现，收到 {pos.size} 个正例、{neg.size} 个负例"
        )
    neg_sorted = np.sort(neg)
    below = np.searchsorted(neg_sorted, pos, side="left")
    ties = np.searchsorted(neg_sorted, pos, side="right") - below
    return float((below.sum() + 0.5 * ties.sum()) / (pos.size * neg.size))


def build_keras_classifier(n_features: int, *, hidden: int = 0, seed: int = 0):
    """The article's Keras binary classifier, written for Keras 3.

    ``hidden=0`` gives the article's model, ``Dense(1, sigmoid)`` on the inputs
    (logistic regression); ``hidden>0`` puts one ``Dense(hidden, relu)`` layer
    before it. The input is declared with ``keras.Input`` (``input_shape=`` on a
    layer is deprecated). ``seed`` fixes the Glorot-uniform initial weights.
    """
    check_positive_int("n_features", n_features)
    check_positive_int("hidden", hidden, minimum=0)
    import keras

    init = lambda k: keras.initializers.GlorotUniform(seed=seed + k)  # noqa: E731
    layers: list[Any] = [keras.Input(shape=(int(n_features),))]
    if hidden:
        layers.append(keras.layers.Dense(int(hidden), activation="relu", kernel_initializer=init(1)))
    layers.append(keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init(0)))
    return keras.Sequential(layers)


def torch_twin(keras_model, *, dtype=None, device=None):
    """A PyTorch ``nn.Sequential`` with the same weights as ``keras_model``; it outputs **logits**.

    Every layer of ``keras_model`` must be a ``Dense`` layer with activation
    ``relu`` (hidden) or ``sigmoid`` (last). Keras stores a kernel of shape
    ``(in, out)``; ``torch.nn.Linear`` stores ``(out, in)``, so kernels are
    transposed. The final sigmoid is left out: train the twin with
    ``BCEWithLogitsLoss`` (Keras also computes its binary cross-entropy from the
    logits of a sigmoid output). Apply ``torch.sigmoid`` for probabilities.
    """
    import torch

    dtype = torch.float32 if dtype is None else dtype
    dense = list(getattr(keras_model, "layers", []))
    if not dense:
        raise ValueError("keras_model 没有层：需要一个由 Dense 层组成的 keras.Sequential")
    mods: list[Any] = []
    for i, layer in enumerate(dense):
        if type(layer).__name__ != "Dense":
            raise ValueError(f"第 {i} 层是 {type(layer).__name__}，只支持 Dense 层")
        act = layer.get_config()["activation"]
        want = "sigmoid" if i == len(dense) - 1 else "relu"
        if act != want:
            raise ValueError(f"第 {i} 层的激活是 {act!r}，此处应为 {want!r}（隐藏层 relu，输出层 sigmoid）")
        kernel, bias = (np.asarray(w) for w in layer.get_weights())
        lin = torch.nn.Linear(kernel.shape[0], kernel.shape[1], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.as_tensor(kernel.T, dtype=dtype))
            lin.bias.copy_(torch.as_tensor(bias, dtype=dtype))
        mods.append(lin)
        if want == "relu":
            mods.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*mods)
    return net.to(device) if device is not None else net


def torch_adam_like(keras_optimizer, params):
    """``torch.optim.Adam`` over ``params`` with the learning rate, betas and epsilon of a Keras Adam.

    Keras' ``epsilon`` (default 1e-7) is the paper's "epsilon hat": Keras
    divides by ``sqrt(v_t) + eps``, PyTorch by ``sqrt(v_t / (1 - beta2**t)) + eps``
    (default 1e-8). Copying the number makes both steps agree up to a relative
    difference of order ``eps / sqrt(v_hat)``, which is negligible unless
    gradients are as small as ``eps``.
    """
    import torch

    if type(keras_optimizer).__name__ != "Adam":
        raise ValueError(f"需要 keras.optimizers.Adam，收到 {type(keras_optimizer).__name__}")
    if keras_optimizer.amsgrad:
        raise ValueError("amsgrad=True 的 Keras Adam 不在此处对照范围内")
    lr = float(np.asarray(keras_optimizer.learning_rate))
    return torch.optim.Adam(params, lr=lr,
                            betas=(float(keras_optimizer.beta_1), float(keras_optimizer.beta_2)),
                            eps=float(keras_optimizer.epsilon))


def train_keras_full_batch(model, optimizer, X, y, *, epochs: int, X_val=None, y_val=None,
                           restore_best: bool = False) -> tuple[History, int]:
    """Full-batch training of a Keras binary classifier (sigmoid output) with binary cross-entropy.

    One gradient step per epoch on the whole of ``X``, compiled once with
    ``tf.function``. Records, like :func:`book.train.train_torch` with
    ``batch_size=None``: the training loss of each step (before the update),
    and after the update the training accuracy and, when ``X_val``/``y_val``
    are given, the validation loss and accuracy. With ``restore_best=True``
    the weights of the epoch with the lowest validation loss are put back at
    the end (what ``keras.callbacks.EarlyStopping(restore_best_weights=True)``
    does). Returns ``(history, best_epoch)``; ``best_epoch`` counts from 1 and
    is ``epochs`` when nothing is restored.
    """
    import tensorflow as tf
    import keras

    check_positive_int("epochs", epochs)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val 与 y_val 要么都给出，要么都不给")
    if restore_best and X_val is None:
        raise ValueError("restore_best=True 需要验证集 X_val, y_val")

    def as_xy(a, b, what):
        a = np.asarray(a, dtype=np.float32)
        b = np.asarray(b, dtype=np.float32).reshape(-1, 1)
        if a.ndim != 2 or len(a) != len(b) or len(a) == 0:
            raise ValueError(f"{what}：X 应为非空二维数组且与 y 行数相同，收到 {a.shape} 与 {b.shape[0]} 行")
        return tf.constant(a), tf.constant(b)

    Xt, yt = as_xy(X, y, "训练集")
    has_val = X_val is not None
    Xv, yv = as_xy(X_val, y_val, "验证集") if has_val else (Xt, yt)
    loss_fn = keras.losses.BinaryCrossentropy()
    acc = lambda p, t: tf.reduce_mean(tf.cast(tf.cast(p > 0.5, tf.float32) == t, tf.float32))  # noqa: E731
    weights = model.trainable_variables

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(yt, model(Xt, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        p, pv = model(Xt), model(Xv)
        return loss, acc(p, yt), loss_fn(yv, pv), acc(pv, yv)

    hist = History()
    best, best_epoch, best_w = np.inf, epochs, None
    for e in range(epochs):
        loss, a, vl, va = (float(v) for v in step())
        hist.train_loss.append(loss)
        hist.train_metric.append(a)
        if has_val:
            hist.val_loss.append(vl)
            hist.val_metric.append(va)
            if restore_best and vl < best:
                best, best_epoch, best_w = vl, e + 1, model.get_weights()
    if restore_best and best_w is not None:
        model.set_weights(best_w)
    return hist, best_epoch
