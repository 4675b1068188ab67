"""Unit tests of book.part6.gpt (the tiny GPT of Part VI and its data pipeline)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

import book.cost
from book.part6.gpt import (GPT, CharTokenizer, GPTConfig, causal_attention, estimate_loss, get_batch,
                      train_gpt, train_val_split)


@pytest.mark.parametrize("L,d,V,T", [(1, 8, 5, 4), (2, 64, 300, 64), (3, 32, 1000, 16)])
def test_parameter_count_matches_book_cost(L, d, V, T):
    m = GPT(GPTConfig(V, T, L, 4, d))
    assert m.n_params() == book.cost.gpt_params(L, d, V, T)
    assert m.n_params() == V * d + T * d + L * (12 * d * d + 13 * d) + 2 * d
    assert m.lm_head.weight is m.wte.weight


def test_attention_matches_sdpa_and_is_causal():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 7, 5, dtype=torch.float64) for _ in range(3))
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(causal_attention(q, k, v), ref, atol=1e-12)
    # the last query over a longer key set (as with a KV cache) equals the full computation
    assert torch.allclose(causal_attention(q[..., -1:, :], k, v), ref[..., -1:, :], atol=1e-12)


def test_future_tokens_do_not_change_past_logits():
    torch.manual_seed(0)
    m = GPT(GPTConfig(20, 8, 2, 2, 16)).double()
    x = torch.randint(0, 20, (1, 8))
    y = x.clone()
    y[0, 5:] = (y[0, 5:] + 1) % 20
    a, _ = m(x)
    b, _ = m(y)
    assert torch.allclose(a[0, :5], b[0, :5], atol=1e-12)
    assert not torch.allclose(a[0, 5:], b[0, 5:])


@pytest.mark.parametrize("L,tie,T", [(1, True, 8), (2, True, 5), (3, False, 1)])
def test_next_logits_equal_the_last_position_of_forward(L, tie, T):
    # a wrong position (e.g. the first), a missing layer or a skipped ln_f would differ by > 1e-3
    torch.manual_seed(0)
    m = GPT(GPTConfig(40, 8, L, 2, 16, tie_weights=tie)).double()
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.3 * torch.randn_like(p))     # away from the tiny initial weights
    x = torch.randint(0, 40, (3, T))
    full = m(x)[0]
    assert torch.allclose(m.next_logits(x), full[:, -1], atol=1e-12, rtol=0)
    if T > 1:
        assert (full[:, 0] - full[:, -1]).abs().max() > 1e-3
    m32 = m.float()
    assert torch.allclose(m32.next_logits(x), m32(x)[0][:, -1], atol=1e-5, rtol=0)
    with pytest.raises(ValueError):
        m.next_logits(torch.zeros(1, 9, dtype=torch.long))   # longer than block_size


def test_tokenizer_roundtrip_and_errors():
    tok = CharTokenizer("大模型 abc")
    assert tok.vocab_size == 7
    assert tok.decode(tok.encode("模型 a")) == "模型 a"
    with pytest.raises(ValueError):
        tok.encode("新")
    with pytest.raises(ValueError):
        tok.decode([99])
    with pytest.raises(ValueError, match="为空"):
        CharTokenizer("")


def test_split_and_batches():
    ids = torch.arange(100)
    tr, va = train_val_split(ids, 0.1)
    assert len(tr) == 90 and len(va) == 10 and int(va[0]) == 90
    x, y = get_batch(tr, 4, 8, generator=torch.Generator().manual_seed(0))
    assert x.shape == (4, 8) and torch.equal(y, x + 1)
    with pytest.raises(ValueError):
        train_val_split(ids, 0.0)
    with pytest.raises(ValueError):
        train_val_split([1, 2], 0.5)
    with pytest.raises(ValueError, match="上下文"):
        get_batch(tr, 4, 0)
    with pytest.raises(ValueError):
        get_batch(tr, 4, 90)           # no room for a target after a 90-token window


@pytest.mark.parametrize("kw", [dict(vocab_size=0, block_size=8), dict(vocab_size=10, block_size=0),
                                dict(vocab_size=10, block_size=-3), dict(vocab_size=10, block_size=8, d_model=30, n_head=4),
                                dict(vocab_size=10, block_size=8, dropout=1.0),
                                dict(vocab_size=10, block_size=8, dropout=float("nan")),
                                dict(vocab_size=10.0, block_size=8), dict(vocab_size=10, block_size=True)])
def test_bad_config(kw):
    with pytest.raises(ValueError):
        GPTConfig(**kw)


def test_generic_checks_go_through_book_checks():
    """Learning rates, temperatures and multipliers reject nan and inf, not only values <= 0."""
    m = GPT(GPTConfig(10, 4, 1, 1, 8))
    data = torch.arange(50) % 10
    for kw in (dict(lr=float("nan")), dict(lr=float("inf")), dict(embed_lr_mult=float("nan"))):
        with pytest.raises(ValueError, match="有限的正数"):
            train_gpt(m, data, steps=1, progress_bar=False, **kw)
    for t in (float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="temperature 应为有限的正数"):
            m.generate(torch.tensor([[0]]), 1, temperature=t)


def test_forward_rejects_too_long_or_empty_input():
    m = GPT(GPTConfig(10, 4, 1, 1, 8))
    with pytest.raises(ValueError):
        m(torch.zeros(1, 5, dtype=torch.long))
    with pytest.raises(ValueError):
        m(torch.zeros(1, 0, dtype=torch.long))


def test_untrained_loss_is_log_vocab_and_training_learns_a_pattern():
    torch.manual_seed(0)
    V = 12
    m = GPT(GPTConfig(V, 16, 1, 2, 32))
    data = torch.arange(2000) % V                      # 0 1 2 … 11 0 1 …: fully predictable
    assert abs(estimate_loss(m, data[:400]) - math.log(V)) < 0.1
    tr, va = train_val_split(data, 0.2)
    h = train_gpt(m, tr, va, steps=150, batch_size=8, lr=1e-2, eval_every=50, progress_bar=False)
    assert h.val_loss[-1] < 0.05 and len(h.step) == 3
    out = m.generate(torch.tensor([[0, 1, 2]]), 5, temperature=0.1)
    assert out[0, 3:].tolist() == [3, 4, 5, 6, 7]
    with pytest.raises(ValueError):
        m.generate(torch.tensor([[0]]), 3, temperature=0)


def test_tokenizer_with_unk():
    tok = CharTokenizer("aaabbc", min_count=2, unk="?")
    assert tok.chars == ["a", "b", "?"] and tok.unk_id == 2
    assert tok.encode("abcz") == [0, 1, 2, 2]
    with pytest.raises(ValueError):
        CharTokenizer("aab", min_count=2)            # no unk to send rare characters to
    with pytest.raises(ValueError):
        CharTokenizer("aab", unk="??")


def test_untied_head_and_embedding_learning_rate():
    torch.manual_seed(0)
    cfg = GPTConfig(12, 16, 1, 2, 32, tie_weights=False)
    m = GPT(cfg)
    assert m.lm_head.weight is not m.wte.weight
    assert m.n_params() == book.cost.gpt_params(1, 32, 12, 16) + 12 * 32     # own V·d output weights
    with pytest.raises(ValueError):
        GPTConfig(12, 16, tie_weights=1)
    data = torch.arange(2000) % 12
    runs = {}
    for mult in (1.0, 5.0):
        torch.manual_seed(0)
        model = GPT(GPTConfig(12, 16, 1, 2, 32))
        before = model.wte.weight.detach().clone()
        train_gpt(model, data, steps=3, batch_size=4, lr=1e-3, cosine=False, progress_bar=False,
                  embed_lr_mult=mult)
        runs[mult] = (model.wte.weight.detach() - before).abs().max().item()
    assert runs[5.0] > 2 * runs[1.0]                 # Adam: step size ∝ learning rate
    with pytest.raises(ValueError):
        train_gpt(m, data, steps=1, embed_lr_mult=0)


def test_sliding_window_loss_scores_every_target_once():
    import torch.nn.functional as F
    from book.part6.gpt import GPT, GPTConfig, estimate_loss, scored_targets

    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, d_model=8))
    data = torch.randint(0, 30, (61,))
    assert estimate_loss(m, data, stride=8) == pytest.approx(estimate_loss(m, data))   # stride T = no overlap
    n = scored_targets(len(data), 8, 4)
    assert n == 8 + (60 - 8) // 4 * 4
    total = 0.0                                   # brute force: each target from the window that scores it
    with torch.no_grad():
        for t in range(1, n + 1):
            start = 0 if t <= 8 else ((t - 8 - 1) // 4 + 1) * 4
            logits, _ = m(data[start:start + 8][None])
            total += F.cross_entropy(logits[0, t - 1 - start][None], data[t][None]).item()
    assert estimate_loss(m, data, stride=4) == pytest.approx(total / n, rel=1e-6)
    assert scored_targets(61, 8) == 56
    with pytest.raises(ValueError, match="stride"):
        estimate_loss(m, data, stride=9)
    with pytest.raises(ValueError, match="stride"):
        scored_targets(61, 8, 9)


def test_part6_settings_build_a_config():
    from book.part6.settings import MIN_COUNT, SCALING, TINY_GPT

    cfg = TINY_GPT.config(100)
    assert (cfg.vocab_size, cfg.block_size, cfg.d_model) == (100, TINY_GPT.block_size, TINY_GPT.d_model)
    assert set(TINY_GPT.train_kwargs()) == {"steps", "batch_size", "lr", "embed_lr_mult"}
    assert MIN_COUNT >= 1 and SCALING["n_seeds"] >= 5
    from book.part6.settings import QUANT_GPT

    q = QUANT_GPT.config(50)                     # chapter 04: smaller, trained longer than TINY_GPT
    assert q.d_model < TINY_GPT.d_model and QUANT_GPT.steps > TINY_GPT.steps
    assert q.d_model % q.n_head == 0 and QUANT_GPT.block_size % 2 == 0   # eval stride T/2


def test_lr_schedule_warms_up_then_decays_to_a_tenth():
    from book.part6.gpt import lr_schedule

    steps, lr = 200, 1e-2                          # warm-up: steps // 20 = 10 steps
    assert lr_schedule(1, steps, lr) == pytest.approx(lr / 10)
    assert lr_schedule(10, steps, lr) == pytest.approx(lr)
    assert lr_schedule(steps, steps, lr) == pytest.approx(lr / 10)
    mid = 10 + (steps - 10) // 2                   # half-way through the cosine: 0.1 + 0.9 / 2
    assert lr_schedule(mid, steps, lr) == pytest.approx(0.55 * lr, rel=1e-2)
    rates = [lr_schedule(s, steps, lr) for s in range(10, steps + 1)]
    assert all(a >= b for a, b in zip(rates, rates[1:]))          # monotone after the warm-up
    assert lr_schedule(150, steps, lr, cosine=False) == lr


def test_train_gpt_eval_stride_scores_the_sliding_window_targets():
    torch.manual_seed(0)
    data = torch.arange(600) % 7
    tr, va = data[:400], torch.randint(0, 12, (200,), generator=torch.Generator().manual_seed(1))
    runs = {}
    for stride in (None, 4):
        torch.manual_seed(0)
        m = GPT(GPTConfig(12, 16, 1, 2, 16))
        h = train_gpt(m, tr, va, steps=4, batch_size=4, progress_bar=False, eval_stride=stride)
        runs[stride] = (h.val_loss[-1], estimate_loss(m, va, stride=stride))
    for recorded, direct in runs.values():
        assert recorded == pytest.approx(direct)                  # the curve uses eval_stride
    assert runs[None][0] != pytest.approx(runs[4][0])             # and the two evaluations differ
    with pytest.raises(ValueError, match="eval_stride"):
        train_gpt(GPT(GPTConfig(12, 16, 1, 2, 16)), tr, va, steps=1, eval_stride=17)
