"""Serving the tiny GPT: a key/value cache and int8 weight-only quantisation (chapter ``chapters/part6/04_serving``).

* :func:`forward_with_cache` runs :class:`book.part6.gpt.GPT` on new tokens only, reusing the
  keys and values of earlier positions stored per layer; :func:`generate_cached` samples
  with it.
* :func:`quantize_int8` / :class:`Int8Linear` store each ``nn.Linear`` weight as int8 with
  one float scale per output channel (row) and de-quantise on the fly.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_positive_int
from .gpt import GPT, causal_attention

__all__ = ["KVCache", "forward_with_cache", "generate_cached", "Int8Linear", "quantize_int8",
           "model_bytes"]

KVCache = list  # one (keys, values) pair per layer, each (B, heads, t, d_head)


@torch.no_grad()
def forward_with_cache(model: GPT, idx: torch.Tensor,
                       cache: KVCache | None = None
                       ) -> tuple[torch.Tensor, KVCache]:
    """已有前 ``t_past`` 个 token 的缓存时，新 token ``idx`` 的 logits。
    位置从 ``t_past`` 接着数；返回 logits 和加上新键值后的缓存。

    Logits of the new tokens ``idx`` (``(B, t_new)``) given the cache of the
    ``t_past`` earlier ones.

    Positions continue from ``t_past``; the total length may not exceed
    ``block_size``. Returns the logits ``(B, t_new, V)`` and the cache extended
    by the new keys and values.
    """
    if idx.dim() != 2 or idx.shape[1] == 0:
        raise ValueError("idx 应为形状 (batch, t) 且 t ≥ 1 的整数张量")
    past = 0 if not cache else cache[0][0].shape[2]
    if past + idx.shape[1] > model.cfg.block_size:
        raise ValueError(f"总长度 {past + idx.shape[1]} 超过上下文长度 "
                         f"block_size={model.cfg.block_size}")
    pos = torch.arange(past, past + idx.shape[1], device=idx.device)
    x = model.wte(idx) + model.wpe(pos)
    new_cache: KVCache = []
    for i, block in enumerate(model.h):
        q, k, v = block.attn.qkv(block.ln_1(x))
        if cache:
            k = torch.cat([cache[i][0], k], dim=2)       # old keys + new keys
            v = torch.cat([cache[i][1], v], dim=2)
        new_cache.append((k, v))
        x = x + block.attn.merge(causal_attention(q, k, v))
        x = x + block.mlp(block.ln_2(x))
    return model.lm_head(model.ln_f(x)), new_cache


@torch.no_grad()
def generate_cached(model: GPT, idx: torch.Tensor, max_new_tokens: int, *, temperature: float = 1.0,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Sample like :meth:`GPT.generate`, but feed only the newest token each step (prompt once)."""
    check_positive_int("max_new_tokens", max_new_tokens)
    if idx.shape[1] + max_new_tokens > model.cfg.block_size:
        raise ValueError("提示加生成的长度超过了上下文长度 block_size")
    logits, cache = forward_with_cache(model, idx)
    out = idx
    for _ in range(max_new_tokens):
        probs = torch.softmax(logits[:, -1, :] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        out = torch.cat([out, nxt], dim=1)
        logits, cache = forward_with_cache(model, nxt, cache)
    return out


class Int8Linear(nn.Module):
    """权重为 int8、每个输出通道一个缩放的线性层：
    ``W ≈ scale[:, None] · W_q``。

    A linear layer whose weight is int8 with one scale per output channel:
    ``W ≈ scale[:, None] · W_q``."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        w = linear.weight.detach()
        # one scale per output row
        scale = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0
        self.register_buffer("w_q", torch.round(w / scale[:, None])
                             .clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale.to(w.dtype))
        self.register_buffer("bias", None if linear.bias is None
                             else linear.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.w_q.to(x.dtype) * self.scale[:, None]  # de-quantise on the fly
        return F.linear(x, w, self.bias)


def quantize_int8(model: nn.Module) -> nn.Module:
    """Replace (in place) every ``nn.Linear`` inside the Transformer blocks by :class:`Int8Linear`.

    Embeddings, LayerNorms and the tied output head stay in floating point. Returns ``model``.
    """
    targets = [(parent, name, child) for parent in model.modules()
               for name, child in parent.named_children() if isinstance(child, nn.Linear)
               and child is not getattr(model, "lm_head", None)]
    if not targets:
        raise ValueError("模型里没有可以量化的 nn.Linear 层")
    for parent, name, child in targets:
        setattr(parent, name, Int8Linear(child))
    return model


def model_bytes(model: nn.Module) -> int:
    """Bytes of all distinct parameters and buffers (a tied weight counted once)."""
    seen: set[int] = set()
    total = 0
    for t in list(model.parameters()) + list(model.buffers()):
        if id(t) not in seen:
            seen.add(id(t))
            total += t.numel() * t.element_size()
    return total
