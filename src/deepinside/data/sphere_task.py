"""The 12-bit task of Shwartz-Ziv & Tishby 2017: binary inputs on a sphere, a spherically symmetric label.

The original labelling ships with the authors' code as ``var_u.mat`` (public IDNNs
repository; not redistributed here). Its statistics, over all 4,096 patterns:
2,118 patterns are labelled 1 (p(y = 1) = 0.5171); patterns with 0–4 active bits are
always 0, with 8–12 always 1; of the patterns with 5 / 6 / 7 active bits, 60 of 792
(7.58 %), 532 of 924 (57.58 %) and 732 of 792 (92.42 %) are 1. The labels are a
deterministic function of the pattern, so I(X;Y) = H(Y) = 0.9992 bits (the paper's
"≈ 0.99 bits").

**Geometry.** The 12 bits stand for the 12 vertices n_i of a regular icosahedron
(12 points spread perfectly evenly on the unit sphere). Bit i sits on vertex
``BIT_VERTEX[i]`` of :func:`icosahedron_vertices`.

**Rule.** With k(x) = Σ_i x_i the number of active bits and R(x) = ‖Σ_i x_i n_i‖ the
length (not squared) of the resultant of the active vertices,

    y(x) = Θ(k(x) + λ R(x) − θ),   λ = 1, θ = 7.6.

Both terms depend only on distances between active vertices, so the rule is invariant
under every rotation and reflection of the sphere that maps vertices to vertices.
Patterns whose active bits cluster together (large R) reach the threshold with fewer
active bits. Any λ in about [0.88, 1.24] (θ adjusted) gives the same labels.

**How it was checked.** The counts above follow from the rule for any assignment of
bits to vertices (a relabelling of bits permutes patterns within each k). The
assignment ``BIT_VERTEX`` is the one of the original file. It was read off
``var_u.mat``: among its positive 6-bit patterns, bits on neighbouring vertices occur
together 134 times, all other pairs 110 times. Those counts give the icosahedron's
neighbour graph, and the assignment is an isomorphism onto it. With it, the rule
reproduces every one of the 4,096 original labels: zero mismatches.
``tests/test_information.py`` pins the label vector's SHA-256 to the original's.
An earlier version of this module used the squared resultant ‖Σ x_i n_i‖². No weight on
that term reproduces the statistics: the best fit gave 61.9 % for six active bits.

``load_mat`` reads the original ``var_u.mat`` (keys ``F`` and ``y``) where a user has it.
"""

from __future__ import annotations

import itertools
import os

import numpy as np

N_BITS = 12
PATTERNS = 2**N_BITS

# Counts of the original labelling (var_u.mat): patterns labelled 1, in all and by active bits.
ORIGINAL_COUNTS = {"positives": 2118, "by_active": {5: 60, 6: 532, 7: 732}}
# SHA-256 of the original label vector (4,096 uint8 values, patterns in binary-counting order).
ORIGINAL_LABELS_SHA256 = "77732f16f85e91b49d3997196b56163b3bd362d8cf631468a8de3f986e88359f"

RULE_WEIGHT = 1.0  # λ
RULE_THRESHOLD = 7.6  # θ
BIT_VERTEX = (0, 1, 3, 7, 8, 6, 4, 10, 11, 9, 5, 2)


def icosahedron_vertices() -> np.ndarray:
    """The 12 unit vectors of a regular icosahedron's vertices, (12, 3)."""
    phi = (1 + 5**0.5) / 2
    vertices = []
    for a, b in itertools.product((1, -1), repeat=2):
        vertices += [(0, a, b * phi), (a, b * phi, 0), (b * phi, 0, a)]
    vertices = np.array(vertices, dtype=float)
    return vertices / np.linalg.norm(vertices, axis=1, keepdims=True)


def bit_directions() -> np.ndarray:
    """n_i: the vertex of bit i, (12, 3)."""
    return icosahedron_vertices()[list(BIT_VERTEX)]


def all_patterns() -> np.ndarray:
    """All 4,096 binary patterns of 12 bits, (4096, 12), in binary-counting order (bit 0 most significant)."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=N_BITS)))


def invariants(patterns: np.ndarray, directions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """k(x), the number of active bits, and R(x) = ‖Σ_i x_i n_i‖, per pattern."""
    directions = bit_directions() if directions is None else directions
    patterns = np.asarray(patterns, dtype=float)
    return patterns.sum(axis=1), np.linalg.norm(patterns @ directions, axis=1)


def score(patterns: np.ndarray, weight: float = RULE_WEIGHT, directions: np.ndarray | None = None) -> np.ndarray:
    """k(x) + λ R(x), the quantity the label thresholds."""
    active, resultant = invariants(patterns, directions)
    return active + weight * resultant


def labels(
    patterns: np.ndarray,
    weight: float = RULE_WEIGHT,
    threshold: float = RULE_THRESHOLD,
    directions: np.ndarray | None = None,
) -> np.ndarray:
    """y(x) = Θ(k(x) + λ R(x) − θ) as integers 0/1."""
    return (score(patterns, weight, directions) > threshold).astype(np.int64)


def generate() -> dict:
    """The task: all 4,096 patterns and their labels (deterministic: no seed is involved)."""
    x = all_patterns()
    y = labels(x)
    return {"x": x, "y": y, "p_y1": y.astype(float)}


def information(p_y1: np.ndarray) -> float:
    """I(X;Y) in bits for uniform X over the patterns and p(y = 1 | x) = p_y1."""

    def h(p):
        p = np.clip(p, 1e-300, 1.0)
        q = np.clip(1 - p, 1e-300, 1.0)
        return -(p * np.log2(p) + q * np.log2(q))

    p_y1 = np.asarray(p_y1, dtype=float)
    return float(h(p_y1.mean()) - np.mean(np.where((p_y1 > 0) & (p_y1 < 1), h(p_y1), 0.0)))


def load_mat(path: str | os.PathLike) -> dict:
    """The original ``var_u.mat``: inputs ``F`` (4096 × 12) and labels ``y``."""
    from scipy.io import loadmat

    data = loadmat(os.fspath(path))
    for key in ("F", "y"):
        if key not in data:
            raise KeyError(f"{path}: no variable {key!r} (found {sorted(k for k in data if not k.startswith('__'))})")
    x = np.asarray(data["F"], dtype=float)
    y = np.asarray(data["y"]).reshape(-1).astype(np.int64)
    if x.shape != (PATTERNS, N_BITS) or len(y) != len(x):
        raise ValueError(f"{path}: expected F of shape (4096, 12) and 4096 labels, got {x.shape} and {len(y)}")
    return {"x": x, "y": y, "p_y1": y.astype(float)}


def statistics(x: np.ndarray, y: np.ndarray) -> dict:
    """Patterns labelled 1, in all and for every number of active bits (counts and fractions)."""
    active = np.asarray(x).sum(axis=1).astype(int)
    y = np.asarray(y)
    return {
        "positives": int(y.sum()),
        "p_y1": float(np.mean(y)),
        "positives_by_active": {int(k): int(y[active == k].sum()) for k in range(N_BITS + 1)},
        "patterns_by_active": {int(k): int((active == k).sum()) for k in range(N_BITS + 1)},
        "fraction_by_active": {int(k): float(np.mean(y[active == k])) for k in range(N_BITS + 1)},
    }
