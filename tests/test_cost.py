"""Unit tests of book.cost (the cost calculator of Part III, used by Parts IV and VI)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn

import book.cost as cost
import book.timing as timing
from book.cost import (Compute, chinchilla_tokens, flops_to_cost, gpt_flops_per_token,
                       gpt_head_flops_per_token, gpt_params, inference_flops_per_token, kv_cache_bytes,
                       measure_matmul_flops, serving_cost_per_million_tokens, train_flops,
                       training_memory_bytes, zero_memory_per_gpu)

BAD_POSITIVE = [0, -1, -2.5, float("nan"), float("inf"), "7", None, True]


# --- compute -----------------------------------------------------------------------
def test_train_flops_is_six_n_d():
    assert train_flops(175e9, 300e9) == pytest.approx(3.15e23)
    assert train_flops(2, 3) == 36.0
    assert isinstance(train_flops(np.int64(2), np.float32(3)), float)


@pytest.mark.parametrize("bad", BAD_POSITIVE)
def test_train_flops_rejects_bad(bad):
    with pytest.raises(ValueError, match="n_params"):
        train_flops(bad, 1)
    with pytest.raises(ValueError, match="n_tokens"):
        train_flops(1, bad)


def test_inference_and_chinchilla():
    assert inference_flops_per_token(7e9) == 14e9
    # Chinchilla itself: 70B parameters, 1.4T tokens
    assert chinchilla_tokens(70e9) == pytest.approx(1.4e12)
    assert chinchilla_tokens(10, tokens_per_param=5) == 50.0
    for bad in BAD_POSITIVE:
        with pytest.raises(ValueError):
            inference_flops_per_token(bad)
        with pytest.raises(ValueError):
            chinchilla_tokens(bad)
        with pytest.raises(ValueError):
            chinchilla_tokens(1e9, tokens_per_param=bad)


# --- memory ------------------------------------------------------------------------
def test_training_memory_default_is_16_bytes():
    assert training_memory_bytes(1e9) == 16e9
    assert training_memory_bytes(1e9, bytes_per_param=4) == 4e9
    with pytest.raises(ValueError):
        training_memory_bytes(-1)
    with pytest.raises(ValueError):
        training_memory_bytes(1, bytes_per_param=0)


def test_kv_cache_matches_real_tensors():
    L, H, d, T, B = 3, 2, 8, 5, 4
    # what a decoder actually stores: per layer one K and one V tensor of shape (B, H, T, d) in fp16
    cache = [(torch.zeros(B, H, T, d, dtype=torch.float16), torch.zeros(B, H, T, d, dtype=torch.float16))
             for _ in range(L)]
    real = sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in cache)
    assert kv_cache_bytes(L, H, d, T, batch=B, bytes_per_value=2) == real
    # Llama-2-7B style: 32 layers, 32 heads of 128, 4096 tokens, fp16 = 2 GiB
    assert kv_cache_bytes(32, 32, 128, 4096) == 2 * 1024 ** 3


@pytest.mark.parametrize("args", [(0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 2.5, 1), (1, 1, 1, -3), (True, 1, 1, 1)])
def test_kv_cache_rejects_bad(args):
    with pytest.raises(ValueError):
        kv_cache_bytes(*args)
    with pytest.raises(ValueError):
        kv_cache_bytes(1, 1, 1, 1, batch=0)
    with pytest.raises(ValueError):
        kv_cache_bytes(1, 1, 1, 1, bytes_per_value=-2)


# --- the book's GPT layout ---------------------------------------------------------
class _Block(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.attn_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)


class _GPT(nn.Module):
    def __init__(self, L: int, d: int, V: int, T: int):
        super().__init__()
        self.wte = nn.Embedding(V, d)
        self.wpe = nn.Embedding(T, d)
        self.h = nn.ModuleList(_Block(d) for _ in range(L))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, V, bias=False)
        self.lm_head.weight = self.wte.weight  # tied


@pytest.mark.parametrize("L,d,V,T", [(1, 4, 10, 8), (2, 16, 65, 32), (6, 384, 50257, 256)])
def test_gpt_params_matches_module(L, d, V, T):
    m = _GPT(L, d, V, T)
    assert gpt_params(L, d, V, T) == sum(p.numel() for p in m.parameters())  # parameters() dedups the tie


def test_gpt2_small_is_124m():
    assert gpt_params(12, 768, 50257, 1024) == 124_439_808


def test_gpt_params_rejects_bad():
    for args in [(0, 4, 10, 8), (1, -4, 10, 8), (1, 4, 10.0, 8), (1, 4, 10, None)]:
        with pytest.raises(ValueError):
            gpt_params(*args)


def test_gpt_flops_per_token_counts_matmuls():
    L, d, T = 2, 8, 6
    # count by hand: per layer QKV 3d², out d², MLP 8d² multiply-adds; with the causal mask a token
    # sees T/2 positions on average (Kaplan's approximation): scores (T/2)·d and values (T/2)·d
    macs = L * (3 * d * d + d * d + 8 * d * d + (T // 2) * d + (T // 2) * d)
    assert gpt_flops_per_token(L, d, T) == 2 * macs
    assert gpt_head_flops_per_token(d, 100) == 2 * d * 100
    with pytest.raises(ValueError):
        gpt_flops_per_token(2, 8, 0)
    with pytest.raises(ValueError):
        gpt_head_flops_per_token(8, -1)


# --- money -------------------------------------------------------------------------
def test_flops_to_cost():
    c = flops_to_cost(3600e12, peak_flops_per_s=1e12, utilization=0.5, price_per_hour=2.0)
    assert isinstance(c, Compute)
    assert c.flops == 3600e12 and c.hours == pytest.approx(2.0) and c.money == pytest.approx(4.0)
    # 4 devices: a quarter of the hours, the same money
    c4 = flops_to_cost(3600e12, peak_flops_per_s=1e12, utilization=0.5, price_per_hour=2.0, n_devices=4)
    assert c4.hours == pytest.approx(0.5) and c4.money == pytest.approx(4.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.hours = 1.0  # frozen


@pytest.mark.parametrize("kw", [dict(utilization=0), dict(utilization=1.5), dict(utilization=-0.1),
                                dict(peak_flops_per_s=0), dict(price_per_hour=-1), dict(n_devices=0),
                                dict(n_devices=1.5)])
def test_flops_to_cost_rejects_bad(kw):
    args = dict(peak_flops_per_s=1e12, utilization=0.5, price_per_hour=2.0)
    args.update(kw)
    with pytest.raises(ValueError):
        flops_to_cost(1e15, **args)
    with pytest.raises(ValueError):
        flops_to_cost(-1.0, peak_flops_per_s=1e12, utilization=0.5, price_per_hour=1.0)


def test_utilization_one_is_allowed():
    assert flops_to_cost(7200.0, peak_flops_per_s=1.0, utilization=1, price_per_hour=1).hours == pytest.approx(2.0)


def test_serving_cost_per_million_tokens():
    # 1000 tok/s for one hour = 3.6M tokens for $3.6 -> $1 per million
    assert serving_cost_per_million_tokens(1000, 3.6) == pytest.approx(1.0)
    assert serving_cost_per_million_tokens(2000, 3.6) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        serving_cost_per_million_tokens(0, 1)
    with pytest.raises(ValueError):
        serving_cost_per_million_tokens(10, -1)


# --- ZeRO --------------------------------------------------------------------------
def test_zero_stages_match_paper():
    # Rajbhandari et al. 2020, Fig. 1: 7.5B parameters, 64 GPUs, K = 12:
    # baseline 120 GB, P_os 31.4 GB, P_os+g 16.6 GB, P_os+g+p 1.88 GB
    N, G = 7.5e9, 64
    gb = [zero_memory_per_gpu(N, G, s) / 1e9 for s in range(4)]
    assert gb[0] == pytest.approx(120.0)
    assert gb[1] == pytest.approx(31.4, abs=0.05)
    assert gb[2] == pytest.approx(16.6, abs=0.05)
    assert gb[3] == pytest.approx(1.875)
    assert zero_memory_per_gpu(N, 1, 3) == zero_memory_per_gpu(N, 1, 0)


@pytest.mark.parametrize("stage", [-1, 4, 1.0, "2", True, None])
def test_zero_rejects_unknown_stage(stage):
    with pytest.raises(ValueError, match="stage"):
        zero_memory_per_gpu(1e9, 8, stage)


def test_zero_rejects_bad_sizes():
    with pytest.raises(ValueError):
        zero_memory_per_gpu(1e9, 0, 1)
    with pytest.raises(ValueError):
        zero_memory_per_gpu(0, 8, 1)
    with pytest.raises(ValueError):
        zero_memory_per_gpu(1e9, 8, 1, bytes_weights=0)
    with pytest.raises(ValueError):
        zero_memory_per_gpu(1e9, 8, 1, bytes_optimizer=-4)


# --- measurement (book.timing, re-exported by book.cost) ----------------------------
@pytest.fixture(autouse=True)
def _real_profile(monkeypatch):
    """Every test starts with real measurements, whatever the caller's environment says."""
    monkeypatch.delenv("BOOK_MEASURE_PROFILE", raising=False)


