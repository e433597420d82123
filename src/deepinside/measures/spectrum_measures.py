"""Numbers that summarise a singular-value spectrum and its singular vectors.

* :func:`count_above` — how many directions a map expands (σ > 1, Mototake 2015:
  "特異値が1以上となる成分").
* :func:`effective_rank` — exp of the entropy of the normalised singular values (Roy &
  Vetterli 2007). A steep spectrum, dominated by a few directions, has a small effective
  rank; a flat one an effective rank near the number of singular values.
* :func:`log_decay` — log(σ_1 / σ_k): how far the k-th singular value has fallen below
  the first; used for spectra known only up to their top k values (AlexNet).
* :func:`energy_in_mask` — the share of a singular vector's squared entries that falls
  inside a region of the input (the MNIST digit support, an object's region).
* :func:`log_volume` — Σ log10 σ: how much a map stretches (> 0) or squeezes (< 0) the
  input space around an image in all directions together; the "information transmitted"
  measure of M9 (the log of the volume change of a unit ball, restricted to the spectrum).

What a singular vector looks like (M3, M5): a digit stroke is spatially smooth and lies on
the digits; noise is neither; a uniform brightness "wash" is smooth but has all its energy
in its mean. :func:`mean_removed_share` separates the wash (≈ 0) from the rest,
:func:`lag1_autocorrelation` separates strokes (≫ 0) from noise (≈ 0), and
:func:`stroke_share` — the support energy share of the mean-removed vector — asks whether
what remains lies on the digits.
"""

from __future__ import annotations

import numpy as np


def count_above(singular_values: np.ndarray, threshold: float = 1.0) -> np.ndarray:
    """Number of singular values above ``threshold``, per row (last axis = index)."""
    return (np.asarray(singular_values) > threshold).sum(axis=-1)


def effective_rank(singular_values: np.ndarray) -> np.ndarray:
    """exp(−Σ p_i log p_i) with p = σ / Σσ, per row (last axis = index)."""
    s = np.asarray(singular_values, dtype=float)
    p = s / s.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return np.exp(-terms.sum(axis=-1))


def log_decay(singular_values: np.ndarray) -> np.ndarray:
    """log(σ_1 / σ_k) per row, k = the last index given (a steeper head gives a larger value)."""
    s = np.asarray(singular_values, dtype=float)
    return np.log(s[..., 0] / s[..., -1])


def energy_in_mask(vectors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Σ_{i∈mask} v_i² / Σ_i v_i² for vectors flattened on the last axis (mask flattened alike)."""
    mask = np.asarray(mask, dtype=bool).ravel()
    energy = np.asarray(vectors, dtype=float) ** 2
    if energy.shape[-1] != mask.size:
        raise ValueError(f"vectors have {energy.shape[-1]} entries, the mask {mask.size}")
    return energy[..., mask].sum(-1) / energy.sum(-1)


def digit_support(images: np.ndarray, fraction_of_max: float = 0.1) -> np.ndarray:
    """Pixels where the mean image exceeds ``fraction_of_max`` of its maximum (MNIST support)."""
    mean = np.asarray(images, dtype=float).mean(axis=0)
    return mean > fraction_of_max * mean.max()


def log_volume(singular_values: np.ndarray) -> np.ndarray:
    """Σ_i log10 σ_i per row (last axis = index)."""
    return np.log10(np.asarray(singular_values, dtype=float)).sum(axis=-1)


def mean_removed_share(vectors: np.ndarray) -> np.ndarray:
    """‖v − mean(v)‖² / ‖v‖² per vector (last axis = entries): 0 for a uniform wash, 1 for a zero-mean pattern."""
    v = np.asarray(vectors, dtype=float)
    centred = v - v.mean(-1, keepdims=True)
    return (centred**2).sum(-1) / (v**2).sum(-1)


def lag1_autocorrelation(images: np.ndarray) -> np.ndarray:
    """Mean of the horizontal and vertical lag-1 autocorrelations of each (…, H, W) image, mean removed.

    About 0 for white noise, close to 1 for smooth patterns (strokes), negative for
    checkerboard-like patterns.
    """
    x = np.asarray(images, dtype=float)
    x = x - x.mean(axis=(-2, -1), keepdims=True)
    variance = (x**2).sum(axis=(-2, -1))
    horizontal = (x[..., :, 1:] * x[..., :, :-1]).sum(axis=(-2, -1))
    vertical = (x[..., 1:, :] * x[..., :-1, :]).sum(axis=(-2, -1))
    return (horizontal + vertical) / (2 * variance)


def stroke_share(vectors: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Share of the mean-removed vector's energy inside ``support`` (a wash scores as its leftover noise does)."""
    v = np.asarray(vectors, dtype=float)
    return energy_in_mask(v - v.mean(-1, keepdims=True), support)
