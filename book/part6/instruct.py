"""Instruction tuning and the training recipe (chapter ``chapters/part6/07_instruction_tuning``).

* chat data: :data:`CHAT_TEMPLATE` with special tokens, :class:`ChatTokenizer` (characters plus
  special tokens, each special one id), :func:`check_template`, :func:`encode_pair` (ids and a
  per-target weight: 1 on answer tokens, 0 on the prompt when the loss is masked), :func:`collate`;
* the recipe: :func:`lr_at` (linear warm-up, cosine decay), :func:`masked_loss_sum` (summed loss and
  token count, so gradient accumulation divides by the tokens of the whole batch),
  :func:`train_sft` (AdamW, gradient clipping, accumulation, autocast; the batch of step ``s`` depends
  only on ``(seed, s)``, so a resumed run draws the same batches), :func:`autocast_dtype` (bf16 where
  the device has it, else ``None`` = fp32), :func:`save_checkpoint` / :func:`load_checkpoint`
  (``safetensors``: tensors only, no pickle);
* decoding: :func:`filter_logits` (temperature, top-k, top-p), :func:`generate` (KV cache, stops at
  the end-of-answer token);
* validation data: :data:`EXTRA_VAL_TEMPLATES` (three more templates per intent of Part V's
  customer-service corpus, written for this chapter and used only to choose settings) and
  :func:`fill_templates` (fills them with Part V's generator).
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_positive, check_positive_int
from .gpt import CharTokenizer

__all__ = ["SPECIALS", "CHAT_TEMPLATE", "ChatTokenizer", "check_template", "encode_pair", "collate",
           "lr_at", "masked_loss_sum", "SFTHistory", "train_sft", "autocast_dtype", "save_checkpoint",
           "load_checkpoint", "filter_logits", "generate", "EXTRA_VAL_TEMPLATES", "fill_templates"]

#: user turn, assistant turn, end of answer, padding
SPECIALS = ("<|user|>", "<|assistant|>", "<|end|>", "<|pad|>")
CHAT_TEMPLATE = "<|user|>{instruction}<|assistant|>{answer}<|end|>"


def check_template(template: str) -> tuple[str, str]:
    """检查对话模板：``{instruction}`` 与 ``{answer}`` 各恰好一次，答案在后且是最后一个槽位。

    返回 ``(答案之前的部分, 答案之后的部分)``，如 ``("<|user|>{instruction}<|assistant|>", "<|end|>")``。
    """
    if not isinstance(template, str):
        raise ValueError(f"模板应为字符串，收到 {type(template).__name__}")
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    if names.count("answer") != 1:
        raise ValueError(f"模板应恰好含一个 {{answer}} 槽位（答案的位置），收到 {template!r}")
    if names.count("instruction") != 1:
        raise ValueError(f"模板应恰好含一个 {{instruction}} 槽位，收到 {template!r}")
    if set(names) != {"instruction", "answer"} or names[-1] != "answer":
        raise ValueError(f"模板只能有 {{instruction}} 和 {{answer}} 两个槽位，且答案在后：{template!r}")
    head, tail = template.split("{answer}")
    if not tail:
        raise ValueError("模板在 {answer} 之后应有结束符（如 <|end|>），模型才学得会在哪里停下")
    return head, tail


class ChatTokenizer:
    """字符级分词器加特殊 token：每个特殊 token（如 ``<|end|>``）是一个 id，其余逐字符编码。"""

    def __init__(self, text: str, specials: Sequence[str] = SPECIALS, *, min_count: int = 1, unk: str = "□",
                 always: str = ""):
        """``text`` 中出现不到 ``min_count`` 次的字记作 ``unk``；``always`` 里的字无论出现几次都收进词表。"""
        specials = tuple(specials)
        if not isinstance(always, str):
            raise ValueError("always 应为字符串（一定要收进词表的字）")
        if len(specials) < 2 or len(set(specials)) != len(specials) or not all(isinstance(s, str) and len(s) > 1 for s in specials):
            raise ValueError("specials 应是互不相同、每个至少两个字符的字符串")
        for s in specials:
            text = text.replace(s, "")
        kept = "".join(sorted(set(always) - {unk}))
        self.chars = CharTokenizer(text + kept * min_count, min_count=min_count, unk=unk)
        self.specials = specials
        self.special_ids = {s: self.chars.vocab_size + i for i, s in enumerate(specials)}

    @property
    def vocab_size(self) -> int:
        return self.chars.vocab_size + len(self.specials)

    def id(self, special: str) -> int:
        """一个特殊 token 的 id。"""
        if special not in self.special_ids:
            raise ValueError(f"{special!r} 不是特殊 token；已有 {list(self.special_ids)}")
        return self.special_ids[special]

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        i = 0
        while i < len(text):
            hit = next((s for s in self.specials if text.startswith(s, i)), None)
            if hit is not None:
                out.append(self.special_ids[hit])
                i += len(hit)
            else:
                out.extend(self.chars.encode(text[i]))
                i += 1
        return out

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        inv = {v: k for k, v in self.special_ids.items()}
        return "".join(inv[int(i)] if int(i) in inv else self.chars.decode([int(i)]) for i in ids)


def encode_pair(tok: ChatTokenizer, template: str, instruction: str,
                answer: str, *, mask_prompt: bool = True
                ) -> tuple[list[int], list[float]]:
    """一条“指令 → 答案”按模板编码：``ids`` 与每个*目标*位置的权重
    （长度 ``len(ids) − 1``）。

    目标 ``ids[t+1]`` 属于答案（含结束符）时权重为 1；属于提示时，
    ``mask_prompt=True`` 给 0，否则给 1。
    """
    head, tail = check_template(template)
    if not isinstance(answer, str) or not answer:
        raise ValueError("答案应为非空字符串")
    prompt = tok.encode(head.format(instruction=instruction))
    ans = tok.encode(answer + tail)
    ids = prompt + ans
    w = [0.0 if (mask_prompt and t + 1 < len(prompt)) else 1.0
         for t in range(len(ids) - 1)]
    return ids, w


def collate(pairs: Sequence[tuple[list[int], list[float]]], pad_id: int
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """右侧补齐成批：输入 ``x``、目标 ``y``（右移一位）和权重 ``w``（补齐处为 0），形状都是 ``(B, T)``。"""
    if not pairs:
        raise ValueError("批为空")
    T = max(len(ids) for ids, _ in pairs) - 1
    x = torch.full((len(pairs), T), pad_id, dtype=torch.long)
    y = torch.full((len(pairs), T), pad_id, dtype=torch.long)
    w = torch.zeros(len(pairs), T)
    for i, (ids, wt) in enumerate(pairs):
        n = len(ids) - 1
        x[i, :n] = torch.tensor(ids[:-1])
        y[i, :n] = torch.tensor(ids[1:])
        w[i, :n] = torch.tensor(wt)
    return x, y, w


def lr_at(step: int, total: int, *, peak: float, warmup: int, floor: float = 0.1) -> float:
    """第 ``step`` 步（从 1 数起）的学习率：前 ``warmup`` 步从 0 线性升到 ``peak``，之后按半个余弦降到 ``floor·peak``。"""
    check_positive_int("total（总步数）", total)
    check_positive_int("step（步数）", step)
    check_positive_int("warmup（预热步数）", warmup, minimum=0)
    check_positive("peak（峰值学习率）", peak)
    if not 0 <= floor <= 1:
        raise ValueError(f"floor 应在 [0, 1] 内，收到 {floor!r}")
    if step > total:
        raise ValueError(f"step={step} 超过总步数 total={total}")
    if warmup >= total:
        raise ValueError(f"预热步数 {warmup} 应少于总步数 {total}")
    if step <= warmup:
        return peak * step / warmup
    frac = (step - warmup) / (total - warmup)
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * frac)))


def masked_loss_sum(logits: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """加权交叉熵的*总和*与权重之和：除以整批的权重之和才是平均损失（梯度累积要这样除）。"""
    if logits.shape[:2] != y.shape or y.shape != w.shape:
        raise ValueError(f"logits {tuple(logits.shape)}、y {tuple(y.shape)}、w {tuple(w.shape)} 的前两维应相同")
    nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="none")
    return (nll * w.reshape(-1)).sum(), w.sum()


def autocast_dtype(device: Any) -> torch.dtype | None:
    """训练时自动混合精度用的类型：CUDA 设备支持 bf16 时返回 ``torch.bfloat16``，否则 ``None``（全程 fp32）。

    CPU 一律返回 ``None``：PyTorch 在 CPU 上的 bf16 autocast 要在每个算子前后转换类型，
    对本书这样的小模型比 fp32 更慢（第 6 部分第 7 章当场计时比较）。
    """
    dev = torch.device(device)
    if dev.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else None
    return None


@dataclass
class SFTHistory:
    """每个优化步的平均损失、裁剪前的梯度范数和学习率。"""

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)


def _batch_for_step(n: int, batch_size: int, seed: int, step: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed * 1_000_003 + step)      # 只取决于 (seed, step)
    return torch.randint(0, n, (batch_size,), generator=g)


def train_sft(model: nn.Module, optimizer: torch.optim.Optimizer, data: Sequence[tuple[list[int], list[float]]],
              *, pad_id: int, total_steps: int, batch_size: int, peak_lr: float, warmup: int,
              clip: float | None = 1.0, micro_batches: int = 1, seed: int = 0, start_step: int = 0,
              stop_step: int | None = None, amp_dtype: torch.dtype | None = None) -> SFTHistory:
    """监督微调：第 ``start_step + 1`` 步训练到 ``stop_step``（默认 ``total_steps``）。

    每步从 ``data`` 中按 ``(seed, 步数)`` 抽 ``batch_size`` 条，切成 ``micro_batches`` 份依次前向、反向
    （每份的损失总和除以*整批*的答案 token 数，梯度相加后与一次算整批相同），裁剪梯度的总范数到
    ``clip``，按 :func:`lr_at` 设学习率，AdamW 更新。``amp_dtype`` 给出时前向在 ``torch.autocast`` 中计算。
    """
    check_positive_int("total_steps", total_steps)
    check_positive_int("batch_size", batch_size)
    m = check_positive_int("micro_batches（梯度累积的份数）", micro_batches)
    if batch_size % m:
        raise ValueError(f"batch_size={batch_size} 应能被 micro_batches={m} 整除")
    check_positive_int("start_step", start_step, minimum=0)
    stop = total_steps if stop_step is None else check_positive_int("stop_step", stop_step)
    if not start_step < stop <= total_steps:
        raise ValueError(f"应有 start_step < stop_step ≤ total_steps，收到 {start_step}、{stop}、{total_steps}")
    if clip is not None:
        check_positive("clip（梯度范数上限）", clip)
    if not data:
        raise ValueError("训练数据为空")
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    hist = SFTHistory()
    model.train()
    for step in range(start_step + 1, stop + 1):
        rate = lr_at(step, total_steps, peak=peak_lr, warmup=warmup)
        for grp in optimizer.param_groups:
            grp["lr"] = rate
        rows = [data[int(i)] for i in _batch_for_step(len(data), batch_size, seed, step)]
        x, y, w = (t.to(device) for t in collate(rows, pad_id))
        n_tok = w.sum()
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for part in torch.arange(batch_size).chunk(m):
            with torch.autocast(device_type=device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                logits, _ = model(x[part])
            s, _ = masked_loss_sum(logits, y[part], w[part])
            (s / n_tok).backward()
            total += float(s.detach())
        norm = torch.nn.utils.clip_grad_norm_(params, clip if clip is not None else float("inf"))
        optimizer.step()
        hist.loss.append(total / float(n_tok))
        hist.grad_norm.append(float(norm))
        hist.lr.append(rate)
    model.eval()
    return hist


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    step: int = 0) -> None:
    """把权重（以及 AdamW 的动量和步数）存成一个 ``safetensors`` 文件：只有张量，没有可执行的 pickle。"""
    from safetensors.torch import save_file

    check_positive_int("step", step, minimum=0)
    tensors = {f"model.{k}": v.detach().contiguous().clone() for k, v in model.state_dict().items() if v.numel()}
    if optimizer is not None:
        for i, p in enumerate(pp for g in optimizer.param_groups for pp in g["params"]):
            for k, v in optimizer.state.get(p, {}).items():
                tensors[f"optim.{i}.{k}"] = torch.as_tensor(v).detach().contiguous().clone()
    tensors["meta.step"] = torch.tensor(step)
    save_file(tensors, str(path))


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> int:
    """读回 :func:`save_checkpoint` 的文件（就地写入 ``model``、``optimizer``），返回保存时的步数。

    名字或形状与模型不符时报错，并说明是哪一个权重。
    """
    from safetensors.torch import load_file

    if not Path(path).exists():
        raise ValueError(f"检查点文件 {path} 不存在")
    tensors = load_file(str(path))
    ours = {k: v for k, v in model.state_dict().items() if v.numel()}
    saved = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    if set(saved) != set(ours):
        raise ValueError(f"检查点与模型的权重名不同：多出 {sorted(set(saved) - set(ours))[:3]}，缺少 {sorted(set(ours) - set(saved))[:3]}")
    for k, v in saved.items():
        if v.shape != ours[k].shape:
            raise ValueError(f"检查点里 {k} 的形状是 {tuple(v.shape)}，模型里是 {tuple(ours[k].shape)}：不是同一个结构的模型")
    with torch.no_grad():
        for k, v in saved.items():
            ours[k].copy_(v)
    if optimizer is not None:
        for i, p in enumerate(pp for g in optimizer.param_groups for pp in g["params"]):
            state = {k.split(".", 2)[2]: v for k, v in tensors.items() if k.startswith(f"optim.{i}.")}
            if state:
                optimizer.state[p] = {k: (v.clone() if k != "step" else v.clone().float()) for k, v in state.items()}
    return int(tensors["meta.step"])


def filter_logits(logits: torch.Tensor, *, temperature: float = 1.0,
                  top_k: int | None = None, top_p: float | None = None
                  ) -> torch.Tensor:
    """温度、top-k、top-p（核采样）过滤后的 logits：被排除的 token 设为 −∞。

    top-k 只保留最大的 ``k`` 个；top-p 保留按概率从大到小累加、
    刚好达到 ``p`` 的最小集合（至少一个）。
    """
    check_positive("temperature（温度）", temperature)
    out = logits / temperature
    if top_k is not None:
        top_k = check_positive_int("top_k", top_k)
        kth = torch.topk(out, min(top_k, out.shape[-1]),
                         dim=-1).values[..., -1:]
        out = out.masked_fill(out < kth, float("-inf"))
    if top_p is not None:
        if (isinstance(top_p, bool) or not isinstance(top_p, (int, float))
                or not 0 < top_p <= 1):
            raise ValueError(f"top_p 应在 (0, 1] 内，收到 {top_p!r}")
        srt, order = torch.sort(out, dim=-1, descending=True)
        probs = torch.softmax(srt, dim=-1)
        before = probs.cumsum(-1) - probs      # 排在它前面的概率之和
        drop = before >= top_p                 # 前面已经够 p 了：丢掉
        srt = srt.masked_fill(drop, float("-inf"))
        out = torch.full_like(out, float("-inf")).scatter(-1, order, srt)
    return out


@torch.no_grad()
def generate(model: nn.Module, prompts: Sequence[list[int]], *, end_id: int, max_new_tokens: int,
             temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
             greedy: bool = False, generator: torch.Generator | None = None) -> list[list[int]]:
    """为每个提示生成答案（不含结束符），遇到 ``end_id`` 就停；同样长度的提示一起算，用 KV 缓存。

    ``model`` 需有 ``forward_cached(idx, cache)``（如 :class:`book.part6.modern.ModernGPT`）。
    ``greedy=True`` 每步取最大的 logit；否则按 :func:`filter_logits` 过滤后抽样。
    """
    check_positive_int("max_new_tokens", max_new_tokens)
    if not prompts or any(len(p) == 0 for p in prompts):
        raise ValueError("提示不能为空")
    device = next(model.parameters()).device
    model.eval()
    out: list[list[int] | None] = [None] * len(prompts)
    by_len: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        by_len.setdefault(len(p), []).append(i)
    for n, idx in by_len.items():
        x = torch.tensor([list(prompts[i]) for i in idx], device=device)
        logits, cache = model.forward_cached(x)
        done = torch.zeros(len(idx), dtype=torch.bool, device=device)
        gen: list[list[int]] = [[] for _ in idx]
        for k in range(1, max_new_tokens + 1):
            last = logits[:, -1, :].float()
            if greedy:
                nxt = last.argmax(-1)
            else:
                probs = torch.softmax(filter_logits(last, temperature=temperature, top_k=top_k, top_p=top_p), -1)
                nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            for j, t in enumerate(nxt.tolist()):
                if not done[j]:
                    if t == end_id:
                        done[j] = True
                    else:
                        gen[j].append(t)
            if bool(done.all()) or n + k > model.cfg.block_size - 1:   # 再喂一个 token 就超出上下文
                break
            logits, cache = model.forward_cached(nxt[:, None], cache)
        for j, i in enumerate(idx):
            out[i] = gen[j]
    return [o for o in out if o is not None]


#: 第 7 章的验证模板：每种意图 3 个第 5 部分的模板表里没有的句式（槽位与第 5 部分相同），
#: 只用来挑学习率和步数，不进训练集，也不进测试集。
EXTRA_VAL_TEMPLATES: dict[str, tuple[str, ...]] = {
    "查询物流": ("{time}下的单怎么还没发货", "快递显示签收了，可我没收到", "寄到{city}的{item}几天能到"),
    "退货退款": ("买的{item}可以退吗", "{time}申请的退款怎么还没到", "退货要自己寄回去吗"),
    "修改地址": ("收货地址能换成{city}的吗", "小区名字写错了能改吗", "{item}的收货地址填错了"),
    "开具发票": ("{item}的发票怎么开", "发票上的税号怎么填", "订单{order}能补开发票吗"),
    "优惠券": ("我的{coupon}在哪里看", "这单为什么没用上优惠券", "{item}下单能用几张{coupon}"),
    "账号登录": ("验证码{time}就发了，一直没收到", "账号登不上去了", "换了新手机怎么登录"),
    "投诉建议": ("{city}的快递员没打电话就走了", "你们的售后电话一直打不通，太差了", "我对{item}的包装很不满意"),
    "转人工": ("帮我接一下人工", "{item}的问题我想跟人工客服说", "找个真人客服来"),
}


def fill_templates(templates: dict[str, Sequence[str]], per_template: int, *, seed: int,
                   tag: str = "v") -> list[dict]:
    """像 :func:`book.part5.intent.make_corpus` 一样填充给定的模板：每个模板最多 ``per_template`` 条不同的问句。

    返回的每行有 ``text``、``intent``、``template``（``意图/{tag}k``，与第 5 部分的编号 ``意图/k`` 不会相同）。
    模板只能用第 5 部分定义过的槽位；没有槽位的模板只有一条问句。填充本身是
    :func:`book.part5.intent.fill_templates`；这里只要求 ``tag`` 把编号与第 5 部分的区分开。
    """
    from ..part5.intent import fill_templates as fill_part5

    if not isinstance(tag, str) or not tag or tag.isdigit():
        raise ValueError(f"tag 应为非空、不全是数字的字符串（与第 5 部分的模板编号区分），收到 {tag!r}")
    return fill_part5(templates, per_template, seed=seed, tag=tag)