def test_cost_reexports_the_timing_harness():
    assert cost.timed is timing.timed
    assert cost.median_seconds is timing.median_seconds
    assert cost.measure_matmul_flops is timing.measure_matmul_flops


def test_profile_names_and_bad_profile(monkeypatch):
    assert timing.profile() == ""
    for p in ("bf16_fast", "bf16_slow", "gpu_like"):
        monkeypatch.setenv("BOOK_MEASURE_PROFILE", p)
        assert timing.profile() == p
    monkeypatch.setenv("BOOK_MEASURE_PROFILE", "tpu")
    with pytest.raises(ValueError, match="BOOK_MEASURE_PROFILE"):
        timing.profile()
    with pytest.raises(ValueError, match="BOOK_MEASURE_PROFILE"):
        timing.median_seconds(lambda: None, repeats=1)


def _fake_clock(monkeypatch, durations):
    """Clocks that advance by the given durations, one per call of ``fn`` below."""
    state = {"t": 0.0}
    monkeypatch.setattr(timing, "_cpu_clock", lambda: state["t"])
    monkeypatch.setattr(timing, "_clock", lambda: state["t"])
    it = iter(durations)

    def fn():
        state["t"] += next(it)
    return fn


def test_gpu_like_profile_is_nearly_flat(monkeypatch):
    monkeypatch.setenv("BOOK_MEASURE_PROFILE", "gpu_like")
    fn = _fake_clock(monkeypatch, [0.01, 1.0])
    small, large = timing.timed(fn, device="cpu")[1], timing.timed(fn, device="cpu")[1]
    assert small == pytest.approx(timing.LAUNCH_SECONDS + 0.01 / timing.GPU_SPEEDUP)
    assert 1.0 < large / small < 1.25  # 100x more work, < 25 % more time: launch-bound
    monkeypatch.delenv("BOOK_MEASURE_PROFILE")
    fn = _fake_clock(monkeypatch, [0.01, 1.0])
    assert timing.timed(fn, device="cpu")[1] == 0.01 and timing.timed(fn, device="cpu")[1] == 1.0


