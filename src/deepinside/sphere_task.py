"""The 12-bit task of Shwartz-Ziv & Tishby 2017: binary inputs on a sphere, a spherically symmetric label.

The original: the 12 input bits stand for 12 points spread evenly on a sphere, and the
label is y = Θ(f(x) − θ) for an O(3)-invariant f, softened so that I(X;Y) ≈ 0.99 bits.
The authors ship one labelling (``var_u.mat``, not redistributable) with these
statistics: p(y = 1) = 0.517; patterns with 0–4 active bits are always 0, with 8–12
always 1, and with 5 / 6 / 7 active bits 7.6 % / 57.6 % / 92.4 % are 1.

This generator rebuilds such a task:

* the 12 points are the vertices of a regular icosahedron (the only way to spread 12
  points perfectly evenly on a sphere);
* f(x) = k(x) + λ ‖Σ_i x_i n_i‖², with k the number of active bits and n_i the unit
  vectors of the points — both terms depend only on distances between active points, so
  f is invariant under every rotation and reflection of the sphere;
* λ and θ are fitted (:func:`fit_rule`) to the published statistics: 0–4 → 0 and
  8–12 → 1 exactly, the 5 / 6 / 7 fractions in least squares (the geometry of 12 points
  admits only a few values of ‖Σ x_i n_i‖², so the 6-bit fraction lands at 61.9 %);
* p(y = 1 | x) = σ(γ (f(x) − θ)) with γ solved so that I(X;Y) = 0.99 bits
  (:func:`solve_sharpness`), and one hard labelling is drawn from it with the seed.

``load_mat`` reads the original ``var_u.mat`` (keys ``F`` and ``y``) where a user has it.
"""

from __future__ import annotations

import itertools
import os
from functools import lru_cache

import numpy as np

N_BITS = 12
PUBLISHED = {"p_y1": 0.517, "fraction_by_active": {5: 0.076, 6: 0.576, 7: 0.924}}


def icosahedron_vertices() -> np.ndarray:
    """The 12 unit vectors of a regular icosahedron's vertices."""
    phi = (1 + 5**0.5) / 2
    vertices = []
    for a, b in itertools.product((1, -1), repeat=2):
        vertices += [(0, a, b * phi), (a, b * phi, 0), (b * phi, 0, a)]
    vertices = np.array(vertices, dtype=float)
    return vertices / np.linalg.norm(vertices, axis=1, keepdims=True)


def all_patterns() -> np.ndarray:
    """All 4,096 binary patterns of 12 bits, (4096, 12), in binary-counting order."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=N_BITS)))


def invariants(patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number of active bits k and squared resultant ‖Σ x_i n_i‖² of each pattern."""
    active = patterns.sum(axis=1)
    resultant = patterns @ icosahedron_vertices()
    return active, (resultant**2).sum(axis=1)


@lru_cache(maxsize=1)
def fit_rule() -> tuple[float, float]:
    """(λ, θ) of f = k + λ‖Σ x_i n_i‖² fitted to the published label statistics.

    Among λ on a grid of step 0.005 in [−1, 1] and every threshold θ that sends all
    patterns with ≤ 4 active bits to 0 and all with ≥ 8 to 1, the pair minimising the
    squared error of the 5-, 6- and 7-bit fractions (ties: the smallest |λ|).
    """
    active, radius = invariants(all_patterns())
    target = PUBLISHED["fraction_by_active"]
    best = None
    for weight in np.round(np.linspace(-1.0, 1.0, 401), 6):
        score = active + weight * radius
        low, high = score[active <= 4].max(), score[active >= 8].min()
        candidates = np.unique(np.round(score, 9))
        candidates = candidates[(candidates >= low) & (candidates < high)]
        for theta in candidates:
            labels = score > theta + 1e-9
            error = sum((labels[active == k].mean() - target[k]) ** 2 for k in target)
            key = (round(error, 12), abs(weight))
            if best is None or key < best[0]:
                best = (key, float(weight), float(theta))
    if best is None:
        raise RuntimeError("no rule satisfies the published constraints")
    return best[1], best[2]


