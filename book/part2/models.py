"""Small models of Part II that train several seeds at once.

Defined for chapter ``chapters/part2/02_algorithms`` (核心算法).

:class:`EnsembleMLP` holds ``S`` independent fully connected ReLU networks with
the same layer sizes and evaluates them with one batched matrix product per
layer (``torch.baddbmm``). Member ``s`` only ever sees ``x[s]`` and only its
own weights, so the gradient of the *sum* of the members' losses with respect
to member ``s`` is the gradient of member ``s``'s own loss, and Adam (which
works element by element) updates each member exactly as if it were trained
alone. On a CPU, where tiny networks spend most of their time in per-call
overhead, ``S`` seeds then cost about as much as one.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from .._checks import check_positive_int

__all__ = ["EnsembleMLP"]


class EnsembleMLP(nn.Module):
    """``members`` 个互相独立的 MLP，一次前向传播一起算。
    输入形状 ``(members, n, sizes[0])``，输出 ``(members, n, sizes[-1])``。

    ``members`` independent MLPs ``sizes[0] → … → sizes[-1]`` with ReLU between
    layers.

    ``forward`` takes ``x`` of shape ``(members, n, sizes[0])`` and returns
    ``(members, n, sizes[-1])``. Each member is initialised like ``nn.Linear``
    (uniform in ``±1/sqrt(fan_in)``), from the global PyTorch generator.
    """

    def __init__(self, members: int, sizes: Sequence[int]):
        super().__init__()
        self.members = check_positive_int("members", members)
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes 至少要有输入和输出两层，收到 {sizes!r}")
        self.sizes = [check_positive_int(f"sizes[{i}]", s)
                      for i, s in enumerate(sizes)]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            bound = 1.0 / math.sqrt(a)
            self.weights.append(nn.Parameter(
                (2 * torch.rand(self.members, a, b) - 1) * bound))
            self.biases.append(nn.Parameter(
                (2 * torch.rand(self.members, 1, b) - 1) * bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (x.ndim != 3 or x.shape[0] != self.members
                or x.shape[2] != self.sizes[0]):
            raise ValueError(f"输入应为 ({self.members}, n, {self.sizes[0]})，"
                             f"收到 {tuple(x.shape)}")
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = torch.relu(x)
        return x

    def member(self, s: int) -> nn.Sequential:
        """A stand-alone ``nn.Sequential`` copy of member ``s`` (same
        weights)."""
        if not 0 <= s < self.members:
            raise ValueError(f"s 应在 [0, {self.members}) 内，收到 {s}")
        layers: list[nn.Module] = []
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            lin = nn.Linear(w.shape[1], w.shape[2]).to(w.device, w.dtype)
            with torch.no_grad():
                lin.weight.copy_(w[s].T)
                lin.bias.copy_(b[s, 0])
            layers.append(lin)
            if i < len(self.weights) - 1:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)
