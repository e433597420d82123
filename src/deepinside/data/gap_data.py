"""Data with a gap around the teacher's boundary (the ohzeki2015 model, a reconstruction).

A teacher B ∈ ℝᴺ with |B|² = N labels inputs by y = sign(u₀), u₀ = B·x/√N. Inputs are
standard Gaussian **conditioned on |u₀| ≥ κ**: an empty margin of half-width κ around
the boundary, the "easy-to-separate structure" that unlabelled data carry (Ohzeki 2015;
``docs/talks/ohzeki2015_model.md``). Small κ is a hard task, large κ an easy one.

Sampling is exact: u₀ is drawn from the standard normal truncated to |u₀| ≥ κ, and the
part of x orthogonal to B from the standard normal on that subspace.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def teacher(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random teacher on the sphere |B|² = N."""
    b = rng.standard_normal(n)
    return b * np.sqrt(n) / np.linalg.norm(b)


def gap_fields(count: int, kappa: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` draws of u₀ ~ N(0, 1) conditioned on |u₀| ≥ κ (inverse-CDF sampling of the tail, random sign)."""
    tail = ndtr(-kappa)  # H(κ)
    u = rng.random(count)
    magnitude = -ndtri(u * tail)  # P(|u₀| > m | |u₀| ≥ κ) = H(m)/H(κ)
    sign = np.where(rng.random(count) < 0.5, -1.0, 1.0)
    return sign * magnitude


def inputs(count: int, teacher_vector: np.ndarray, kappa: float, rng: np.random.Generator) -> np.ndarray:
    """(count, N) inputs x with u₀ = B·x/√N outside the gap and the rest standard normal."""
    n = len(teacher_vector)
    unit = teacher_vector / np.sqrt(n)
    z = rng.standard_normal((count, n))
    z -= np.outer(z @ unit, unit)
    return z + np.outer(gap_fields(count, kappa, rng), unit)


def labels(x: np.ndarray, teacher_vector: np.ndarray) -> np.ndarray:
    """y = sign(B·x/√N) as ±1."""
    return np.where(x @ teacher_vector >= 0, 1.0, -1.0)
