"""Mutual information between a layer's activity T, the input X and the label Y.

Shwartz-Ziv & Tishby 2017 (information plane): the network is deterministic and the
4,096 inputs are equally likely and distinct, so the activity is made discrete by
binning each unit into the same equal-width bins; T is the vector of bin indices and

    I(X;T) = H(T),        I(T;Y) = H(T) − Σ_y p(y) H(T | Y = y),

with entropies of the empirical distribution over the patterns, in bits.

Saxe et al. 2018 (KDE upper bound): with Gaussian noise of variance σ² added to T,

    I(T;X) ≤ −(1/P) Σ_i log (1/P) Σ_j exp(−‖h_i − h_j‖² / 2σ²),
    I(T;Y) = that bound − Σ_l p_l × the same bound within class l,

here converted from nats to bits.
"""

from __future__ import annotations

import numpy as np


def bin_edges(low: float, high: float, n_bins: int = 30) -> np.ndarray:
    """Edges of ``n_bins`` equal bins covering [low, high]."""
    if not high > low:
        raise ValueError(f"bins need high > low, got [{low}, {high}]")
    return np.linspace(low, high, n_bins + 1)


def fixed_width_edges(low: float, high: float, width: float) -> np.ndarray:
    """Edges of bins of a fixed ``width`` aligned on multiples of it, covering [low, high].

    Bin j holds values in [j·width, (j+1)·width): the same cells as ``floor(a / width)``,
    the binning Saxe et al. 2018 apply to every activation function (their code's
    ``binsize``). Unlike :func:`bin_edges`, the resolution does not follow the layer's
    range, so a ReLU layer whose activity grows gets more bins instead of coarser ones.
    """
    if not width > 0:
        raise ValueError(f"bin width must be positive, got {width}")
    if not high >= low:
        raise ValueError(f"bins need high >= low, got [{low}, {high}]")
    first, last = np.floor(low / width), np.floor(high / width) + 1
    return np.arange(first, last + 1) * width


def discretise(activity: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index of every unit of every pattern (values outside the edges go to the end bins)."""
    return np.clip(np.digitize(activity, edges[1:-1]), 0, len(edges) - 2).astype(np.int32)


def entropy_bits(codes: np.ndarray) -> float:
    """Entropy, in bits, of the empirical distribution of the rows of ``codes``."""
    codes = np.ascontiguousarray(codes)
    if codes.ndim == 1:
        codes = codes[:, None]
    rows = codes.view(np.dtype((np.void, codes.dtype.itemsize * codes.shape[1]))).ravel()
    _, counts = np.unique(rows, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def binned_information(activity: np.ndarray, labels: np.ndarray, edges: np.ndarray) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits for one layer's activity (patterns × units) by binning."""
    codes = discretise(activity, edges)
    h_t = entropy_bits(codes)
    conditional = sum(np.mean(labels == y) * entropy_bits(codes[labels == y]) for y in np.unique(labels))
    return h_t, h_t - conditional


def _kde_bound_nats(activity: np.ndarray, variance: float) -> float:
    """−(1/P) Σ_i log (1/P) Σ_j exp(−‖h_i − h_j‖² / 2σ²), in nats (float32, one matrix product)."""
    import torch

    h = torch.as_tensor(np.asarray(activity, dtype=np.float32))
    norms = (h * h).sum(1)
    squared = (norms[:, None] + norms[None, :] - 2.0 * (h @ h.T)).clamp_min_(0.0)
    squared.fill_diagonal_(0.0)  # exact: the expansion above leaves float32 rounding there
    log_mean = torch.logsumexp(squared.mul_(-1.0 / (2.0 * variance)), dim=1) - np.log(len(h))
    return float(-log_mean.double().mean())


def kde_information(activity: np.ndarray, labels: np.ndarray, variance: float = 0.1) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits: the KDE upper bound of Saxe et al. 2018."""
    whole = _kde_bound_nats(activity, variance)
    within = sum(np.mean(labels == y) * _kde_bound_nats(activity[labels == y], variance) for y in np.unique(labels))
    return whole / np.log(2), (whole - within) / np.log(2)
