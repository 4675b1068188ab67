"""Unit tests of book.part6.scaling_lm (counting, budgets, seed bootstrap; chapter part6/03_scaling)."""
from __future__ import annotations

import numpy as np
import pytest

import book.cost
from book.part6.gpt import GPT, GPTConfig
from book.part6.scaling_lm import param_counts, seed_bootstrap, steps_for_budget, train_flops_per_token


def _cfg(d=8, V=50, T=16, L=2):
    return GPTConfig(vocab_size=V, block_size=T, n_layer=L, n_head=2, d_model=d)


def test_param_counts_match_the_module():
    for d, V, T, L in [(4, 30, 8, 1), (8, 50, 16, 2), (16, 100, 32, 3)]:
        cfg = _cfg(d, V, T, L)
        p = param_counts(cfg)
        assert p["total"] == GPT(cfg).n_params()
        assert p["embedding"] == (V + T) * d
        assert p["non_embedding"] == L * (12 * d * d + 13 * d) + 2 * d


def test_train_flops_per_token_is_three_forward_passes():
    cfg = _cfg(8, 50, 16, 2)
    fwd = 2 * 12 * 2 * 64 + 2 * 2 * 16 * 8 + 2 * 8 * 50
    assert train_flops_per_token(cfg) == 3 * fwd
    assert train_flops_per_token(cfg) == 3 * (book.cost.gpt_flops_per_token(2, 8, 16)
                                              + book.cost.gpt_head_flops_per_token(8, 50))


def test_steps_for_budget_spends_the_budget():
    cfg = _cfg()
    per_step = train_flops_per_token(cfg) * 4 * cfg.block_size
    assert steps_for_budget(10 * per_step, cfg, 4) == 10
    assert steps_for_budget(10.4 * per_step, cfg, 4) == 10
    assert steps_for_budget(11 * per_step, cfg, 4, multiple=4) == 12
    assert steps_for_budget(13 * per_step, cfg, 4, multiple=2) in (12, 14)
    assert steps_for_budget(13 * per_step, cfg, 4, multiple=2) % 2 == 0


def test_steps_for_budget_bad_input():
    cfg = _cfg()
    with pytest.raises(ValueError, match="不够训练"):
        steps_for_budget(1.0, cfg, 4)
    with pytest.raises(ValueError):
        steps_for_budget(-1.0, cfg, 4)
    with pytest.raises(ValueError):
        steps_for_budget(1e9, cfg, 0)
    with pytest.raises(ValueError):
        steps_for_budget(1e9, cfg, 4, multiple=0)
    with pytest.raises(TypeError):
        param_counts("not a config")
    with pytest.raises(TypeError):
        train_flops_per_token(None)


def test_seed_bootstrap_resamples_seeds_per_size():
    losses = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    draws = seed_bootstrap(losses, lambda m: m[0], n_boot=2000, seed=0)
    assert set(np.round(draws * 3).astype(int)) <= set(range(3, 10))     # means of 3 draws from {1,2,3}
    assert abs(draws.mean() - 2.0) < 0.05
    # columns are resampled independently: the two means are not always the same multiple
    ratio = seed_bootstrap(losses, lambda m: m[1] / m[0], n_boot=500, seed=0)
    assert np.ptp(ratio) > 0
    same = seed_bootstrap(losses, lambda m: m[0], n_boot=50, seed=3)
    assert np.array_equal(same, seed_bootstrap(losses, lambda m: m[0], n_boot=50, seed=3))


def test_seed_bootstrap_failed_statistic_gives_nan():
    losses = np.array([[1.0, 2.0], [1.1, 2.1]])

    def fails(m):
        raise ValueError("拟合失败")
    assert np.isnan(seed_bootstrap(losses, fails, n_boot=20)).all()


def test_seed_bootstrap_bad_input():
    with pytest.raises(ValueError, match="种子数"):
        seed_bootstrap(np.ones((1, 3)), lambda m: 0.0)
    with pytest.raises(ValueError):
        seed_bootstrap(np.ones(5), lambda m: 0.0)
    with pytest.raises(ValueError, match="非有限"):
        seed_bootstrap(np.array([[1.0, np.nan], [1.0, 1.0]]), lambda m: 0.0)
    with pytest.raises(ValueError):
        seed_bootstrap(np.ones((2, 2)), lambda m: 0.0, n_boot=0)
