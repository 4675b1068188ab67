"""Offline data: scikit-learn's bundled sets and documented generators.

Nothing here touches the network. Every generator takes a ``seed`` and
documents the process that makes its data, so a reader can reproduce it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_fraction, check_positive_int


def standardize(train: np.ndarray, *others: np.ndarray, eps: float = 1e-12):
    """Scale columns to mean 0 and std 1 with statistics of ``train`` only.

    Returns ``(train_scaled, *others_scaled, mean, std)``. Using the
    training split's statistics for every split is what keeps test data from
    leaking into the model (the article normalises each split on its own).
    """
    train = np.asarray(train, dtype=float)
    if train.ndim not in (1, 2) or len(train) < 2:
        raise ValueError(f"train 应是至少两行的一维或二维数组，收到形状 {train.shape}")
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std < eps, 1.0, std)
    out = [(train - mean) / std]
    for i, o in enumerate(others):
        o = np.asarray(o, dtype=float)
        if o.shape[1:] != train.shape[1:]:
            raise ValueError(f"第 {i + 1} 个待缩放数组的列形状 {o.shape[1:]} 与 train 的 {train.shape[1:]} 不同")
        out.append((o - mean) / std)
    return (*out, mean, std)


@dataclass
class Split:
    """Train / validation / test split of a labelled data set."""

    X_train: np.ndarray
    X_val: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def sizes(self) -> tuple[int, int, int]:
        return len(self.y_train), len(self.y_val), len(self.y_test)


def split_dataset(X, y, *, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0,
                  scale: bool = True, feature_names: list[str] | None = None) -> Split:
    """Stratified train/val/test split; with ``scale=True`` standardised on the training split only.

    ``test_size`` is a fraction of the whole set, ``val_size`` a fraction of what remains.
    """
    from sklearn.model_selection import train_test_split

    check_fraction("val_size", val_size)
    check_fraction("test_size", test_size)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X 有 {len(X)} 行而 y 有 {len(y)} 行，二者应相同")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size, random_state=seed, stratify=y_rest)
    names = list(feature_names) if feature_names is not None else [f"x{i}" for i in range(X.shape[1])]
    mean = std = None
    if scale:
        X_train, X_val, X_test, mean, std = standardize(X_train, X_val, X_test)
    return Split(X_train, X_val, X_test, y_train, y_val, y_test, names, mean, std)


def load_breast_cancer_split(*, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0,
                             scale: bool = True) -> Split:
    """Wisconsin diagnostic breast-cancer set (569 × 30, ships with scikit-learn).

    Label 1 means *malignant* here (scikit-learn codes benign as 1; we flip it
    so that the positive class is the disease, as in medical screening).
    """
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    y = (d.target == 0).astype(np.float32)
    return split_dataset(d.data, y, val_size=val_size, test_size=test_size, seed=seed,
                         scale=scale, feature_names=list(d.feature_names))


def make_threshold_numbers(n: int, *, low: int = 0, high: int = 10, threshold: float = 5,
                           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The article's toy task: integers drawn uniformly from ``[low, high)``, label ``x > threshold``.

    Returns ``x`` with shape ``(n, 1)`` (float) and ``y`` with shape ``(n,)`` (0/1 float).
    """
    check_positive_int("n", n)
    if not high > low:
        raise ValueError(f"需要 high > low，收到 low={low}, high={high}")
    rng = np.random.default_rng(seed)
    x = rng.integers(low, high, size=(n, 1)).astype(float)
    y = (x[:, 0] > threshold).astype(float)
    return x, y
