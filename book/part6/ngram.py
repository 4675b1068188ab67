"""Count-based n-gram language models, the baselines of chapter ``chapters/part6/02_tiny_gpt``.

:class:`NGramCounts` counts every n-gram (n ≤ ``order``) of a training sequence of token ids
once; then two smoothings give the probability of each target of an evaluation sequence:

* :meth:`NGramCounts.interpolated` — Jelinek–Mercer interpolation
  ``P = λ_0/V + λ_1·P_1(c) + λ_2·P_2(c|b) + … + λ_n·P_n(c|…b)`` of maximum-likelihood
  estimates (where a history never occurs in training, its weight moves to the next lower order);
* :meth:`NGramCounts.kneser_ney` — interpolated Kneser–Ney (Chen & Goodman 1999): absolute
  discount ``D_k`` at each order, the lower orders use continuation counts (in how many
  distinct contexts a token follows), the lowest order is the continuation unigram with
  add-½ smoothing so that every token has a probability.

The targets are ``ids[1:]`` of the evaluation sequence; the context of target ``i`` is the
tokens before it (at the start of the sequence a sentinel that never occurs in training pads
the history, so those targets back off to the lower orders). :func:`mean_nll` is the
average negative log-probability in nats.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .._checks import check_positive_int

__all__ = ["NGramCounts", "mean_nll"]


def _as_ids(ids, V: int, name: str) -> np.ndarray:
    arr = np.asarray(ids.tolist() if hasattr(ids, "tolist") else ids, dtype=np.int64).reshape(-1)
    if len(arr) < 2:
        raise ValueError(f"{name} 至少要有 2 个 token，收到 {len(arr)} 个")
    if arr.min() < 0 or arr.max() >= V:
        raise ValueError(f"{name} 中的 id 应在 [0, {V}) 内")
    return arr


def _keys(ids: np.ndarray, n: int, base: int) -> np.ndarray:
    """Integer code of every n-gram ``ids[i:i+n]`` (base-``base`` digits)."""
    k = np.zeros(len(ids) - n + 1, dtype=np.int64)
    for j in range(n):
        k = k * base + ids[j:len(ids) - n + 1 + j]
    return k


def _lookup(table: np.ndarray, values: np.ndarray, query: np.ndarray):
    """``values`` at the positions of ``query`` in the sorted ``table`` (0 where absent), and a found mask."""
    i = np.minimum(np.searchsorted(table, query), len(table) - 1)
    found = table[i] == query
    return np.where(found, values[i], 0), found


def mean_nll(p: np.ndarray) -> float:
    """Mean negative log-probability (nats) of the probabilities ``p`` given to the targets."""
    p = np.asarray(p, dtype=float)
    if p.size == 0 or not np.all((p > 0) & (p <= 1 + 1e-9)):
        raise ValueError("概率应在 (0, 1] 内且非空")
    return float(-np.log(p).mean())


class NGramCounts:
    """Counts of all n-grams up to ``order`` in ``train`` (token ids in ``[0, V)``)."""

    def __init__(self, train: Sequence[int], V: int, order: int):
        check_positive_int("V（词表大小）", V)
        check_positive_int("order（阶数）", order)
        if (V + 1) ** order >= 2 ** 62:
            raise ValueError(f"词表 {V} 与阶数 {order} 太大，n 元组的整数编码会溢出")
        self.V, self.order, self.base = V, order, V + 1        # id V: the padding sentinel
        self.train = _as_ids(train, V, "训练序列")
        if len(self.train) < order:
            raise ValueError(f"训练序列只有 {len(self.train)} 个 token，少于阶数 {order}")
        self.unigram = np.bincount(self.train, minlength=V).astype(float)
        self._kn_cache: dict = {}
        self.full = {}                 # n → (sorted n-gram codes, counts)
        for n in range(2, order + 1):
            u, c = np.unique(_keys(self.train, n, self.base), return_counts=True)
            self.full[n] = (u, c.astype(float))

    # --- histories of the evaluation targets ----------------------------------
    def _contexts(self, eval_ids) -> tuple[np.ndarray, np.ndarray]:
        ids = _as_ids(eval_ids, self.V, "评估序列")
        pad = np.full(self.order - 1, self.V, dtype=np.int64)
        padded = np.concatenate([pad, ids])
        tgt = ids[1:]
        # hist[k] = code of the k tokens before each target (k = 0 … order-1)
        hist = {0: np.zeros(len(tgt), dtype=np.int64)}
        for k in range(1, self.order):
            h = np.zeros(len(tgt), dtype=np.int64)
            for j in range(k):
                # target ids[i+1] sits at padded[order-1+i+1]; its k-token history starts k before it
                start = self.order - k + j
                h = h * self.base + padded[start:start + len(tgt)]
            hist[k] = h
        return tgt, hist

    def _stats(self, n: int, table: tuple[np.ndarray, np.ndarray]):
        """Per history of ``n-1`` tokens: total count and number of distinct followers."""
        u, c = table
        hist = u // self.base
        uh, inv = np.unique(hist, return_inverse=True)
        return uh, np.bincount(inv, weights=c), np.bincount(inv).astype(float)

    def ml_components(self, eval_ids) -> tuple[np.ndarray, np.ndarray]:
        """Maximum-likelihood estimates for the targets ``eval_ids[1:]`` and where they exist.

        ``probs[0]`` is the uniform ``1/V``, ``probs[k]`` (k = 1 … ``order``) is
        ``P_k(target | k-1 previous tokens)``; ``seen[k]`` is False where that history never
        occurs in training (then ``probs[k] = 0``). :meth:`interpolated` only combines these
        rows, so a grid of λ costs one pass over them each."""
        tgt, hist = self._contexts(eval_ids)
        rows = [np.full(len(tgt), 1.0 / self.V), self.unigram[tgt] / self.unigram.sum()]
        seen_rows = [np.ones(len(tgt), bool), np.ones(len(tgt), bool)]
        for n in range(2, self.order + 1):
            uh, tot, _ = self._stats(n, self.full[n])
            c, _ = _lookup(self.full[n][0], self.full[n][1], hist[n - 1] * self.base + tgt)
            t, seen = _lookup(uh, tot, hist[n - 1])
            rows.append(np.where(seen, c / np.maximum(t, 1), 0.0))
            seen_rows.append(seen)
        return np.stack(rows), np.stack(seen_rows)

    def interpolated(self, eval_ids, lambdas: Sequence[float], components=None) -> np.ndarray:
        """Probabilities of the targets ``eval_ids[1:]`` under Jelinek–Mercer interpolation.

        ``lambdas = (λ_1, …, λ_order)`` weigh the maximum-likelihood unigram … ``order``-gram;
        ``λ_0 = 1 − Σλ`` (> 0) goes to the uniform distribution. Where the history of order
        ``k`` never occurs in training, its weight ``λ_k`` moves down to order ``k − 1`` (so the
        probabilities of every context still sum to 1). ``components``: the result of
        :meth:`ml_components` for the same ``eval_ids`` (to tune λ without recounting).
        """
        lam = np.asarray(lambdas, dtype=float)
        if lam.shape != (self.order,) or (lam < 0).any() or lam.sum() >= 1:
            raise ValueError(f"lambdas 应为 {self.order} 个非负数、和小于 1，收到 {list(lambdas)!r}")
        probs, seen = self.ml_components(eval_ids) if components is None else components
        w = np.concatenate([[1 - lam.sum()], lam])[:, None] * np.ones_like(probs)
        for k in range(self.order, 1, -1):            # unseen history: its weight backs off
            w[k - 1] += np.where(seen[k], 0.0, w[k])
            w[k] = np.where(seen[k], w[k], 0.0)
        return (w * probs).sum(0)

    def _kn_table(self, n: int):
        """Counts used at order ``n`` by Kneser–Ney (ordinary at the top order, continuation below)
        with the per-history totals and numbers of distinct followers; cached."""
        if n not in self._kn_cache:
            if n == self.order:
                table = self.full[n]
            else:
                u, c = np.unique(self.full[n + 1][0] % (self.base ** n), return_counts=True)
                table = (u, c.astype(float))
            self._kn_cache[n] = (table, self._stats(n, table))
        return self._kn_cache[n]

    def kneser_ney(self, eval_ids, discounts: Sequence[float]) -> np.ndarray:
        """插值 Kneser–Ney 下目标 ``eval_ids[1:]`` 的概率。
        ``discounts`` 是各阶的绝对折扣，每个都在 ``(0, 1)`` 内。

        Probabilities of the targets ``eval_ids[1:]`` under interpolated
        Kneser–Ney.

        ``discounts = (D_2, …, D_order)``, each in ``(0, 1)``: the absolute
        discount of each order.
        """
        if self.order < 2:
            raise ValueError("Kneser–Ney 平滑至少需要二元（order ≥ 2）")
        D = np.asarray(discounts, dtype=float)
        if D.shape != (self.order - 1,) or ((D <= 0) | (D >= 1)).any():
            raise ValueError(f"discounts 应为 {self.order - 1} 个 (0, 1) "
                             f"内的数，收到 {list(discounts)!r}")
        tgt, hist = self._contexts(eval_ids)
        # continuation unigram: in how many distinct contexts each token follows
        cont = np.bincount(self.full[2][0] % self.base,
                           minlength=self.base)[:self.V].astype(float)
        p = (cont[tgt] + 0.5) / (cont.sum() + 0.5 * self.V)
        for n in range(2, self.order + 1):
            table, (uh, tot, nfol) = self._kn_table(n)
            c, _ = _lookup(table[0], table[1], hist[n - 1] * self.base + tgt)
            t, seen = _lookup(uh, tot, hist[n - 1])
            f, _ = _lookup(uh, nfol, hist[n - 1])
            d = D[n - 2]
            t = np.maximum(t, 1)
            p = np.where(seen, np.maximum(c - d, 0) / t + d * f / t * p, p)
        return p
