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

from ._checks import check_nonnegative, check_positive, check_positive_int

__all__ = [
    "A100_80GB", "Accelerator", "MODEL_70B", "MODEL_7B", "StepTime", "TransformerShape", "allreduce_seconds",
    "check_fits", "decode_step", "generation_seconds", "max_batch", "min_devices", "prefill_step",
    "serving_memory_per_device",
    "Compute", "chinchilla_tokens", "flops_to_cost", "gpt_flops_per_token", "gpt_head_flops_per_token",
    "gpt_params", "inference_flops_per_token", "kv_cache_bytes", "measure_matmul_flops", "median_seconds", "timed",
    "serving_cost_per_million_tokens", "train_flops", "training_memory_bytes", "zero_memory_per_gpu",
]

# The timing harness lives in book.timing; re-exported here so that book.cost.median_seconds
# (and timed, measure_matmul_flops) keep working in the chapters and the benchmark.
from .timing import measure_matmul_flops, median_seconds, timed  # noqa: E402,F401


def _number(name: str, v: Any, *, allow_zero: bool = False) -> float:
    """``v`` must be a finite real number > 0 (or ≥ 0 with ``allow_zero``); returns ``float``."""
    return check_nonnegative(name, v) if allow_zero else check_positive(name, v)


def train_flops(n_params: float, n_tokens: float) -> float:
    """训练的计算量 ``6·N·D`` FLOPs：前向 ``2·N·D``，反向 ``4·N·D``。

    Training compute ``6·N·D`` FLOPs: forward ``2·N·D`` plus backward
    ``4·N·D``."""
    n = _number("n_params（参数量）", n_params)
    d = _number("n_tokens（训练 token 数）", n_tokens)
    return 6.0 * n * d


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
    """把 FLOP 数换成墙钟小时数和钱（利用率、设备数、每设备小时价格）。

    Turn a FLOP count into wall-clock hours and money.

    ``hours = flops / (peak · utilization · n_devices) / 3600``;
    ``money = hours · n_devices · price_per_hour`` (``price_per_hour`` is per
    device, e.g. per GPU-hour; ``utilization`` is the model-FLOPs utilisation
    in (0, 1]).
    """
    f = _number("flops（计算量）", flops, allow_zero=True)
    peak = _number("peak_flops_per_s（峰值 FLOP/s）", peak_flops_per_s)
    u = _number("utilization（利用率）", utilization)
    if u > 1:
        raise ValueError(
            f"utilization（利用率）应在 (0, 1] 内，收到 {utilization!r}"
        )
    price = _number(
        "price_per_hour（每设备小时价格）", price_per_hour, allow_zero=True
    )
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


# --- serving at scale: hardware, model shape, capacity, tensor parallelism, roofline -----
@dataclass(frozen=True)
class Accelerator:
    """一块加速卡的四个数：显存（字节）、显存带宽（字节/秒）、bf16 稠密峰值（FLOP/s）、卡间互联带宽（字节/秒，单向）。

    One device of the serving/training model. :data:`A100_80GB` holds the datasheet values of
    NVIDIA's A100 80 GB SXM (``nvidia2021a100`` in the bibliography); anything else is the
    caller's assumption.
    """

    name: str
    memory_bytes: float
    bandwidth_bytes_per_s: float
    peak_flops_per_s: float
    link_bytes_per_s: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name（加速卡名称）应为非空字符串，收到 {self.name!r}")
        _number("memory_bytes（显存字节数）", self.memory_bytes)
        _number("bandwidth_bytes_per_s（显存带宽）", self.bandwidth_bytes_per_s)
        _number("peak_flops_per_s（峰值 FLOP/s）", self.peak_flops_per_s)
        _number("link_bytes_per_s（卡间互联带宽）", self.link_bytes_per_s)


# NVIDIA A100 80GB SXM datasheet: 80 GB HBM2e, 2,039 GB/s, BF16 Tensor Core 312 TFLOP/s dense
# (624 with sparsity), NVLink 600 GB/s (both directions together: 300 GB/s each way).
A100_80GB = Accelerator("A100 80GB SXM", 80e9, 2.039e12, 312e12, 300e9)


