"""The book's tiny GPT and its data pipeline (Part VI, chapters ``chapters/part6/0*``).

Layout (nanoGPT style; :func:`book.cost.gpt_params` counts exactly these weights)::

    wte  Embedding(V, d)          token embedding; lm_head.weight IS wte.weight (tied)
    wpe  Embedding(T, d)          learned position embedding
    h[i] for i < n_layer:         x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
         ln_1, ln_2  LayerNorm(d)
         attn.c_attn Linear(d, 3d)   attn.c_proj Linear(d, d)
         mlp.c_fc    Linear(d, 4d)   GELU   mlp.c_proj Linear(4d, d)
    ln_f LayerNorm(d);  lm_head Linear(d, V, bias=False)

so ``N = V·d + T·d + n_layer·(12·d² + 13·d) + 2·d``; with ``tie_weights=False`` the output
layer has its own ``V·d`` weights (``N + V·d``). Optional dropout (no parameters,
off by default) on the embeddings and on both residual branches. Attention is
written out (:func:`causal_attention`: scores, causal mask, softmax, weighted
sum); chapter 2 checks it against ``torch.nn.functional.scaled_dot_product_attention``.

Data pipeline: :class:`CharTokenizer` (one id per distinct character),
:func:`train_val_split` (contiguous: the last share is held out),
:func:`get_batch` (random windows ``x = ids[i:i+T]``, ``y = ids[i+1:i+T+1]``),
:func:`estimate_loss` (mean cross-entropy over non-overlapping windows) and
:func:`train_gpt` (AdamW, progress bar through :func:`book.progress`).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_fraction, check_positive, check_positive_int
from ..progress import progress

__all__ = ["GPTConfig", "GPT", "CausalSelfAttention", "MLP", "Block", "causal_attention",
           "CharTokenizer", "train_val_split", "get_batch", "estimate_loss", "scored_targets", "GPTHistory",
           "lr_schedule", "train_gpt"]


# --- the model -----------------------------------------------------------------
@dataclass(frozen=True)
class GPTConfig:
    """Sizes of a :class:`GPT`: vocabulary ``V``, context ``T`` (block_size), layers, heads, width ``d``.

    ``tie_weights`` (default ``True``): the output layer reuses the token embedding matrix;
    ``False`` gives the output layer its own ``V × d`` weights.
    """

    vocab_size: int
    block_size: int
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 64
    dropout: float = 0.0
    tie_weights: bool = True

    def __post_init__(self) -> None:
        _check_sizes(self)
        check_fraction("dropout", self.dropout, closed_low=True)


def _check_sizes(cfg: Any, heads: str = "头数") -> None:
    """The checks :class:`GPTConfig` and ``modern.ModernConfig`` share: positive integer
    ``vocab_size``, ``block_size``, ``n_layer``, ``n_head`` and ``d_model``; ``d_model``
    divisible by ``n_head``; ``tie_weights`` a bool. ``heads`` names the heads in the message."""
    check_positive_int("vocab_size（词表大小）", cfg.vocab_size)
    check_positive_int("block_size（上下文长度）", cfg.block_size)
    check_positive_int("n_layer（层数）", cfg.n_layer)
    check_positive_int(f"n_head（{heads}）", cfg.n_head)
    check_positive_int("d_model（宽度）", cfg.d_model)
    if cfg.d_model % cfg.n_head:
        raise ValueError(f"d_model={cfg.d_model} 应能被 n_head={cfg.n_head} 整除")
    if not isinstance(cfg.tie_weights, bool):
        raise ValueError(f"tie_weights 应为 True 或 False，收到 {cfg.tie_weights!r}")


def causal_attention(q: torch.Tensor, k: torch.Tensor,
                     v: torch.Tensor) -> torch.Tensor:
    """写出来的因果缩放点积注意力：打分、因果掩码、softmax、加权求和。

    Causal scaled dot-product attention, written out.

    ``q``: ``(..., T_q, d_h)``; ``k``, ``v``: ``(..., T_k, d_h)`` with
    ``T_k ≥ T_q``; query ``i`` is the token at position ``T_k - T_q + i`` and
    sees keys ``0 … T_k - T_q + i``.
    """
    tq, tk = q.shape[-2], k.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T_q, T_k)
    future = torch.ones(tq, tk, dtype=torch.bool,
                        device=q.device).triu(tk - tq + 1)
    scores = scores.masked_fill(future, float("-inf"))  # no peeking ahead
    return torch.softmax(scores, dim=-1) @ v


class CausalSelfAttention(nn.Module):
    """多头因果自注意力：``c_attn`` 算出 q、k、v，按头拆开，
    各头做因果注意力，合并后由 ``c_proj`` 混合各头。

    Multi-head causal self-attention: ``c_attn`` makes q, k, v; ``c_proj`` mixes the heads."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.c_proj = nn.Linear(cfg.d_model, cfg.d_model)

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        """``(B, T, d)`` → ``(B, heads, T, d/heads)``."""
        B, T, d = t.shape
        return t.view(B, T, self.n_head, d // self.n_head).transpose(1, 2)

    def qkv(self, x: torch.Tensor
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        q, k, v = self.c_attn(x).chunk(3, dim=-1)
        return self.split_heads(q), self.split_heads(k), self.split_heads(v)

    def merge(self, y: torch.Tensor) -> torch.Tensor:
        """``(B, heads, T, d/heads)`` → ``(B, T, d)``, then the output
        projection."""
        B, H, T, dh = y.shape
        return self.c_proj(y.transpose(1, 2).reshape(B, T, H * dh))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x)
        return self.merge(causal_attention(q, k, v))


class MLP(nn.Module):
    """逐位置的前馈网络 ``d → 4d → d``，中间是 GELU。

    Position-wise feed-forward network ``d → 4d → d`` with GELU."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.c_proj = nn.Linear(4 * cfg.d_model, cfg.d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    """前置 LayerNorm 的 Transformer 块，有两条残差连接。

    Pre-LayerNorm Transformer block with two residual connections."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg)
        # no parameters; identity when dropout = 0
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln_1(x)))
        return x + self.drop(self.mlp(self.ln_2(x)))


