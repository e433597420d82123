"""SVD ordering, signs, subspace alignment and low-rank approximation."""

import numpy as np
import pytest

from deepinside.data import hierarchy
from deepinside.theory import svd_modes


def test_four_item_world_has_singular_values_sqrt7_sqrt3_1_1():
    _, s, _ = svd_modes.ordered_svd(hierarchy.item_property_matrix())
    np.testing.assert_allclose(s, np.sqrt([7, 3, 1, 1]), atol=1e-12)


def test_ordered_svd_sorts_descending_fixes_signs_and_reconstructs():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((9, 5))
    u, s, vt = svd_modes.ordered_svd(a)
    assert np.all(np.diff(s) <= 0)
    np.testing.assert_allclose((u * s) @ vt, a, atol=1e-12)
    for row in vt:
        assert row.sum() > 0 or (abs(row.sum()) < 1e-9 and row[np.argmax(np.abs(row))] > 0)
    # flipping the input's sign flips u, not v: the sign convention is tied to v
    u2, s2, vt2 = svd_modes.ordered_svd(-a)
    np.testing.assert_allclose(vt2, vt, atol=1e-12)
    np.testing.assert_allclose(u2, -u, atol=1e-12)


def test_modes_of_four_item_world_are_the_hierarchy_levels():
    _, s, vt = svd_modes.ordered_svd(hierarchy.item_property_matrix())
    groups = svd_modes.group_degenerate(s)
    assert groups == [[0], [1], [2, 3]]
    for group, basis in zip(groups, hierarchy.hierarchy_levels_four_items()):
        assert svd_modes.subspace_alignment(vt[group], basis) == pytest.approx(1.0, abs=1e-12)
    # and a wrong pairing is detected
    assert svd_modes.subspace_alignment(vt[[1]], hierarchy.hierarchy_levels_four_items()[0]) < 1e-9


def test_low_rank_error_matches_eckart_young():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((30, 20))
    u, s, vt = svd_modes.ordered_svd(a)
    errors = svd_modes.relative_error_by_rank(s, 20)
    for r in (1, 5, 19):
        direct = np.linalg.norm(a - svd_modes.low_rank_approximation(u, s, vt, r)) / np.linalg.norm(a)
        assert errors[r - 1] == pytest.approx(direct, rel=1e-10)
    assert errors[-1] == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError):
        svd_modes.low_rank_approximation(u, s, vt, 21)
