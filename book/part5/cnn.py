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


def load_mnist_online() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:  # pragma: no cover
    """MNIST as in the article (needs the network: never called when the book is built).

    Returns ``(x_train, y_train), (x_test, y_test)`` with images as float32 ``(N, 28, 28, 1)`` in ``[0, 1]``.
    """
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    prep = lambda x: (x.astype("float32") / 255).reshape(-1, 28, 28, 1)  # noqa: E731
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


def build_keras_cnn(input_shape: tuple[int, int, int] = (8, 8, 1), *, seed: int = 0):
    """The article's model (Conv2D 32 → MaxPooling2D → Flatten → Dense 64 → Dense 10 softmax)."""
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


def torch_twin(keras_model, *, device=None):
    """A PyTorch copy of :func:`build_keras_cnn`'s model with the same weights; it returns logits."""
    import torch
    from torch import nn

    conv, dense1, dense2 = [l for l in keras_model.layers if l.get_weights()]
    k, cb = conv.get_weights()
    w1, b1 = dense1.get_weights()
    w2, b2 = dense2.get_weights()

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(k.shape[2], k.shape[3], k.shape[:2])
            self.pool = nn.MaxPool2d(2)
            self.fc1, self.fc2 = nn.Linear(*w1.shape), nn.Linear(*w2.shape)

        def forward(self, x):                       # x: (N, H, W, C) as in Keras
            h = self.pool(torch.relu(self.conv(x.permute(0, 3, 1, 2))))
            h = h.permute(0, 2, 3, 1).flatten(1)    # flatten in Keras' (H, W, C) order
            return self.fc2(torch.relu(self.fc1(h)))

    net = Twin()
    with torch.no_grad():
        net.conv.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
        net.conv.bias.copy_(torch.from_numpy(cb))
        for lin, w, b in [(net.fc1, w1, b1), (net.fc2, w2, b2)]:
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
    return net.to(device) if device is not None else net


def train_keras(model, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray], *, lr: float = 3e-3,
                eps: float = 1e-7) -> list[float]:
    """Train with Adam on the given mini-batches (one compiled step each); returns the batch losses."""
    import keras
    import tensorflow as tf

    check_positive("lr", lr)
    opt = keras.optimizers.Adam(learning_rate=lr, epsilon=eps)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    weights = model.trainable_variables

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss

    Xt, yt = tf.constant(X, tf.float32), tf.constant(y, tf.int64)
    return [float(step(tf.gather(Xt, b), tf.gather(yt, b))) for b in batches]


def train_torch(net, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray], *, lr: float = 3e-3,
                eps: float = 1e-7, device=None) -> list[float]:
    """The same loop in PyTorch (``net`` returns logits); returns the batch losses."""
    import torch

    check_positive("lr", lr)
    device = device or next(net.parameters()).device
    opt = torch.optim.Adam(net.parameters(), lr=lr, eps=eps)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.int64, device=device)
    losses = []
    for b in batches:
        b = torch.as_tensor(b, device=device)
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