def _check_cfg(cfg: GPTConfig) -> GPTConfig:
    """``cfg`` itself when it is a :class:`GPTConfig` (which checked its sizes)."""
    if not isinstance(cfg, GPTConfig):
        raise TypeError(f"cfg 应为 GPTConfig，收到 {type(cfg).__name__}")
    return cfg


def _check_idx(idx: torch.Tensor, block_size: int, past: int = 0) -> None:
    """Token ids ``(batch, T)`` with ``1 ≤ T`` and ``past + T ≤ block_size`` (``past``: tokens
    already in a key-value cache)."""
    if not isinstance(idx, torch.Tensor) or idx.dim() != 2 or idx.dtype not in (torch.long, torch.int32):
        raise ValueError("idx 应为形状 (batch, T) 的整数张量")
    if idx.shape[1] == 0:
        raise ValueError("idx 的序列长度为 0：上下文至少要有一个 token")
    if past + idx.shape[1] > block_size:
        what = "总长度" if past else "序列长度"
        raise ValueError(f"{what} {past + idx.shape[1]} 超过上下文长度 block_size={block_size}")


def _check_sampling(max_new_tokens: int, temperature: float, top_k: int | None) -> None:
    """The sampling arguments of :meth:`GPT.generate`."""
    check_positive_int("max_new_tokens", max_new_tokens)
    check_positive("temperature", temperature)
    if top_k is not None:
        check_positive_int("top_k", top_k)


