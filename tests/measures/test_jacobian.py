"""Layer Jacobians: autodiff against finite differences, dense against matrix-free top-k."""

import numpy as np
import pytest
import torch

from deepinside.measures import jacobian, spectrum_measures

F64 = torch.float64  # explicit everywhere: no global default dtype that would leak into other tests


def tiny_layers(sizes=(5, 7, 4, 3), seed=0, scale=0.8):
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(b, a, generator=g, dtype=F64) * scale, torch.randn(b, generator=g, dtype=F64) * 0.3)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def finite_difference_jacobian(f, x, eps=1e-6):
    columns = []
    for i in range(x.numel()):
        step = torch.zeros_like(x)  # same dtype as x
        step[i] = eps
        columns.append((f(x + step) - f(x - step)) / (2 * eps))
    return torch.stack(columns, dim=-1)


def test_input_jacobians_match_finite_differences():
    layers = tiny_layers()
    x = torch.rand(3, 5, generator=torch.Generator().manual_seed(1), dtype=F64)
    jacobians = jacobian.input_jacobians(layers, x)
    assert [tuple(j.shape) for j in jacobians] == [(3, 7, 5), (3, 4, 5), (3, 3, 5)]
    for t in range(3):
        for n in range(3):
            expected = finite_difference_jacobian(lambda v: jacobian.hidden_states(layers, v)[t], x[n])
            torch.testing.assert_close(jacobians[t][n], expected, atol=1e-8, rtol=1e-6)


def test_layer_jacobians_are_diag_sigmoid_prime_times_w_and_chain_to_the_input_map():
    layers = tiny_layers()
    x = torch.rand(2, 5, generator=torch.Generator().manual_seed(2), dtype=F64)
    states = jacobian.hidden_states(layers, x)
    between = jacobian.layer_jacobians(layers, x)
    for t, (weight, _) in enumerate(layers[1:]):
        h = states[t + 1]
        torch.testing.assert_close(between[t], (h * (1 - h))[:, :, None] * weight[None])
    inputs = jacobian.input_jacobians(layers, x)
    torch.testing.assert_close(between[1] @ between[0] @ inputs[0], inputs[2])  # chain rule


def test_closed_form_jacobians_equal_forward_mode_autodiff():
    # the closed form J(t) = diag(σ′) W(t) J(t−1) against torch.func's vmap(jacfwd), to rounding
    from torch.func import jacfwd, vmap

    layers = tiny_layers(sizes=(6, 9, 8, 5), seed=4, scale=1.5)
    x = torch.rand(4, 6, generator=torch.Generator().manual_seed(4), dtype=F64)
    autodiff = vmap(jacfwd(lambda v: jacobian.hidden_states(layers, v)))(x)
    for closed, reference in zip(jacobian.input_jacobians(layers, x), autodiff):
        torch.testing.assert_close(closed, reference, rtol=1e-13, atol=1e-15)
    states = jacobian.hidden_states(layers, x)
    for (weight, bias), h, closed in zip(layers[1:], states[:-1], jacobian.layer_jacobians(layers, x)):
        reference = vmap(jacfwd(lambda v, w=weight, b=bias: torch.sigmoid(v @ w.T + b)))(h)
        torch.testing.assert_close(closed, reference, rtol=1e-13, atol=1e-15)


def decaying_network(seed=0, n_in=60, hidden=(50, 40)):
    """A mid-size sigmoid net whose Jacobian has a decaying spectrum (as trained nets do)."""
    g = torch.Generator().manual_seed(seed)
    layers, a = [], n_in
    for b in hidden:
        u, _ = torch.linalg.qr(torch.randn(b, b, generator=g, dtype=F64))
        v, _ = torch.linalg.qr(torch.randn(a, a, generator=g, dtype=F64))
        s = 6.0 * torch.exp(-torch.arange(min(a, b), dtype=torch.float64) / 4.0)
        w = u[:, : len(s)] @ torch.diag(s) @ v[:, : len(s)].T
        layers.append((w, torch.zeros(b, dtype=F64)))
        a = b
    return layers


def test_matrix_free_top_k_agrees_with_the_dense_svd():
    layers = decaying_network()
    x = torch.rand(60, generator=torch.Generator().manual_seed(3), dtype=F64)
    dense = jacobian.input_jacobians(layers, x[None])[-1][0]
    s_dense, vh_dense = jacobian.singular_decomposition(dense[None])
    f = lambda v: jacobian.hidden_states(layers, v)[-1]
    s_free, vh_free = jacobian.randomized_top_singular(
        f, x, k=5, oversample=8, power_iterations=3, generator=torch.Generator().manual_seed(0)
    )
    torch.testing.assert_close(s_free, s_dense[0, :5], rtol=1e-6, atol=1e-12)
    overlap = (vh_free * vh_dense[0, :5]).sum(-1).abs()  # singular vectors up to sign
    assert torch.all(overlap > 1 - 1e-6), overlap


def test_matrix_free_works_on_image_shaped_maps():
    conv = torch.nn.Conv2d(3, 4, 3, padding=1).double()
    g = torch.Generator().manual_seed(5)  # not the global RNG: the test must not depend on test order
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=g, dtype=F64) * 0.3)
        conv.bias.copy_(torch.randn(conv.bias.shape, generator=g, dtype=F64) * 0.1)
    f = lambda v: torch.relu(conv(v[None]))[0]
    x = torch.rand(3, 6, 6, generator=torch.Generator().manual_seed(4), dtype=F64)
    full = torch.autograd.functional.jacobian(f, x).reshape(4 * 36, 3 * 36)
    s_dense = torch.linalg.svdvals(full)
    s_free, vh = jacobian.randomized_top_singular(
        f, x, k=4, oversample=10, power_iterations=4, generator=torch.Generator().manual_seed(1)
    )
    assert vh.shape == (4, 3 * 36)
    # a random conv layer has a nearly flat spectrum, the hard case for randomised SVD:
    # agreement to 1 % here (the decaying spectrum above agrees to 1e-6)
    torch.testing.assert_close(s_free, s_dense[:4], rtol=1e-2, atol=1e-10)


def test_spectrum_measures_by_hand():
    s = np.array([[4.0, 1.0, 0.5], [1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(spectrum_measures.count_above(s), [1, 0])
    np.testing.assert_allclose(spectrum_measures.effective_rank(s)[1], 3.0)
    assert spectrum_measures.effective_rank(s)[0] < 3.0
    np.testing.assert_allclose(spectrum_measures.log_decay(s), [np.log(8.0), 0.0])
    mask = np.array([True, False, False, True])
    np.testing.assert_allclose(
        spectrum_measures.energy_in_mask(np.array([[1.0, 1.0, 1.0, 1.0], [0, 2.0, 0, 0]]), mask), [0.5, 0.0]
    )
    with pytest.raises(ValueError):
        spectrum_measures.energy_in_mask(np.ones((1, 3)), mask)
