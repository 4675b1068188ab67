"""LoRA by hand and data-parallel training with ``torch.distributed`` (chapter ``chapters/part6/05_finetune_ddp``).

* :class:`LoRALinear` wraps a frozen ``nn.Linear``: ``y = W x + b + (α/r)·B A x`` with
  ``A`` (r × in) initialised like ``peft`` (Kaiming-uniform) and ``B`` (out × r) at zero;
  :func:`add_lora` puts it on the layers whose name ends with one of ``targets`` and
  freezes every other parameter.
* :func:`run_ddp` starts ``world_size`` processes on the loopback address, each trains a
  copy of a :class:`book.part6.gpt.GPT` with ``DistributedDataParallel`` on its share of every
  batch, and returns rank 0's final weights, the bytes the communication hook handed to
  all-reduce, and the bytes each process actually wrote to its sockets during training
  (the kernel's per-process counter ``wchar`` in ``/proc/self/io``, read around the loop).
  The processes are always joined (``torch.multiprocessing.start_processes(join=True)``), also
  when one of them fails; :func:`start_method` spawns them (fork deadlocks in threaded parents). Backend: ``nccl`` when every rank can have its own GPU, else ``gloo``.
"""
from __future__ import annotations

import math
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._checks import check_positive, check_positive_int
from .gpt import GPT, GPTConfig

__all__ = ["LoRALinear", "add_lora", "count_trainable", "load_peft", "DDPResult", "free_port", "train_reference",
           "run_ddp", "choose_backend", "written_bytes", "start_method"]


class LoRALinear(nn.Module):
    """LoRA：``base(x) + (alpha / r) · x Aᵀ Bᵀ``，基础层冻结，只训练 A、B。

    ``base(x) + (alpha / r) · x Aᵀ Bᵀ`` with the base layer frozen."""

    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        check_positive_int("r（秩）", r)
        check_positive("alpha", alpha)
        if r > min(base.in_features, base.out_features):
            raise ValueError(f"秩 r={r} 不应超过层的输入、输出维数 {base.in_features}、{base.out_features}")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        like = dict(device=base.weight.device, dtype=base.weight.dtype)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, **like))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **like))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))       # as nn.Linear and peft do

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def merged_weight(self) -> torch.Tensor:
        """``W + (α/r)·B A``: the weight a merged layer would hold (no extra cost at inference)."""
        return self.base.weight + self.scaling * self.lora_B @ self.lora_A


def add_lora(model: nn.Module, r: int, alpha: float, targets: tuple[str, ...] = ("c_attn",)) -> nn.Module:
    """Freeze ``model`` and wrap every ``nn.Linear`` whose name ends with one of ``targets`` (in place)."""
    for p in model.parameters():
        p.requires_grad_(False)
    found = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
             if isinstance(child, nn.Linear) and name.endswith(tuple(targets))]
    if not found:
        raise ValueError(f"模型里没有名字以 {targets} 结尾的 nn.Linear 层")
    for parent, name, child in found:
        setattr(parent, name, LoRALinear(child, r, alpha))
    return model


def load_peft() -> tuple[Any, Any]:
    """``(LoraConfig, get_peft_model)`` from ``peft``, imported without tqdm's "IProgress not found"
    warning (``peft`` imports ``tqdm.auto``, which warns when ipywidgets is missing)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        from peft import LoraConfig, get_peft_model
    return LoraConfig, get_peft_model


def count_trainable(model: nn.Module) -> int:
    """Number of parameters that receive gradients."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --- data parallelism ------------------------------------------------------------
