"""book.part2.models.EnsembleMLP: members are independent networks."""
import pytest
import torch

from book.part2.models import EnsembleMLP


def test_members_match_standalone_copies():
    torch.manual_seed(0)
    ens = EnsembleMLP(3, [2, 5, 4, 1])
    x = torch.randn(3, 7, 2)
    out = ens(x)
    assert out.shape == (3, 7, 1)
    for s in range(3):
        assert torch.allclose(out[s], ens.member(s)(x[s]), atol=1e-6)


def test_gradient_of_sum_is_each_members_own_gradient():
    torch.manual_seed(1)
    ens = EnsembleMLP(2, [3, 4, 1])
    x, y = torch.randn(2, 6, 3), torch.randn(2, 6, 1)
    ((ens(x) - y) ** 2).mean((1, 2)).sum().backward()
    alone = ens.member(1)
    ((alone(x[1]) - y[1]) ** 2).mean().backward()
    assert torch.allclose(ens.weights[0].grad[1], alone[0].weight.grad.T, atol=1e-6)
    assert torch.allclose(ens.biases[1].grad[1, 0], alone[2].bias.grad, atol=1e-6)


def test_bad_input_is_reported():
    with pytest.raises(ValueError, match="至少要有"):
        EnsembleMLP(2, [3])
    with pytest.raises(ValueError, match="members"):
        EnsembleMLP(0, [2, 1])
    ens = EnsembleMLP(2, [3, 1])
    with pytest.raises(ValueError, match="输入应为"):
        ens(torch.randn(3, 4, 3))
    with pytest.raises(ValueError, match="s 应在"):
        ens.member(2)
