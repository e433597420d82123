"""Hierarchically structured item–property data (Saxe, McClelland & Ganguli 2019).

Two data sets:

* :func:`item_property_matrix` — the four items (canary, salmon, oak, rose) and seven
  properties (grow, move, roots, fly, swim, bark, petals) of Saxe et al. 2019, Fig. 1/3,
  exactly as written out in the talk (seed 004). Column ``i`` is the property vector
  ``y`` of item ``i``; with one-hot inputs and Σx = I this matrix *is* Σyx.
* :func:`branching_diffusion` — the generative model of the paper's SI: a tree of
  depth D and branching factor B; each feature takes a random ±1 value at the root and
  flips with probability ε on every edge on its way down; the leaves are the items.
"""

from __future__ import annotations

import numpy as np

ITEMS = ("canary", "salmon", "oak", "rose")
PROPERTIES = ("grow", "move", "roots", "fly", "swim", "bark", "petals")


def item_property_matrix() -> np.ndarray:
    """The 7×4 property matrix of the four-item world (rows: :data:`PROPERTIES`)."""
    return np.array(
        [
            [1, 1, 1, 1],  # grow: every living thing
            [1, 1, 0, 0],  # move: animals
            [0, 0, 1, 1],  # roots: plants
            [1, 0, 0, 0],  # fly: canary
            [0, 1, 0, 0],  # swim: salmon
            [0, 0, 1, 0],  # bark: oak
            [0, 0, 0, 1],  # petals: rose
        ],
        dtype=float,
    )


def hierarchy_levels_four_items() -> list[np.ndarray]:
    """Orthonormal bases of the item-space directions of each level of the hierarchy.

    Level 0: "living thing" (all items alike); level 1: animal vs plant; level 2: the
    distinctions inside each branch (canary vs salmon, oak vs rose). Each entry is a
    (k, 4) array whose rows span that level.
    """
    return [
        np.array([[1, 1, 1, 1]]) / 2.0,
        np.array([[1, 1, -1, -1]]) / 2.0,
        np.array([[1, -1, 0, 0], [0, 0, 1, -1]]) / np.sqrt(2.0),
    ]


def tree_lca_depth(depth: int, branching: int) -> np.ndarray:
    """Depth of the lowest common ancestor of every pair of leaves of a complete tree.

    Leaves are numbered left to right; entry (i, j) is the depth (0 = root) of the
    deepest node that has both i and j below it; ``depth`` on the diagonal.
    """
    if depth < 1 or branching < 2:
        raise ValueError(f"need depth >= 1 and branching >= 2, got depth={depth}, branching={branching}")
    n_items = branching**depth
    leaves = np.arange(n_items)
    lca = np.zeros((n_items, n_items), dtype=int)
    for level in range(1, depth + 1):
        block = branching ** (depth - level)
        same = (leaves[:, None] // block) == (leaves[None, :] // block)
        lca[same] = level
    return lca


def branching_diffusion(
    depth: int,
    branching: int,
    n_features: int,
    flip_prob: float,
    seed: int,
) -> np.ndarray:
    """Sample features of the items (leaves) of a tree by a branching diffusion.

    Each feature starts at the root as +1 or −1 with equal probability; every child
    copies its parent's value and flips it with probability ``flip_prob``. Returns an
    (n_features, branching**depth) array of ±1 (Saxe et al. 2019, SI "hierarchical
    data"). The correlation of two leaves whose lowest common ancestor lies k edges
    above them is (1 − 2ε)^(2k).
    """
    if not 0.0 <= flip_prob <= 0.5:
        raise ValueError(f"flip_prob must lie in [0, 0.5], got {flip_prob}")
    rng = np.random.default_rng(seed)
    values = rng.choice([-1.0, 1.0], size=(n_features, 1))
    for _ in range(depth):
        children = np.repeat(values, branching, axis=1)
        flips = rng.random(children.shape) < flip_prob
        values = np.where(flips, -children, children)
    return values
