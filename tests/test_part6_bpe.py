"""Unit tests of book.part6.bpe (byte-level BPE from scratch, chapter part6/01_tokenizer)."""
from __future__ import annotations

import pytest

from book.part6.bpe import (bpe_decode, bpe_encode, bpe_vocab, english_text, pretokenize,
                            train_bpe)

TEXT = "大模型大模型大模型，模型训练。abab abab 123 大模型训练！" * 3


def test_pretokenize_is_a_partition():
    s = "大模型 GPT-4，2024年\n  ok"
    chunks = pretokenize(s)
    assert "".join(chunks) == s
    assert "大模型" in chunks and " GPT" in chunks and "2024" in chunks


def test_first_merge_is_the_most_frequent_pair():
    merges = train_bpe("aaab aaab aaab", 257)
    assert merges == [(ord("a"), ord("a"))]


def test_merges_are_nested_and_roundtrip():
    big = train_bpe(TEXT, 300)
    assert train_bpe(TEXT, 280) == big[:24]
    for k in (0, 5, len(big)):
        ids = bpe_encode(TEXT, big[:k])
        assert bpe_decode(ids, big[:k]) == TEXT
    assert len(bpe_encode(TEXT, big)) < len(TEXT.encode("utf-8")) / 3


def test_a_cjk_character_becomes_one_token():
    merges = train_bpe("模" * 50, 258)
    assert bpe_encode("模", merges) == [257]
    assert bpe_vocab(merges)[257] == "模".encode("utf-8")


def test_unseen_text_falls_back_to_bytes():
    merges = train_bpe(TEXT, 300)
    s = "😀龘"
    assert bpe_decode(bpe_encode(s, merges), merges) == s


def test_bad_input():
    with pytest.raises(ValueError, match="字节字母表"):
        train_bpe(TEXT, 255)
    with pytest.raises(ValueError, match="为空"):
        train_bpe("", 300)
    with pytest.raises(ValueError):
        train_bpe(TEXT, 0)
    with pytest.raises(ValueError):
        bpe_decode([300], [])
    with pytest.raises(ValueError, match="UTF-8"):
        bpe_decode(list("模".encode("utf-8"))[:2], [])
    with pytest.raises(TypeError):
        pretokenize(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        english_text(0)


def test_stops_when_no_pair_repeats():
    assert len(train_bpe("abcdef", 1000)) == 0


def test_english_text_is_english():
    t = english_text(5000)
    assert len(t) == 5000 and t.isascii() and t.count(" ") > 500
