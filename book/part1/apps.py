"""Seeded data generators and small helpers for the application demos (chapter "实际应用场景").

Every generator takes a ``seed``, touches no network, and its docstring states
the process that makes the data, so that a reader can reproduce it or change
it. The data are synthetic on purpose: each generator builds in exactly the
structure that its demo needs (a rare positive class, a daily/weekly cycle, a
correlation between sensors, a low-rank ratings matrix), so that what a model
can and cannot learn from it is known in advance.

Section of the book that uses them: ``chapters/part1/05_applications``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_fraction, check_nonnegative, check_positive_int


# ---------------------------------------------------------------------------
# 1. Fraud: a rare positive class
# ---------------------------------------------------------------------------
def make_fraud_data(n: int = 20000, *, pos_rate: float = 0.015, n_features: int = 10,
                    shift: float = 2.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Imbalanced "transactions": ``X`` of shape ``(n, n_features)``, label ``y`` (1 = fraud).

    Generating process (``n_features >= 6``):

    1. Exactly ``round(n * pos_rate)`` rows are frauds (at least one), the rest
       are normal; the rows are then shuffled.
    2. Every row starts as independent standard normals, ``x ~ N(0, I)``.
    3. Each fraud follows one of two patterns, chosen with probability 1/2:
       pattern A adds ``shift`` to features 0, 1, 2 (think: amount, number of
       transactions in the last hour, distance from home); pattern B adds
       ``shift`` to features 3 and 4 and subtracts ``shift`` from feature 5
       (think: new device, foreign merchant, account age). The remaining
       features carry no signal.

    So the two classes overlap: with the default ``shift`` a fraud is
    separable from normal rows only in part, as in real data.
    """
    check_positive_int("n", n, minimum=10)
    check_fraction("pos_rate", pos_rate)
    check_positive_int("n_features", n_features, minimum=6)
    check_nonnegative("shift", shift)
    rng = np.random.default_rng(seed)
    n_pos = max(1, int(round(n * pos_rate)))
    X = rng.standard_normal((n, n_features))
    y = np.zeros(n)
    y[:n_pos] = 1.0
    pattern_a = rng.random(n_pos) < 0.5
    X[:n_pos][pattern_a, 0:3] += shift
    X[:n_pos][~pattern_a, 3:5] += shift
    X[:n_pos][~pattern_a, 5] -= shift
    order = rng.permutation(n)
    return X[order], y[order]


# ---------------------------------------------------------------------------
# 2. Traffic: a daily and weekly cycle plus correlated noise
# ---------------------------------------------------------------------------
def traffic_profile(hour_of_week: np.ndarray) -> np.ndarray:
    """Mean hourly traffic (vehicles per hour) of :func:`make_traffic_series` at each hour of the week.

    Hour 0 is Monday 00:00. Weekdays (Mon–Fri): a base of 150 plus a morning
    peak (height 650 at 08:00, width 1.2 h) and an evening peak (height 550 at
    17:30, width 1.5 h), both Gaussian bumps in the hour of day. Weekends: a
    base of 120 plus one broad bump (height 350 at 14:00, width 3.5 h).
    """
    how = np.asarray(hour_of_week, dtype=float)
    if np.any(how < 0) or np.any(how >= 168):
        raise ValueError("hour_of_week 应在 [0, 168) 内")
    hod = np.mod(how, 24.0)
    weekend = how >= 5 * 24

    def bump(center: float, width: float) -> np.ndarray:
        return np.exp(-0.5 * ((hod - center) / width) ** 2)

    weekday = 150 + 650 * bump(8.0, 1.2) + 550 * bump(17.5, 1.5)
    sat_sun = 120 + 350 * bump(14.0, 3.5)
    return np.where(weekend, sat_sun, weekday)