def test_bf16_fast_profile_times_fp32_and_divides(monkeypatch):
    ticks = iter(range(0, 10_000, 2))  # every timed product takes exactly 2 s
    fake = lambda: float(next(ticks))  # noqa: E731
    monkeypatch.setattr(timing, "_clock", fake)
    monkeypatch.setattr(timing, "_cpu_clock", fake)
    monkeypatch.setenv("BOOK_MEASURE_PROFILE", "bf16_fast")
    fp32 = measure_matmul_flops(16, device="cpu", repeats=3)
    for dt in (torch.bfloat16, torch.float16):
        assert measure_matmul_flops(16, dtype=dt, device="cpu", repeats=3) == pytest.approx(timing.BF16_SPEEDUP * fp32)
    assert fp32 == pytest.approx(2 * 16 ** 3 / 2.0)  # fp32 itself is not faked
    monkeypatch.setenv("BOOK_MEASURE_PROFILE", "bf16_slow")
    assert measure_matmul_flops(16, dtype=torch.bfloat16, device="cpu", repeats=3) == pytest.approx(fp32 / timing.BF16_SPEEDUP)


def test_measure_matmul_flops_formula_with_fake_clock(monkeypatch):
    ticks = iter(range(0, 10_000, 2))  # every timed product takes exactly 2 s
    fake = lambda: float(next(ticks))  # noqa: E731
    monkeypatch.setattr(timing, "_clock", fake)
    monkeypatch.setattr(timing, "_cpu_clock", fake)
    assert measure_matmul_flops(16, device="cpu", repeats=3) == pytest.approx(2 * 16 ** 3 / 2.0)


