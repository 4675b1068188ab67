"""Scale in miniature: parameter counts, training FLOPs, a teacher task and power-law fits.

Defined for chapter ``chapters/part1/01_background`` (背景与核心概念：什么是大模型).

* :func:`mlp_param_count` counts the parameters of a fully connected network
  from its layer sizes (the ``C ≈ 6·N·D`` rule is :func:`book.cost.train_flops`, the one place it is written).
* :class:`SineTeacher` / :func:`make_teacher_task` generate a regression task
  whose noise floor is known exactly (the variance of the added noise).
* :class:`MLPFamily` holds several one-hidden-layer ReLU networks of different
  widths side by side, so that one training loop trains them all at once.
* :func:`train_mse` trains such models with :func:`book.train.train_torch`
  (Adam, cosine schedule); :func:`column_mse` evaluates them;
  :func:`fit_power_law` fits ``y = c·x**k`` by least squares in log–log space.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from ._checks import check_nonnegative, check_positive, check_positive_int, check_rows
from .train import _as_tensor, train_torch

__all__ = [
    "mlp_param_count", "SineTeacher", "TeacherTask", "make_teacher_task",
    "MLPFamily", "train_mse", "column_mse", "column_mse_loss", "PowerLaw", "fit_power_law",
]


# --- counting -----------------------------------------------------------------
def mlp_param_count(layer_sizes: Sequence[int], *, bias: bool = True) -> int:
    """给定各层宽度的全连接网络的参数个数。

    Parameters of a fully connected network with the given layer sizes.

    ``layer_sizes = [n_0, n_1, ..., n_L]`` (input, hidden..., output). Layer
    ``l`` has an ``n_{l-1} × n_l`` weight matrix and, with ``bias=True``,
    ``n_l`` biases, so the total is ``sum_l (n_{l-1} + 1) * n_l``.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes 至少要有输入和输出两层，收到 {sizes!r}")
    for i, s in enumerate(sizes):
        check_positive_int(f"layer_sizes[{i}]", s)
    extra = 1 if bias else 0
    return sum((a + extra) * b for a, b in zip(sizes[:-1], sizes[1:]))


# --- the teacher task -----------------------------------------------------------
class SineTeacher:
    """A smooth random function ``f: R^d → R`` with mean 0 and variance 1 under ``x ~ N(0, I)``.

    ``f(x) = (sum_k a_k sin(w_k·x + b_k) - mu) / s`` with ``w_k ~ N(0, I_d)``,
    ``b_k ~ U(0, 2π)``, ``a_k ~ N(0, 1)`` drawn once from ``seed``. The
    centring ``mu`` and scale ``s`` are computed exactly, not estimated, from
    ``E[cos(w·x + b)] = cos(b)·exp(-|w|²/2)`` for Gaussian ``x``.
    """

    def __init__(self, d_in: int = 3, n_features: int = 32, seed: int = 0):
        self.d_in = check_positive_int("d_in", d_in)
        self.n_features = check_positive_int("n_features", n_features)
        rng = np.random.default_rng(seed)
        self.W = rng.normal(size=(self.d_in, self.n_features))
        self.b = rng.uniform(0.0, 2.0 * np.pi, size=self.n_features)
        self.a = rng.normal(size=self.n_features)
        w = self.W.T
        decay = lambda v: np.exp(-0.5 * np.sum(v * v, axis=-1))  # noqa: E731
        mean_sin = np.sin(self.b) * decay(w)
        diff = decay(w[:, None, :] - w[None, :, :]) * np.cos(self.b[:, None] - self.b[None, :])
        summ = decay(w[:, None, :] + w[None, :, :]) * np.cos(self.b[:, None] + self.b[None, :])
        second = 0.5 * (diff - summ)                     # E[sin(u_k) sin(u_l)]
        self.mu = float(self.a @ mean_sin)
        var = float(self.a @ second @ self.a) - self.mu ** 2
        if not var > 0:
            raise ValueError("生成的教师函数方差为 0，请换一个 seed")
        self.scale = math.sqrt(var)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.d_in:
            raise ValueError(f"X 应是形状 (n, {self.d_in}) 的数组，收到 {X.shape}")
        return (np.sin(X @ self.W + self.b) @ self.a - self.mu) / self.scale


