"""The article's Keras CNN on scikit-learn's digits, and its PyTorch twin with the same weights.

Part V, chapter 04. Keras keeps images as ``(N, H, W, C)`` and flattens in that order; PyTorch keeps
``(N, C, H, W)``. The twin therefore permutes to channels-last before ``Flatten`` so that the Keras
``Dense`` kernel can be copied as it is (transposed). Both frameworks are trained on the same mini-batches
(an explicit list of index arrays) with Adam, so their results can be compared.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._checks import check_positive, check_positive_int


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits as float32 images in ``[0, 1]``, shape ``(1797, 8, 8, 1)``, and labels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32).reshape(-1, 8, 8, 1), y.astype(np.int64)


def load_mnist_online(  # pragma: no cover
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """按原文读入 MNIST（要联网：构建本书时从不调用）。

    MNIST as in the article (needs the network: never called when the book is
    built).

    Returns ``(x_train, y_train), (x_test, y_test)`` with images as float32
    ``(N, 28, 28, 1)`` in ``[0, 1]``.
    """
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    prep = lambda x: (  # noqa: E731
        x.astype("float32") / 255).reshape(-1, 28, 28, 1)
    return (prep(x_train), y_train), (prep(x_test), y_test)


def shift_augment(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add four copies of each image shifted by one pixel (up, down, left, right; zeros fill in)."""
    X = np.asarray(X)
    if X.ndim != 4 or len(X) != len(y):
        raise ValueError(f"X 应为 (N, H, W, C) 且与 y 等长，收到 {X.shape} 与 {len(y)}")
    out = [X]
    for axis, step in [(1, 1), (1, -1), (2, 1), (2, -1)]:
        Z = np.roll(X, step, axis=axis)
        edge = [slice(None)] * 4
        edge[axis] = 0 if step == 1 else -1
        Z[tuple(edge)] = 0
        out.append(Z)
    return np.concatenate(out), np.tile(np.asarray(y), 5)


def batch_order(n: int, batch_size: int, epochs: int, seed: int) -> list[np.ndarray]:
    """The mini-batches of ``epochs`` shuffled passes over ``n`` samples: one index array per step."""
    for name, v in [("n", n), ("batch_size", batch_size), ("epochs", epochs)]:
        check_positive_int(name, v)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        idx = rng.permutation(n)
        out += [idx[i:i + batch_size] for i in range(0, n, batch_size)]
    return out


def step_down(lr: float, n_steps: int, n_last: int, factor: float = 0.1) -> np.ndarray:
    """Per-step learning rates: ``lr`` for the first ``n_steps - n_last`` steps, ``lr * factor`` for the last
    ``n_last`` (e.g. the last epoch). A lower rate at the end lets Adam settle instead of stopping at a
    random point of its noisy walk."""
    check_positive("lr", lr)
    check_positive("factor", factor)
    check_positive_int("n_steps", n_steps)
    if not 0 <= n_last <= n_steps:
        raise ValueError(f"n_last 应在 0 与 n_steps={n_steps} 之间，收到 {n_last}")
    return np.where(np.arange(n_steps) < n_steps - n_last, lr, lr * factor)


def _check_lrs(lrs, batches) -> None:
    if lrs is None:
        return
    a = np.asarray(lrs, dtype=float)
    if len(lrs) != len(batches) or not (np.all(np.isfinite(a)) and np.all(a > 0)):
        raise ValueError(f"lrs 应为与 batches 等长（{len(batches)}）的有限正数序列")