@lru_cache(maxsize=1)
def soft_threshold() -> float:
    """Threshold of the soft rule: half-way between the score level of the fitted θ and
    the next level above it, so that the soft rule treats both sides alike."""
    weight, theta = fit_rule()
    active, radius = invariants(all_patterns())
    levels = np.unique(np.round(active + weight * radius, 9))
    return float((theta + levels[levels > theta + 1e-9].min()) / 2)


def label_probability(patterns: np.ndarray, sharpness: float) -> np.ndarray:
    """p(y = 1 | x) = σ(γ (f(x) − θ')) with the fitted rule and its soft threshold θ'."""
    weight, _ = fit_rule()
    active, radius = invariants(patterns)
    from scipy.special import expit

    return expit(sharpness * (active + weight * radius - soft_threshold()))


def information(p_y1: np.ndarray) -> float:
    """I(X;Y) in bits for uniform X over the patterns and p(y = 1 | x) = p_y1."""
    def h(p):
        p = np.clip(p, 1e-300, 1.0)
        q = np.clip(1 - p, 1e-300, 1.0)
        return -(p * np.log2(p) + q * np.log2(q))

    p_y1 = np.asarray(p_y1, dtype=float)
    return float(h(p_y1.mean()) - np.mean(np.where((p_y1 > 0) & (p_y1 < 1), h(p_y1), 0.0)))


def solve_sharpness(target_bits: float = 0.99) -> float:
    """γ such that I(X;Y) of the soft rule equals ``target_bits`` (bisection on log γ)."""
    patterns = all_patterns()
    low, high = -3.0, 6.0  # log10 γ
    if information(label_probability(patterns, 10**high)) < target_bits:
        raise ValueError(f"even a hard rule carries less than {target_bits} bits")
    for _ in range(80):
        middle = (low + high) / 2
        if information(label_probability(patterns, 10**middle)) < target_bits:
            low = middle
        else:
            high = middle
    return 10**high


def generate(seed: int, target_bits: float = 0.99) -> dict:
    """The task: all 4,096 patterns, p(y = 1 | x), and one hard labelling drawn from it."""
    patterns = all_patterns()
    sharpness = solve_sharpness(target_bits)
    p_y1 = label_probability(patterns, sharpness)
    labels = (np.random.default_rng(seed).random(len(patterns)) < p_y1).astype(np.int64)
    return {"x": patterns, "y": labels, "p_y1": p_y1, "sharpness": np.array(sharpness)}


def load_mat(path: str | os.PathLike) -> dict:
    """The original ``var_u.mat``: inputs ``F`` (4096 × 12) and labels ``y``."""
    from scipy.io import loadmat

    data = loadmat(os.fspath(path))
    for key in ("F", "y"):
        if key not in data:
            raise KeyError(f"{path}: no variable {key!r} (found {sorted(k for k in data if not k.startswith('__'))})")
    x = np.asarray(data["F"], dtype=float)
    y = np.asarray(data["y"]).reshape(-1).astype(np.int64)
    if x.shape != (2**N_BITS, N_BITS) or len(y) != len(x):
        raise ValueError(f"{path}: expected F of shape (4096, 12) and 4096 labels, got {x.shape} and {len(y)}")
    return {"x": x, "y": y, "p_y1": y.astype(float), "sharpness": np.array(np.inf)}


def statistics(x: np.ndarray, y: np.ndarray) -> dict:
    """p(y = 1) and the fraction of 1-labels for every number of active bits."""
    active = np.asarray(x).sum(axis=1).astype(int)
    return {
        "p_y1": float(np.mean(y)),
        "fraction_by_active": {int(k): float(np.mean(y[active == k])) for k in range(N_BITS + 1)},
    }