def test_measure_matmul_flops_uses_thread_cpu_time_with_one_thread(monkeypatch):
    calls = []
    monkeypatch.setattr(timing, "_cpu_clock", lambda: calls.append("cpu") or float(len(calls)))
    monkeypatch.setattr(timing, "_clock", lambda: calls.append("wall") or float(len(calls)))
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        measure_matmul_flops(8, device="cpu", repeats=2)
        assert set(calls) == {"cpu"}
        if (torch.get_num_threads() != 1) or old == 1:
            return
        calls.clear()
        torch.set_num_threads(2)
        if torch.get_num_threads() == 2:
            measure_matmul_flops(8, device="cpu", repeats=2)
            assert set(calls) == {"wall"}
    finally:
        torch.set_num_threads(old)


def test_measure_matmul_flops_real_is_plausible():
    f = measure_matmul_flops(128, device="cpu", repeats=3)
    assert isinstance(f, float) and math.isfinite(f)
    assert 1e6 < f < 1e14  # a CPU core does more than a MFLOP/s and less than 100 TFLOP/s


def test_measure_matmul_flops_bf16_runs():
    assert measure_matmul_flops(32, dtype=torch.bfloat16, device="cpu", repeats=2) > 0


@pytest.mark.parametrize("kw", [dict(n=0), dict(n=2.5), dict(repeats=0), dict(dtype=torch.int32), dict(dtype="float32")])
def test_measure_matmul_flops_rejects_bad(kw):
    args = dict(n=8, device="cpu", repeats=1)
    args.update(kw)
    with pytest.raises(ValueError):
        measure_matmul_flops(**args)


def test_median_seconds_is_the_median_after_warmup(monkeypatch):
    durations = iter([5.0, 1.0, 3.0, 2.0])  # the warm-up call is not timed
    state = {"t": 0.0}
    monkeypatch.setattr(timing, "_cpu_clock", lambda: state["t"])
    monkeypatch.setattr(timing, "_clock", lambda: state["t"])
    calls = []

    def fn():
        calls.append(1)
        state["t"] += next(durations)

    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert cost.median_seconds(fn, repeats=3, warmup=1, device="cpu") == 2.0
    finally:
        torch.set_num_threads(old)
    assert len(calls) == 4


def test_median_seconds_rejects_bad_input():
    with pytest.raises(ValueError, match="可调用"):
        cost.median_seconds(3.0)
    with pytest.raises(ValueError, match="repeats"):
        cost.median_seconds(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="warmup"):
        cost.median_seconds(lambda: None, warmup=-1)


def test_timed_returns_result_and_seconds(monkeypatch):
    state = {"t": 10.0}
    monkeypatch.setattr(timing, "_cpu_clock", lambda: state["t"])
    monkeypatch.setattr(timing, "_clock", lambda: state["t"])

    def work():
        state["t"] += 2.5
        return "done"

    assert cost.timed(work, device="cpu") == ("done", 2.5)
    with pytest.raises(ValueError, match="可调用"):
        cost.timed(None)


# --- serving at scale: KV bytes against real caches, capacity, TP, roofline ----------
from book.cost import (A100_80GB, MODEL_7B, MODEL_70B, Accelerator, TransformerShape, allreduce_seconds,  # noqa: E402
                       check_fits, decode_step, generation_seconds, max_batch, min_devices, prefill_step,
                       serving_memory_per_device)


def _cache_nbytes(pairs):
    return sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in pairs)


