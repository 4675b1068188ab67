"""Byte-level byte-pair encoding (BPE) from scratch, for chapter ``chapters/part6/01_tokenizer``.

* :func:`pretokenize` cuts text into chunks (runs of CJK characters, words, digits,
  white space, single other characters); merges never cross a chunk boundary. The
  same pattern, :data:`CHUNK_PATTERN`, is given to the ``tokenizers`` library so
  that both learn from the same chunks.
* :func:`train_bpe` learns merges: start from the 256 byte values, repeatedly
  merge the most frequent adjacent pair into a new token.
* :func:`bpe_encode` / :func:`bpe_decode` turn text into ids and back; the first
  ``k`` merges of a run are exactly the merges of a run with ``256 + k`` tokens, so
  one training run gives every smaller vocabulary too.
* :func:`english_text` collects English prose that ships with Python (the
  standard library's docstrings) to train an "English" tokenizer offline.
"""
from __future__ import annotations

import heapq
import importlib
import inspect
import re
import warnings
from collections import Counter, defaultdict
from typing import Sequence

from .._checks import check_positive_int

__all__ = ["CHUNK_PATTERN", "pretokenize", "train_bpe", "bpe_encode", "bpe_decode", "bpe_vocab",
           "english_text"]

#: CJK runs | optional space + letters | digits | white space | any other single character.
CHUNK_PATTERN = r"[\u3400-\u9fff]+| ?[A-Za-z]+|[0-9]+|\s+|[^\s\u3400-\u9fffA-Za-z0-9]"
_CHUNK = re.compile(CHUNK_PATTERN)


def pretokenize(text: str) -> list[str]:
    """Chunks of ``text`` (their concatenation is ``text`` itself)."""
    if not isinstance(text, str):
        raise TypeError(f"text 应为字符串，收到 {type(text).__name__}")
    return _CHUNK.findall(text)


def _check_vocab(vocab_size: int) -> int:
    check_positive_int("vocab_size（词表大小）", vocab_size)
    if vocab_size < 256:
        raise ValueError(f"字节级 BPE 的词表至少包含 256 个字节，vocab_size={vocab_size} 小于字节字母表")
    return vocab_size


def train_bpe(text: str, vocab_size: int) -> list[tuple[int, int]]:
    """从 ``text`` 学 ``vocab_size - 256`` 次合并 ``(a, b) → 256 + i``；
    次数相同时取较小的一对，没有出现两次的一对时提前停止。

    Learn ``vocab_size - 256`` merges ``(a, b) → 256 + i`` from ``text``; ties
    go to the smaller pair.

    Stops early when no pair occurs twice. Pair counts are updated incrementally
    (only the chunks that contain the merged pair are recounted) and the most
    frequent pair is kept in a heap whose stale entries are skipped.
    """
    _check_vocab(vocab_size)
    if not isinstance(text, str) or not text:
        raise ValueError("训练 BPE 的语料为空")
    words = Counter(pretokenize(text))
    seqs = [list(w.encode("utf-8")) for w in words]
    freqs = list(words.values())
    counts: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i, s in enumerate(seqs):
        for p in zip(s, s[1:]):
            counts[p] += freqs[i]
            where[p].add(i)
    heap = [(-c, p) for p, c in counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    while len(merges) < vocab_size - 256 and heap:
        neg, pair = heapq.heappop(heap)
        if counts.get(pair, 0) != -neg:  # stale entry: the count changed since
            continue
        if -neg < 2:
            break
        new = 256 + len(merges)
        merges.append(pair)
        changed: set[tuple[int, int]] = set()
        for i in where.pop(pair, ()):
            s, f = seqs[i], freqs[i]
            for p in zip(s, s[1:]):  # forget this chunk's old pairs
                counts[p] -= f
            s = seqs[i] = _merge(s, pair, new)
            for p in zip(s, s[1:]):  # count its new pairs
                counts[p] += f
                where[p].add(i)
                changed.add(p)
        counts.pop(pair, None)
        for p in changed:
            heapq.heappush(heap, (-counts[p], p))
    return merges


def _merge(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``new``."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def bpe_encode(text: str, merges: Sequence[tuple[int, int]]) -> list[int]:
    """``text`` 的 token id：在每一块里按学到的先后顺序应用合并。

    Token ids of ``text``: in every chunk apply the learned merges in the
    order they were learned."""
    rank = {tuple(p): i for i, p in enumerate(merges)}
    out: list[int] = []
    cache: dict[str, list[int]] = {}
    for chunk in pretokenize(text):
        if chunk not in cache:
            ids = list(chunk.encode("utf-8"))
            while len(ids) > 1:
                pair = min(zip(ids, ids[1:]),
                           key=lambda p: rank.get(p, len(rank)))
                if pair not in rank:
                    break
                ids = _merge(ids, pair, 256 + rank[pair])
            cache[chunk] = ids
        out.extend(cache[chunk])
    return out


def bpe_vocab(merges: Sequence[tuple[int, int]]) -> list[bytes]:
    """The bytes of every token id: 0–255 are single bytes, ``256 + i`` joins merge ``i``'s pair."""
    vocab = [bytes([b]) for b in range(256)]
    for a, b in merges:
        vocab.append(vocab[a] + vocab[b])
    return vocab


def bpe_decode(ids: Sequence[int], merges: Sequence[tuple[int, int]]) -> str:
    """Text of token ids (invalid UTF-8, possible for arbitrary id sequences, raises ``ValueError``)."""
    vocab = bpe_vocab(merges)
    for i in ids:
        if not 0 <= i < len(vocab):
            raise ValueError(f"id {i} 超出词表范围 [0, {len(vocab)})")
    data = b"".join(vocab[i] for i in ids)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"这串 id 拼出的字节不是合法的 UTF-8：{e}") from None


_ENGLISH_MODULES = ("argparse", "asyncio", "collections", "concurrent.futures", "contextlib", "csv",
                    "dataclasses", "datetime", "decimal", "difflib", "email.message", "enum",
                    "fractions", "functools", "http.client", "inspect", "ipaddress", "itertools",
                    "json", "logging", "pathlib", "pickle", "random", "shutil", "socket",
                    "statistics", "string", "subprocess", "tarfile", "textwrap", "threading",
                    "typing", "unittest", "urllib.parse", "uuid", "zipfile")


def english_text(max_chars: int = 200_000) -> str:
    """English prose shipped with Python: docstrings of standard-library modules and their members.

    Deterministic for a given Python version (module list fixed, members in name order);
    truncated to ``max_chars`` characters.
    """
    check_positive_int("max_chars", max_chars)
    docs: list[str] = []
    seen: set[int] = set()
    for name in _ENGLISH_MODULES:
        mod = importlib.import_module(name)
        members = [v for k, v in sorted(vars(mod).items()) if not k.startswith("_")]
        for obj in [mod] + [v for v in members if inspect.isclass(v) or inspect.isroutine(v)]:
            with warnings.catch_warnings():               # deprecated aliases (typing.io …)
                warnings.simplefilter("ignore")
                doc = inspect.getdoc(obj)
            if doc and id(doc) not in seen and doc.isascii():
                seen.add(id(doc))
                docs.append(doc)
    text = "\n\n".join(dict.fromkeys(docs))
    return text[:max_chars]
