"""The block of today's open LLMs (Llama, Qwen, DeepSeek) written out (chapter ``chapters/part6/06_modern_block``).

Four changes to the GPT-2 block of :mod:`book.part6.gpt`:

* :class:`RMSNorm` instead of LayerNorm: ``x / sqrt(mean(x²) + eps) · g`` (no mean, no bias);
* rotary position embeddings (RoPE, :func:`rope_angles`, :func:`apply_rope`) instead of a learned
  position table: queries and keys are rotated by an angle proportional to their position, so a
  score depends on the offset between two positions only;
* :class:`SwiGLU` instead of the GELU MLP: ``down(silu(gate(x)) ⊙ up(x))``;
* grouped-query attention (GQA, :func:`gqa_attention`): ``n_head`` query heads share ``n_kv_head``
  key/value heads (``n_kv_head = n_head``: multi-head attention; ``n_kv_head = 1``: multi-query).

:class:`ModernGPT` names its weights like ``transformers``' ``LlamaForCausalLM`` (``layers.i.self_attn.q_proj``
…), so :func:`load_llama_weights` copies a Llama model's weights in with one renaming, and
:func:`to_llama_config` builds the matching ``LlamaConfig``. The model has the same interface as
:class:`book.part6.gpt.GPT` (``cfg.block_size``, ``forward(idx, targets) -> (logits, loss)``, ``wte``/``wpe``),
so :func:`book.part6.gpt.train_gpt` and :func:`book.part6.gpt.estimate_loss` train and score it unchanged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_positive, check_positive_int
from .gpt import _check_idx, _check_sizes, causal_attention

__all__ = ["load_llama_class", "ModernConfig", "RMSNorm", "rope_angles", "rotate_half", "apply_rope", "gqa_attention",
           "SwiGLU", "GQAttention", "ModernBlock", "ModernGPT", "KVCache", "to_llama_config",
           "load_llama_weights", "kv_bytes_per_token"]

#: One ``(keys, values)`` pair per layer, each ``(B, n_kv_head, t, head_dim)``; keys already rotated.
KVCache = list


@dataclass(frozen=True)
class ModernConfig:
    """Sizes of a :class:`ModernGPT`.

    ``n_kv_head`` 必须整除 ``n_head``；``d_ff`` 是 SwiGLU 的隐藏宽度（默认取 ``8/3·d`` 向上取到 8 的倍数，
    使 MLP 的参数与 GPT-2 的 ``4d`` MLP 大致相同）。
    """

    vocab_size: int
    block_size: int
    n_layer: int = 2
    n_head: int = 4
    n_kv_head: int = 2
    d_model: int = 64
    d_ff: int | None = None
    rope_base: float = 10000.0
    eps: float = 1e-6
    tie_weights: bool = False

    def __post_init__(self) -> None:
        _check_sizes(self, heads="查询头数")
        check_positive_int("n_kv_head（键值头数）", self.n_kv_head)
        if (self.d_model // self.n_head) % 2:
            raise ValueError(f"每头维度 {self.d_model // self.n_head} 应为偶数：RoPE 把维度两两配成一对旋转")
        if self.n_head % self.n_kv_head:
            raise ValueError(f"n_kv_head={self.n_kv_head} 应整除 n_head={self.n_head}：每个键值头服务同样多的查询头")
        if self.d_ff is not None:
            check_positive_int("d_ff（MLP 隐藏宽度）", self.d_ff)
        check_positive("rope_base（RoPE 底数）", self.rope_base)
        check_positive("eps", self.eps)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    @property
    def ff(self) -> int:
        """SwiGLU 的隐藏宽度。"""
        return self.d_ff if self.d_ff is not None else 8 * math.ceil(8 * self.d_model / 3 / 8)


class RMSNorm(nn.Module):
    """均方根归一化：``x / sqrt(mean(x²) + eps) · weight``。

    不减均值，没有偏置。
    """

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        check_positive_int("dim", dim)
        self.eps = check_positive("eps", eps)
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.weight.shape[0]:
            raise ValueError(f"输入最后一维是 {x.shape[-1]}，"
                             f"RMSNorm 的宽度是 {self.weight.shape[0]}")
        inv_rms = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x * inv_rms * self.weight


def rope_angles(positions: torch.Tensor, head_dim: int, base: float = 10000.0, *,
                dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """RoPE 的 ``cos``、``sin``，形状 ``(len(positions), head_dim)``。

    第 ``i`` 对维度的频率 ``θ_i = base^(-2i/head_dim)``，位置 ``m`` 的角度 ``m·θ_i``；与 ``transformers``
    一样，前一半维度与后一半维度配对（角度表写成 ``cat(θ, θ)``）。角度在 ``dtype`` 中计算
    （默认 float32，与 ``transformers`` 相同）。
    """
    check_positive_int("head_dim", head_dim)
    if head_dim % 2:
        raise ValueError(f"head_dim={head_dim} 应为偶数")
    check_positive("base", base)
    if not isinstance(positions, torch.Tensor) or positions.dim() != 1:
        raise ValueError("positions 应为一维张量（各位置的编号）")
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=dtype, device=positions.device) / head_dim))
    freqs = positions.to(dtype)[:, None] * inv_freq[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """``(x₁, x₂) → (−x₂, x₁)``：把前一半与后一半维度组成的每一对旋转 90°。"""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor,
               sin: torch.Tensor) -> torch.Tensor:
    """把 ``x``（``(..., T, head_dim)``）的每对维度按各自位置的角度旋转。

    即 ``x·cos + rotate_half(x)·sin``。
    """
    if x.shape[-2:] != cos.shape or cos.shape != sin.shape:
        raise ValueError(f"x 的最后两维 {tuple(x.shape[-2:])} 应与 cos、sin 的"
                         f"形状 {tuple(cos.shape)} 相同")
    return x * cos.to(x.dtype) + rotate_half(x) * sin.to(x.dtype)


def gqa_attention(q: torch.Tensor, k: torch.Tensor,
                  v: torch.Tensor) -> torch.Tensor:
    """分组查询注意力（因果）。

    ``q`` 为 ``(B, H_q, T_q, d)``，``k``、``v`` 为 ``(B, H_kv, T_k, d)``。
    查询头 ``h`` 用键值头 ``h // (H_q / H_kv)``。键值不复制：
    查询排成 ``(B, H_kv, g, T_q, d)``，键值加一个长度为 1 的组维，
    矩阵乘法自己广播，再交给 :func:`book.part6.gpt.causal_attention`。
    """
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise ValueError("q、k、v 应为四维张量 (batch, 头数, 长度, 每头维度)")
    B, Hq, Tq, d = q.shape
    Hkv = k.shape[1]
    if k.shape != v.shape or k.shape[0] != B or k.shape[-1] != d:
        raise ValueError(f"k、v 的形状 {tuple(k.shape)}、{tuple(v.shape)} "
                         f"与 q 的 {tuple(q.shape)} 不匹配")
    if Hq % Hkv:
        raise ValueError(f"查询头数 {Hq} 应是键值头数 {Hkv} 的整数倍")
    if k.shape[2] < Tq:
        raise ValueError(f"键的长度 {k.shape[2]} 不应短于查询的长度 {Tq}")
    g = Hq // Hkv
    out = causal_attention(q.view(B, Hkv, g, Tq, d),
                           k[:, :, None], v[:, :, None])
    return out.reshape(B, Hq, Tq, d)


class SwiGLU(nn.Module):
    """门控 MLP：``down_proj(silu(gate_proj(x)) ⊙ up_proj(x))``。

    三个线性层都没有偏置。
    """

    def __init__(self, d_model: int, d_ff: int):
        super().__init__()
        self.gate_proj = nn.Linear(d_model, d_ff, bias=False)
        self.up_proj = nn.Linear(d_model, d_ff, bias=False)
        self.down_proj = nn.Linear(d_ff, d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class GQAttention(nn.Module):
    """带 RoPE 的分组查询自注意力；``past`` 是这一层已缓存的 ``(keys, values)``。"""

    def __init__(self, cfg: ModernConfig):
        super().__init__()
        self.n_head, self.n_kv_head, self.head_dim = cfg.n_head, cfg.n_kv_head, cfg.head_dim
        self.q_proj = nn.Linear(cfg.d_model, cfg.n_head * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.d_model, cfg.n_kv_head * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.d_model, cfg.n_kv_head * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_head * cfg.head_dim, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
                past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)       # 缓存里存的是旋转后的键
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        y = gqa_attention(q, k, v).transpose(1, 2).reshape(B, T, self.n_head * self.head_dim)
        return self.o_proj(y), (k, v)


class ModernBlock(nn.Module):
    """``x = x + attn(RMSNorm(x))``；``x = x + SwiGLU(RMSNorm(x))``。

    与 Llama 的解码层相同。
    """

    def __init__(self, cfg: ModernConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.d_model, cfg.eps)
        self.self_attn = GQAttention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.d_model, cfg.eps)
        self.mlp = SwiGLU(cfg.d_model, cfg.ff)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
                past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        a, kv = self.self_attn(self.input_layernorm(x), cos, sin, past)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), kv


class ModernGPT(nn.Module):
    """仅解码器语言模型：token 嵌入 → ``n_layer`` 个 :class:`ModernBlock` → RMSNorm → 输出层。

    没有位置嵌入表（位置由 RoPE 进入注意力）。``wpe`` 是一个 0 列的占位参数（没有任何数），
    只为让 :func:`book.part6.gpt.train_gpt` 的 ``embed_lr_mult`` 分组对两种模型写法相同。
    """

    def __init__(self, cfg: ModernConfig):
        super().__init__()
        if not isinstance(cfg, ModernConfig):
            raise TypeError(f"cfg 应为 ModernConfig，收到 {type(cfg).__name__}")
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.block_size, 0)                   # 占位：0 个参数
        self.layers = nn.ModuleList(ModernBlock(cfg) for _ in range(cfg.n_layer))
        self.norm = RMSNorm(cfg.d_model, cfg.eps)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_weights:
            self.lm_head.weight = self.wte.weight
        for name, p in self.named_parameters():                     # 与 book.part6.gpt.GPT 相同的初始化
            if name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))
            elif p.dim() == 2 and p.numel():
                nn.init.normal_(p, 0.0, 0.02)

    def n_params(self) -> int:
        """不同参数的个数（绑定的输出层只计一次）。"""
        return sum(p.numel() for p in self.parameters())

    def forward_cached(self, idx: torch.Tensor, cache: KVCache | None = None
                       ) -> tuple[torch.Tensor, KVCache]:
        """新 token ``idx`` 的 logits ``(B, t, V)``，以及加上它们的键值后的缓存（位置从缓存长度接着数）。"""
        past = 0 if not cache else cache[0][0].shape[2]
        _check_idx(idx, self.cfg.block_size, past)
        if cache and len(cache) != self.cfg.n_layer:
            raise ValueError(f"缓存有 {len(cache)} 层，模型有 {self.cfg.n_layer} 层")
        pos = torch.arange(past, past + idx.shape[1], device=idx.device)
        cos, sin = rope_angles(pos, self.cfg.head_dim, self.cfg.rope_base)
        x = self.wte(idx)
        new: KVCache = []
        for i, block in enumerate(self.layers):
            x, kv = block(x, cos, sin, cache[i] if cache else None)
            new.append(kv)
        return self.lm_head(self.norm(x)), new

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """与 :meth:`book.part6.gpt.GPT.forward` 相同：logits ``(B, T, V)``，给了 ``targets`` 时还有平均交叉熵。"""
        logits, _ = self.forward_cached(idx)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss


def load_llama_class() -> Any:
    """``transformers.LlamaForCausalLM``，导入时不让 tqdm 的 “IProgress not found” 警告和弃用警告落到页面上。"""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        warnings.simplefilter("ignore", FutureWarning)
        from transformers import LlamaForCausalLM
    return LlamaForCausalLM


def to_llama_config(cfg: ModernConfig) -> Any:
    """与 ``cfg`` 结构相同的 ``transformers.LlamaConfig``（不下载任何东西）。"""
    from transformers import LlamaConfig

    if not isinstance(cfg, ModernConfig):
        raise TypeError(f"cfg 应为 ModernConfig，收到 {type(cfg).__name__}")
    return LlamaConfig(vocab_size=cfg.vocab_size, hidden_size=cfg.d_model, intermediate_size=cfg.ff,
                       num_hidden_layers=cfg.n_layer, num_attention_heads=cfg.n_head,
                       num_key_value_heads=cfg.n_kv_head, head_dim=cfg.head_dim,
                       max_position_embeddings=cfg.block_size, rms_norm_eps=cfg.eps,
                       rope_parameters={"rope_type": "default", "rope_theta": float(cfg.rope_base)},
                       tie_word_embeddings=cfg.tie_weights, attention_bias=False, mlp_bias=False,
                       attention_dropout=0.0, bos_token_id=None, eos_token_id=None, pad_token_id=None)


def load_llama_weights(model: ModernGPT, llama: nn.Module) -> ModernGPT:
    """把 ``LlamaForCausalLM`` 的权重原样复制进 ``model``（就地），形状或名字对不上时报错。"""
    if not isinstance(model, ModernGPT):
        raise TypeError(f"model 应为 ModernGPT，收到 {type(model).__name__}")
    theirs = llama.state_dict()
    ours = model.state_dict()
    mapped = {}
    for name, t in theirs.items():
        if name.endswith("rotary_emb.inv_freq"):
            continue                                               # 缓冲区：由配置算出，不是权重
        key = name.removeprefix("model.").replace("embed_tokens.", "wte.")
        if key not in ours:
            raise ValueError(f"权重 {name} 在本书的模型里没有对应（映射为 {key}）")
        if ours[key].shape != t.shape:
            raise ValueError(f"权重 {name} 的形状 {tuple(t.shape)} 与本书模型的 {tuple(ours[key].shape)} 不同")
        mapped[key] = t
    missing = set(ours) - set(mapped) - {"wpe.weight"}
    if model.cfg.tie_weights:
        missing.discard("lm_head.weight")
    if missing:
        raise ValueError(f"Llama 模型里缺少这些权重：{sorted(missing)}")
    with torch.no_grad():
        for key, t in mapped.items():
            ours[key].copy_(t)
    return model


def kv_bytes_per_token(cache: KVCache | Any) -> float:
    """缓存里每个 token（每个序列的每个位置）占的字节数，从缓存张量本身数出。

    ``cache``：本书的 :data:`KVCache`，或 ``transformers`` 的 ``DynamicCache``（有 ``layers``，每层 ``keys``、``values``）。
    """
    if hasattr(cache, "layers"):
        pairs = [(layer.keys, layer.values) for layer in cache.layers]
    elif isinstance(cache, (list, tuple)) and cache:
        pairs = list(cache)
    else:
        raise ValueError("cache 应为非空的 (keys, values) 列表或 transformers 的 DynamicCache")
    B, _, T, _ = pairs[0][0].shape
    total = sum(t.numel() * t.element_size() for kv in pairs for t in kv)
    return total / (B * T)
