"""Unit tests of book.part6.finetune (LoRA by hand, DDP on two CPU processes; chapter part6/05)."""
from __future__ import annotations

import multiprocessing
import sys

import pytest
import torch

from book.part6.gpt import GPT, GPTConfig
from book.part6.finetune import LoRALinear, add_lora, count_trainable, run_ddp, train_reference


def test_lora_starts_at_the_base_model_and_counts():
    torch.manual_seed(0)
    m = GPT(GPTConfig(20, 8, 2, 2, 16))
    x = torch.randint(0, 20, (2, 8))
    before = m(x)[0]
    add_lora(m, r=2, alpha=4.0)
    assert torch.allclose(m(x)[0], before)                      # B = 0
    assert count_trainable(m) == 2 * 2 * (16 + 48)               # 2 layers × r·(in + out)
    layer = m.h[0].attn.c_attn
    assert isinstance(layer, LoRALinear) and not layer.base.weight.requires_grad


def test_lora_forward_and_merge():
    torch.manual_seed(0)
    lin = torch.nn.Linear(6, 5).double()
    lo = LoRALinear(lin, r=2, alpha=3.0)
    with torch.no_grad():
        lo.lora_B.normal_()
    z = torch.randn(4, 6, dtype=torch.float64)
    expect = lin(z) + 1.5 * z @ lo.lora_A.T @ lo.lora_B.T
    assert torch.allclose(lo(z), expect)
    assert torch.allclose(z @ lo.merged_weight().T + lin.bias, lo(z))


def test_lora_bad_input():
    lin = torch.nn.Linear(4, 3)
    with pytest.raises(ValueError):
        LoRALinear(lin, r=0, alpha=1.0)
    with pytest.raises(ValueError):
        LoRALinear(lin, r=4, alpha=1.0)                          # rank above min(in, out)
    for alpha in (0.0, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="alpha"):
            LoRALinear(lin, r=1, alpha=alpha)
    with pytest.raises(ValueError):
        add_lora(torch.nn.Sequential(torch.nn.ReLU()), r=1, alpha=1.0)


CFG = GPTConfig(30, 8, 1, 2, 16)
DATA = torch.randint(0, 30, (500,), generator=torch.Generator().manual_seed(0))


def test_ddp_equals_single_process_and_joins():
    # one launch of 3 processes serves W = 3 and (sub-group of ranks 0, 1) W = 2
    res = run_ddp(CFG, DATA, world_sizes=(3, 2), steps=3, batch=6, lr=0.1)
    ref = train_reference(CFG, DATA, steps=3, batch=6, lr=0.1)
    assert sorted(res) == [2, 3]
    for w, r in res.items():
        assert r.world_size == w and len(r.rank_states) == w
        for st in r.rank_states:                                 # every rank, not only rank 0
            assert max((st[k] - ref[k]).abs().max().item() for k in ref) < 1e-5
        assert r.allreduce_bytes_per_step == 4 * GPT(CFG).n_params()
    assert not multiprocessing.active_children()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/io is Linux's")
def test_ddp_measured_traffic_follows_the_ring_formula():
    """Bytes each process wrote during its run: 2(W-1)/W of the gradient at W = 2 and 3 (a
    process that sent its gradient once, or to every peer, fails at W = 3; counting the
    W = 3 run's bytes into the W = 2 run, which shares its launch, fails at W = 2)."""
    big = GPTConfig(30, 8, 2, 2, 64)                                 # ~0.4 MB of gradient per step
    grad = 4 * GPT(big).n_params()
    res = run_ddp(big, DATA, world_sizes=(3, 2), steps=2, batch=6, lr=0.1)
    for w, r in res.items():
        assert r.sent_bytes_per_step is not None and len(r.sent_bytes_per_step) == w
        for sent in r.sent_bytes_per_step:
            assert 1.0 <= sent / (2 * (w - 1) / w * grad) < 1.02      # + message headers
    assert not multiprocessing.active_children()


def test_written_bytes_counts_writes(tmp_path):
    from book.part6.finetune import written_bytes

    before = written_bytes()
    if before is None:
        pytest.skip("no /proc/self/io")
    with open(tmp_path / "x.bin", "wb", buffering=0) as f:
        f.write(b"0" * 100_000)
    assert written_bytes() - before >= 100_000


