"""The book's cost calculator: FLOPs, memory, hours and money of training and serving a model.

Defined in Part III, chapter 1 (``chapters/part3/01_*``) and used by Parts III, IV and VI
and by the benchmark. Every function checks its input and raises ``ValueError`` with a
Chinese message on bad input (non-positive sizes, utilisation outside (0, 1], unknown
ZeRO stage, …). Results are plain Python ``float``/``int``.

Formulas (``N`` parameters, ``D`` training tokens):

* training compute ≈ 6·N·D FLOPs (forward 2·N·D, backward 4·N·D; Kaplan et al. 2020);
* inference ≈ 2·N FLOPs per generated token (one multiply and one add per weight);
* compute-optimal data D ≈ 20·N (Hoffmann et al. 2022, "Chinchilla");
* mixed-precision Adam memory ≈ 16 bytes per parameter: 2 (bf16 weights) + 2 (bf16
  gradients) + 4 + 4 + 4 (fp32 master weights, first and second moments);
* KV cache = 2 (K and V) · layers · KV heads · head dim · sequence length · batch · bytes;
* ZeRO stages 0–3 (Rajbhandari et al. 2020) shard optimizer states, gradients, weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_positive_int

__all__ = [
    "Compute", "chinchilla_tokens", "flops_to_cost", "gpt_flops_per_token", "gpt_head_flops_per_token",
    "gpt_params", "inference_flops_per_token", "kv_cache_bytes", "measure_matmul_flops", "median_seconds", "timed",
    "serving_cost_per_million_tokens", "train_flops", "training_memory_bytes", "zero_memory_per_gpu",
]

# The timing harness lives in book.timing; re-exported here so that book.cost.median_seconds
# (and timed, measure_matmul_flops) keep working in the chapters and the benchmark.
from .timing import measure_matmul_flops, median_seconds, timed  # noqa: E402,F401


def _number(name: str, v: Any, *, allow_zero: bool = False) -> float:
    """``v`` must be a finite real number > 0 (or ≥ 0 with ``allow_zero``); returns ``float``."""
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    if ok:
        f = float(v)
        ok = math.isfinite(f) and (f >= 0 if allow_zero else f > 0)
    if not ok:
        want = "非负的有限实数" if allow_zero else "正的有限实数"
        raise ValueError(f"{name} 应为{want}，收到 {v!r}")
    return f


def train_flops(n_params: float, n_tokens: float) -> float:
    """Training compute ``6·N·D`` FLOPs: forward ``2·N·D`` plus backward ``4·N·D``."""
    return 6.0 * _number("n_params（参数量）", n_params) * _number("n_tokens（训练 token 数）", n_tokens)


def inference_flops_per_token(n_params: float) -> float:
    """Forward compute per token ``2·N`` FLOPs (one multiply-add per weight; attention over the context ignored)."""
    return 2.0 * _number("n_params（参数量）", n_params)


def chinchilla_tokens(n_params: float, tokens_per_param: float = 20.0) -> float:
    """Compute-optimal number of training tokens ``D ≈ 20·N`` (Hoffmann et al. 2022)."""
    return _number("n_params（参数量）", n_params) * _number("tokens_per_param（每参数 token 数）", tokens_per_param)


def training_memory_bytes(n_params: float, bytes_per_param: float = 16.0) -> float:
    """Memory of weights, gradients and Adam states: ``N · bytes_per_param``.

    The default 16 B/param is mixed-precision Adam: 2 (bf16 weights) + 2 (bf16 grads)
    + 4 + 4 + 4 (fp32 master weights, Adam ``m`` and ``v``). Activations are not counted.
    """
    return _number("n_params（参数量）", n_params) * _number("bytes_per_param（每参数字节数）", bytes_per_param)


def kv_cache_bytes(n_layers: int, n_kv_heads: int, head_dim: int, seq_len: int,
                   batch: int = 1, bytes_per_value: float = 2.0) -> float:
    """Size of the key/value cache: ``2 · L · H_kv · d_head · T · B · bytes`` (2 = K and V)."""
    L = check_positive_int("n_layers（层数）", n_layers)
    H = check_positive_int("n_kv_heads（KV 头数）", n_kv_heads)
    d = check_positive_int("head_dim（每头维度）", head_dim)
    T = check_positive_int("seq_len（序列长度）", seq_len)
    B = check_positive_int("batch（批大小）", batch)
    return 2.0 * L * H * d * T * B * _number("bytes_per_value（每个数的字节数）", bytes_per_value)


def gpt_params(n_layer: int, d_model: int, vocab_size: int, block_size: int) -> int:
    """Exact parameter count of the book's GPT (nanoGPT layout, ``lm_head`` tied to ``wte``).

    ``V·d`` (token embedding) + ``T·d`` (position embedding) + ``L·(12·d² + 13·d)``
    (per block: two LayerNorms 4·d, ``c_attn`` 3·d²+3·d, attention ``c_proj`` d²+d,
    ``c_fc`` 4·d²+4·d, MLP ``c_proj`` 4·d²+d) + ``2·d`` (final LayerNorm).
    """
    L = check_positive_int("n_layer（层数）", n_layer)
    d = check_positive_int("d_model（宽度）", d_model)
    V = check_positive_int("vocab_size（词表大小）", vocab_size)
    T = check_positive_int("block_size（上下文长度）", block_size)
    return V * d + T * d + L * (12 * d * d + 13 * d) + 2 * d


def gpt_flops_per_token(n_layer: int, d_model: int, context: int) -> float:
    """Forward FLOPs per token without embeddings and without the output head (Kaplan et al. 2020, Table 1).

    ``2·N_nonemb + 2·n_layer·context·d_model`` with ``N_nonemb = 12·n_layer·d²``: the first
    term is the weight matmuls (QKV, attention output, MLP; biases and LayerNorms ignored),
    the second the attention scores ``QKᵀ`` and the weighted sum of values: with the causal
    mask a token sees ``context/2`` positions on average, ``2·(context/2)·d`` multiply-adds
    per layer. (Without the mask, or for the last token, the attention term doubles.) The ``lm_head`` matmul is :func:`gpt_head_flops_per_token`. Training ≈ 3× this.
    """
    L = check_positive_int("n_layer（层数）", n_layer)
    d = check_positive_int("d_model（宽度）", d_model)
    T = check_positive_int("context（上下文长度）", context)
    return 2.0 * (12 * L * d * d) + 2.0 * L * T * d


def gpt_head_flops_per_token(d_model: int, vocab_size: int) -> float:
    """Forward FLOPs per token of the output head (logits): ``2·d·V``."""
    d = check_positive_int("d_model（宽度）", d_model)
    V = check_positive_int("vocab_size（词表大小）", vocab_size)
    return 2.0 * d * V


@dataclass(frozen=True)
class Compute:
    """What a run costs: total ``flops``, wall-clock ``hours``, ``money`` (all devices together)."""

    flops: float
    hours: float
    money: float


def flops_to_cost(flops: float, *, peak_flops_per_s: float, utilization: float,
                  price_per_hour: float, n_devices: int = 1) -> Compute:
    """Turn a FLOP count into wall-clock hours and money.

    ``hours = flops / (peak · utilization · n_devices) / 3600``;
    ``money = hours · n_devices · price_per_hour`` (``price_per_hour`` is per device, e.g. per GPU-hour;
    ``utilization`` is the model-FLOPs utilisation in (0, 1]).
    """
    f = _number("flops（计算量）", flops, allow_zero=True)
    peak = _number("peak_flops_per_s（峰值 FLOP/s）", peak_flops_per_s)
    u = _number("utilization（利用率）", utilization)
    if u > 1:
        raise ValueError(f"utilization（利用率）应在 (0, 1] 内，收到 {utilization!r}")
    price = _number("price_per_hour（每设备小时价格）", price_per_hour, allow_zero=True)
    n = check_positive_int("n_devices（设备数）", n_devices)
    hours = f / (peak * u * n) / 3600.0
    return Compute(flops=f, hours=hours, money=hours * n * price)


def serving_cost_per_million_tokens(tokens_per_second: float, price_per_hour: float) -> float:
    """Cost of one million generated tokens on a device that produces ``tokens_per_second`` and rents for ``price_per_hour``."""
    tps = _number("tokens_per_second（每秒 token 数）", tokens_per_second)
    price = _number("price_per_hour（每小时价格）", price_per_hour, allow_zero=True)
    return price / (tps * 3600.0) * 1e6


def zero_memory_per_gpu(n_params: float, n_gpus: int, stage: int,
                        bytes_weights: float = 2, bytes_grads: float = 2,
                        bytes_optimizer: float = 12) -> float:
    """Bytes of model states per GPU under ZeRO (Rajbhandari et al. 2020); activations not counted.

    Stage 0 = plain data parallelism (everything replicated); 1 shards the optimizer states
    over ``n_gpus``; 2 also the gradients; 3 also the weights (≈ FSDP full shard).
    """
    N = _number("n_params（参数量）", n_params)
    G = check_positive_int("n_gpus（GPU 数）", n_gpus)
    if isinstance(stage, bool) or not isinstance(stage, (int, np.integer)) or stage not in (0, 1, 2, 3):
        raise ValueError(f"stage（ZeRO 阶段）应为 0、1、2 或 3，收到 {stage!r}")
    w = _number("bytes_weights（权重字节数）", bytes_weights)
    g = _number("bytes_grads（梯度字节数）", bytes_grads, allow_zero=True)
    o = _number("bytes_optimizer（优化器状态字节数）", bytes_optimizer, allow_zero=True)
    shard_o = stage >= 1
    shard_g = stage >= 2
    shard_w = stage >= 3
    per_param = (w / G if shard_w else w) + (g / G if shard_g else g) + (o / G if shard_o else o)
    return N * per_param
