"""Singular value decompositions with a fixed ordering and sign, and low-rank approximation.

Saxe et al. 2019 (eq. 3) decompose the input–output correlation Σyx = U S Vᵀ; the
network learns the modes (u_α, s_α, v_α) in order of s_α. The sign of a singular pair
is arbitrary, so :func:`ordered_svd` fixes it (the entries of v_α sum to a positive
number, or failing that its largest-magnitude entry is positive) to make tables and
figures reproducible across LAPACK builds.
"""

from __future__ import annotations

import numpy as np


def ordered_svd(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD ``matrix = U @ diag(s) @ Vt`` with s descending and signs fixed."""
    u, s, vt = np.linalg.svd(np.asarray(matrix, dtype=float), full_matrices=False)
    order = np.argsort(-s, kind="stable")
    u, s, vt = u[:, order], s[order], vt[order]
    for alpha in range(len(s)):
        total = vt[alpha].sum()
        pivot = total if abs(total) > 1e-9 else vt[alpha][np.argmax(np.abs(vt[alpha]))]
        if pivot < 0:
            u[:, alpha] *= -1
            vt[alpha] *= -1
    return u, s, vt


def subspace_alignment(vectors: np.ndarray, basis: np.ndarray) -> float:
    """How much of the span of ``vectors`` (rows) lies in the span of ``basis`` (rows).

    Returns the smallest cosine of the principal angles between the two subspaces
    (1 = the span of ``vectors`` is contained in that of ``basis``). Both sets of rows
    are orthonormalised first.
    """
    q_vec, _ = np.linalg.qr(np.atleast_2d(vectors).T)
    q_basis, _ = np.linalg.qr(np.atleast_2d(basis).T)
    cosines = np.linalg.svd(q_basis.T @ q_vec, compute_uv=False)
    return float(np.clip(cosines.min(), 0.0, 1.0))


def group_degenerate(singular_values: np.ndarray, rtol: float = 1e-8) -> list[list[int]]:
    """Group indices of (sorted) singular values that are equal within ``rtol``."""
    groups: list[list[int]] = []
    for index, value in enumerate(singular_values):
        if groups and np.isclose(value, singular_values[groups[-1][0]], rtol=rtol, atol=1e-12):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def low_rank_approximation(u: np.ndarray, s: np.ndarray, vt: np.ndarray, rank: int) -> np.ndarray:
    """Best rank-``rank`` approximation U_r S_r V_rᵀ (Eckart–Young)."""
    if not 1 <= rank <= len(s):
        raise ValueError(f"rank must lie in 1..{len(s)}, got {rank}")
    return (u[:, :rank] * s[:rank]) @ vt[:rank]


def relative_error_by_rank(s: np.ndarray, max_rank: int) -> np.ndarray:
    """‖A − A_r‖_F / ‖A‖_F for r = 1..max_rank, from the singular values alone."""
    energy = np.asarray(s, dtype=float) ** 2
    tail = energy.sum() - np.cumsum(energy)
    return np.sqrt(np.clip(tail[:max_rank], 0.0, None) / energy.sum())
