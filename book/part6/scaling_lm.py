"""Scaling the tiny GPT on a small compute budget (chapter ``chapters/part6/03_scaling``).

* :func:`param_counts` splits a :class:`book.part6.gpt.GPTConfig`'s parameters into the
  embeddings and the rest (Kaplan et al. 2020 count only the rest; Hoffmann et al. 2022
  count all); :func:`train_flops_per_token` is the training compute per token from
  Part III's calculator (:mod:`book.cost`), attention and output layer included;
  :func:`steps_for_budget` turns a FLOP budget into optimizer steps.
* :func:`seed_bootstrap` resamples the seeds of every model size independently and
  recomputes a statistic of the mean losses (a fitted exponent, the best size …).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import cost
from .._checks import check_positive, check_positive_int
from .gpt import GPTConfig, _check_cfg

__all__ = ["param_counts", "train_flops_per_token", "steps_for_budget", "seed_bootstrap"]


def param_counts(cfg: GPTConfig) -> dict[str, int]:
    """Parameters of :class:`book.part6.gpt.GPT` with ``cfg``: ``total``, ``embedding`` (``V·d + T·d``) and ``non_embedding``.

    ``total`` is :func:`book.cost.gpt_params`; the output layer is tied to the token
    embedding, so it adds no parameter of its own.
    """
    _check_cfg(cfg)
    total = cost.gpt_params(cfg.n_layer, cfg.d_model, cfg.vocab_size, cfg.block_size)
    emb = (cfg.vocab_size + cfg.block_size) * cfg.d_model
    return {"total": total, "embedding": emb, "non_embedding": total - emb}


def train_flops_per_token(cfg: GPTConfig) -> float:
    """每个 token 的训练 FLOPs：前向的 3 倍（反向是前向的两倍）。

    Training FLOPs per token: 3 × the forward FLOPs of :mod:`book.cost`.

    Forward = :func:`book.cost.gpt_flops_per_token` (weight matmuls
    ``2·12·L·d²`` and causal attention ``2·L·T·d``) +
    :func:`book.cost.gpt_head_flops_per_token` (output layer ``2·d·V``); the
    backward pass costs twice the forward.
    """
    _check_cfg(cfg)
    fwd = (cost.gpt_flops_per_token(cfg.n_layer, cfg.d_model, cfg.block_size)
           + cost.gpt_head_flops_per_token(cfg.d_model, cfg.vocab_size))
    return 3.0 * fwd


def steps_for_budget(budget_flops: float, cfg: GPTConfig, batch_size: int, *,
                     multiple: int = 1) -> int:
    """花掉 ``budget_flops`` 的优化步数（每步 ``batch_size`` 个窗口），
    取 ``multiple`` 的整数倍（至少一个 ``multiple``）。

    Optimizer steps of ``batch_size`` windows of ``block_size`` tokens that
    spend ``budget_flops``.

    Rounded to the nearest multiple of ``multiple`` (at least ``multiple``), so
    that an evaluation every ``steps // multiple`` steps falls on exact
    fractions of the budget.
    """
    check_positive("budget_flops（算力预算）", budget_flops)
    check_positive_int("batch_size", batch_size)
    check_positive_int("multiple", multiple)
    per_step = train_flops_per_token(cfg) * batch_size * cfg.block_size
    steps = multiple * round(budget_flops / per_step / multiple)
    if steps < multiple:
        raise ValueError(f"预算 {budget_flops:.3g} FLOPs 不够训练 {multiple} 步"
                         f"（一步需要 {per_step:.3g} FLOPs）")
    return int(steps)


def seed_bootstrap(losses, stat: Callable[[np.ndarray], float], *,
                   n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """对种子做自助法：每次给每个规模各自有放回地抽种子、取平均，
    再算 ``stat``，共 ``n_boot`` 次；
    ``stat`` 抛出 ``ValueError`` 的那次记为 ``nan``。

    Bootstrap over seeds: ``stat`` of the per-size mean losses, recomputed
    ``n_boot`` times.

    ``losses`` has shape ``(n_seeds, n_sizes)``: row ``s`` holds the losses of
    seed ``s``. Each draw resamples, for every size (column) on its own,
    ``n_seeds`` of its rows with replacement and averages them; ``stat`` maps
    the ``n_sizes`` means to one number. Draws for which ``stat`` raises
    ``ValueError`` (e.g. a fit that fails) give ``nan``.
    """
    arr = np.asarray(losses, dtype=float)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError("losses 应为形状 (种子数 ≥ 2, 尺寸数 ≥ 2) 的数组，"
                         f"收到 {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("losses 中有非有限值")
    check_positive_int("n_boot", n_boot)
    rng = np.random.default_rng(seed)
    n_seeds, n_sizes = arr.shape
    out = np.empty(n_boot)
    for b in range(n_boot):
        rows = rng.integers(0, n_seeds, size=(n_seeds, n_sizes))
        means = arr[rows, np.arange(n_sizes)].mean(axis=0)
        try:
            out[b] = stat(means)
        except ValueError:
            out[b] = np.nan
    return out