@dataclass(frozen=True)
class TransformerShape:
    """解码器 Transformer 的形状：参数量、层数、宽度、注意力头数、KV 头数（多头 = 头数，GQA < 头数，MQA = 1）。

    ``head_dim`` defaults to ``d_model // n_heads``, ``n_kv_heads`` to ``n_heads`` (multi-head
    attention). ``bytes_per_param`` (weights) and ``bytes_per_kv`` (cache entries) default to
    2 (bf16/fp16).
    """

    n_params: float
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int | None = None
    head_dim: int | None = None
    bytes_per_param: float = 2.0
    bytes_per_kv: float = 2.0

    def __post_init__(self) -> None:
        _number("n_params（参数量）", self.n_params)
        check_positive_int("n_layers（层数）", self.n_layers)
        check_positive_int("d_model（宽度）", self.d_model)
        H = check_positive_int("n_heads（注意力头数）", self.n_heads)
        if self.n_kv_heads is None:
            object.__setattr__(self, "n_kv_heads", H)
        Hkv = check_positive_int("n_kv_heads（KV 头数）", self.n_kv_heads)
        if Hkv > H or H % Hkv:
            raise ValueError(f"n_kv_heads（KV 头数）应整除注意力头数 {H}（多头 = {H}，GQA 为其约数，MQA = 1），收到 {Hkv}")
        if self.head_dim is None:
            if self.d_model % H:
                raise ValueError(f"d_model（宽度）{self.d_model} 不能被头数 {H} 整除，请给出 head_dim")
            object.__setattr__(self, "head_dim", self.d_model // H)
        check_positive_int("head_dim（每头维度）", self.head_dim)
        _number("bytes_per_param（每参数字节数）", self.bytes_per_param)
        _number("bytes_per_kv（KV 每个数的字节数）", self.bytes_per_kv)

    @property
    def weight_bytes(self) -> float:
        """Bytes of all weights: ``n_params · bytes_per_param``."""
        return float(self.n_params) * float(self.bytes_per_param)

    @property
    def kv_bytes_per_token(self) -> float:
        """Bytes of K and V of one position of one sequence over all layers: ``2 · L · H_kv · d_head · bytes``."""
        return kv_cache_bytes(self.n_layers, self.n_kv_heads, self.head_dim, 1, 1, self.bytes_per_kv)


# Llama 2 shapes (Touvron et al. 2023, ``touvron2023llama2``), parameter counts rounded to the
# names the chapters use: 7B multi-head (32 layers, d 4096, 32 heads); 70B with GQA (80 layers,
# d 8192, 64 query heads, 8 KV heads).
MODEL_7B = TransformerShape(n_params=7e9, n_layers=32, d_model=4096, n_heads=32)
MODEL_70B = TransformerShape(n_params=70e9, n_layers=80, d_model=8192, n_heads=64, n_kv_heads=8)


def _check_shape_device(model: Any, device: Any) -> None:
    if not isinstance(model, TransformerShape):
        raise ValueError(f"model 应为 TransformerShape（如 cost.MODEL_7B），收到 {type(model).__name__}")
    if not isinstance(device, Accelerator):
        raise ValueError(f"device 应为 Accelerator（如 cost.A100_80GB），收到 {type(device).__name__}")


def _check_tp(model: TransformerShape, n_devices: int) -> int:
    k = check_positive_int("n_devices（张量并行的卡数）", n_devices)
    if model.n_heads % k:
        raise ValueError(f"张量并行按注意力头切分：卡数 {k} 应整除头数 {model.n_heads}")
    return k


def _check_reserve(reserve: float) -> float:
    r = _number("reserve（为激活值与工作区预留的显存比例）", reserve, allow_zero=True)
    if r >= 1:
        raise ValueError(f"reserve（预留比例）应在 [0, 1) 内，收到 {reserve!r}")
    return r


def serving_memory_per_device(model: TransformerShape, batch: int, context: int, *, n_devices: int = 1) -> float:
    """每块卡上的权重加 KV cache 字节数（张量并行 ``n_devices`` 块卡）。

    Weights split evenly over the ``k`` devices (Megatron-style: attention heads and MLP columns).
    KV heads are split too; when ``k > n_kv_heads`` each device keeps a copy of the KV head its
    query heads use, i.e. ``ceil(H_kv / k)`` KV heads per device.
    """
    if not isinstance(model, TransformerShape):
        raise ValueError(f"model 应为 TransformerShape（如 cost.MODEL_7B），收到 {type(model).__name__}")
    k = _check_tp(model, n_devices)
    B = check_positive_int("batch（批大小）", batch)
    T = check_positive_int("context（上下文长度）", context)
    kv_heads_dev = math.ceil(model.n_kv_heads / k)
    kv = model.kv_bytes_per_token * kv_heads_dev / model.n_kv_heads * B * T
    return model.weight_bytes / k + kv


def max_batch(model: TransformerShape, context: int, device: Accelerator, *, n_devices: int = 1,
              reserve: float = 0.1) -> int:
    """显存放得下的最大批大小：权重 + 批大小 × 每条序列的 KV cache ≤ (1 − reserve) × 显存。

    ``reserve`` (stated assumption, default 10 %) is kept free for activations, the CUDA
    context and fragmentation. Raises ``ValueError`` (with the smallest ``n_devices`` that
    would work) when not even one sequence of length ``context`` fits.
    """
    _check_shape_device(model, device)
    k = _check_tp(model, n_devices)
    r = _check_reserve(reserve)
    budget = device.memory_bytes * (1 - r)
    one = serving_memory_per_device(model, 1, context, n_devices=k)
    per_seq = one - model.weight_bytes / k
    if one > budget:
        need = min_devices(model, device, context=context, reserve=r, _limit=True)
        hint = f"至少需要 {need} 块卡做张量并行" if need else "按头切分到最多的卡上也放不下"
        raise ValueError(f"{device.name} 放不下：权重 {model.weight_bytes / k / 1e9:.1f} GB + 一条 {context} 个 token 的 "
                         f"KV cache {per_seq / 1e9:.2f} GB（每卡）超过可用显存 {budget / 1e9:.1f} GB；{hint}")
    return int((budget - model.weight_bytes / k) // per_seq)


def check_fits(model: TransformerShape, batch: int, context: int, device: Accelerator, *, n_devices: int = 1,
               reserve: float = 0.1) -> float:
    """检查一个配置放得下；放得下时返回每卡显存字节数，放不下时抛出写明差多少的 ``ValueError``。"""
    _check_shape_device(model, device)
    r = _check_reserve(reserve)
    need = serving_memory_per_device(model, batch, context, n_devices=n_devices)
    budget = device.memory_bytes * (1 - r)
    if need > budget:
        raise ValueError(f"配置放不下：批大小 {batch}、上下文 {context} 时每卡要 {need / 1e9:.1f} GB（权重加 KV cache），"
                         f"{device.name} 留出 {r:.0%} 余量后只有 {budget / 1e9:.1f} GB；"
                         f"减小批大小（最多 {_max_batch_or_zero(model, context, device, n_devices, r)}）或增加张量并行的卡数")
    return need


def _max_batch_or_zero(model, context, device, n_devices, reserve) -> int:
    try:
        return max_batch(model, context, device, n_devices=n_devices, reserve=reserve)
    except ValueError:
        return 0


def min_devices(model: TransformerShape, device: Accelerator, *, context: int, batch: int = 1,
                reserve: float = 0.1, _limit: bool = False) -> int:
    """张量并行时放得下 ``batch`` 条长 ``context`` 的序列所需的最少卡数（卡数须整除注意力头数）。"""
    _check_shape_device(model, device)
    r = _check_reserve(reserve)
    budget = device.memory_bytes * (1 - r)
    for k in range(1, model.n_heads + 1):
        if model.n_heads % k == 0 and serving_memory_per_device(model, batch, context, n_devices=k) <= budget:
            return k
    if _limit:
        return 0
    raise ValueError(f"按头切分到 {model.n_heads} 块卡也放不下批大小 {batch}、上下文 {context}")


@dataclass(frozen=True)
class StepTime:
    """屋顶线（roofline）下一步的耗时及其组成（秒）：读权重、读 KV cache、计算、卡间 all-reduce。

    ``seconds = max(weight_read_s + kv_read_s, compute_s) + allreduce_s``; ``bound`` is
    ``"memory"`` or ``"compute"``; ``tokens`` tokens are produced (or processed) by the
    ``n_devices`` devices together in ``seconds``; ``memory_per_device`` bytes are in use.
    """

    seconds: float
    weight_read_s: float
    kv_read_s: float
    compute_s: float
    allreduce_s: float
    bound: str
    tokens: int
    n_devices: int
    memory_per_device: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds


def allreduce_seconds(n_bytes: float, n_devices: int, link_bytes_per_s: float) -> float:
    """环形 all-reduce 的耗时：每块卡发送并接收 ``2·(k−1)/k × n_bytes``（带宽项；延迟不计）。"""
    b = _number("n_bytes（all-reduce 字节数）", n_bytes, allow_zero=True)
    k = check_positive_int("n_devices（卡数）", n_devices)
    bw = _number("link_bytes_per_s（卡间互联带宽）", link_bytes_per_s)
    return 2 * (k - 1) / k * b / bw


def _tp_allreduce_s(model: TransformerShape, tokens: int, k: int, device: Accelerator) -> float:
    # Megatron-LM tensor parallelism: 2 all-reduces per layer in the forward pass (after the
    # attention output projection and after the MLP), each of tokens × d_model activations in bf16.
    if k == 1:
        return 0.0
    size = tokens * model.d_model * 2.0
    return 2 * model.n_layers * allreduce_seconds(size, k, device.link_bytes_per_s)


def decode_step(
    model: TransformerShape,
    batch: int,
    context: int,
    device: Accelerator,
    *,
    utilization: float,
    n_devices: int = 1,
    reserve: float = 0.1,
) -> StepTime:
    """一步解码（为批里每条序列各生成一个 token）的屋顶线耗时。

    Per step each device reads its share of the weights once (shared by the
    batch) and the KV cache of every sequence at its current ``context``
    length, and does ``batch · (2·N + 4·L·context·d_attn) / k`` FLOPs
    (``4·L·T·d_attn``: scores ``QKᵀ`` and the weighted sum of values of the new
    token against ``T`` positions). Assumptions: memory traffic at the
    datasheet bandwidth, compute at ``peak · utilization``, the two overlap
    (``max``); tensor parallelism adds 2 all-reduces per layer of
    ``batch · d_model`` bf16 values, not overlapped. Refuses (``ValueError``) a
    configuration that does not fit (:func:`check_fits`).
    """
    k, u, B, T = _step_inputs(
        model,
        device,
        n_devices,
        utilization,
        batch,
        "context（上下文长度）",
        context,
    )
    d_attn = model.n_heads * model.head_dim
    flops = B * (2.0 * model.n_params + 4.0 * model.n_layers * T * d_attn) / k
    return _roofline(
        model, device, k, u, B, T, flops, tokens=B, reserve=reserve
    )


def _step_inputs(model, device, n_devices, utilization, batch, tokens_name: str, tokens):
    """The checked inputs of one roofline step: (devices, utilization, batch, tokens per sequence)."""
    _check_shape_device(model, device)
    k = _check_tp(model, n_devices)
    u = _number("utilization（利用率）", utilization)
    if u > 1:
        raise ValueError(f"utilization（利用率）应在 (0, 1] 内，收到 {utilization!r}")
    return k, u, check_positive_int("batch（批大小）", batch), check_positive_int(tokens_name, tokens)


def _roofline(model, device, k: int, u: float, B: int, T: int, flops: float, *, tokens: int,
              reserve: float) -> StepTime:
    """One step on the roofline: weight and KV reads against ``flops`` at ``peak · u``, plus the
    tensor-parallel all-reduces of ``tokens`` activations; refuses what does not fit."""
    mem = check_fits(model, B, T, device, n_devices=k, reserve=reserve)
    w_s = model.weight_bytes / k / device.bandwidth_bytes_per_s
    kv_s = (mem - model.weight_bytes / k) / device.bandwidth_bytes_per_s
    c_s = flops / (device.peak_flops_per_s * u)
    ar = _tp_allreduce_s(model, tokens, k, device)
    bound = "memory" if w_s + kv_s >= c_s else "compute"
    return StepTime(seconds=max(w_s + kv_s, c_s) + ar, weight_read_s=w_s, kv_read_s=kv_s, compute_s=c_s,
                    allreduce_s=ar, bound=bound, tokens=tokens, n_devices=k, memory_per_device=mem)


def prefill_step(model: TransformerShape, batch: int, prompt_tokens: int, device: Accelerator, *,
                 utilization: float, n_devices: int = 1, reserve: float = 0.1) -> StepTime:
    """读入 ``batch`` 条各 ``prompt_tokens`` 个 token 的提示（prefill）的屋顶线耗时。

    All prompt tokens go through the model in one pass: ``batch · T · (2·N + 2·L·T·d_attn) / k``
    FLOPs (causal attention: a token sees ``T/2`` positions on average), against one read of
    the weights and one write of the new KV cache. Same assumptions as :func:`decode_step`;
    for any realistic prompt the compute term dominates (compute-bound).
    """
    k, u, B, T = _step_inputs(model, device, n_devices, utilization, batch, "prompt_tokens（提示 token 数）",
                              prompt_tokens)
    d_attn = model.n_heads * model.head_dim
    flops = B * T * (2.0 * model.n_params + 2.0 * model.n_layers * T * d_attn) / k
    return _roofline(model, device, k, u, B, T, flops, tokens=B * T, reserve=reserve)


def generation_seconds(model: TransformerShape, batch: int, prompt_tokens: int, new_tokens: int,
                       device: Accelerator, *, utilization: float, n_devices: int = 1,
                       reserve: float = 0.1) -> tuple[float, float]:
    """``(prefill 秒数, decode 秒数)``：一批请求先读提示，再逐个生成 ``new_tokens`` 个 token。

    The decode time is the exact sum of :func:`decode_step` over the contexts
    ``prompt_tokens + 1 … prompt_tokens + new_tokens`` (the KV cache grows by one position per step);
    the largest context must fit.
    """
    P = check_positive_int("prompt_tokens（提示 token 数）", prompt_tokens)
    n = check_positive_int("new_tokens（生成 token 数）", new_tokens)
    check_fits(model, batch, P + n, device, n_devices=n_devices, reserve=reserve)
    pre = prefill_step(model, batch, P, device, utilization=utilization, n_devices=n_devices, reserve=reserve)
    dec = sum(decode_step(model, batch, P + t, device, utilization=utilization, n_devices=n_devices,
                          reserve=reserve).seconds for t in range(1, n + 1))
    return pre.seconds, float(dec)