def make_traffic_series(n_weeks: int = 10, *, noise_sd: float = 40.0, ar: float = 0.8,
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Hourly traffic counts at one road sensor: returns ``(hour_of_week, y)``, both of length ``168 * n_weeks``.

    Generating process: ``y_t = traffic_profile(t mod 168) + e_t``, where the
    deviation ``e_t`` is a stationary AR(1) process,
    ``e_t = ar * e_{t-1} + u_t`` with ``u_t ~ N(0, noise_sd^2 (1 - ar^2))``,
    so that ``sd(e_t) = noise_sd``. The deviations persist for a few hours
    (an incident, rain, an event), which is what makes the last hour useful
    for predicting the next one. Hour 0 is a Monday 00:00.
    """
    check_positive_int("n_weeks", n_weeks, minimum=2)
    check_nonnegative("noise_sd", noise_sd)
    if isinstance(ar, bool) or not isinstance(ar, (int, float)) or not -1 < ar < 1:
        raise ValueError(f"ar 应在 (-1, 1) 内（平稳 AR(1)），收到 {ar!r}")
    rng = np.random.default_rng(seed)
    n = 168 * n_weeks
    how = np.arange(n) % 168
    u = rng.normal(0.0, noise_sd * np.sqrt(1 - ar ** 2), size=n)
    e = np.empty(n)
    e[0] = rng.normal(0.0, noise_sd)
    for t in range(1, n):
        e[t] = ar * e[t - 1] + u[t]
    return how.astype(int), traffic_profile(how) + e


def lag_matrix(y: np.ndarray, lags: list[int] | tuple[int, ...], *,
               horizon: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """提前 ``horizon`` 步预测时，由过去的值构成的设计矩阵。
    返回 ``(X, target, t)``，``t`` 是各行目标的下标。

    Design matrix of past values for forecasting ``horizon`` steps ahead.

    Row ``k`` predicts ``y[t]`` with ``t = start + k`` from
    ``y[t - horizon - l + 1]`` for each ``l`` in ``lags`` (``lags=[1]`` with
    ``horizon=1`` is "the last value"). Returns ``(X, target, t)`` where ``t``
    are the target indices; ``start`` is the first index whose every lag exists.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"y 应是一维序列，收到形状 {y.shape}")
    check_positive_int("horizon", horizon)
    lags = list(lags)
    if not lags:
        raise ValueError("lags 不能为空")
    for lag in lags:
        check_positive_int("lags 中的元素", lag)
    back = [horizon + lag - 1 for lag in lags]
    start = max(back)
    if start >= len(y):
        raise ValueError(f"序列长度 {len(y)} 不足以构造最大滞后 {start}")
    t = np.arange(start, len(y))
    X = np.stack([y[t - b] for b in back], axis=1)
    return X, y[t], t


def make_random_walk(n: int = 3000, *, sigma: float = 1.0, start: float = 100.0,
                     seed: int = 0) -> np.ndarray:
    """A price-like series with no predictable structure: ``p_t = p_{t-1} + u_t``, ``u_t ~ N(0, sigma^2)`` i.i.d.

    The best forecast of ``p_{t+1}`` from the past is ``p_t`` itself, and the
    sign of the next change is a fair coin whatever the past was.
    """
    check_positive_int("n", n, minimum=2)
    check_nonnegative("sigma", sigma)
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, sigma, size=n)
    steps[0] = 0.0
    return start + np.cumsum(steps)


# ---------------------------------------------------------------------------
# 3. Predictive maintenance: sensors tied together by physics
# ---------------------------------------------------------------------------
SENSOR_NAMES = ("电机电流", "轴承温度", "振动", "油压", "转速", "功率")

FAULT_NONE, FAULT_DECOUPLE, FAULT_SPIKE = 0, 1, 2


@dataclass
class SensorData:
    """Readings of :func:`make_sensor_data`.

    ``X``: ``(n, 6)`` sensor readings (columns as in ``names``);
    ``fault``: ``(n,)`` fault kind per time step, ``0`` normal,
    ``1`` decoupled sensor (a correlation break), ``2`` spike;
    ``sensor``: index of the faulty sensor, ``-1`` when normal.
    """

    X: np.ndarray
    fault: np.ndarray
    sensor: np.ndarray
    names: tuple[str, ...] = SENSOR_NAMES

    @property
    def is_fault(self) -> np.ndarray:
        return (self.fault != FAULT_NONE).astype(float)