def build_keras_cnn(input_shape: tuple[int, int, int] = (8, 8, 1), *,
                    seed: int = 0):
    """原文的模型：Conv2D 32 → MaxPooling2D → Flatten → Dense 64 → Dense 10。

    The article's model (Conv2D 32 → MaxPooling2D → Flatten → Dense 64 →
    Dense 10 softmax)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def _twin_module(in_channels: int, filters: int, kernel: tuple[int, int], n_flat: int, hidden: int, classes: int):
    """The PyTorch module of the article's CNN; it takes Keras-layout input ``(N, H, W, C)``, returns logits."""
    import torch
    from torch import nn

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(in_channels, filters, kernel)
            self.pool = nn.MaxPool2d(2)
            self.fc1, self.fc2 = nn.Linear(n_flat, hidden), nn.Linear(hidden, classes)

        def forward(self, x):                       # x: (N, H, W, C) as in Keras
            h = self.pool(torch.relu(self.conv(x.permute(0, 3, 1, 2))))
            h = h.permute(0, 2, 3, 1).flatten(1)    # flatten in Keras' (H, W, C) order
            return self.fc2(torch.relu(self.fc1(h)))

    return Twin()


def torch_twin(keras_model, *, device=None):
    """build_keras_cnn 模型的 PyTorch 副本，权重相同，输出 logits。

    A PyTorch copy of :func:`build_keras_cnn`'s model with the same weights;
    it returns logits."""
    import torch

    conv, dense1, dense2 = [l for l in keras_model.layers if l.get_weights()]
    k, cb = conv.get_weights()
    w1, b1 = dense1.get_weights()
    w2, b2 = dense2.get_weights()
    net = _twin_module(k.shape[2], k.shape[3], k.shape[:2],
                       *w1.shape, w2.shape[1])
    with torch.no_grad():
        net.conv.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
        net.conv.bias.copy_(torch.from_numpy(cb))
        for lin, w, b in [(net.fc1, w1, b1), (net.fc2, w2, b2)]:
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
    return net.to(device) if device is not None else net


def torch_cnn(input_shape: tuple[int, int, int] = (8, 8, 1), *, seed: int = 0, device=None):
    """The same architecture built directly in PyTorch, initialised as Keras does by default.

    Keras initialises kernels with Glorot-uniform and biases with zeros; ``xavier_uniform_`` computes the
    same fan-in/fan-out for PyTorch's layouts, so the initial weights have the same distribution (not the
    same values: for identical values use :func:`torch_twin`). Cheap to build: no TensorFlow involved.
    """
    import torch
    from torch import nn

    if len(input_shape) != 3 or min(input_shape) < 1 or min(input_shape[:2]) < 4:
        raise ValueError(f"input_shape 应为 (高, 宽, 通道)，高和宽至少为 4，收到 {input_shape}")
    h, w, c = input_shape
    torch.manual_seed(seed)
    net = _twin_module(c, 32, (3, 3), ((h - 2) // 2) * ((w - 2) // 2) * 32, 64, 10)
    for layer in (net.conv, net.fc1, net.fc2):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return net.to(device) if device is not None else net


class KerasAdamTrainer:
    """Adam on explicit mini-batches for one Keras model, with a training step traced only once.

    Tracing a ``tf.function`` costs more than a hundred steps of this small model; :meth:`restart` loads
    new initial weights and zeroes Adam's state (step counter and moment estimates), so one trainer can
    train the same architecture from several seeds without tracing again. The loop over the mini-batches
    runs inside the graph (``tf.range``), which saves a Python call into TensorFlow per step.
    """

    def __init__(self, model, *, lr: float = 3e-3, eps: float = 1e-7):
        import keras
        import tensorflow as tf

        check_positive("lr", lr)
        check_positive("eps", eps)
        self.model = model
        self.opt = keras.optimizers.Adam(learning_rate=lr, epsilon=eps)
        self.opt.build(model.trainable_variables)
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
        weights = model.trainable_variables

        @tf.function(reduce_retracing=True)
        def run(Xt, yt, flat, starts, sizes, lrs):
            losses = tf.TensorArray(tf.float32, size=tf.shape(starts)[0])
            for i in tf.range(tf.shape(starts)[0]):
                idx = flat[starts[i]:starts[i] + sizes[i]]            # the i-th mini-batch
                self.opt.learning_rate.assign(lrs[i])
                with tf.GradientTape() as tape:
                    loss = loss_fn(tf.gather(yt, idx), model(tf.gather(Xt, idx), training=True))
                self.opt.apply_gradients(zip(tape.gradient(loss, weights), weights))
                losses = losses.write(i, loss)
            return losses.stack()

        self._run = run
        self.lr = lr

    def restart(self, weights: Sequence[np.ndarray]) -> None:
        """Load ``weights`` (as from ``get_weights()``) and reset Adam to step 0."""
        import keras

        self.model.set_weights(weights)
        lr_var = self.opt.learning_rate
        for v in self.opt.variables:
            if v is not lr_var:
                v.assign(keras.ops.zeros_like(v))

    def fit(self, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray],
            lrs: Sequence[float] | None = None) -> list[float]:
        """One Adam step per index array in ``batches`` (learning rate ``lrs[t]`` at step ``t``, default
        the constant ``lr``); returns the batch losses."""
        import tensorflow as tf

        if len(X) != len(y):
            raise ValueError(f"X 与 y 的样本数应相同，收到 {len(X)} 与 {len(y)}")
        _check_lrs(lrs, batches)
        lrs = [self.lr] * len(batches) if lrs is None else lrs
        sizes = np.array([len(b) for b in batches])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        losses = self._run(tf.constant(X, tf.float32), tf.constant(y, tf.int64),
                           tf.constant(np.concatenate(batches), tf.int64), tf.constant(starts, tf.int64),
                           tf.constant(sizes, tf.int64), tf.constant(lrs, tf.float32))
        return [float(v) for v in losses.numpy()]


def train_keras(model, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray], *, lr: float = 3e-3,
                eps: float = 1e-7, lrs: Sequence[float] | None = None) -> list[float]:
    """Train with Adam on the given mini-batches (one compiled step each); returns the batch losses."""
    return KerasAdamTrainer(model, lr=lr, eps=eps).fit(X, y, batches, lrs)


