"""The binary-unit sampler draws exactly what torch.bernoulli draws on the CPU."""

import pytest
import torch

from deepinside.models import binary_sampling


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(2,), (7, 13), (100, 784), (3, 1000)])
def test_same_states_and_generator_state_as_torch_bernoulli(dtype, shape):
    p = torch.rand(shape, generator=torch.Generator().manual_seed(3), dtype=dtype)
    p.view(-1)[:2] = torch.tensor([0.0, 1.0], dtype=dtype)  # certain units included
    ours, theirs = torch.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    for _ in range(3):  # consecutive draws: the streams stay aligned
        drawn = binary_sampling.sample(p, ours)
        expected = torch.bernoulli(p, generator=theirs)
        assert drawn.dtype == dtype and drawn.shape == p.shape
        assert torch.equal(drawn, expected)
    assert torch.equal(ours.get_state(), theirs.get_state())
    assert drawn.view(-1)[0] == 0 and drawn.view(-1)[1] == 1


def test_non_contiguous_probabilities():
    p = torch.rand(50, 30, generator=torch.Generator().manual_seed(0)).T
    drawn = binary_sampling.sample(p, torch.Generator().manual_seed(1))
    assert torch.equal(drawn, torch.bernoulli(p, generator=torch.Generator().manual_seed(1)))


def test_frequencies_follow_the_probabilities():
    p = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64).expand(200_000, 3)
    mean = binary_sampling.sample(p, torch.Generator().manual_seed(2)).mean(0)
    torch.testing.assert_close(mean, p[0], atol=0.005, rtol=0)  # 5 sd ≈ 0.0034


def test_float32_uniforms_for_float64_probabilities_would_differ():
    """The control: uniforms of another precision give other states, so the equality above
    is a property of matching dtypes, not of any comparison with a uniform."""
    p = torch.rand(100, 784, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    wrong = (torch.rand(p.shape, generator=torch.Generator().manual_seed(11)) < p).to(p.dtype)
    assert not torch.equal(wrong, torch.bernoulli(p, generator=torch.Generator().manual_seed(11)))