class GPT(nn.Module):
    """只有解码器的 Transformer 语言模型（各层的布局见模块说明）。

    输入检查放在模块级的 ``_check_cfg``、``_check_idx``、
    ``_check_sampling`` 里，类里只留模型本身。

    A decoder-only Transformer language model (see the module docstring for its layout).
    """

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = _check_cfg(cfg)
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.block_size, cfg.d_model)
        self.h = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.drop = nn.Dropout(cfg.dropout)
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_weights:
            self.lm_head.weight = self.wte.weight      # weight tying
        self.apply(self._init)
        for name, p in self.named_parameters():         # GPT-2: scale the residual projections
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def n_params(self) -> int:
        """Number of distinct parameters (the tied ``lm_head`` weight is counted once)."""
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """logits ``(B, T, V)``；给了 ``targets`` 时还有平均交叉熵。

        Logits ``(B, T, V)`` and, when ``targets`` are given,
        the mean cross-entropy.
        """
        _check_idx(idx, self.cfg.block_size)
        T = idx.shape[1]
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            flat = logits.reshape(-1, logits.shape[-1])
            loss = F.cross_entropy(flat, targets.reshape(-1))
        return logits, loss

    def next_logits(self, idx: torch.Tensor) -> torch.Tensor:
        """只算最后一个位置的 logits ``(B, V)``，等于 ``forward(idx)[0][:, -1]``。

        Logits ``(B, V)`` for the last position only: the same numbers as
        ``forward(idx)[0][:, -1]``. Every layer but the last runs on all positions (the
        keys and values need them); the last block's query, MLP, ``ln_f`` and ``lm_head``
        run on the last position only, which saves most of the work when ``V ≫ d``.
        """
        _check_idx(idx, self.cfg.block_size)
        T = idx.shape[1]
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h[:-1]:
            x = block(x)
        last = self.h[-1]
        attn = last.attn
        q, k, v = attn.qkv(last.ln_1(x))
        y = x[:, -1:] + last.drop(attn.merge(causal_attention(q[..., -1:, :], k, v)))
        y = y + last.drop(last.mlp(last.ln_2(y)))
        return self.lm_head(self.ln_f(y))[:, 0]

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, *, temperature: float = 1.0,
                 top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Sample ``max_new_tokens`` tokens after ``idx`` (recomputing the whole window each step).

        ``temperature`` divides the logits (→ 0: greedy; 1: the model's own distribution);
        ``top_k`` keeps only the k most likely tokens.
        """
        _check_idx(idx, self.cfg.block_size)
        _check_sampling(max_new_tokens, temperature, top_k)
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.cfg.block_size:])
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            probs = torch.softmax(logits, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        self.train(was_training)
        return idx


# --- data ------------------------------------------------------------------------
class CharTokenizer:
    """Character-level tokenizer: every distinct character of ``text`` gets one id.

    With ``unk`` (a character), characters seen fewer than ``min_count`` times in ``text``,
    and characters never seen, all map to the one id of ``unk``; without it, encoding an
    unseen character raises ``ValueError``.
    """

    def __init__(self, text: str, *, min_count: int = 1, unk: str | None = None):
        if not isinstance(text, str) or not text:
            raise ValueError("构建字符词表的文本为空")
        check_positive_int("min_count", min_count)
        if unk is not None and (not isinstance(unk, str) or len(unk) != 1):
            raise ValueError(f"unk 应为单个字符，收到 {unk!r}")
        if min_count > 1 and unk is None:
            raise ValueError("min_count > 1 时需要给出 unk 字符，罕见字符才有去处")
        counts = Counter(text)
        kept = {c for c, n in counts.items() if n >= min_count}
        if unk is not None:
            kept.discard(unk)
        self.chars: list[str] = sorted(kept) + ([unk] if unk is not None else [])
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.unk_id: int | None = self.stoi[unk] if unk is not None else None

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Ids of the characters of ``text``; a character outside the vocabulary raises ``ValueError``."""
        if self.unk_id is not None:
            return [self.stoi.get(c, self.unk_id) for c in text]
        try:
            return [self.stoi[c] for c in text]
        except KeyError as e:
            raise ValueError(f"字符 {e.args[0]!r} 不在词表中") from None

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        for i in ids:
            if not 0 <= int(i) < len(self.chars):
                raise ValueError(f"id {i} 超出词表范围 [0, {len(self.chars)})")
        return "".join(self.chars[int(i)] for i in ids)


def train_val_split(ids: Sequence[int] | torch.Tensor, val_fraction: float = 0.1
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Contiguous split: the first ``1 - val_fraction`` of the ids for training, the rest held out.

    A contiguous split (not a random one over windows) keeps validation text unseen:
    random windows of a single text overlap, so a random split would leak.
    """
    check_fraction("val_fraction", val_fraction)
    data = torch.as_tensor(ids, dtype=torch.long).reshape(-1)
    if len(data) < 4:
        raise ValueError(f"token 序列太短（{len(data)} 个），无法切分训练集和验证集")
    n_val = max(2, int(round(len(data) * val_fraction)))
    if len(data) - n_val < 2:
        raise ValueError("训练部分少于 2 个 token；请减小 val_fraction")
    return data[:-n_val].clone(), data[-n_val:].clone()


def _check_context(data: torch.Tensor, block_size: int) -> None:
    check_positive_int("block_size（上下文长度）", block_size)
    if len(data) < block_size + 1:
        raise ValueError(f"数据只有 {len(data)} 个 token，不够一个长度 {block_size} 的窗口加 1 个目标")


def get_batch(data: torch.Tensor, batch_size: int, block_size: int, *,
              generator: torch.Generator | None = None, device: Any = None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` random windows: inputs ``ids[i:i+T]`` and targets shifted by one, ``ids[i+1:i+T+1]``."""
    check_positive_int("batch_size", batch_size)
    _check_context(data, block_size)
    start = torch.randint(0, len(data) - block_size, (batch_size,), generator=generator)
    offs = start[:, None] + torch.arange(block_size)
    x, y = data[offs], data[offs + 1]
    if device is not None:
        x, y = x.to(device), y.to(device)
    return x, y


@torch.no_grad()
def estimate_loss(model: GPT, data: torch.Tensor, block_size: int | None = None, *,
                  batch_size: int = 64, stride: int | None = None) -> float:
    """Mean next-token cross-entropy (nats) over windows of ``data``; deterministic (no sampling).

    Default (``stride=None``): all non-overlapping windows; every target token is predicted
    once, the first of each window from a context of 1 token, the last from ``block_size``.
    With ``stride = s`` (``1 ≤ s ≤ block_size``): windows start every ``s`` tokens; the first
    window scores all its targets, each later one only its last ``s`` (the new ones), so every
    target except those of the first window sees at least ``block_size - s`` tokens of context
    (a sliding-window evaluation). The targets scored are ``data[1 : 1 + T + m·s]`` with
    ``m = (len(data) - 1 - T) // s`` (:func:`scored_targets` gives that count).
    """
    T = model.cfg.block_size if block_size is None else block_size
    _check_context(data, T)
    check_positive_int("batch_size", batch_size)
    device = next(model.parameters()).device
    if stride is None:
        n_win = (len(data) - 1) // T
        starts = torch.arange(n_win) * T
        keep = T
    else:
        check_positive_int("stride", stride)
        if stride > T:
            raise ValueError(f"stride={stride} 不应超过上下文长度 {T}（否则有目标没被评估）")
        starts = torch.arange((len(data) - 1 - T) // stride + 1) * stride
        keep = stride
    offs = starts[:, None] + torch.arange(T)
    x_all, y_all = data[offs], data[offs + 1]
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for s in range(0, len(starts), batch_size):
        x, y = x_all[s:s + batch_size].to(device), y_all[s:s + batch_size].to(device)
        logits, _ = model(x)
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                              reduction="none").view(y.shape)
        first = nll[:1].sum() if s == 0 else 0.0          # the first window: every target
        rest = nll[(1 if s == 0 else 0):, T - keep:]      # later windows: only the new targets
        total += float(first + rest.sum())
        count += (T if s == 0 else 0) + rest.numel()
    model.train(was_training)
    return total / count


def scored_targets(n_tokens: int, block_size: int, stride: int | None = None) -> int:
    """How many targets :func:`estimate_loss` scores in a sequence of ``n_tokens`` tokens (they are
    ``data[1 : 1 + count]``), so that a baseline can be scored on exactly the same targets."""
    check_positive_int("n_tokens", n_tokens)
    check_positive_int("block_size（上下文长度）", block_size)
    if n_tokens < block_size + 1:
        raise ValueError(f"数据只有 {n_tokens} 个 token，不够一个长度 {block_size} 的窗口加 1 个目标")
    if stride is None:
        return (n_tokens - 1) // block_size * block_size
    check_positive_int("stride", stride)
    if stride > block_size:
        raise ValueError(f"stride={stride} 不应超过上下文长度 {block_size}")
    return block_size + (n_tokens - 1 - block_size) // stride * stride


@dataclass
class GPTHistory:
    """Losses of a :func:`train_gpt` run: mean training loss since the last evaluation, validation loss."""

    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)

    @property
    def best_val(self) -> float:
        return min(self.val_loss)


def lr_schedule(step: int, steps: int, lr: float, cosine: bool = True) -> float:
    """第 ``step`` 步（从 1 数起，共 ``steps`` 步）的学习率。

    前 5% 的步数从 0 线性升到 ``lr``（预热）；之后 ``cosine=True`` 时沿半个余弦
    降到最后一步的 ``lr / 10``，``cosine=False`` 时保持 ``lr`` 不变。
    """
    warm = max(1, steps // 20)
    if step <= warm:
        return lr * step / warm
    if not cosine:
        return lr
    frac = (step - warm) / max(1, steps - warm)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


def _param_groups(model: GPT, embed_lr_mult: float) -> Any:
    """AdamW 的参数组：token 与位置嵌入的学习率乘 ``embed_lr_mult``。"""
    if embed_lr_mult == 1:
        return model.parameters()
    emb = {id(model.wte.weight), id(model.wpe.weight)}
    rest = [p for p in model.parameters() if id(p) not in emb]
    embeddings = [model.wte.weight, model.wpe.weight]
    return [{"params": rest, "mult": 1.0},
            {"params": embeddings, "mult": float(embed_lr_mult)}]


def _check_train_args(model: GPT, train: torch.Tensor, steps: int, batch_size: int, lr: float,
                      eval_every: int | None, embed_lr_mult: float,
                      eval_stride: int | None = None) -> int:
    """The checks of :func:`train_gpt`, in its order; returns the evaluation interval."""
    check_positive_int("steps", steps)
    check_positive_int("batch_size", batch_size)
    _check_context(train, model.cfg.block_size)
    check_positive("lr", lr)
    every = steps if eval_every is None else check_positive_int("eval_every", eval_every)
    check_positive("embed_lr_mult", embed_lr_mult)
    if eval_stride is not None:
        check_positive_int("eval_stride", eval_stride)
        if eval_stride > model.cfg.block_size:
            raise ValueError(f"eval_stride={eval_stride} 不应超过上下文长度 {model.cfg.block_size}")
    return every


def train_gpt(model: GPT, train: torch.Tensor, val: torch.Tensor | None = None, *, steps: int,
              batch_size: int = 16, lr: float = 3e-3, weight_decay: float = 0.0, cosine: bool = True,
              eval_every: int | None = None, seed: int = 0, desc: str = "训练 GPT",
              progress_bar: bool | None = None, embed_lr_mult: float = 1.0,
              eval_stride: int | None = None) -> GPTHistory:
    """用 AdamW 在 ``train`` 的随机窗口上训练 ``model``，
    共 ``steps`` 步，返回 GPTHistory。

    这是语言模型的训练循环，与全书共用的 :func:`book.train_torch`
    不同：按步数而不是按轮数训练，每步从语料里随机抽窗口
    （``seed`` 的生成器），学习率先预热再余弦下降，每 ``eval_every``
    步记一次训练损失和验证损失（验证窗口的步长为 ``eval_stride``），
    嵌入层可以有自己的学习率倍数。

    Train ``model`` with AdamW on random windows of ``train``
    for ``steps`` steps.

    Every ``eval_every`` steps (and after the last) it records the mean training
    loss since the previous record and, with ``val``, :func:`estimate_loss` on
    ``val`` with ``stride=eval_stride`` (``None``: non-overlapping windows; an
    integer: the sliding-window evaluation, the targets :func:`scored_targets`
    counts, so that a curve and a baseline can be scored on the same targets).
    The windows are drawn from a generator seeded with ``seed`` (the global RNG
    is left alone). The learning rate follows :func:`lr_schedule` (linear
    warm-up over the first 5 % of steps, then a half cosine to a tenth of
    ``lr``, or constant with ``cosine=False``). ``embed_lr_mult`` multiplies
    the learning rate of the token and position embeddings (with weight tying,
    the token embedding is also the output layer): each row of an embedding is
    only updated by the batches where its token occurs, so a larger rate there
    speeds up a small model on a large vocabulary (1: one rate for all).
    """
    every = _check_train_args(model, train, steps, batch_size, lr, eval_every,
                              embed_lr_mult, eval_stride)
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(_param_groups(model, embed_lr_mult), lr=lr,
                            weight_decay=weight_decay, betas=(0.9, 0.99))
    hist = GPTHistory()
    model.train()
    running, n_run = 0.0, 0
    T = model.cfg.block_size
    # 训练一步：开始
    for step in progress(range(1, steps + 1), desc=desc, enabled=progress_bar):
        for g in opt.param_groups:                   # 本步的学习率
            g["lr"] = lr_schedule(step, steps, lr, cosine) * g.get("mult", 1.0)
        x, y = get_batch(train, batch_size, T, generator=gen, device=device)
        _, loss = model(x, y)                        # 一批窗口的平均交叉熵
        opt.zero_grad(set_to_none=True)
        loss.backward()                              # 反向传播
        opt.step()                                   # AdamW 更新
        running += float(loss.detach())
        n_run += 1
        if step % every == 0 or step == steps:       # 记录、评估
            hist.step.append(step)
            hist.train_loss.append(running / n_run)
            running, n_run = 0.0, 0
            if val is not None:
                val_loss = estimate_loss(model, val, stride=eval_stride)
                hist.val_loss.append(val_loss)
    # 训练一步：结束
    model.eval()
    return hist
