"""Hierarchical data, representational similarity and half-rise times."""

import numpy as np
import pytest

from deepinside.data import hierarchy
from deepinside.measures import curves
from deepinside.measures import representation_similarity as rsa


def test_lca_depth_of_binary_tree():
    lca = hierarchy.tree_lca_depth(2, 2)
    expected = np.array([[2, 1, 0, 0], [1, 2, 0, 0], [0, 0, 2, 1], [0, 0, 1, 2]])
    np.testing.assert_array_equal(lca, expected)


def test_branching_diffusion_correlations_follow_the_flip_probability():
    eps = 0.1
    y = hierarchy.branching_diffusion(depth=3, branching=2, n_features=40000, flip_prob=eps, seed=0)
    assert set(np.unique(y)) == {-1.0, 1.0}
    corr = (y.T @ y) / y.shape[0]
    lca = hierarchy.tree_lca_depth(3, 2)
    for depth_of_lca in range(3):
        k = 3 - depth_of_lca  # edges from each leaf up to the common ancestor
        mask = lca == depth_of_lca
        assert corr[mask].mean() == pytest.approx((1 - 2 * eps) ** (2 * k), abs=0.02)


def test_branching_diffusion_is_deterministic_in_its_seed():
    a = hierarchy.branching_diffusion(2, 3, 50, 0.2, seed=5)
    np.testing.assert_array_equal(a, hierarchy.branching_diffusion(2, 3, 50, 0.2, seed=5))
    assert not np.array_equal(a, hierarchy.branching_diffusion(2, 3, 50, 0.2, seed=6))


def test_level_distinctions_by_hand():
    # 4 items, 1 hidden unit: h = [0, 1, 3, 6]
    h = np.array([[[0.0, 1.0, 3.0, 6.0]]])
    d = rsa.level_distinctions(h, hierarchy.tree_lca_depth(2, 2))
    # root split pairs: (0,2),(0,3),(1,2),(1,3): 9, 36, 4, 25 -> 18.5; siblings (0,1),(2,3): 1, 9 -> 5
    np.testing.assert_allclose(d, [[18.5, 5.0]])


def test_half_rise_times_interpolates_and_flags_flat_curves():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    c = np.array([[0.0, 5.0], [1.0, 5.0], [3.0, 5.0], [4.0, 5.0]])
    out = curves.half_rise_times(t, c)
    assert out[0] == pytest.approx(1.5)
    assert np.isnan(out[1])
