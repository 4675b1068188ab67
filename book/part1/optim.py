"""First-order optimisers written from scratch in NumPy (chapter p1-math, article I §4.1.3).

Every update rule is a pure function ``step(theta, grad, state, **hyper) -> (theta, state)``:
it takes the parameters, the gradient at them and the optimiser's state (``None`` on the
first call) and returns new parameters and the new state. :func:`minimize` runs any of
them on a gradient function. The rules are the ones PyTorch implements, so that later
chapters can check a from-scratch optimiser against ``torch.optim``:

* :func:`gd_step` -- gradient descent / SGD, ``theta - lr * grad``
  (``torch.optim.SGD`` without momentum);
* :func:`momentum_step` -- heavy-ball momentum in PyTorch's form
  ``v = mu * v + grad; theta - lr * v`` (``torch.optim.SGD(momentum=mu)``);
* :func:`adam_step` -- Adam as in Kingma & Ba (2015), Algorithm 1
  (``torch.optim.Adam`` with default flags);
* :func:`article_adam_step` -- the article's *wrong* rule
  ``theta - lr * (m_hat + v_hat)``, kept only to show what it does.

:func:`rosenbrock` and :func:`rosenbrock_grad` give a standard non-convex test function.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._checks import check_decay, check_nonnegative, check_positive, check_positive_int

Step = Callable[..., "tuple[np.ndarray, Any]"]


def _as_vector(name: str, a: Any) -> np.ndarray:
    arr = np.array(a, dtype=float)  # a copy: steps never modify their inputs
    if arr.ndim > 1:
        raise ValueError(f"{name} 应是标量或一维数组，收到形状 {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} 含有非有限值（nan 或 inf）：{arr}")
    return np.atleast_1d(arr)


def _check_pair(theta: Any, grad: Any) -> tuple[np.ndarray, np.ndarray]:
    t, g = _as_vector("theta", theta), _as_vector("grad", grad)
    if t.shape != g.shape:
        raise ValueError(f"theta 的形状 {t.shape} 与 grad 的形状 {g.shape} 应相同")
    return t, g


def _momentum_inputs(theta: Any, grad: Any, state: Any, lr: float,
                     momentum: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The checks of :func:`momentum_step`, in its order; returns ``theta``, ``grad``, ``v``."""
    check_positive("lr", lr)
    check_decay("momentum", momentum)
    t, g = _check_pair(theta, grad)
    v = np.zeros_like(t) if state is None else _as_vector("state", state)
    if v.shape != t.shape:
        raise ValueError(f"速度 state 的形状 {v.shape} 与 theta 的形状 {t.shape} 应相同")
    return t, g, v


