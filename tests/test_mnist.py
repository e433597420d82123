"""MNIST: IDX parsing, the embedded subset, splits, and the download path on a local server."""

import gzip
import hashlib

import numpy as np
import pytest

from deepinside import download, mnist
from deepinside.experiments import data


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fixture_files(folder, n_train=12, n_test=5, seed=0):
    """Tiny gzipped IDX files with MNIST's names; returns {name: md5}."""
    rng = np.random.default_rng(seed)
    arrays = {
        mnist.TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28)),
        mnist.TRAIN_LABELS: rng.integers(0, 10, n_train),
        mnist.TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28)),
        mnist.TEST_LABELS: rng.integers(0, 10, n_test),
    }
    checksums = {}
    for name, array in arrays.items():
        payload = gzip.compress(idx_bytes(array), mtime=0)
        (folder / name).write_bytes(payload)
        checksums[name] = hashlib.md5(payload).hexdigest()
    return arrays, checksums


def test_read_idx_round_trip(tmp_path):
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    (tmp_path / "x.gz").write_bytes(gzip.compress(idx_bytes(images)))
    (tmp_path / "y").write_bytes(idx_bytes(np.array([7, 3])))
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "x.gz"), images.reshape(2, -1))
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "y"), [7, 3])


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    good = idx_bytes(np.zeros((3, 28, 28)))
    (tmp_path / "short").write_bytes(good[:-10])
    with pytest.raises(ValueError, match="short: header announces"):
        mnist.read_idx(tmp_path / "short")
    (tmp_path / "foreign").write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match="bad magic"):
        mnist.read_idx(tmp_path / "foreign")


def test_embedded_subset_is_the_balanced_5000():
    x, y = mnist.embedded_subset()
    assert x.shape == (5000, 784) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [500] * 10


def test_stratified_split_is_deterministic_and_balanced():
    x, y = mnist.embedded_subset()
    a = mnist.stratified_split(x, y, 0.2, seed=0)
    b = mnist.stratified_split(x, y, 0.2, seed=0)
    c = mnist.stratified_split(x, y, 0.2, seed=1)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[1], c[1])
    assert np.bincount(a[3]).tolist() == [100] * 10
    assert len(a[1]) == 4000
    # shuffled, not sorted by class as the source is
    assert (np.diff(a[1]) != 0).mean() > 0.5


def test_subsample_keeps_class_proportions():
    x, y = mnist.embedded_subset()
    xs, ys = mnist.subsample(x, y, 100, seed=0)
    assert np.bincount(ys, minlength=10).tolist() == [10] * 10
    np.testing.assert_array_equal(xs, mnist.subsample(x, y, 100, seed=0)[0])
    with pytest.raises(ValueError):
        mnist.subsample(x, y, 0, seed=0)


def test_download_source_reads_the_served_files(http_server, tmp_path):
    base, served = http_server
    arrays, checksums = write_fixture_files(served)
    out = data.mnist("download", 0.2, 0, mirrors=[base], download_dir=str(tmp_path), files=checksums)["mnist"]
    np.testing.assert_array_equal(out["x_train"], arrays[mnist.TRAIN_IMAGES].reshape(12, -1))
    np.testing.assert_array_equal(out["y_test"], arrays[mnist.TEST_LABELS])


def test_corrupt_download_names_file_and_checksum_and_leaves_nothing(http_server, tmp_path):
    base, served = http_server
    _, checksums = write_fixture_files(served)
    (served / mnist.TEST_LABELS).write_bytes(b"truncated garbage")
    with pytest.raises(download.DownloadError) as info:
        data.mnist("download", 0.2, 0, mirrors=[base], download_dir=str(tmp_path), files=checksums)
    message = str(info.value)
    assert mnist.TEST_LABELS in message and checksums[mnist.TEST_LABELS] in message and "md5" in message
    assert not (tmp_path / mnist.TEST_LABELS).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_canonical_table_is_torchvisions():
    files = mnist.canonical_files()
    assert files[mnist.TRAIN_IMAGES] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert len(files) == 4 and all(m.endswith("/") for m in mnist.canonical_mirrors())


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="embedded"):
        data.mnist("usb-stick", 0.2, 0)