def test_run_ddp_never_forks(monkeypatch):
    # fork from a threaded parent (Jupyter kernel, xdist worker) deadlocked once: never fork;
    # a fork server (imports torch once, forks the workers from itself) where the system has one
    import multiprocessing

    import torch.multiprocessing as mp

    from book.part6.finetune import start_method

    seen = {}

    def fake_start(fn, args, nprocs, join, start_method):
        seen.update(nprocs=nprocs, join=join, start_method=start_method)
        raise RuntimeError("stop here")

    monkeypatch.setattr(mp, "start_processes", fake_start)
    with pytest.raises(RuntimeError, match="stop here"):
        run_ddp(CFG, DATA, world_sizes=(2, 3), batch=6)
    expect = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    assert seen == {"nprocs": 3, "join": True, "start_method": expect}   # one launch, the largest W
    assert start_method(["spawn", "fork", "forkserver"]) == "forkserver"
    assert start_method(["spawn"]) == "spawn"                              # Windows
    assert start_method(["fork", "spawn"]) == "spawn"                      # never fork


@pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(),
                    reason="no fork server on this system")
def test_ddp_fork_server_preloads_torch_and_is_stopped():
    from multiprocessing import forkserver

    server = forkserver._forkserver
    res = run_ddp(CFG, DATA, world_sizes=(2,), steps=1, batch=2)
    assert res[2].world_size == 2
    assert "torch" in server._preload_modules
    assert server._forkserver_pid is None                 # stopped and reaped: nothing outlives the call
    assert not multiprocessing.active_children()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/<pid>/task is Linux's")
def test_fork_server_is_single_threaded_when_it_forks(monkeypatch):
    # run_ddp starts it with OMP_NUM_THREADS=1; without it numpy's OpenBLAS starts a thread
    from book.part6.finetune import _start_forkserver, _stop_forkserver

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    pid = _start_forkserver()
    try:
        import multiprocessing
        import os

        child = multiprocessing.get_context("forkserver").Process(target=os.getpid)
        child.start()                                      # served after the preload finished
        child.join()
        assert child.exitcode == 0
        assert len(os.listdir(f"/proc/{pid}/task")) == 1
    finally:
        _stop_forkserver()


def test_ddp_failure_still_joins_every_process():
    # the failing rank raises; its peer may fail first (its connection closes), so the error
    # reported is either the deliberate one or the peer's (torch names the process)
    with pytest.raises(Exception, match=r"故意失败|Process \d+ terminated"):
        run_ddp(CFG, DATA, world_sizes=(2,), steps=2, batch=4, fail_rank=1)
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("kw", [dict(world_sizes=(0,)), dict(world_sizes=(2,), batch=3),
                                dict(world_sizes=(2, 3), batch=4), dict(world_sizes=(2, 2)),
                                dict(world_sizes=()), dict(world_sizes=2), dict(world_sizes=(2,), steps=0)])
def test_ddp_bad_input(kw):
    with pytest.raises(ValueError):
        run_ddp(CFG, DATA, **kw)
    with pytest.raises(ValueError):
        run_ddp(CFG, DATA[:5], world_sizes=(1,))
    assert not multiprocessing.active_children()


def test_backend_choice_by_injected_availability():
    from book.part6.finetune import choose_backend

    assert choose_backend(2, cuda_available=True, device_count=2) == "nccl"
    assert choose_backend(2, cuda_available=True, device_count=8) == "nccl"
    assert choose_backend(3, cuda_available=True, device_count=2) == "gloo"   # too few GPUs: one per process
    assert choose_backend(2, cuda_available=False, device_count=0) == "gloo"
    assert choose_backend(2, cuda_available=False) == "gloo"
    with pytest.raises(ValueError):
        choose_backend(0, cuda_available=True, device_count=2)


def test_written_bytes_are_a_measurement_only_with_gloo():
    from book.part6.finetune import _collect

    st = {"w": torch.zeros(1)}
    for backend, expect in (("gloo", (10.0, 12.0)), ("nccl", None)):
        ranks = [{2: {"state": st, "bytes": 4.0, "wrote": 10, "backend": backend}},
                 {2: {"state": st, "bytes": 4.0, "wrote": 12, "backend": backend}}]
        res = _collect(ranks, (2,))[2]
        assert res.sent_bytes_per_step == expect and len(res.rank_states) == 2
    ranks[1][2]["wrote"] = None
    ranks[0][2]["backend"] = ranks[1][2]["backend"] = "gloo"
    assert _collect(ranks, (2,))[2].sent_bytes_per_step is None        # no /proc/self/io
