"""A two-layer perceptron written from scratch in NumPy (defined in chapter ``p1-training-loop``).

The network is ``X → A = X W1 + b1 → H = act(A) → z = H W2 + b2 → p = sigmoid(z)``
for binary classification with the mean binary cross-entropy loss. The
parameters are a plain ``dict`` of NumPy arrays laid out like Keras' ``Dense``
(inputs × outputs)::

    {"W1": (d, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}

PyTorch's ``nn.Linear`` stores the transpose of ``W1``/``W2``. Every function
works in the dtype of the parameters (use ``float64`` to compare gradients).
The backward pass is derived by hand in the chapter and checked there against
``torch.autograd`` and central finite differences.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_positive, check_positive_int, check_rows

Params = dict[str, np.ndarray]
ACTIVATIONS = ("tanh", "relu")
KEYS = ("W1", "b1", "W2", "b2")


# --- input checks -------------------------------------------------------------
def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation 应为 {ACTIVATIONS} 之一，收到 {activation!r}")


def _check_params(params: Params) -> None:
    if not isinstance(params, dict) or set(params) != set(KEYS):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params 应是含键 {list(KEYS)} 的字典，收到 {got}")
    d, h = np.shape(params["W1"])[0], np.shape(params["W1"])[-1]
    want = {"W1": (d, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}
    for k, shape in want.items():
        if np.shape(params[k]) != shape:
            raise ValueError(f"params[{k!r}] 的形状应为 {shape}，收到 {np.shape(params[k])}")


def _check_X(params: Params, X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    d = params["W1"].shape[0]
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"X 应是形状为 (n, {d}) 的二维数组，收到形状 {X.shape}")
    if len(X) == 0:
        raise ValueError("X 为空：至少需要一个样本")
    return X


def _check_y(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=float).reshape(-1)
    check_rows(X, y)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y 只能含 0 与 1")
    return y


# --- model --------------------------------------------------------------------
def init_mlp(n_in: int, n_hidden: int, *, seed: int = 0, dtype=np.float64) -> Params:
    """Glorot-uniform weights and zero biases for a ``n_in → n_hidden → 1`` network.

    Weights are drawn from ``U(-r, r)`` with ``r = sqrt(6 / (fan_in + fan_out))``
    (Glorot & Bengio, 2010), the default of Keras' ``Dense``.
    """
    check_positive_int("n_in", n_in)
    check_positive_int("n_hidden", n_hidden)
    rng = np.random.default_rng(seed)

    def glorot(fan_in: int, fan_out: int) -> np.ndarray:
        r = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-r, r, size=(fan_in, fan_out)).astype(dtype)

    return {"W1": glorot(n_in, n_hidden), "b1": np.zeros(n_hidden, dtype=dtype),
            "W2": glorot(n_hidden, 1), "b2": np.zeros(1, dtype=dtype)}


def copy_params(params: Params) -> Params:
    """A deep copy (so that two training runs can start from the same weights)."""
    _check_params(params)
    return {k: np.array(v, copy=True) for k, v in params.items()}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, computed without overflow for large ``|z|``."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def mlp_forward(
    params: Params, X: np.ndarray, activation: str = "tanh"
) -> tuple[np.ndarray, dict]:
    """前向传播：返回 logits ``z``（形状 ``(n,)``）和反向传播要用的缓存。

    Forward pass: return the logits ``z`` (shape ``(n,)``) and the cache the
    backward pass needs."""
    _check_params(params)
    _check_activation(activation)
    X = _check_X(params, X)
    A = X @ params["W1"] + params["b1"]           # (n, h) pre-activations
    H = np.tanh(A) if activation == "tanh" else np.maximum(A, 0.0)
    z = (H @ params["W2"] + params["b2"])[:, 0]   # (n,) logits
    return z, {"X": X, "A": A, "H": H, "z": z, "activation": activation}


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of labels ``y`` under ``p = sigmoid(z)``.

    Uses ``-[y log p + (1-y) log(1-p)] = log(1 + e^z) - y z``, which stays
    finite where ``p`` rounds to 0 or 1.
    """
    z = np.asarray(z).reshape(-1)
    y = _check_y(z.reshape(-1, 1), y)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def mlp_loss(params: Params, X: np.ndarray, y: np.ndarray, activation: str = "tanh") -> float:
    """Mean BCE loss of the network on ``(X, y)``."""
    z, _ = mlp_forward(params, X, activation)
    return bce_with_logits(z, y)


