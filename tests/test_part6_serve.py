"""Unit tests of book.part6.serve (KV cache and int8 quantisation, chapter part6/04_serving)."""
from __future__ import annotations

import copy

import pytest
import torch

from book.part6.gpt import GPT, GPTConfig
from book.part6.serve import Int8Linear, forward_with_cache, generate_cached, model_bytes, quantize_int8


def _model():
    torch.manual_seed(0)
    return GPT(GPTConfig(30, 16, 2, 2, 16)).double().eval()


def test_cache_equals_recomputation():
    m = _model()
    x = torch.randint(0, 30, (3, 16))
    full, _ = m(x)
    out, cache = forward_with_cache(m, x[:, :5])
    parts = [out]
    for t in range(5, 16):
        out, cache = forward_with_cache(m, x[:, t:t + 1], cache)
        parts.append(out)
    assert torch.allclose(torch.cat(parts, 1), full, atol=1e-12)
    assert cache[0][0].shape == (3, 2, 16, 8)


def test_cached_generation_equals_plain_generation():
    m = _model()
    idx = torch.tensor([[1, 2, 3]])
    a = m.generate(idx, 10, generator=torch.Generator().manual_seed(5))
    b = generate_cached(m, idx, 10, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


def test_cache_rejects_overflow_and_empty():
    m = _model()
    _, cache = forward_with_cache(m, torch.zeros(1, 16, dtype=torch.long))
    with pytest.raises(ValueError):
        forward_with_cache(m, torch.zeros(1, 1, dtype=torch.long), cache)
    with pytest.raises(ValueError):
        forward_with_cache(m, torch.zeros(1, 0, dtype=torch.long))
    with pytest.raises(ValueError):
        generate_cached(m, torch.zeros(1, 10, dtype=torch.long), 7)


def test_int8_error_is_bounded_and_memory_shrinks():
    torch.manual_seed(0)
    lin = torch.nn.Linear(64, 32)
    q = Int8Linear(lin)
    assert q.w_q.dtype == torch.int8 and q.scale.shape == (32,)
    assert ((q.w_q.float() * q.scale[:, None] - lin.weight).abs() <= q.scale[:, None] / 2 + 1e-7).all()
    x = torch.randn(5, 64)
    assert torch.allclose(q(x), lin(x), atol=0.02)
    m = GPT(GPTConfig(30, 16, 2, 2, 32))
    qm = quantize_int8(copy.deepcopy(m))
    assert model_bytes(qm) < model_bytes(m)
    assert qm.lm_head.weight is qm.wte.weight            # head stays tied and in float
    with pytest.raises(ValueError):
        quantize_int8(torch.nn.Sequential(torch.nn.ReLU()))