def _machine_state(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Load in [0.05, 1] and ambient temperature (°C) of the machine over ``n`` ten-minute steps."""
    t = np.arange(n)
    day = 144  # ten-minute steps per day
    wander = np.empty(n)
    wander[0] = 0.0
    for i in range(1, n):
        wander[i] = 0.97 * wander[i - 1] + rng.normal(0.0, 0.05)
    load = np.clip(0.55 + 0.3 * np.sin(2 * np.pi * t / day) + wander, 0.05, 1.0)
    ambient = 22 + 4 * np.sin(2 * np.pi * (t - day / 4) / day) + rng.normal(0.0, 0.5, size=n)
    return load, ambient


def make_sensor_data(n: int = 3000, *, fault_rate: float = 0.0, spike_share: float = 0.5,
                     noise: float = 0.02, seed: int = 0) -> SensorData:
    """Six sensors of one machine, every ten minutes, with optional injected faults.

    Generating process:

    1. A hidden machine state: load ``L_t`` in ``[0.05, 1]`` (a daily cycle plus
       a slowly wandering AR(1) part) and ambient temperature ``T_t`` (°C).
    2. Every sensor is a fixed, partly nonlinear function of ``(L, T)``, times
       ``1 + noise * N(0, 1)`` independent measurement noise:
       current ``= 5 + 25 L`` (A); bearing temperature ``= T + 35 L^2`` (°C);
       vibration ``= 0.5 + 3 L^1.5`` (mm/s); oil pressure ``= 6 - 2.5 L`` (bar);
       speed ``= 900 + 600 sqrt(L)`` (rpm); power ``= 0.4 * current * sqrt(L)`` (kW).
       So the six readings lie close to a two-dimensional curved surface.
    3. Faults (when ``fault_rate > 0``): each step is faulty with probability
       ``fault_rate``; one sensor, chosen uniformly, is corrupted. A share
       ``spike_share`` of the faults are *spikes* (the reading is moved by
       ``+-6`` of that sensor's standard deviation); the others are
       *decoupled sensors*: the reading is replaced by the same sensor's
       reading at another, randomly chosen normal step. A decoupled reading
       is a perfectly ordinary value for that sensor on its own; only its
       relation to the other five sensors is broken.
    """
    check_positive_int("n", n, minimum=10)
    check_fraction("fault_rate", fault_rate, closed_low=True)
    if isinstance(spike_share, bool) or not isinstance(spike_share, (int, float)) or not 0 <= spike_share <= 1:
        raise ValueError(f"spike_share 应在 [0, 1] 内，收到 {spike_share!r}")
    check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    L, T = _machine_state(n, rng)
    current = 5 + 25 * L
    clean = np.stack([
        current,
        T + 35 * L ** 2,
        0.5 + 3 * L ** 1.5,
        6 - 2.5 * L,
        900 + 600 * np.sqrt(L),
        0.4 * current * np.sqrt(L),
    ], axis=1)
    X = clean * (1 + noise * rng.standard_normal(clean.shape))
    fault = np.zeros(n, dtype=int)
    sensor = np.full(n, -1)
    if fault_rate > 0:
        hit = np.flatnonzero(rng.random(n) < fault_rate)
        normal = np.setdiff1d(np.arange(n), hit)
        sd = X[normal].std(axis=0)
        for i in hit:
            j = int(rng.integers(X.shape[1]))
            sensor[i] = j
            if rng.random() < spike_share:
                fault[i] = FAULT_SPIKE
                X[i, j] += rng.choice([-6.0, 6.0]) * sd[j]
            else:
                fault[i] = FAULT_DECOUPLE
                X[i, j] = X[int(rng.choice(normal)), j]
    return SensorData(X, fault, sensor)


# ---------------------------------------------------------------------------
# 4. Recommendation: a low-rank ratings matrix with most entries missing
# ---------------------------------------------------------------------------
@dataclass
class Ratings:
    """Observed entries of a ratings matrix from :func:`make_ratings` (one row per rating)."""

    user: np.ndarray
    item: np.ndarray
    rating: np.ndarray
    n_users: int
    n_items: int

    def __len__(self) -> int:
        return len(self.rating)

    def subset(self, idx: np.ndarray) -> "Ratings":
        return Ratings(self.user[idx], self.item[idx], self.rating[idx], self.n_users, self.n_items)


def make_ratings(n_users: int = 400, n_items: int = 250, *, rank: int = 3, density: float = 0.08,
                 noise_sd: float = 0.35, mean: float = 3.5, seed: int = 0) -> Ratings:
    """Observed ratings ``r_ui`` of a synthetic user × item matrix.

    Generating process:
    ``r_ui = clip(mean + b_u + c_i + p_u . q_i + eps_ui, 1, 5)``, with user
    bias ``b_u ~ N(0, 0.3^2)``, item bias ``c_i ~ N(0, 0.5^2)``, taste
    vectors ``p_u, q_i ~ N(0, I_rank / sqrt(rank))`` (so ``p_u . q_i`` has
    variance about 1 whatever the rank) and noise ``eps_ui ~ N(0, noise_sd^2)``.
    Each entry is observed independently with probability ``density``
    (missing completely at random, unlike real ratings, where people rate
    what they chose to watch). Every user and every item is then given at
    least one rating.
    """
    check_positive_int("n_users", n_users, minimum=2)
    check_positive_int("n_items", n_items, minimum=2)
    check_positive_int("rank", rank)
    check_fraction("density", density)
    check_nonnegative("noise_sd", noise_sd)
    rng = np.random.default_rng(seed)
    b = rng.normal(0.0, 0.3, n_users)
    c = rng.normal(0.0, 0.5, n_items)
    P = rng.normal(0.0, rank ** -0.25, (n_users, rank))
    Q = rng.normal(0.0, rank ** -0.25, (n_items, rank))
    mask = rng.random((n_users, n_items)) < density
    mask[np.arange(n_users), rng.integers(n_items, size=n_users)] = True
    mask[rng.integers(n_users, size=n_items), np.arange(n_items)] = True
    u, i = np.nonzero(mask)
    r = mean + b[u] + c[i] + np.einsum("kr,kr->k", P[u], Q[i]) + rng.normal(0.0, noise_sd, len(u))
    return Ratings(u, i, np.clip(r, 1.0, 5.0), n_users, n_items)
