"""GPU readiness without a GPU: the device helper's CUDA branch (availability injected), and
no chapter that hard-codes a device."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import book
from book.device import torch_device

ROOT = Path(__file__).resolve().parent.parent
HARD_CODED = re.compile(r"\.cuda\(|(?:device|\.to)\s*\(\s*[\"']cuda|device\s*=\s*[\"']cuda|[\"']cuda:\d")


def test_auto_picks_cuda_when_pytorch_sees_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert torch_device() == torch.device("cuda")
    assert torch_device("gpu") == torch.device("cuda")
    assert torch_device("cuda:1") == torch.device("cuda", 1)
    assert torch_device("cpu") == torch.device("cpu")


def test_auto_picks_cpu_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert torch_device() == torch.device("cpu")
    with pytest.raises(RuntimeError, match="CUDA"):
        torch_device("cuda")


def test_start_returns_the_helper_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert book.start(seed=1, threads=None) == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert book.start(seed=1, threads=None) == torch.device("cpu")
    with pytest.raises(ValueError, match="threads"):
        book.start(threads=0)


def test_no_chapter_hard_codes_a_device():
    offenders = []
    for md in sorted((ROOT / "chapters").rglob("*.md")):
        for n, line in enumerate(md.read_text(encoding="utf-8").splitlines(), 1):
            if HARD_CODED.search(line):
                offenders.append(f"{md.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders


def test_the_pattern_catches_hard_coded_devices():
    for bad in ('x.cuda()', 'torch.device("cuda")', "m.to('cuda')", 'f(device="cuda")', '"cuda:0"'):
        assert HARD_CODED.search(bad), bad
    for ok in ('if device.type == "cuda":', "x.to(device)"):
        assert not HARD_CODED.search(ok), ok
