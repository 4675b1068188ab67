"""Unit tests for book/part6/instruct.py (Part VI, chapter 07: chat data, recipe, checkpoints, sampling)."""
import copy
import math

import pytest
import torch

from book.part6.instruct import (CHAT_TEMPLATE, ChatTokenizer, autocast_dtype, check_template, collate,
                                 encode_pair, filter_logits, generate, load_checkpoint, lr_at,
                                 masked_loss_sum, save_checkpoint, train_sft)
from book.part6.modern import ModernConfig, ModernGPT

TEXT = "我的耳机到哪了退货退款查询物流" * 3


@pytest.fixture
def tok():
    return ChatTokenizer(TEXT)


def tiny(tok, d=16):
    torch.manual_seed(0)
    return ModernGPT(ModernConfig(vocab_size=tok.vocab_size, block_size=24, n_layer=1, n_head=2, n_kv_head=1, d_model=d))


def test_template_checks():
    assert check_template(CHAT_TEMPLATE) == ("<|user|>{instruction}<|assistant|>", "<|end|>")
    for bad in ["<|user|>{instruction}<|assistant|>", "{answer}{instruction}<|end|>", "{instruction}{answer}",
                "{instruction}{answer}{answer}<|end|>", "{instruction}{extra}{answer}<|end|>"]:
        with pytest.raises(ValueError):
            check_template(bad)


def test_tokenizer_specials_roundtrip(tok):
    s = "<|user|>我的耳机<|assistant|>查询物流<|end|>"
    ids = tok.encode(s)
    assert tok.decode(ids) == s and ids[0] == tok.id("<|user|>") and ids[-1] == tok.id("<|end|>")
    assert len(ids) == 1 + 4 + 1 + 4 + 1
    with pytest.raises(ValueError):
        tok.id("<|nope|>")
    with pytest.raises(ValueError):
        ChatTokenizer(TEXT, specials=("<|a|>", "<|a|>"))


def test_encode_pair_masks_prompt(tok):
    ids, w = encode_pair(tok, CHAT_TEMPLATE, "我的耳机到哪了", "查询物流")
    targets = [t for t, wt in zip(ids[1:], w) if wt]
    assert tok.decode(targets) == "查询物流<|end|>"
    _, w_all = encode_pair(tok, CHAT_TEMPLATE, "我的耳机到哪了", "查询物流", mask_prompt=False)
    assert all(v == 1 for v in w_all) and len(w_all) == len(ids) - 1
    with pytest.raises(ValueError):
        encode_pair(tok, CHAT_TEMPLATE, "我的耳机", "")
    x, y, ww = collate([(ids, w), (ids[:6], w[:5])], pad_id=tok.id("<|pad|>"))
    assert x.shape == y.shape == ww.shape == (2, len(ids) - 1) and ww[1, 5:].sum() == 0
    with pytest.raises(ValueError):
        collate([], 0)


def test_lr_schedule():
    lrs = [lr_at(s, 50, peak=1.0, warmup=5) for s in range(1, 51)]
    assert lrs[4] == 1.0 and lrs[0] == 0.2 and math.isclose(lrs[-1], 0.1)
    assert all(a > b for a, b in zip(lrs[5:], lrs[6:]))
    for bad in [dict(step=0, total=5), dict(step=6, total=5), dict(step=1, total=5, warmup=5)]:
        with pytest.raises(ValueError):
            lr_at(bad["step"], bad["total"], peak=1.0, warmup=bad.get("warmup", 1))


def test_masked_loss_and_shape_check():
    logits = torch.randn(2, 3, 5)
    y = torch.randint(0, 5, (2, 3))
    w = torch.tensor([[0.0, 1, 1], [0, 0, 1]])
    s, n = masked_loss_sum(logits, y, w)
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, 5), y.reshape(-1), reduction="none").reshape(2, 3)
    assert torch.isclose(s, ce[0, 1] + ce[0, 2] + ce[1, 2]) and n == 3
    with pytest.raises(ValueError):
        masked_loss_sum(logits, y, w[:, :2])


def test_accumulation_equals_big_batch_and_clip(tok):
    data = [encode_pair(tok, CHAT_TEMPLATE, q, a) for q, a in [("我的耳机到哪了", "查询物流"), ("退货", "退货退款"),
                                                              ("耳机", "查询物流"), ("我的退货退款到哪了", "退货退款")]]
    base = tiny(tok)
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    kw = dict(pad_id=tok.id("<|pad|>"), total_steps=3, batch_size=4, peak_lr=1e-2, warmup=1, clip=None, seed=0)
    train_sft(a, torch.optim.SGD(a.parameters(), lr=1.0), data, **kw)
    train_sft(b, torch.optim.SGD(b.parameters(), lr=1.0), data, micro_batches=2, **kw)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(a.parameters(), b.parameters()))
    assert any(not torch.equal(p, q) for p, q in zip(a.parameters(), base.parameters()))
    h = train_sft(copy.deepcopy(base), torch.optim.SGD(base.parameters(), lr=0.0), data,
                  **{**kw, "clip": 1e-3})
    assert min(h.grad_norm) > 1e-3                          # the recorded norm is the one before clipping
    with pytest.raises(ValueError, match="整除"):
        train_sft(a, torch.optim.SGD(a.parameters(), lr=1.0), data, micro_batches=3, **kw)
    with pytest.raises(ValueError):
        train_sft(a, torch.optim.SGD(a.parameters(), lr=1.0), [], **kw)


