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


def binned_information_batch(activities: np.ndarray, labels: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(I(X;T), I(T;Y)) in bits for each of a stack of activities (n, patterns, units), by binning.

    The same numbers as :func:`binned_information` on each member of the stack, computed
    for the whole stack at once: every pattern's bin indices become one integer (mixed
    radix, exact), each row of the stack is sorted once, and the entropies of all rows
    (and of each class within them) come from the lengths of runs of equal codes. When
    the codes would not fit in 63 bits (many units, many bins) it falls back to one
    :func:`binned_information` per member.
    """
    activities = np.asarray(activities)
    if activities.ndim != 3:
        raise ValueError(f"activities must be (n, patterns, units), got shape {activities.shape}")
    n_bins, units = len(edges) - 1, activities.shape[2]
    if units * np.log2(max(n_bins, 2)) > 62:
        return np.array([binned_information(a, labels, edges) for a in activities])
    codes = discretise(activities, edges).astype(np.int64) @ (n_bins ** np.arange(units, dtype=np.int64))  # (n, P)
    labels = np.asarray(labels)
    whole = _row_entropies(codes)
    conditional = sum(np.mean(labels == y) * _row_entropies(codes[:, labels == y]) for y in np.unique(labels))
    return np.stack([whole, whole - conditional], axis=1)


def _row_entropies(codes: np.ndarray) -> np.ndarray:
    """Entropy, in bits, of the empirical distribution of the values in each row of ``codes`` (n, m)."""
    ordered = np.sort(codes, axis=1)
    n, m = ordered.shape
    starts = np.ones((n, m), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    rows, columns = np.nonzero(starts)  # row-major: each row's runs in order
    ends = np.append(columns[1:], m)
    ends[np.append(rows[1:] != rows[:-1], True)] = m  # the last run of each row ends at m
    p = (ends - columns) / m
    return -np.bincount(rows, weights=p * np.log2(p), minlength=n)


# Rows of the KDE kernel computed at a time (per activity of the stack): small enough for
# the block to be reused from cache and memory instead of paging in a patterns² kernel.
KDE_ROW_BLOCK = 128
# Floor of the kernel's exponent: exp below about −87 gives float32 subnormals, which the CPU's
# exp computes ~50× slower (σ² = 1e-3 puts most pairs there); exp(−80) ≈ 2e-35 cannot change a
# row sum that holds its own 1.
KDE_LOG_FLOOR = -80.0


def kde_information_batch(activities: np.ndarray, labels: np.ndarray, variance: float = 0.1) -> np.ndarray:
    """(I(X;T), I(T;Y)) in bits for each of a stack of activities (n, patterns, units): Saxe et al.'s KDE bound.

    H(T) ≤ −(1/P) Σ_i log (1/P) Σ_j exp(−‖h_i − h_j‖² / 2σ²), and H(T|Y) the same within each
    class weighted by its share; I(X;T) = H(T), I(T;Y) = H(T) − H(T|Y). Computed for the
    whole stack at once: −‖h_i − h_j‖²/2σ² by one batched matrix product and three
    in-place passes, the kernel by one exponential (each row holds its own zero distance,
    so its sum is ≥ 1 and needs no max-shift), and — with the patterns ordered by class —
    each class's row sums by summing one contiguous block of columns: one exponential per
    pair instead of one for the whole set and another per class. The kernel is built
    ``KDE_ROW_BLOCK`` rows at a time in one reused buffer.
    """
    import torch

    h = torch.as_tensor(np.asarray(activities, dtype=np.float32))
    if h.ndim != 3:
        raise ValueError(f"activities must be (n, patterns, units), got shape {tuple(h.shape)}")
    classes, index = np.unique(np.asarray(labels), return_inverse=True)
    by_class = np.argsort(index, kind="stable")  # the bound does not depend on the patterns' order
    h, index = h[:, torch.as_tensor(by_class)], index[by_class]
    counts = np.bincount(index, minlength=len(classes))
    ends = np.cumsum(counts)
    scale = 1.0 / (2.0 * variance)
    norms = (h * h).sum(2).mul_(scale)  # (n, P): ‖h_i‖² / 2σ²
    n, n_patterns = h.shape[:2]
    block = min(n_patterns, KDE_ROW_BLOCK)
    buffer = torch.empty(n * block * n_patterns)  # one block of kernel rows at a time, reused
    per_class = torch.empty(n, n_patterns, len(classes), dtype=torch.float64)  # Σ_{j in class c} K_ij
    for first in range(0, n_patterns, block):
        rows = slice(first, min(first + block, n_patterns))
        kernel = buffer[: n * (rows.stop - first) * n_patterns].view(n, rows.stop - first, n_patterns)
        torch.bmm(h[:, rows], h.transpose(1, 2), out=kernel)
        kernel.mul_(2.0 * scale).sub_(norms[:, rows, None]).sub_(norms[:, None, :]).clamp_(
            KDE_LOG_FLOOR, 0.0
        )  # −‖h_i − h_j‖² / 2σ², floored at KDE_LOG_FLOOR
        kernel.diagonal(offset=first, dim1=1, dim2=2).zero_()  # exact: the expansion leaves float32 rounding there
        kernel.exp_()
        for c, (end, count) in enumerate(zip(ends, counts)):
            per_class[:, rows, c] = kernel[:, :, end - count : end].sum(2)
    counts = torch.as_tensor(counts, dtype=torch.float64)
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
