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


def kde_information_batch(activities: np.ndarray, labels: np.ndarray, variance: float = 0.1) -> np.ndarray:
    """(I(X;T), I(T;Y)) in bits for each of a stack of activities (n, patterns, units): Saxe et al.'s KDE bound.

    H(T) ≤ −(1/P) Σ_i log (1/P) Σ_j exp(−‖h_i − h_j‖² / 2σ²), and H(T|Y) the same within each
    class weighted by its share; I(X;T) = H(T), I(T;Y) = H(T) − H(T|Y). Computed for the
    whole stack at once: the squared distances by one batched matrix product, the kernel
    by one exponential (each row holds its own zero distance, so its sum is ≥ 1 and needs
    no max-shift), and the per-class row sums by one more product with the one-hot labels —
    one exponential per pair instead of one for the whole set and another per class.
    """
    import torch

    h = torch.as_tensor(np.asarray(activities, dtype=np.float32))
    if h.ndim != 3:
        raise ValueError(f"activities must be (n, patterns, units), got shape {tuple(h.shape)}")
    classes, index = np.unique(np.asarray(labels), return_inverse=True)
    onehot = torch.as_tensor(np.eye(len(classes), dtype=np.float32)[index])  # (P, C)
    counts = onehot.sum(0).double()  # patterns per class
    norms = (h * h).sum(2)  # (n, P)
    kernel = torch.baddbmm(norms[:, :, None] + norms[:, None, :], h, h.transpose(1, 2), alpha=-2.0).clamp_min_(0.0)
    kernel.diagonal(dim1=1, dim2=2).zero_()  # exact: the expansion above leaves float32 rounding there
    kernel.mul_(-1.0 / (2.0 * variance)).exp_()
    per_class = torch.matmul(kernel, onehot).double()  # (n, P, C): Σ_{j in class c} K_ij
    n_patterns = len(index)
    whole = -torch.log(per_class.sum(2) / n_patterns).mean(1)  # nats
    own = per_class.gather(2, torch.as_tensor(index)[None, :, None].expand(len(h), -1, 1))[..., 0]  # Σ_{j in y_i} K_ij
    within_terms = -torch.log(own / counts[index][None, :])  # (n, P)
    shares = counts / n_patterns
    within = sum(shares[c] * within_terms[:, torch.as_tensor(index == c)].mean(1) for c in range(len(classes)))
    bits = np.log(2)
    return torch.stack([whole / bits, (whole - within) / bits], dim=1).numpy()


def kde_information(activity: np.ndarray, labels: np.ndarray, variance: float = 0.1) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits for one layer's activity (patterns × units): the KDE upper bound of Saxe et al. 2018."""
    i_xt, i_ty = kde_information_batch(np.asarray(activity)[None], labels, variance)[0]
    return float(i_xt), float(i_ty)
