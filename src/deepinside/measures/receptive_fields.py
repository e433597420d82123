"""How local a learned filter is: the share of its energy inside the best small window.

For a filter w on a 28×28 grid, the spatial concentration is

    C(w) = max over windows S of size s×s of Σ_{p∈S} w_p² / Σ_p w_p²,

1 for a filter whose weights all lie in one s×s patch, s²/784 for a filter spread
evenly over the image. Okatani & Saito's first-layer RBM filters are local stroke
detectors; a noise-like or digit-wide filter has a low C.
"""

from __future__ import annotations

import numpy as np


def window_energy_share(filters: np.ndarray, window: int) -> np.ndarray:
    """C(w) of each filter of a stack (n, H, W), by 2-D cumulative sums of w²."""
    filters = np.asarray(filters, dtype=float)
    if filters.ndim != 3:
        raise ValueError(f"expected filters of shape (n, H, W), got {filters.shape}")
    n, height, width = filters.shape
    if not 1 <= window <= min(height, width):
        raise ValueError(f"window {window} does not fit {height}×{width} filters")
    energy = filters**2
    cumulative = np.zeros((n, height + 1, width + 1))
    cumulative[:, 1:, 1:] = energy.cumsum(1).cumsum(2)
    sums = (
        cumulative[:, window:, window:]
        - cumulative[:, :-window, window:]
        - cumulative[:, window:, :-window]
        + cumulative[:, :-window, :-window]
    )
    total = energy.sum(axis=(1, 2))
    return sums.reshape(n, -1).max(1) / np.where(total > 0, total, 1.0)


def permuted(filters: np.ndarray, seed: int) -> np.ndarray:
    """Each filter with its pixels shuffled: same values, no spatial structure (a null model)."""
    rng = np.random.default_rng(seed)
    flat = np.asarray(filters).reshape(len(filters), -1)
    return np.stack([row[rng.permutation(row.size)] for row in flat]).reshape(np.shape(filters))


def class_templates(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Whole-digit templates, O1's null for locality: each class's mean image less the mean
    of the class means (signed, like a filter), one row per class."""
    images = np.asarray(images, dtype=np.float64)
    means = np.stack([images[labels == c].mean(0) for c in np.unique(labels)])
    return means - means.mean(0)