@dataclass
class TeacherTask:
    """Training and test data of a :class:`SineTeacher` with Gaussian label noise."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    clean_test: np.ndarray   # f(X_test) without noise
    noise_std: float
    teacher: SineTeacher

    @property
    def noise_var(self) -> float:
        """Expected test MSE of the best possible predictor ``f`` itself (the noise floor)."""
        return self.noise_std ** 2


def make_teacher_task(n_train: int, n_test: int, *, d_in: int = 3, n_features: int = 32,
                      noise_std: float = 0.25, seed: int = 0) -> TeacherTask:
    """Draw ``x ~ N(0, I_d)`` and ``y = f(x) + noise_std·ε`` (``ε ~ N(0, 1)``) from a :class:`SineTeacher`.

    The teacher's function depends on ``seed``; the samples on ``seed + 1``.
    Any prefix ``X_train[:n]`` is itself an i.i.d. sample, so data-size sweeps
    can use nested subsets. Arrays are float32 (labels have shape ``(n,)``).
    """
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test)
    check_nonnegative("noise_std", noise_std)
    teacher = SineTeacher(d_in, n_features, seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(n_train + n_test, d_in))
    clean = teacher(X)
    y = clean + noise_std * rng.normal(size=len(X))
    f32 = lambda a: a.astype(np.float32)  # noqa: E731
    return TeacherTask(f32(X[:n_train]), f32(y[:n_train]), f32(X[n_train:]), f32(y[n_train:]),
                       f32(clean[n_train:]), float(noise_std), teacher)


# --- models side by side --------------------------------------------------------
class MLPFamily(nn.Module):
    """Independent one-hidden-layer ReLU networks ``d_in → h_j → 1``, stored side by side.

    Member ``j`` has ``(d_in + 2)·h_j + 1`` parameters (see :meth:`param_counts`).
    The hidden layers of all members are one ``nn.Linear(d_in, sum(h))``; a
    fixed 0/1 matrix routes each block of hidden units to its own output.
    Members share no parameter, so the gradient of the *sum* of their losses
    with respect to member ``j``'s parameters is the gradient of member
    ``j``'s own loss, and Adam (element-wise) updates each member exactly as
    if it were trained alone. The initialisation matches ``nn.Linear``'s per
    member. ``forward`` returns shape ``(n, len(widths))``.
    """

    def __init__(self, d_in: int, widths: Sequence[int]):
        super().__init__()
        self.d_in = check_positive_int("d_in", d_in)
        widths = list(widths)
        if not widths:
            raise ValueError("widths 不能为空")
        self.widths = [check_positive_int(f"widths[{i}]", h) for i, h in enumerate(widths)]
        total, m = sum(self.widths), len(self.widths)
        self.hidden = nn.Linear(self.d_in, total)
        bound = torch.cat([torch.full((h,), 1.0 / math.sqrt(h)) for h in self.widths])
        self.out_w = nn.Parameter((2 * torch.rand(total) - 1) * bound)
        self.out_b = nn.Parameter((2 * torch.rand(m) - 1) / torch.tensor([math.sqrt(h) for h in self.widths]))
        route = torch.zeros(total, m)
        start = 0
        for j, h in enumerate(self.widths):
            route[start:start + h, j] = 1.0
            start += h
        self.register_buffer("route", route)

    def forward(self, X):
        return torch.relu(self.hidden(X)) @ (self.route * self.out_w[:, None]) + self.out_b

    def param_counts(self) -> list[int]:
        """Number of parameters of each member: ``mlp_param_count([d_in, h_j, 1])``."""
        return [mlp_param_count([self.d_in, h, 1]) for h in self.widths]

    def member(self, j: int):
        """A stand-alone ``nn.Sequential`` copy of member ``j`` (same weights)."""
        if not 0 <= j < len(self.widths):
            raise ValueError(f"j 应在 [0, {len(self.widths)}) 内，收到 {j}")
        start = sum(self.widths[:j])
        h = self.widths[j]
        net = nn.Sequential(nn.Linear(self.d_in, h), nn.ReLU(), nn.Linear(h, 1))
        net = net.to(device=self.out_w.device, dtype=self.out_w.dtype)
        with torch.no_grad():
            net[0].weight.copy_(self.hidden.weight[start:start + h])
            net[0].bias.copy_(self.hidden.bias[start:start + h])
            net[2].weight.copy_(self.out_w[start:start + h][None, :])
            net[2].bias.copy_(self.out_b[j:j + 1])
        return net


# --- training and evaluation ---------------------------------------------------------
def _check_xy(X, y) -> None:
    check_rows(X, y)
    if np.ndim(y) != 1:
        raise ValueError(f"y 应是一维标签，收到形状 {np.shape(y)}")


def column_mse(model, X, y) -> np.ndarray:
    """Mean squared error of every output column of ``model(X)`` (shape ``(n, M)``) against ``y``."""
    _check_xy(X, y)
    p = next(model.parameters())
    Xt, yt = _as_tensor(X, p.device, p.dtype), _as_tensor(y, p.device, p.dtype)
    model.eval()
    with torch.no_grad():
        out = model(Xt)
        if out.ndim != 2 or out.shape[0] != len(yt):
            raise ValueError(f"模型输出应为 (n, M)，收到 {tuple(out.shape)}")
        return ((out - yt[:, None]) ** 2).mean(dim=0).cpu().numpy()


def column_mse_loss(out, y):
    """``out``（形状 ``(n, M)``）每一列对 ``y`` 的均方误差之和。
    各成员不共享参数，所以这个和对成员 ``j`` 的梯度就是它自己的 MSE 的梯度。

    Sum over the columns of ``out`` (shape ``(n, M)``) of their mean squared
    error against ``y``.

    Members of an :class:`MLPFamily` share no parameter, so the gradient of this
    sum with respect to member ``j`` is the gradient of member ``j``'s own MSE.
    """
    return ((out - y[:, None]) ** 2).mean(dim=0).sum()


def train_mse(model, X, y, *, steps: int, batch_size: int | None = 256, lr: float = 1e-2,
              seed: int = 0) -> np.ndarray:
    """Train ``model`` (output ``(n, M)``) on :func:`column_mse_loss`; return every column's final train MSE.

    Adam with a cosine learning-rate schedule from ``lr`` to 0 over ``steps``
    optimizer steps of ``batch_size`` samples (``None`` means full batch),
    run by :func:`book.train.train_torch` (epochs of shuffled full mini-batches,
    order seeded with ``seed``). Data are moved to the model's device and dtype.
    """
    steps = check_positive_int("steps", steps)
    _check_xy(X, y)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    check_positive("lr", lr)
    n = len(X)
    per_epoch = max(1, n // min(batch_size or n, n))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    train_torch(model, column_mse_loss, opt, X, y, epochs=math.ceil(steps / per_epoch),
                batch_size=batch_size, seed=seed, scheduler=sched, max_steps=steps,
                drop_last=True, progress_bar=False)
    return column_mse(model, X, y)


# --- power laws ------------------------------------------------------------------
@dataclass(frozen=True)
class PowerLaw:
    """``y = coefficient · x**exponent`` (a straight line of slope ``exponent`` on log–log axes)."""

    exponent: float
    coefficient: float

    def __call__(self, x):
        return self.coefficient * np.asarray(x, dtype=float) ** self.exponent


def fit_power_law(x, y) -> PowerLaw:
    """Least-squares fit of ``log y = log c + k·log x``; needs at least two points, all positive."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or len(x) < 2:
        raise ValueError(f"x 与 y 应是等长、至少两个点的数组，收到 {x.shape} 与 {y.shape}")
    if not (np.all(x > 0) and np.all(y > 0)):
        raise ValueError("幂律拟合要求 x 与 y 全部为正（要取对数）")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("x 至少要有两个不同的值")
    k, logc = np.polyfit(np.log(x), np.log(y), 1)
    return PowerLaw(float(k), float(np.exp(logc)))
