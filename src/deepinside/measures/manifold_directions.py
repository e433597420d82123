"""Directions tangent and normal to the data manifold at an image, estimated from the data.

Mototake 2015 (result 3) perturbs inputs along directions tangent to the manifold the
images lie on and along directions normal to it, and compares how the output changes.
The directions must come from the data, not from the network under test, or the test
decides its own answer (the network's own bottom singular vectors are, by definition,
directions it ignores).

Local PCA (the manifold-learning estimate of a tangent space, e.g. Bengio et al. 2012):
the k training images of the same class nearest to x span, after centring, a local
patch of the manifold; its top principal directions estimate the tangent space at x.

* tangent directions: the first principal directions of that patch;
* normal directions: random directions with no component in the patch's first
  ``tangent_dimension`` principal directions (projected onto the orthogonal complement
  and normalised), i.e. directions in which nearby images of the class do not vary,
  drawn only on the pixels that vary somewhere in the data (``mask``): a pixel that is
  zero in every image (MNIST's border) is a direction no network has seen, and
  perturbing it tests nothing about the manifold.

Sizes are measured in the patch's own scale, the spread (standard deviation) of the
neighbours along the first tangent direction (:func:`tangent_spread`): a size of 1 stays
inside the data cloud, larger sizes leave it.
"""

from __future__ import annotations

import numpy as np


def nearest_neighbours(x: np.ndarray, pool: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k rows of ``pool`` nearest to ``x`` (Euclidean), ``x`` itself excluded if present."""
    distances = ((pool - x) ** 2).sum(1)
    order = np.argsort(distances, kind="stable")
    order = order[distances[order] > 0]  # an identical copy of x carries no direction
    if len(order) < k:
        raise ValueError(f"need {k} neighbours, the pool has {len(order)}")
    return order[:k]


def local_tangent_basis(neighbours: np.ndarray, dimension: int) -> np.ndarray:
    """(dimension, d) orthonormal rows: the top principal directions of the centred neighbours."""
    centred = neighbours - neighbours.mean(0)
    _, _, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    if dimension > len(vt):
        raise ValueError(f"a tangent space of dimension {dimension} needs more than {len(vt)} neighbours")
    return vt[:dimension]


def normal_directions(
    basis: np.ndarray, count: int, rng: np.random.Generator, mask: np.ndarray | None = None
) -> np.ndarray:
    """(count, d) unit vectors orthogonal to every row of ``basis`` (random within the complement),
    zero outside ``mask`` (boolean (d,)) when given. The basis of a patch of data lies inside
    the pixels that vary, so projecting it out keeps the directions inside the mask."""
    raw = rng.standard_normal((count, basis.shape[1]))
    if mask is not None:
        raw *= mask
    raw -= (raw @ basis.T) @ basis
    return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def varying_pixels(images: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Boolean (d,): the pixels whose value varies over ``images``."""
    return np.asarray(images).std(0) > tolerance


def tangent_spread(neighbours: np.ndarray, basis: np.ndarray) -> float:
    """Standard deviation of the centred neighbours along the first tangent direction (the patch's scale)."""
    centred = neighbours - neighbours.mean(0)
    return float(np.std(centred @ basis[0], ddof=1))


def tangent_and_normal(
    x: np.ndarray,
    pool: np.ndarray,
    k: int,
    tangent_dimension: int,
    count: int,
    rng: np.random.Generator,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """``count`` tangent and ``count`` normal unit directions at ``x`` from its k nearest ``pool`` rows,
    and the patch's spread along its first tangent direction.

    The pool is the training images of x's class. Tangent: the first ``count`` principal
    directions of the patch; normal: orthogonal to its first ``tangent_dimension``, on the
    pixels of ``mask``.
    """
    if count > tangent_dimension:
        raise ValueError(
            f"{count} tangent directions need a tangent space of at least that dimension, got {tangent_dimension}"
        )
    neighbours = pool[nearest_neighbours(x, pool, k)]
    basis = local_tangent_basis(neighbours, tangent_dimension)
    return basis[:count], normal_directions(basis, count, rng, mask), tangent_spread(neighbours, basis)
