"""Gradient flow of linear networks against the closed forms of Saxe et al. 2019."""

import numpy as np
import pytest

from deepinside.data import hierarchy
from deepinside.theory import linear_dynamics as ld
from deepinside.theory import svd_modes


@pytest.fixture
def world():
    sigma_yx = hierarchy.item_property_matrix()
    u, s, vt = svd_modes.ordered_svd(sigma_yx)
    return sigma_yx, u, s, vt


def test_deep_flow_from_decoupled_start_follows_the_sigmoid_exactly(world):
    sigma_yx, u, s, vt = world
    a0 = np.array([1e-3, 2e-3, 5e-4, 1e-3])
    w1, w2 = ld.decoupled_weights(u, vt, a0, hidden=6, rng=np.random.default_rng(1))
    times, w1_t, w2_t = ld.integrate_deep(sigma_yx, np.eye(4), w1, w2, tau=1.0, dt=0.002, n_steps=4000, record_every=20)
    simulated = ld.mode_strengths(w2_t @ w1_t, u, vt)
    theory = ld.deep_theory(s, a0, times, tau=1.0)
    np.testing.assert_allclose(simulated, theory, atol=1e-8)
    # and the modes really moved from a0 to s: the comparison is not between two constants
    np.testing.assert_allclose(simulated[0], a0, rtol=1e-12)
    np.testing.assert_allclose(simulated[-1], s, rtol=1e-3)


def test_deep_theory_respects_tau(world):
    _, _, s, _ = world
    t = np.linspace(0, 5, 11)
    a0 = np.full(4, 1e-3)
    np.testing.assert_allclose(ld.deep_theory(s, a0, 2 * t, tau=2.0), ld.deep_theory(s, a0, t, tau=1.0))


def test_deep_theory_is_the_papers_formula(world):
    _, _, s, _ = world
    t = np.array([0.0, 0.7, 1.9])
    a0 = np.array([1e-2, 3e-3, 1e-3, 2e-3])
    e = np.exp(2 * s[None] * t[:, None])
    np.testing.assert_allclose(ld.deep_theory(s, a0, t, 1.0), s * e / (e - 1 + s / a0), rtol=1e-12)


def test_deep_theory_rejects_non_positive_a0(world):
    _, _, s, _ = world
    with pytest.raises(ValueError, match="positive"):
        ld.deep_theory(s, np.array([1e-3, 0.0, 1e-3, 1e-3]), np.array([0.0]), 1.0)


def test_shallow_flow_follows_the_exponential_exactly_from_any_start(world):
    sigma_yx, u, s, vt = world
    w = np.random.default_rng(3).standard_normal(sigma_yx.shape)  # not small, not aligned
    times, w_t = ld.integrate_shallow(sigma_yx, np.eye(4), w, tau=0.5, dt=0.001, n_steps=3000, record_every=50)
    a0 = ld.mode_strengths(w[None], u, vt)[0]
    np.testing.assert_allclose(ld.mode_strengths(w_t, u, vt), ld.shallow_theory(s, a0, times, 0.5), atol=1e-10)


def test_effective_a0_predicts_random_small_start_within_a_few_percent(world):
    sigma_yx, u, s, vt = world
    rng = np.random.default_rng(0)
    w1 = ld.random_weights((16, 4), 0.01, rng)
    w2 = ld.random_weights((7, 16), 0.01, rng)
    times, w1_t, w2_t = ld.integrate_deep(sigma_yx, np.eye(4), w1, w2, 1.0, 0.005, 2000, 10)
    simulated = ld.mode_strengths(w2_t @ w1_t, u, vt)
    with_effective = np.abs(simulated - ld.deep_theory(s, ld.effective_initial_strength(w1, w2, u, vt), times, 1.0))
    assert with_effective.max() < 0.05 * s[0]
    # the direct projection u^T W(0) v is a worse a0 (it can even be negative)
    direct = ld.mode_strengths((w2 @ w1)[None], u, vt)[0]
    with_direct = np.abs(simulated - ld.deep_theory(s, np.abs(direct), times, 1.0))
    assert with_direct.max() > 2 * with_effective.max()


def test_effective_a0_equals_a0_for_decoupled_weights(world):
    _, u, _, vt = world
    a0 = np.array([4e-3, 1e-3, 2e-3, 3e-3])
    w1, w2 = ld.decoupled_weights(u, vt, a0, hidden=5, rng=np.random.default_rng(7))
    np.testing.assert_allclose(ld.effective_initial_strength(w1, w2, u, vt), a0, rtol=1e-10)


def test_rk4_is_fourth_order():
    # shallow flow on a 1x1 problem: w' = 1 - w, w(0)=0 -> 1 - e^{-t}
    errors = []
    for dt in (0.2, 0.1):
        times, w_t = ld.integrate_shallow(np.ones((1, 1)), np.eye(1), np.zeros((1, 1)), 1.0, dt, int(2 / dt))
        errors.append(abs(w_t[-1, 0, 0] - (1 - np.exp(-2.0))))
    assert 12 < errors[0] / errors[1] < 20  # 2^4 = 16


def test_divergence_is_reported():
    with pytest.raises(FloatingPointError, match="diverged"):
        ld.integrate_shallow(np.ones((1, 1)), np.eye(1), np.zeros((1, 1)), 1e-3, 10.0, 200)