def mlp_backward(params: Params, cache: dict, y: np.ndarray) -> Params:
    """手推的梯度：平均二元交叉熵对每个参数的偏导。

    Hand-derived gradients of the mean BCE loss with respect to every
    parameter."""
    _check_params(params)
    X, H, z = cache["X"], cache["H"], cache["z"]
    y = _check_y(X, y)
    n = len(X)
    G_z = ((sigmoid(z) - y) / n)[:, None]           # dL/dz, (n, 1)
    G_H = G_z @ params["W2"].T                       # dL/dH, (n, h)
    if cache["activation"] == "tanh":
        G_A = G_H * (1.0 - H**2)                     # tanh'(A) = 1 - tanh(A)^2
    else:
        G_A = G_H * (cache["A"] > 0)                 # relu'(A) = 1[A > 0]
    return {"W1": X.T @ G_A, "b1": G_A.sum(axis=0),
            "W2": H.T @ G_z, "b2": G_z.sum(axis=0)}


def sgd_step(params: Params, grads: Params, lr: float) -> Params:
    """One gradient-descent update ``θ ← θ - lr · ∂L/∂θ``; returns new arrays, leaves ``params`` alone."""
    _check_params(params)
    _check_params(grads)
    check_positive("lr", lr)
    return {k: params[k] - lr * grads[k] for k in KEYS}


def predict_proba(params: Params, X: np.ndarray, activation: str = "tanh") -> np.ndarray:
    """``P(y = 1 | x)`` for each row of ``X``."""
    z, _ = mlp_forward(params, X, activation)
    return sigmoid(z)


def accuracy(params: Params, X: np.ndarray, y: np.ndarray, activation: str = "tanh") -> float:
    """Share of rows where ``p > 0.5`` agrees with the 0/1 label."""
    p = predict_proba(params, X, activation)
    y = _check_y(p.reshape(-1, 1), y)
    return float(np.mean((p > 0.5) == (y == 1)))


# --- gradient checks ------------------------------------------------------------
def numerical_gradient(params: Params, X: np.ndarray, y: np.ndarray, activation: str = "tanh",
                       eps: float = 1e-6) -> Params:
    """Central finite differences ``(L(θ+ε) - L(θ-ε)) / 2ε`` for every parameter entry.

    Costs two forward passes per parameter: meant for small networks in float64.
    """
    _check_params(params)
    check_positive("eps", eps)
    grads: Params = {}
    for k in KEYS:
        g = np.zeros_like(params[k])
        for idx in np.ndindex(params[k].shape):
            plus, minus = copy_params(params), copy_params(params)
            plus[k][idx] += eps
            minus[k][idx] -= eps
            g[idx] = (mlp_loss(plus, X, y, activation) - mlp_loss(minus, X, y, activation)) / (2 * eps)
        grads[k] = g
    return grads


def relative_error(a: Params, b: Params) -> float:
    """Largest, over parameters, of ``‖a - b‖ / max(‖a‖ + ‖b‖, 1e-300)`` (Frobenius norms)."""
    if set(a) != set(b):
        raise ValueError(f"两组梯度的键不同：{sorted(a)} 与 {sorted(b)}")
    worst = 0.0
    for k in a:
        x, z = np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float)
        if x.shape != z.shape:
            raise ValueError(f"键 {k!r} 的形状不同：{x.shape} 与 {z.shape}")
        den = max(np.linalg.norm(x) + np.linalg.norm(z), 1e-300)
        worst = max(worst, float(np.linalg.norm(x - z) / den))
    return worst