def _adam_inputs(theta: Any, grad: Any, lr: float, beta1: float, beta2: float,
                 eps: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The checks of the Adam steps, in their order (``eps=None``: the rule has no ``eps``)."""
    check_positive("lr", lr)
    check_decay("beta1", beta1)
    check_decay("beta2", beta2)
    if eps is not None:
        check_nonnegative("eps", eps)
    return _check_pair(theta, grad)


def _adam_state(state: Any, t: np.ndarray) -> "AdamState":
    """``state`` checked against ``theta`` (zero moments at step 0 when ``None``)."""
    if state is None:
        state = AdamState(np.zeros_like(t), np.zeros_like(t), 0)
    if not isinstance(state, AdamState):
        raise ValueError(f"state 应为 AdamState 或 None，收到 {type(state).__name__}")
    if state.m.shape != t.shape or state.v.shape != t.shape:
        raise ValueError(f"state 的形状 {state.m.shape} 与 theta 的形状 {t.shape} 应相同")
    return state


def gd_step(theta: Any, grad: Any, state: None = None, *, lr: float) -> tuple[np.ndarray, None]:
    """Gradient descent: ``theta - lr * grad`` (SGD when ``grad`` comes from one sample or a batch)."""
    check_positive("lr", lr)
    t, g = _check_pair(theta, grad)
    return t - lr * g, None


def momentum_step(
    theta: Any,
    grad: Any,
    state: np.ndarray | None = None,
    *,
    lr: float,
    momentum: float = 0.9,
) -> tuple[np.ndarray, np.ndarray]:
    """重球动量，与 ``torch.optim.SGD(momentum=...)`` 相同：
    ``v = momentum * v + grad``，``theta - lr * v``；
    ``state`` 是速度 ``v``（``None`` 时为 0）。

    Heavy-ball momentum as in ``torch.optim.SGD(momentum=...)``.
    """
    t, g, v = _momentum_inputs(theta, grad, state, lr, momentum)   # 检查输入
    v = momentum * v + g
    return t - lr * v, v


@dataclass(frozen=True)
class AdamState:
    """Adam's state after ``t`` steps: first moment ``m`` and second moment ``v`` (both biased)."""

    m: np.ndarray
    v: np.ndarray
    t: int = 0


def adam_moments(
    t: np.ndarray,
    g: np.ndarray,
    state: AdamState | None,
    beta1: float,
    beta2: float,
) -> tuple[np.ndarray, np.ndarray, AdamState]:
    """Adam 的一阶、二阶矩及其偏差修正；返回 ``m_hat``、``v_hat`` 与新的状态。

    Adam's moments and their bias corrections; returns ``m_hat``, ``v_hat``
    and the new state.
    """
    state = _adam_state(state, t)
    step = state.t + 1
    m = beta1 * state.m + (1 - beta1) * g          # first moment: mean of g
    v = beta2 * state.v + (1 - beta2) * g**2       # second moment: mean of g**2
    m_hat = m / (1 - beta1**step)                  # bias corrections
    v_hat = v / (1 - beta2**step)
    return m_hat, v_hat, AdamState(m, v, step)


def adam_step(
    theta: Any,
    grad: Any,
    state: AdamState | None = None,
    *,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, AdamState]:
    """Adam 的一步（Kingma & Ba 2015，算法 1）：
    ``theta - lr * m_hat / (sqrt(v_hat) + eps)``。

    One Adam step (Kingma & Ba 2015, Algorithm 1).
    """
    t, g = _adam_inputs(theta, grad, lr, beta1, beta2, eps)        # 检查输入
    m_hat, v_hat, new = adam_moments(t, g, state, beta1, beta2)
    return t - lr * m_hat / (np.sqrt(v_hat) + eps), new


def article_adam_step(theta: Any, grad: Any, state: AdamState | None = None, *,
                      lr: float = 1e-3, beta1: float = 0.9,
                      beta2: float = 0.999) -> tuple[np.ndarray, AdamState]:
    """原文的式子 ``theta - lr * (m_hat + v_hat)``：是错的，只用来演示。

    原文只写了 ``m_t``、``v_t`` 而没有定义；
    这里取最宽厚的读法，即 Adam 的两个矩。

    The article's rule -- WRONG, for demonstration only. The article names
    ``m_t`` and ``v_t`` without defining them; the most charitable reading
    takes Adam's moments.
    """
    t, g = _adam_inputs(theta, grad, lr, beta1, beta2)             # 检查输入
    m_hat, v_hat, new = adam_moments(t, g, state, beta1, beta2)
    return t - lr * (m_hat + v_hat), new


def minimize(step: Step, grad_fn: Callable[[np.ndarray], Any], theta0: Any, n_steps: int, *,
             limit: float = 1e6, **hyper: Any) -> np.ndarray:
    """Run ``step`` from ``theta0`` for ``n_steps`` steps; return the trajectory, shape ``(k + 1, d)``.

    ``hyper`` is passed to ``step`` (e.g. ``lr=0.01``). The run stops early, with
    ``k < n_steps``, as soon as a coordinate leaves ``[-limit, limit]`` or stops being
    finite: a diverging optimiser is reported by a short trajectory, not by an overflow.
    """
    check_positive_int("n_steps", n_steps, minimum=0)
    check_positive("limit", limit)
    theta = _as_vector("theta0", theta0)
    path = [theta]
    state = None
    for _ in range(int(n_steps)):
        theta, state = step(theta, np.asarray(grad_fn(theta), dtype=float), state, **hyper)
        path.append(theta)
        if not np.all(np.isfinite(theta)) or np.max(np.abs(theta)) > limit:
            break
    return np.array(path)


def _check_point(theta: Any) -> np.ndarray:
    p = np.asarray(theta, dtype=float)
    if p.shape[-1:] != (2,):
        raise ValueError(f"Rosenbrock 函数的输入最后一维应为 2，收到形状 {p.shape}")
    return p


def rosenbrock(theta: Any, a: float = 1.0, b: float = 100.0) -> np.ndarray | float:
    """Rosenbrock's function ``(a - x)**2 + b * (y - x**2)**2``; minimum 0 at ``(a, a**2)``.

    ``theta`` has shape ``(..., 2)``; the result has shape ``theta.shape[:-1]``.
    """
    p = _check_point(theta)
    x, y = p[..., 0], p[..., 1]
    out = (a - x) ** 2 + b * (y - x**2) ** 2
    return float(out) if out.ndim == 0 else out


def rosenbrock_grad(theta: Any, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """Gradient of :func:`rosenbrock` with respect to ``(x, y)``, same shape as ``theta``."""
    p = _check_point(theta)
    x, y = p[..., 0], p[..., 1]
    dx = -2 * (a - x) - 4 * b * x * (y - x**2)
    dy = 2 * b * (y - x**2)
    return np.stack([dx, dy], axis=-1)
