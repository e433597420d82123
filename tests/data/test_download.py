"""The download path, against a local HTTP server: checksums, atomicity, mirrors."""

import hashlib

import numpy as np
import pytest

from deepinside.data import download
from deepinside.steps import data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_download_verifies_and_writes(http_server, tmp_path):
    base, served = http_server
    payload = b"payload " * 1000
    (served / "file.bin").write_bytes(payload)
    dest = tmp_path / "dl" / "file.bin"
    assert download.download(base + "file.bin", dest, sha256(payload), progress=False) == dest
    assert dest.read_bytes() == payload
    # a second call finds the verified file and does not need the server
    (served / "file.bin").unlink()
    download.download(base + "file.bin", dest, sha256(payload), progress=False)
    assert dest.read_bytes() == payload


def test_corrupt_download_leaves_no_file_and_names_file_and_checksum(http_server, tmp_path):
    base, served = http_server
    (served / "file.bin").write_bytes(b"corrupted bytes")
    expected = sha256(b"the real bytes")
    dest = tmp_path / "dl" / "file.bin"
    with pytest.raises(download.ChecksumError) as info:
        download.download(base + "file.bin", dest, expected, progress=False)
    message = str(info.value)
    assert "file.bin" in message and expected in message and sha256(b"corrupted bytes") in message
    assert list(dest.parent.iterdir()) == []


def test_stale_cached_file_is_replaced(http_server, tmp_path):
    base, served = http_server
    (served / "f.txt").write_bytes(b"new")
    dest = tmp_path / "f.txt"
    dest.write_bytes(b"old and wrong")
    download.download(base + "f.txt", dest, sha256(b"new"), progress=False)
    assert dest.read_bytes() == b"new"


def test_mirrors_are_tried_in_turn(http_server, tmp_path):
    base, served = http_server
    (served / "good").mkdir()
    (served / "bad").mkdir()
    (served / "good" / "x.gz").write_bytes(b"right")
    (served / "bad" / "x.gz").write_bytes(b"wrong")
    mirrors = [base + "missing/", base + "bad/", base + "good/"]
    path = download.download_from_mirrors(mirrors, "x.gz", tmp_path, sha256(b"right"), progress=False)
    assert path.read_bytes() == b"right"


def test_all_mirrors_failing_lists_every_failure(http_server, tmp_path):
    base, served = http_server
    (served / "x.gz").write_bytes(b"wrong")
    with pytest.raises(download.DownloadError) as info:
        download.download_from_mirrors([base + "nope/", base], "x.gz", tmp_path, sha256(b"right"), progress=False)
    assert "nope/x.gz" in str(info.value) and "checksum mismatch" in str(info.value)
    assert not (tmp_path / "x.gz").exists()


def test_image_step_downloads_and_decodes(http_server, tmp_path):
    import skimage.io

    base, served = http_server
    picture = (np.arange(64, dtype=np.uint8).reshape(8, 8) * 4).astype(np.uint8)
    skimage.io.imsave(served / "pic.png", picture, check_contrast=False)
    checksum = sha256((served / "pic.png").read_bytes())
    out = data.image("pic", url=base + "pic.png", checksum=checksum, download_dir=str(tmp_path))["image"]
    np.testing.assert_allclose(out, picture / 255.0)
    with pytest.raises(ValueError, match="checksum"):
        data.image("pic", url=base + "pic.png", checksum=None, download_dir=str(tmp_path))


def test_image_step_without_url_uses_the_bundled_picture():
    out = data.image("camera")["image"]
    assert out.shape == (512, 512) and 0.0 <= out.min() and out.max() <= 1.0
    with pytest.raises(ValueError, match="unknown bundled picture"):
        data.image("not_a_picture")
