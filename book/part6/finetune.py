"""LoRA by hand and data-parallel training with ``torch.distributed`` (chapter ``chapters/part6/05_finetune_ddp``).

* :class:`LoRALinear` wraps a frozen ``nn.Linear``: ``y = W x + b + (α/r)·B A x`` with
  ``A`` (r × in) initialised like ``peft`` (Kaiming-uniform) and ``B`` (out × r) at zero;
  :func:`add_lora` puts it on the layers whose name ends with one of ``targets`` and
  freezes every other parameter.
* :func:`run_ddp` starts ``max(world_sizes)`` processes once, on the loopback address; for
  each ``W`` of ``world_sizes`` the first ``W`` of them (a sub-group) train a copy of a
  :class:`book.part6.gpt.GPT` with ``DistributedDataParallel`` on their shares of every batch.
  It returns, per ``W``, every rank's final weights, the bytes the communication hook handed
  to all-reduce, and (gloo only) the bytes each process actually wrote to its sockets during
  that run's training (the kernel's per-process counter ``wchar`` in ``/proc/self/io``, read
  around the loop). The processes are never forked from the caller (fork deadlocks in threaded
  parents): a fork server that has imported torch once forks them, or ``spawn`` where the system
  has no fork server; they are always joined (``torch.multiprocessing.start_processes(join=True)``), also when one of them fails.
  Backend: ``nccl`` when every rank can have its own GPU, else ``gloo``.
"""
from __future__ import annotations

import math
import multiprocessing
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
            raise ValueError(f"秩 r={r} 不应超过层的输入、输出维数 "
                             f"{base.in_features}、{base.out_features}")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        like = dict(device=base.weight.device, dtype=base.weight.dtype)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, **like))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **like))
        # as nn.Linear and peft do
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # scale the r-wide intermediate, not the d_out-wide result (cheaper)
        return self.base(x) + (x @ self.lora_A.T * self.scaling) @ self.lora_B.T

    def merged_weight(self) -> torch.Tensor:
        """``W + (α/r)·B A``: the weight a merged layer would hold (no extra
        cost at inference)."""
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
    """Final weights of rank 0 (``state``) and of every rank (``rank_states``, rank order); per
    step: the bytes the communication hook handed to all-reduce (summed over buckets) and, per
    rank, the bytes the process wrote during training (``None`` where the operating system has
    no ``/proc/self/io``, and for any backend but ``gloo``: ``nccl`` does not send through the
    process's sockets, so ``wchar`` does not see its traffic)."""

    state: dict[str, torch.Tensor]
    allreduce_bytes_per_step: float
    backend: str
    world_size: int
    sent_bytes_per_step: tuple[float, ...] | None = None
    rank_states: tuple[dict[str, torch.Tensor], ...] = ()


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