def test_kv_bytes_match_the_book_gpt_cache():
    from book.part6.gpt import GPT, GPTConfig
    from book.part6.serve import forward_with_cache
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=20, block_size=32, n_layer=3, n_head=4, d_model=24)
    model = GPT(cfg).eval()
    B, T = 2, 9
    with torch.no_grad():
        _, cache = forward_with_cache(model, torch.randint(0, 20, (B, T)))
    real = _cache_nbytes(cache)
    assert real == kv_cache_bytes(3, 4, 6, T, batch=B, bytes_per_value=4)
    shape = TransformerShape(n_params=model.n_params(), n_layers=3, d_model=24, n_heads=4, bytes_per_kv=4)
    assert serving_memory_per_device(shape, B, T) - shape.weight_bytes == real
    # wrong head count would be off by the ratio: the check can fail
    assert real != kv_cache_bytes(3, 2, 6, T, batch=B, bytes_per_value=4)


def test_kv_bytes_match_a_transformers_gqa_cache():
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                      num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=64)
    model = LlamaForCausalLM(cfg).eval()       # built from the config: no weights downloaded
    B, T = 3, 11
    with torch.no_grad():
        out = model(torch.randint(0, 64, (B, T)), use_cache=True)
    cache = getattr(out, "cache", None) or out.past_key_values
    pairs = [(layer.keys, layer.values) for layer in cache.layers]
    assert pairs[0][0].shape == (B, 2, T, 4)    # (batch, KV heads, positions, head dim)
    shape = TransformerShape(n_params=sum(p.numel() for p in model.parameters()), n_layers=3, d_model=32,
                             n_heads=8, n_kv_heads=2, bytes_per_kv=4)
    assert shape.kv_bytes_per_token * B * T == _cache_nbytes(pairs)
    mha = TransformerShape(n_params=1e6, n_layers=3, d_model=32, n_heads=8, bytes_per_kv=4)
    assert mha.kv_bytes_per_token == 4 * shape.kv_bytes_per_token   # GQA 2 of 8 heads: a quarter


def test_max_batch_by_hand():
    # 7B multi-head bf16 at 1024 tokens: weights 14 GB; KV per sequence 2·32·32·128·1024·2 B = 0.537 GB;
    # usable 0.9 · 80 GB = 72 GB → floor((72 − 14) / 0.536870912) = 108
    per_seq = 2 * 32 * 32 * 128 * 1024 * 2
    assert per_seq == 536_870_912
    assert max_batch(MODEL_7B, 1024, A100_80GB) == math.floor((72e9 - 14e9) / per_seq) == 108
    assert max_batch(MODEL_7B, 1024, A100_80GB, reserve=0.0) == math.floor((80e9 - 14e9) / per_seq)
    check_fits(MODEL_7B, 108, 1024, A100_80GB)
    with pytest.raises(ValueError, match="放不下"):
        check_fits(MODEL_7B, 109, 1024, A100_80GB)
    with pytest.raises(ValueError, match="放不下"):
        decode_step(MODEL_7B, 512, 1024, A100_80GB, utilization=0.4)


def test_tensor_parallel_split():
    # 70B bf16 = 140 GB of weights: never one 80 GB card
    with pytest.raises(ValueError, match="至少需要 2 块卡"):
        max_batch(MODEL_70B, 1024, A100_80GB)
    assert min_devices(MODEL_70B, A100_80GB, context=1024) == 2
    m2 = serving_memory_per_device(MODEL_70B, 4, 1024, n_devices=2)
    kv_total = MODEL_70B.kv_bytes_per_token * 4 * 1024
    assert m2 == pytest.approx(70e9 + kv_total / 2)                # weights and KV heads halved
    # 8 KV heads on 16 devices: each device keeps one KV head (replicated), not half of one
    assert serving_memory_per_device(MODEL_70B, 4, 1024, n_devices=16) == pytest.approx(140e9 / 16 + kv_total / 8)
    s1 = decode_step(MODEL_7B, 8, 1024, A100_80GB, utilization=0.4)
    s2 = decode_step(MODEL_7B, 8, 1024, A100_80GB, utilization=0.4, n_devices=2)
    assert s2.weight_read_s == pytest.approx(s1.weight_read_s / 2) and s2.kv_read_s == pytest.approx(s1.kv_read_s / 2)
    # 2 all-reduces per layer of batch·d_model bf16 values, ring: 2·(k−1)/k of it over the link
    assert s2.allreduce_s == pytest.approx(2 * 32 * (8 * 4096 * 2) * 2 * 0.5 / 300e9)
    assert s1.allreduce_s == 0.0
    with pytest.raises(ValueError, match="整除"):
        decode_step(MODEL_7B, 8, 1024, A100_80GB, utilization=0.4, n_devices=3)


