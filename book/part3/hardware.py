"""A CPU's theoretical peak FLOP/s, derived from what the machine says about itself.

Used by ``chapters/part3/01_unit_economics``. The peak is

    cores × clock (cycles/s) × SIMD lanes × 2 (a fused multiply-add is 2 FLOPs) × FMA units per core,

with the number of lanes read from the instruction-set flags (AVX-512 → 512-bit registers,
AVX/AVX2 → 256-bit, SSE/NEON → 128-bit). Two things the flags cannot tell: how many FMA
units a core has (2 on most recent x86 server cores, a parameter here) and whether a
"256-bit" unit is really two 128-bit halves (AMD Zen 1). The measured fraction of this
peak is what shows it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .._checks import check_positive_int

__all__ = ["CpuInfo", "parse_cpuinfo", "read_cpu_info", "simd_bits", "theoretical_peak_flops"]


@dataclass(frozen=True)
class CpuInfo:
    """What ``/proc/cpuinfo`` says: model name, physical cores, clock in MHz (``None`` if not reported), flags."""

    model: str
    cores: int
    mhz: float | None
    flags: frozenset[str]


def parse_cpuinfo(text: str) -> CpuInfo:
    """Parse the text of ``/proc/cpuinfo`` (x86 ``flags`` or ARM ``Features``).

    Physical cores are the distinct ``(physical id, core id)`` pairs when those fields exist,
    else the number of ``processor`` entries. The clock is the largest ``cpu MHz`` (absent on
    many ARM machines and some VMs: then ``mhz`` is ``None``).
    """
    if not isinstance(text, str) or "processor" not in text:
        raise ValueError("parse_cpuinfo 需要 /proc/cpuinfo 的文本（至少含一个 processor 条目）")
    blocks = [b for b in re.split(r"\n\s*\n", text) if "processor" in b]
    model, flags, mhz = "未知 CPU", set(), []
    pairs = set()
    for b in blocks:
        fields = {}
        for line in b.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
        model = fields.get("model name", fields.get("cpu model", model))
        flags |= set((fields.get("flags") or fields.get("features") or "").split())
        if fields.get("cpu mhz"):
            try:
                mhz.append(float(fields["cpu mhz"]))
            except ValueError:
                pass
        if "core id" in fields:
            pairs.add((fields.get("physical id", "0"), fields["core id"]))
    cores = len(pairs) if pairs else len(blocks)
    return CpuInfo(model=model, cores=cores, mhz=max(mhz) if mhz else None, flags=frozenset(flags))


def read_cpu_info(path: str | Path = "/proc/cpuinfo") -> CpuInfo:
    """Read and parse ``/proc/cpuinfo``; on a machine without it, an unknown CPU (1 core, no clock, no flags)."""
    p = Path(path)
    if not p.exists():
        return CpuInfo(model="未知 CPU（无 /proc/cpuinfo）", cores=1, mhz=None, flags=frozenset())
    return parse_cpuinfo(p.read_text())


def simd_bits(flags: frozenset[str] | set[str]) -> int:
    """Widest SIMD register the flags announce: 512 (AVX-512F), 256 (AVX/AVX2), 128 (SSE2/NEON), else 64."""
    if "avx512f" in flags:
        return 512
    if "avx2" in flags or "avx" in flags:
        return 256
    if "sse2" in flags or "asimd" in flags or "neon" in flags:
        return 128
    return 64


def theoretical_peak_flops(
    info: CpuInfo,
    *,
    dtype_bits: int = 32,
    fma_units: int = 2,
    cores: int | None = None,
) -> float | None:
    """理论峰值 FLOP/s：
    ``核数 × 主频 × (SIMD 位宽 / 数据位宽) × 2 × FMA 单元数``；
    主频未知时为 ``None``。

    ``cores × clock × (simd_bits / dtype_bits) × 2 × fma_units`` FLOP/s,
    or ``None`` if the clock is unknown.

    ``cores`` defaults to all physical cores; pass ``cores=1`` for one thread.
    """
    if not isinstance(info, CpuInfo):
        raise ValueError(
            "info 应为 CpuInfo（用 read_cpu_info() 得到），"
            f"收到 {type(info).__name__}"
        )
    bits = check_positive_int("dtype_bits（数据位宽）", dtype_bits)
    units = check_positive_int("fma_units（每核 FMA 单元数）", fma_units)
    n = (
        info.cores
        if cores is None
        else check_positive_int("cores（核数）", cores)
    )
    if info.mhz is None or info.mhz <= 0:
        return None
    lanes = max(simd_bits(info.flags) // bits, 1)
    return n * info.mhz * 1e6 * lanes * 2 * units
