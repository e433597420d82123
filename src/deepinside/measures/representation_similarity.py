"""Representational similarity of hidden layers and the order in which distinctions appear.

Saxe et al. 2019 ("progressive differentiation", Fig. 4 and RSA section): as a deep
linear network learns hierarchical data, the hidden representations of items first
split along the broadest distinction of the hierarchy and only later along finer ones.

For item representations h_i (columns of H), :func:`similarity_matrix` gives the
representational similarity matrix Hᵀ H. :func:`level_distinctions` measures, for
every level ℓ of the tree, how far apart items are whose lowest common ancestor sits at
depth ℓ, (its half-rise time, :func:`deepinside.measures.curves.half_rise_times`,
says when that distinction is learned).
"""

from __future__ import annotations

import numpy as np


def similarity_matrix(hidden: np.ndarray) -> np.ndarray:
    """Hᵀ H for hidden representations H (units × items), or stacked (T × units × items)."""
    hidden = np.asarray(hidden, dtype=float)
    return np.einsum("...ui,...uj->...ij", hidden, hidden)


def level_distinctions(hidden: np.ndarray, lca_depth: np.ndarray) -> np.ndarray:
    """Mean squared distance ‖h_i − h_j‖² over item pairs split at each tree depth.

    ``hidden`` is T × units × items; ``lca_depth`` (items × items) gives the depth of the
    lowest common ancestor of each pair (see :func:`deepinside.data.hierarchy.tree_lca_depth`).
    Returns T × levels, column ℓ for pairs whose paths part at depth ℓ (0 = root split,
    the broadest distinction).
    """
    hidden = np.asarray(hidden, dtype=float)
    gram = similarity_matrix(hidden)
    norms = np.einsum("tii->ti", gram)
    sq_dist = norms[:, :, None] + norms[:, None, :] - 2.0 * gram
    levels = int(lca_depth.max())
    out = np.empty((hidden.shape[0], levels))
    for level in range(levels):
        mask = lca_depth == level
        if not mask.any():
            raise ValueError(f"no item pair splits at depth {level}")
        out[:, level] = sq_dist[:, mask].mean(axis=1)
    return out