def test_checkpoint_roundtrip_resume_and_wrong_shape(tok, tmp_path):
    data = [encode_pair(tok, CHAT_TEMPLATE, "我的耳机到哪了", "查询物流"), encode_pair(tok, CHAT_TEMPLATE, "退货", "退货退款")]
    kw = dict(pad_id=tok.id("<|pad|>"), total_steps=6, batch_size=2, peak_lr=1e-2, warmup=1, seed=1)
    straight = tiny(tok)
    train_sft(straight, torch.optim.AdamW(straight.parameters()), data, **kw)
    first = tiny(tok)
    opt = torch.optim.AdamW(first.parameters())
    train_sft(first, opt, data, stop_step=3, **kw)
    save_checkpoint(tmp_path / "c.safetensors", first, opt, step=3)
    fresh = ModernGPT(first.cfg)
    opt2 = torch.optim.AdamW(fresh.parameters())
    assert load_checkpoint(tmp_path / "c.safetensors", fresh, opt2) == 3
    assert all(torch.equal(p, q) for p, q in zip(first.state_dict().values(), fresh.state_dict().values()))
    train_sft(fresh, opt2, data, start_step=3, **kw)
    assert all(torch.equal(p, q) for p, q in zip(straight.state_dict().values(), fresh.state_dict().values()))
    with pytest.raises(ValueError, match="形状"):
        load_checkpoint(tmp_path / "c.safetensors", tiny(tok, d=32))
    with pytest.raises(ValueError, match="不存在"):
        load_checkpoint(tmp_path / "none.safetensors", fresh)


def test_filter_logits():
    logits = torch.tensor([0.5, 0.2, 0.15, 0.1, 0.05]).log()
    assert torch.isfinite(filter_logits(logits, top_k=2)).sum() == 2
    assert torch.isfinite(filter_logits(logits, top_p=0.8)).tolist() == [True, True, True, False, False]
    assert torch.isfinite(filter_logits(logits, top_p=0.5)).sum() == 1
    assert torch.isfinite(filter_logits(logits, top_p=1.0)).all()
    assert torch.allclose(torch.softmax(filter_logits(logits, temperature=1.0), -1), logits.exp())
    for bad in [dict(top_k=0), dict(top_k=-1), dict(top_k=True), dict(top_p=0.0), dict(top_p=1.5),
                dict(top_p=float("nan")), dict(temperature=0.0), dict(temperature=float("inf"))]:
        with pytest.raises(ValueError):
            filter_logits(logits, **bad)


def test_generate_stops_at_end(tok):
    m = tiny(tok)
    end = tok.id("<|end|>")
    bias_end = torch.zeros(tok.vocab_size)
    bias_end[end] = 100.0                                   # the end token always wins
    orig = m.forward_cached

    def biased(idx, cache=None):
        lo, c = orig(idx, cache)
        return lo + bias_end, c

    m.forward_cached = biased
    out = generate(m, [tok.encode("<|user|>耳机<|assistant|>")], end_id=end, max_new_tokens=5, greedy=True)
    assert out == [[]]
    m.forward_cached = orig
    out = generate(m, [tok.encode("<|user|>耳机<|assistant|>")] * 2, end_id=end, max_new_tokens=5,
                   generator=torch.Generator().manual_seed(0))
    assert all(len(o) <= 5 for o in out) and len(out) == 2
    with pytest.raises(ValueError):
        generate(m, [[]], end_id=end, max_new_tokens=3)


def test_autocast_dtype_choice():
    # CPU：全程 fp32（bf16 autocast 在 CPU 上对小模型更慢）
    assert autocast_dtype("cpu") is None
    assert autocast_dtype(torch.device("cpu")) is None
    if torch.cuda.is_available():
        assert autocast_dtype("cuda") == (torch.bfloat16 if torch.cuda.is_bf16_supported() else None)


def test_always_chars_kept():
    t = ChatTokenizer("的的的的的", min_count=3, always="款")
    assert t.chars.unk_id not in t.encode("款的") and t.encode("x") == [t.chars.unk_id]


def test_fill_templates_extra_validation():
    from book.part5.intent import TEMPLATES, make_corpus
    from book.part6.instruct import EXTRA_VAL_TEMPLATES, fill_templates

    assert set(EXTRA_VAL_TEMPLATES) == set(TEMPLATES)
    # 新写的模板不与第 5 部分的模板重复，也不互相重复
    extra = [t for ts in EXTRA_VAL_TEMPLATES.values() for t in ts]
    assert len(set(extra)) == len(extra) and not set(extra) & {t for ts in TEMPLATES.values() for t in ts}
    rows = fill_templates(EXTRA_VAL_TEMPLATES, 20, seed=0)
    assert rows == fill_templates(EXTRA_VAL_TEMPLATES, 20, seed=0)
    assert {r["template"] for r in rows} == {f"{k}/v{j}" for k, ts in EXTRA_VAL_TEMPLATES.items()
                                             for j in range(len(ts))}
    assert not {r["text"] for r in rows} & {r["text"] for r in make_corpus(60, seed=0)}
    # 没有槽位的模板只有一条问句；有槽位的最多 per_template 条、互不相同
    one = fill_templates({"转人工": ["找个真人客服来", "{item}的问题"]}, 5, seed=1)
    assert [r["text"] for r in one if r["template"] == "转人工/v0"] == ["找个真人客服来"]
    filled = [r["text"] for r in one if r["template"] == "转人工/v1"]
    assert 1 < len(filled) <= 5 and len(set(filled)) == len(filled)
    for bad in [{}, {"转人工": []}, {"转人工": "找个真人"}, {"转人工": ["{nope}的问题"]}]:
        with pytest.raises(ValueError):
            fill_templates(bad, 5, seed=0)
    with pytest.raises(ValueError):
        fill_templates(EXTRA_VAL_TEMPLATES, 0, seed=0)
    with pytest.raises(ValueError):
        fill_templates(EXTRA_VAL_TEMPLATES, 5, seed=0, tag="3")
