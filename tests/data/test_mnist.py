"""MNIST: IDX parsing, the embedded subset, splits, and the download path on a local server."""

import gzip
import hashlib

import numpy as np
import pytest

from deepinside.data import download, mnist
from deepinside.steps import data


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


def write_local_folder(folder, gzipped: dict, seed=0):
    """Tiny IDX files with MNIST's uncompressed names (``.gz`` added where ``gzipped[name]``);
    returns the arrays and the MD5s of the decompressed contents."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (12, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 12),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 5),
    }
    raw_md5 = {}
    for name, array in arrays.items():
        raw = idx_bytes(array)
        raw_md5[name] = hashlib.md5(raw).hexdigest()
        if gzipped.get(name):
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw, mtime=123))  # any gzip header
        else:
            (folder / name).write_bytes(raw)
    return arrays, raw_md5


def test_local_folder_reads_gzipped_and_plain_files(tmp_path):
    arrays, raw_md5 = write_local_folder(tmp_path, {"train-images-idx3-ubyte": True, "t10k-labels-idx1-ubyte": True})
    out = data.mnist(source="local", folder=str(tmp_path), files=raw_md5, test_fraction=0.2, seed=0)["mnist"]
    np.testing.assert_array_equal(out["x_train"], arrays["train-images-idx3-ubyte"].reshape(12, -1))
    np.testing.assert_array_equal(out["y_test"], arrays["t10k-labels-idx1-ubyte"])
    assert out["x_test"].shape == (5, 784) and str(out["source"]) == "local"


def test_local_folder_refuses_a_changed_file_naming_it_and_both_digests(tmp_path):
    _, raw_md5 = write_local_folder(tmp_path, {"train-labels-idx1-ubyte": True})
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10
    path.write_bytes(gzip.compress(bytes(raw)))
    actual = hashlib.md5(bytes(raw)).hexdigest()
    with pytest.raises(ValueError) as error:
        mnist.read_local_folder(tmp_path, raw_md5)
    message = str(error.value)
    assert str(path) in message and actual in message and raw_md5["train-labels-idx1-ubyte"] in message


def test_local_folder_names_a_missing_file_and_a_missing_folder(tmp_path):
    _, raw_md5 = write_local_folder(tmp_path, {})
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        mnist.read_local_folder(tmp_path, raw_md5)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        mnist.read_local_folder(tmp_path / "nowhere", raw_md5)
    with pytest.raises(ValueError, match="mnist.folder"):
        data.mnist(source="local", folder=None, test_fraction=0.2, seed=0)


def test_canonical_raw_md5s_match_the_shared_copy_when_present():
    """The shared full-MNIST copy (decompressed content canonical) reads and verifies;
    skipped in a clone without it."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
    if not (folder / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("no shared full-MNIST copy beside this checkout")
    labels = mnist.read_verified(folder, "t10k-labels-idx1-ubyte", mnist.RAW_MD5["t10k-labels-idx1-ubyte"])
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