def test_decode_roofline_with_kv_reads():
    s = decode_step(MODEL_7B, 64, 1000, A100_80GB, utilization=0.4)
    kv = 2 * 32 * 32 * 128 * 1000 * 64 * 2
    assert s.kv_read_s == pytest.approx(kv / 2.039e12)
    assert s.weight_read_s == pytest.approx(14e9 / 2.039e12)
    assert s.bound == "memory" and s.seconds == pytest.approx((14e9 + kv) / 2.039e12)
    # the weights-only model would give the compute bound 312e12·0.4 / 14e9 ≈ 8914 tokens/s; with KV ≈ 2,700
    assert 2600 < s.tokens_per_s < 2800
    # batch 1: memory-bound, weights dominate
    s1 = decode_step(MODEL_7B, 1, 100, A100_80GB, utilization=0.4)
    assert s1.bound == "memory" and s1.kv_read_s < 0.01 * s1.weight_read_s
    # an imaginary card with huge memory and bandwidth: compute-bound, 2N + attention FLOPs per token
    big = Accelerator("big", 1e15, 1e18, 1e15, 1e12)
    sc = decode_step(MODEL_7B, 64, 1000, big, utilization=0.5)
    assert sc.bound == "compute"
    assert sc.compute_s == pytest.approx(64 * (2 * 7e9 + 4 * 32 * 1000 * 4096) / 0.5e15)


def test_prefill_is_compute_bound_and_generation_sums_steps():
    p = prefill_step(MODEL_7B, 1, 800, A100_80GB, utilization=0.4)
    assert p.bound == "compute"
    assert p.compute_s == pytest.approx(800 * (2 * 7e9 + 2 * 32 * 800 * 4096) / (0.4 * 312e12))
    pre, dec = generation_seconds(MODEL_7B, 4, 10, 3, A100_80GB, utilization=0.4)
    assert pre == prefill_step(MODEL_7B, 4, 10, A100_80GB, utilization=0.4).seconds
    assert dec == pytest.approx(sum(decode_step(MODEL_7B, 4, 10 + t, A100_80GB, utilization=0.4).seconds
                                    for t in (1, 2, 3)))
    with pytest.raises(ValueError, match="放不下"):
        generation_seconds(MODEL_7B, 100, 1000, 200, A100_80GB, utilization=0.4)   # 1200 tokens × 100 too big


@pytest.mark.parametrize("kw", [dict(n_kv_heads=3), dict(n_kv_heads=64), dict(n_heads=0), dict(d_model=100),
                                dict(n_params=-1), dict(bytes_per_kv=0)])
def test_shape_rejects_bad(kw):
    args = dict(n_params=7e9, n_layers=32, d_model=4096, n_heads=32)
    args.update(kw)
    with pytest.raises(ValueError):
        TransformerShape(**args)


def test_serving_functions_reject_bad_input():
    with pytest.raises(ValueError, match="TransformerShape"):
        max_batch("7B", 1024, A100_80GB)
    with pytest.raises(ValueError, match="Accelerator"):
        max_batch(MODEL_7B, 1024, "A100")
    with pytest.raises(ValueError, match="reserve"):
        max_batch(MODEL_7B, 1024, A100_80GB, reserve=1.0)
    with pytest.raises(ValueError, match="utilization"):
        decode_step(MODEL_7B, 1, 10, A100_80GB, utilization=1.5)
    with pytest.raises(ValueError, match="context"):
        decode_step(MODEL_7B, 1, 0, A100_80GB, utilization=0.4)
    with pytest.raises(ValueError, match="batch"):
        prefill_step(MODEL_7B, 0, 10, A100_80GB, utilization=0.4)
    with pytest.raises(ValueError):
        Accelerator("x", 0, 1, 1, 1)
    with pytest.raises(ValueError):
        allreduce_seconds(1e6, 0, 1e9)
    assert allreduce_seconds(1e6, 1, 1e9) == 0.0