def _worker(rank: int, sizes: tuple[int, ...], port: int, cfg: GPTConfig,
            data: torch.Tensor, steps: int, batch: int, lr: float, seed: int,
            out_dir: str, fail_rank: int) -> None:
    """DDP 的一个进程。进程组含 ``max(sizes)`` 个进程；对每个 ``W``，
    前 ``W`` 个进程组成子组，各在自己那一份批次上训练，梯度在子组内平均。

    One process of one launch: for each ``W`` of ``sizes``, ranks ``0 … W-1``
    train a model under DDP on a sub-group; every rank saves its results.
    """
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.set_num_threads(1)
    world = max(sizes)
    backend = choose_backend(world)
    use_cuda = backend == "nccl"        # one process per GPU: rank i, cuda:i
    device = torch.device(f"cuda:{rank}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=world)
    try:
        if rank == fail_rank:
            raise RuntimeError(f"进程 {rank} 按要求故意失败（用于测试）")
        # every rank creates every group, in the same order
        groups = {W: None if W == world else dist.new_group(list(range(W)))
                  for W in sizes}
        batches = _batches(data, steps, batch, cfg.block_size, seed)
        out: dict[int, dict[str, Any]] = {}
        for W, group in groups.items():
            dist.barrier()              # the runs do not overlap
            if rank < W:
                out[W] = _train_ddp(DDP, dist, rank, W, group, cfg, batches,
                                    batch, lr, seed, device, use_cuda)
                out[W]["backend"] = backend
            dist.barrier()
        torch.save(out, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def _train_ddp(DDP: Any, dist: Any, rank: int, W: int, group: Any,
               cfg: GPTConfig,
               batches: list[tuple[torch.Tensor, torch.Tensor]], batch: int,
               lr: float, seed: int, device: torch.device,
               use_cuda: bool) -> dict[str, Any]:
    """Rank ``rank`` of a ``W``-process run: the bytes the hook handed to
    all-reduce per step, the bytes this process wrote per step, and this
    rank's final weights."""
    model = _make_model(cfg, seed).to(device)
    ddp = DDP(model, device_ids=[rank] if use_cuda else None,
              process_group=group)
    handed: list[int] = []

    def hook(state, bucket):  # no annotations: DDP would check them
        buf = bucket.buffer()
        handed.append(buf.numel() * buf.element_size())
        work = dist.all_reduce(buf.div_(W), group=group, async_op=True)
        return work.get_future().then(lambda f: f.value()[0])

    ddp.register_comm_hook(None, hook)
    opt = torch.optim.SGD(ddp.parameters(), lr=lr)
    share = batch // W
    mine = slice(rank * share, (rank + 1) * share)
    dist.barrier(group=group)       # the run's ranks count from here
    before = written_bytes()
    for x, y in batches:
        _, loss = ddp(x[mine].to(device), y[mine].to(device))
        opt.zero_grad()
        loss.backward()             # DDP averages the gradients here
        opt.step()
    after = written_bytes()         # the loop writes only all-reduce data
    steps = len(batches)
    wrote = None if None in (before, after) else (after - before) / steps
    state = {k: v.detach().cpu().clone()
             for k, v in model.state_dict().items()}
    return {"state": state, "bytes": sum(handed) / steps, "wrote": wrote}


def start_method(available: list[str] | None = None) -> str:
    """How :func:`run_ddp` starts its processes: ``"forkserver"`` if ``available`` (default:
    :func:`multiprocessing.get_all_start_methods`) has it, else ``"spawn"``; never ``"fork"``.

    ``available`` lets a test check the Windows branch (no ``forkserver``) anywhere.
    """
    methods = multiprocessing.get_all_start_methods() if available is None else list(available)
    return "forkserver" if "forkserver" in methods else "spawn"


def _start_forkserver() -> int:
    """(Re)start the standard library's fork server with ``torch`` and this module preloaded;
    its process id. Call it with ``OMP_NUM_THREADS=1`` in the environment (as :func:`run_ddp`
    does): then the server runs a single thread when it forks (numpy's OpenBLAS would otherwise
    start a pool thread at import), and the workers inherit the setting."""
    from multiprocessing import forkserver

    _stop_forkserver()                  # a running one may lack the preload
    multiprocessing.get_context("forkserver").set_forkserver_preload(["torch", __name__])
    forkserver.ensure_running()
    return int(forkserver._forkserver._forkserver_pid)


def _stop_forkserver() -> None:
    """Stop the standard library's fork server if it runs, and reap it (it restarts on the next
    use). ``_stop`` is the method CPython's own tests use; without it the server stays up."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def run_ddp(cfg: GPTConfig, data: torch.Tensor, *, world_sizes: tuple[int, ...] = (2,),
            steps: int = 5, batch: int = 8, lr: float = 0.1, seed: int = 0,
            fail_rank: int = -1) -> dict[int, DDPResult]:
    """Train under ``DistributedDataParallel`` once per ``W`` in ``world_sizes``; ``{W: result}``.

    One launch serves every ``W``: ``max(world_sizes)`` processes start once (each pays
    for its own interpreter and ``import torch``), and the run with ``W`` processes uses the
    sub-group of ranks ``0 … W-1`` (``torch.distributed.new_group``; the largest run uses
    the whole group). The runs follow one another between barriers, so the bytes a process
    writes during one run's training loop belong to that run alone. Every step, rank ``i``
    of a run takes rows ``i·b … (i+1)·b - 1`` (``b = batch / W``) of the same combined batch
    that :func:`train_reference` uses. ``fail_rank`` makes that rank raise (to test that a
    failure still joins every process). Temporary files live in the temp folder.

    The processes are never forked from the caller: a Jupyter kernel or a pytest-xdist worker
    runs several threads, and a child forked while one of them held a lock deadlocked (seen in
    a full test run: a forked DDP child waited on a futex for 20 minutes); CUDA cannot be used
    in a forked child either. :func:`start_method` picks ``forkserver`` where the system has
    it (Linux, macOS): a fresh single-threaded server process imports ``torch`` and this module
    once and forks every worker from itself, so the workers do not each pay for ``import
    torch``; elsewhere (Windows) ``spawn``, a fresh interpreter per worker. The server is
    started for this launch and stopped (and reaped) before the function returns, so no
    process outlives the call and its CPU time is counted with the caller's children.
    """
    import torch.multiprocessing as mp

    check_positive_int("steps", steps)
    check_positive_int("batch", batch)
    if not isinstance(world_sizes, (tuple, list)) or not world_sizes:
        raise ValueError(f"world_sizes 应为非空的进程数元组，例如 (2, 3)，收到 {world_sizes!r}")
    sizes = tuple(world_sizes)
    for w in sizes:
        check_positive_int("world_sizes 中的进程数", w)
        if batch % w:
            raise ValueError(f"batch={batch} 应能被进程数 {w} 整除，每个进程才分到同样多的样本")
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"world_sizes 中有重复的进程数：{sizes}")
    if len(data) < cfg.block_size + 1:
        raise ValueError("数据不够一个训练窗口")
    world = max(sizes)
    method = start_method()
    with tempfile.TemporaryDirectory() as tmp:
        env_before = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = "1"     # the forkserver inherits it too
        if method == "forkserver":
            _start_forkserver()
        try:
            mp.start_processes(_worker, args=(sizes, free_port(), cfg, data, steps, batch, lr, seed, tmp,
                                              fail_rank),
                               nprocs=world, join=True, start_method=method)   # never fork: see above
        finally:
            if method == "forkserver":
                _stop_forkserver()
            if env_before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = env_before
        ranks = [torch.load(Path(tmp) / f"rank{r}.pt") for r in range(world)]
    return _collect(ranks, sizes)


def _collect(ranks: list[dict[int, dict[str, Any]]],
             sizes: tuple[int, ...]) -> dict[int, DDPResult]:
    """``{W: DDPResult}`` from what every rank saved (``ranks[r][W]``).

    The written bytes count only with ``gloo`` (sent through the process's
    sockets); with another backend they are ``None``, not a measurement."""
    out = {}
    for w in sizes:
        res = ranks[0][w]
        wrote = [ranks[r][w]["wrote"] for r in range(w)]
        sent = None
        if res["backend"] == "gloo" and all(x is not None for x in wrote):
            sent = tuple(float(x) for x in wrote)
        states = tuple(ranks[r][w]["state"] for r in range(w))
        out[w] = DDPResult(res["state"], float(res["bytes"]), res["backend"],
                           w, sent, states)
    return out