@dataclass
class DDPResult:
    """Final weights of rank 0; per step: the bytes the communication hook handed to all-reduce
    (summed over buckets) and, per rank, the bytes the process wrote during training
    (``None`` where the operating system has no ``/proc/self/io``)."""

    state: dict[str, torch.Tensor]
    allreduce_bytes_per_step: float
    backend: str
    world_size: int
    sent_bytes_per_step: tuple[float, ...] | None = None


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the processes only ever listen on the loopback address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _batches(data: torch.Tensor, steps: int, batch: int, block: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The same ``steps`` combined batches in every process (drawn from one seeded generator)."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(steps):
        start = torch.randint(0, len(data) - block, (batch,), generator=g)
        offs = start[:, None] + torch.arange(block)
        out.append((data[offs], data[offs + 1]))
    return out


def _make_model(cfg: GPTConfig, seed: int) -> GPT:
    torch.manual_seed(seed)
    return GPT(cfg)


def train_reference(cfg: GPTConfig, data: torch.Tensor, *, steps: int, batch: int, lr: float,
                    seed: int = 0) -> dict[str, torch.Tensor]:
    """单进程参照：每步用合起来的整批做普通 SGD，返回 DDP 必须复现的参数。

    它不用 :func:`book.train_torch`：批次是 :func:`_batches` 预先抽好的随机窗口，与
    ``_worker`` 里各进程切分的正是同一批；模型自己算语言模型损失（``model(x, y)``）。
    两边逐行相同，比较才只检验 DDP 的梯度平均。

    One process, the combined batch of every step, plain SGD: the result DDP must reproduce.
    """
    model = _make_model(cfg, seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for x, y in _batches(data, steps, batch, cfg.block_size, seed):
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def written_bytes() -> int | None:
    """Bytes this process has written so far (``wchar`` of ``/proc/self/io``: every ``write``/
    ``writev``, sockets included, all threads); ``None`` where the file does not exist."""
    try:
        lines = Path("/proc/self/io").read_text().splitlines()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return int(fields["wchar"]) if "wchar" in fields else None


def choose_backend(world_size: int, *, cuda_available: bool | None = None,
                   device_count: int | None = None) -> str:
    """``"nccl"`` when every one of ``world_size`` processes can have its own GPU, else ``"gloo"``.

    ``cuda_available`` / ``device_count`` default to what ``torch.cuda`` reports; passing them
    lets a test check both branches on a machine without GPUs.
    """
    check_positive_int("world_size（进程数）", world_size)
    available = torch.cuda.is_available() if cuda_available is None else bool(cuda_available)
    count = (torch.cuda.device_count() if available else 0) if device_count is None else int(device_count)
    return "nccl" if available and count >= world_size else "gloo"


def _worker(rank: int, world_size: int, port: int, cfg: GPTConfig,
            data: torch.Tensor, steps: int, batch: int, lr: float, seed: int,
            out_dir: str, fail_rank: int) -> None:
    """DDP 的一个进程：初始化进程组，在自己那一份批次上训练，
    梯度由 DDP 在进程间平均；rank 0 把结果存到 ``out_dir``。

    One DDP process: its share of every combined batch; rank 0 saves the result.
    """
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.set_num_threads(1)
    backend = choose_backend(world_size)
    use_cuda = backend == "nccl"        # one process per GPU: rank i, cuda:i
    device = torch.device(f"cuda:{rank}" if use_cuda else "cpu")
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=world_size)
    try:
        if rank == fail_rank:
            raise RuntimeError(f"进程 {rank} 按要求故意失败（用于测试）")
        model = _make_model(cfg, seed).to(device)
        ddp = DDP(model, device_ids=[rank] if use_cuda else None)
        sent: list[int] = []

        def hook(state, bucket):  # no annotations: DDP would check them
            buf = bucket.buffer()
            sent.append(buf.numel() * buf.element_size())
            work = dist.all_reduce(buf.div_(world_size), async_op=True)
            return work.get_future().then(lambda f: f.value()[0])

        ddp.register_comm_hook(None, hook)
        opt = torch.optim.SGD(ddp.parameters(), lr=lr)
        share = batch // world_size
        mine = slice(rank * share, (rank + 1) * share)
        batches = _batches(data, steps, batch, cfg.block_size, seed)
        dist.barrier()                  # all ranks count from here
        before = written_bytes()
        for x, y in batches:
            _, loss = ddp(x[mine].to(device), y[mine].to(device))
            opt.zero_grad()
            loss.backward()             # DDP averages the gradients here
            opt.step()
        after = written_bytes()         # the loop writes only all-reduce data
        wrote = None if None in (before, after) else (after - before) / steps
        state = None
        if rank == 0:
            state = {k: v.detach().cpu().clone()
                     for k, v in model.state_dict().items()}
        torch.save({"state": state, "bytes": sum(sent) / steps,
                    "backend": backend, "wrote": wrote},
                   Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def start_method(world_size: int) -> str:
    """How :func:`run_ddp` starts its processes: always ``"spawn"`` (a fresh interpreter per
    process). ``fork`` was tried and is unsafe here: a Jupyter kernel or a pytest-xdist worker
    runs several threads, and a child forked while one of them held a lock deadlocked (seen in
    a full test run: a forked DDP child waited on a futex for 20 minutes). CUDA cannot be used
    in a forked child either. ``world_size`` is checked like :func:`choose_backend`'s."""
    choose_backend(world_size)          # same input check
    return "spawn"


def run_ddp(cfg: GPTConfig, data: torch.Tensor, *, world_size: int = 2, steps: int = 5, batch: int = 8,
            lr: float = 0.1, seed: int = 0, fail_rank: int = -1) -> DDPResult:
    """Train with ``world_size`` processes under ``DistributedDataParallel`` and return rank 0's result.

    Every step, rank ``i`` takes rows ``i·b … (i+1)·b - 1`` (``b = batch / world_size``) of the
    same combined batch that :func:`train_reference` uses. ``fail_rank`` makes that rank raise
    (to test that a failure still joins every process). Temporary files live in the temp folder.
    """
    import torch.multiprocessing as mp

    check_positive_int("world_size（进程数）", world_size)
    check_positive_int("steps", steps)
    check_positive_int("batch", batch)
    if batch % world_size:
        raise ValueError(f"batch={batch} 应能被 world_size={world_size} 整除，每个进程才分到同样多的样本")
    if len(data) < cfg.block_size + 1:
        raise ValueError("数据不够一个训练窗口")
    with tempfile.TemporaryDirectory() as tmp:
        env_before = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = "1"
        try:
            mp.start_processes(_worker, args=(world_size, free_port(), cfg, data, steps, batch, lr, seed, tmp,
                                              fail_rank),
                               nprocs=world_size, join=True, start_method=start_method(world_size))
        finally:
            if env_before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = env_before
        ranks = [torch.load(Path(tmp) / f"rank{r}.pt") for r in range(world_size)]
    wrote = [r["wrote"] for r in ranks]
    sent = None if any(w is None for w in wrote) else tuple(float(w) for w in wrote)
    res = ranks[0]
    return DDPResult(res["state"], float(res["bytes"]), res["backend"], world_size, sent)
