"""n-gram baselines of Part VI 02 (book.part6.ngram)."""
import numpy as np
import pytest

from book.part6.ngram import NGramCounts, mean_nll


def _train(V=6, n=400, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, n)
    ids[::4] = 2                     # some structure: every 4th token is 2
    return ids


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_interpolated_and_kneser_ney_are_distributions(order):
    V = 6
    m = NGramCounts(_train(V), V, order)
    for ctx in ([2, 0, 1], [5, 5, 5], [1]):            # a seen and an unseen history, a short one
        lam = [0.9 / order] * order
        tot = sum(m.interpolated(ctx + [c], lam)[-1] for c in range(V))
        assert tot == pytest.approx(1.0, abs=1e-12)
        if order > 1:
            tot = sum(m.kneser_ney(ctx + [c], [0.7] * (order - 1))[-1] for c in range(V))
            assert tot == pytest.approx(1.0, abs=1e-12)


def test_bigram_ml_component_is_the_conditional_frequency():
    tr = [0, 1, 0, 1, 0, 2, 0, 1]
    m = NGramCounts(tr, 3, 2)
    comp, seen = m.ml_components([0, 1, 0, 2])  # targets 1 | 0, 0 | 1, 2 | 0
    assert seen.all()
    assert comp[2].tolist() == pytest.approx([3 / 4, 1.0, 1 / 4])
    assert comp[1].tolist() == pytest.approx([3 / 8, 4 / 8, 1 / 8])


def test_kneser_ney_uses_continuation_counts():
    # token 2 is frequent but follows only one distinct token; token 1 follows three
    tr = [0, 2, 0, 2, 0, 2, 0, 2, 3, 1, 4, 1, 0, 1, 0]
    m = NGramCounts(tr, 5, 2)
    p2 = m.kneser_ney([4, 2], [0.75])[-1]       # history 4 seen once (followed by 1)
    p1 = m.kneser_ney([4, 0], [0.75])[-1]
    assert m.unigram[2] > m.unigram[1]
    # lower-order share at history 4: continuation 2 → 1 context, 1 → 3 contexts
    cont = np.bincount(np.unique([a * 6 + b for a, b in zip(tr[:-1], tr[1:])]) % 6, minlength=6)
    assert cont[2] == 1 and cont[1] == 3
    assert p2 < m.kneser_ney([4, 1], [0.75])[-1]
    assert p1 > 0


def test_higher_order_wins_on_repetitive_text():
    tr = [0, 1, 2, 3] * 50
    m = NGramCounts(tr, 4, 3)
    ev = [0, 1, 2, 3, 0, 1, 2, 3]
    assert mean_nll(m.kneser_ney(ev, [0.5, 0.5])) < 0.5 < mean_nll(m.interpolated(ev, [0.9, 0.0, 0.0]))


@pytest.mark.parametrize("args, message", [
    (dict(train=[0, 1, 2], V=3, order=0), "order"),
    (dict(train=[0, 5], V=3, order=2), r"\[0, 3\)"),
    (dict(train=[0], V=3, order=1), "至少要有 2 个"),
])
def test_bad_input_is_rejected(args, message):
    with pytest.raises(ValueError, match=message):
        NGramCounts(**args)


def test_bad_weights_are_rejected():
    m = NGramCounts([0, 1, 2, 0, 1], 3, 2)
    with pytest.raises(ValueError, match="lambdas"):
        m.interpolated([0, 1], [0.6, 0.6])
    with pytest.raises(ValueError, match="discounts"):
        m.kneser_ney([0, 1], [1.2])
    with pytest.raises(ValueError, match="概率"):
        mean_nll(np.array([0.0, 0.5]))