def train_torch_on_batches(net, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray], *,
                           lr: float = 3e-3, eps: float = 1e-7, lrs: Sequence[float] | None = None,
                           device=None) -> list[float]:
    """Keras 循环的 PyTorch 孪生：在调用者给定的小批量上逐步做 Adam，返回每批的损失。

    它不是 :func:`book.train_torch`：批次（下标数组的列表）和每步的学习率 ``lrs`` 由调用者给出，
    与 :meth:`KerasAdamTrainer.fit` 一步一步相同（Adam 的 ``eps`` 也取 Keras 的默认值），
    这样两个框架的结果才能逐批比较；记录的是每批损失而不是每轮的记录。

    The PyTorch twin of the Keras loop (``net`` returns logits; ``lrs`` as in
    :meth:`KerasAdamTrainer.fit`); returns the batch losses.
    """
    import torch

    check_positive("lr", lr)
    _check_lrs(lrs, batches)
    lrs = [lr] * len(batches) if lrs is None else lrs
    device = device or next(net.parameters()).device
    opt = torch.optim.Adam(net.parameters(), lr=lr, eps=eps)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.int64, device=device)
    losses = []
    for b, lr_t in zip(batches, lrs):
        b = torch.as_tensor(b, device=device)
        for group in opt.param_groups:
            group["lr"] = float(lr_t)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(Xt[b]), yt[b])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def predict_proba_torch(net, X: np.ndarray) -> np.ndarray:
    import torch

    device = next(net.parameters()).device
    with torch.no_grad():
        return torch.softmax(net(torch.as_tensor(X, dtype=torch.float32, device=device)), 1).cpu().numpy()


def n_params(model: Any) -> int:
    """Number of trainable parameters of a Keras model or a torch module."""
    if hasattr(model, "count_params"):
        return int(model.count_params())
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
