"""Unit tests for book/part6/modern.py (Part VI, chapter 06: RMSNorm, RoPE, SwiGLU, GQA, Llama check)."""
import pytest
import torch
import torch.nn.functional as F

from book.part6.modern import (ModernConfig, ModernGPT, RMSNorm, SwiGLU, apply_rope, gqa_attention,
                               kv_bytes_per_token, load_llama_class, load_llama_weights, rope_angles, rotate_half,
                               to_llama_config)


def test_rmsnorm_matches_torch_and_rejects_wrong_width():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 5, 16, generator=g) + 2
    ours, ref = RMSNorm(16, 1e-5), torch.nn.RMSNorm(16, eps=1e-5)
    with torch.no_grad():
        ours.weight.copy_(torch.randn(16, generator=g))
        ref.weight.copy_(ours.weight)
    assert torch.allclose(ours(x), ref(x), atol=1e-6)
    assert not torch.allclose(ours(x), F.layer_norm(x, (16,), ours.weight, None, 1e-5), atol=1e-2)
    with pytest.raises(ValueError, match="宽度"):
        ours(torch.randn(2, 8))
    with pytest.raises(ValueError):
        RMSNorm(16, eps=0)


def test_rope_relative_position_and_norm():
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(2, 8, generator=g, dtype=torch.float64)
    cos, sin = rope_angles(torch.arange(20), 8, dtype=torch.float64)
    qs, ks = apply_rope(q.expand(20, 8), cos, sin), apply_rope(k.expand(20, 8), cos, sin)
    s = qs @ ks.T
    for off in (-5, 0, 3):
        d = s.diagonal(off)
        assert (d - d[0]).abs().max() < 1e-12
    assert (s.diagonal(1)[0] - s.diagonal(0)[0]).abs() > 1e-3
    assert torch.allclose(qs.norm(dim=1), q.norm().expand(20))
    # rotate_half pairs dimension i with i + d/2
    assert torch.equal(rotate_half(torch.tensor([1.0, 2.0, 3.0, 4.0])), torch.tensor([-3.0, -4.0, 1.0, 2.0]))


def test_rope_rejects_bad_input():
    with pytest.raises(ValueError, match="偶数"):
        rope_angles(torch.arange(4), 7)
    with pytest.raises(ValueError, match="一维"):
        rope_angles(torch.zeros(2, 2), 8)
    cos, sin = rope_angles(torch.arange(4), 8)
    with pytest.raises(ValueError, match="形状"):
        apply_rope(torch.randn(5, 8), cos, sin)


@pytest.mark.parametrize("hkv", [4, 2, 1])
def test_gqa_matches_sdpa_with_repeated_heads(hkv):
    g = torch.Generator().manual_seed(2)
    q = torch.randn(2, 4, 6, 8, generator=g, dtype=torch.float64)
    k, v = (torch.randn(2, hkv, 6, 8, generator=g, dtype=torch.float64) for _ in range(2))
    r = 4 // hkv
    ref = F.scaled_dot_product_attention(q, k.repeat_interleave(r, 1), v.repeat_interleave(r, 1), is_causal=True)
    assert torch.allclose(gqa_attention(q, k, v), ref, atol=1e-12)


def test_gqa_rejects_bad_shapes():
    q = torch.randn(1, 4, 3, 8)
    with pytest.raises(ValueError, match="整数倍"):
        gqa_attention(q, torch.randn(1, 3, 3, 8), torch.randn(1, 3, 3, 8))
    with pytest.raises(ValueError, match="四维"):
        gqa_attention(q[0], q[0], q[0])
    with pytest.raises(ValueError, match="短于"):
        gqa_attention(q, torch.randn(1, 2, 2, 8), torch.randn(1, 2, 2, 8))


def test_config_checks():
    with pytest.raises(ValueError, match="整除"):
        ModernConfig(vocab_size=10, block_size=8, n_head=4, n_kv_head=3, d_model=32)
    with pytest.raises(ValueError, match="偶数"):
        ModernConfig(vocab_size=10, block_size=8, n_head=4, n_kv_head=2, d_model=12)
    with pytest.raises(ValueError):
        ModernConfig(vocab_size=0, block_size=8)
    # the sizes both configs have are checked by one function (gpt._check_sizes)
    with pytest.raises(ValueError, match="n_head（查询头数）"):
        ModernConfig(vocab_size=10, block_size=8, n_head=0)
    with pytest.raises(ValueError, match="tie_weights"):
        ModernConfig(vocab_size=10, block_size=8, tie_weights=0)
    with pytest.raises(ValueError, match="rope_base"):
        ModernConfig(vocab_size=10, block_size=8, rope_base=float("inf"))
    assert ModernConfig(vocab_size=10, block_size=8, d_model=48).ff == 128
    with pytest.raises(TypeError):
        ModernGPT("not a config")


def test_swiglu_formula():
    m = SwiGLU(6, 10)
    x = torch.randn(3, 6)
    want = m.down_proj(F.silu(m.gate_proj(x)) * m.up_proj(x))
    assert torch.allclose(m(x), want)
    assert sum(p.numel() for p in m.parameters()) == 3 * 6 * 10


def test_cached_forward_equals_full_forward_and_length_check():
    cfg = ModernConfig(vocab_size=20, block_size=12, n_layer=2, n_head=4, n_kv_head=2, d_model=16)
    torch.manual_seed(0)
    m = ModernGPT(cfg).eval()
    idx = torch.randint(0, 20, (2, 9))
    full, _ = m(idx)
    lo, cache = m.forward_cached(idx[:, :5])
    parts = [lo]
    for t in range(5, 9):
        lo, cache = m.forward_cached(idx[:, t:t + 1], cache)
        parts.append(lo)
    assert torch.allclose(torch.cat(parts, 1), full, atol=1e-5)
    assert kv_bytes_per_token(cache) == 2 * 2 * 2 * 4 * 4        # 2 layers × (K,V) × 2 kv heads × 4 dims × 4 bytes
    with pytest.raises(ValueError, match="总长度 13 超过上下文"):
        m.forward_cached(torch.zeros(2, 4, dtype=torch.long), cache)
    with pytest.raises(ValueError, match="序列长度 13 超过上下文"):
        m(torch.zeros(1, 13, dtype=torch.long))
    with pytest.raises(ValueError, match="整数张量"):
        m(torch.zeros(1, 3))
    with pytest.raises(ValueError):
        kv_bytes_per_token([])


def test_llama_weights_give_same_logits():
    LlamaForCausalLM = load_llama_class()
    cfg = ModernConfig(vocab_size=30, block_size=16, n_layer=2, n_head=4, n_kv_head=1, d_model=16)
    torch.manual_seed(0)
    hf = LlamaForCausalLM._from_config(to_llama_config(cfg), attn_implementation="eager").eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.normal_(0, 0.3)
    m = load_llama_weights(ModernGPT(cfg), hf).eval()
    x = torch.randint(0, 30, (2, 7))
    with torch.no_grad():
        assert (hf(x).logits - m(x)[0]).abs().max() < 1e-4
    other = ModernGPT(ModernConfig(vocab_size=30, block_size=16, n_layer=2, n_head=4, n_kv_head=2, d_model=16))
    with pytest.raises(ValueError, match="形状"):
        load_llama_weights(other, hf)
    with pytest.raises(TypeError):
        load_llama_weights(hf, hf)
