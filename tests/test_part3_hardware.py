"""Unit tests of book.part3.hardware and book.part3.economics (Part III, chapters 01 and 05)."""
from __future__ import annotations

import math

import pytest

from book.part3.economics import ApiPlan, break_even_tokens, monthly_profit
from book.part3.hardware import CpuInfo, parse_cpuinfo, read_cpu_info, simd_bits, theoretical_peak_flops

X86 = """processor\t: 0
model name\t: Test CPU
cpu MHz\t\t: 2000.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx avx2 fma

processor\t: 1
model name\t: Test CPU
cpu MHz\t\t: 2500.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx avx2 fma

processor\t: 2
model name\t: Test CPU
cpu MHz\t\t: 2000.000
physical id\t: 0
core id\t\t: 1
flags\t\t: fpu sse2 avx avx2 fma
"""

ARM = """processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm

processor\t: 1
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm
"""


@pytest.mark.parametrize("text, model, cores, mhz, bits, flag, peak", [
    # x86: three logical CPUs but two (physical id, core id) pairs; the highest clock is kept
    (X86, "Test CPU", 2, 2500.0, 256, "avx2", 2 * 2.5e9 * 8 * 2 * 2),
    # ARM: no model name and no clock in /proc/cpuinfo, so no theoretical peak
    (ARM, "未知 CPU", 2, None, 128, "asimd", None),
], ids=["x86", "arm-without-clock"])
def test_parse_cpuinfo(text, model, cores, mhz, bits, flag, peak):
    info = parse_cpuinfo(text)
    assert info.model == model and info.cores == cores and info.mhz == mhz
    assert simd_bits(info.flags) == bits and flag in info.flags
    assert theoretical_peak_flops(info) == (None if peak is None else pytest.approx(peak))


def test_simd_bits():
    assert simd_bits({"avx512f", "avx2"}) == 512
    assert simd_bits({"avx"}) == 256
    assert simd_bits({"sse2"}) == 128
    assert simd_bits(set()) == 64


def test_peak_formula():
    info = CpuInfo("x", cores=4, mhz=3000.0, flags=frozenset({"avx2", "fma"}))
    # 4 cores · 3e9 · 8 fp32 lanes · 2 (FMA) · 2 units
    assert theoretical_peak_flops(info) == pytest.approx(4 * 3e9 * 8 * 2 * 2)
    assert theoretical_peak_flops(info, cores=1, fma_units=1) == pytest.approx(3e9 * 8 * 2)
    assert theoretical_peak_flops(info, dtype_bits=64, cores=1) == pytest.approx(3e9 * 4 * 2 * 2)
    avx512 = CpuInfo("x", cores=1, mhz=1000.0, flags=frozenset({"avx512f"}))
    assert theoretical_peak_flops(avx512) == pytest.approx(1e9 * 16 * 4)


def test_bad_input():
    with pytest.raises(ValueError):
        parse_cpuinfo("no cpu here")
    with pytest.raises(ValueError):
        theoretical_peak_flops("cpu")
    info = CpuInfo("x", cores=1, mhz=1000.0, flags=frozenset())
    with pytest.raises(ValueError):
        theoretical_peak_flops(info, fma_units=0)
    with pytest.raises(ValueError):
        theoretical_peak_flops(info, cores=-1)


def test_read_cpu_info_missing_file(tmp_path):
    info = read_cpu_info(tmp_path / "nothing")
    assert info.mhz is None and info.cores == 1
    assert read_cpu_info().cores >= 1


# --- economics -----------------------------------------------------------------
def test_plan_cost_and_break_even():
    # 1000 tok/s at load 0.5 = 1.8M tokens per hour for $3.6 -> $2 per million
    plan = ApiPlan(price_per_million=4.0, gpu_tokens_per_second=1000, gpu_price_per_hour=3.6,
                   fixed_per_month=10_000, load=0.5)
    assert plan.cost_per_million == pytest.approx(2.0)
    assert break_even_tokens(plan) == pytest.approx(10_000 / 2.0 * 1e6)
    assert monthly_profit(plan, break_even_tokens(plan)) == pytest.approx(0.0, abs=1e-6)
    assert monthly_profit(plan, 0) == -10_000
    assert monthly_profit(plan, 1e10) == pytest.approx(1e4 * 2 - 1e4)


def test_price_below_cost_never_breaks_even():
    plan = ApiPlan(price_per_million=1.0, gpu_tokens_per_second=1000, gpu_price_per_hour=3.6, load=0.5)
    assert break_even_tokens(plan) == math.inf
    assert monthly_profit(plan, 1e9) < 0


@pytest.mark.parametrize("kw", [dict(load=0), dict(load=1.2), dict(gpu_tokens_per_second=0),
                                dict(price_per_million=-1), dict(fixed_per_month=float("nan"))])
def test_plan_rejects_bad(kw):
    args = dict(price_per_million=4.0, gpu_tokens_per_second=1000, gpu_price_per_hour=3.6)
    args.update(kw)
    with pytest.raises(ValueError):
        ApiPlan(**args)


def test_profit_rejects_bad():
    plan = ApiPlan(price_per_million=4.0, gpu_tokens_per_second=1000, gpu_price_per_hour=3.6)
    with pytest.raises(ValueError):
        monthly_profit(plan, -5)
    with pytest.raises(ValueError):
        monthly_profit("plan", 5)
    with pytest.raises(ValueError):
        break_even_tokens(None)
