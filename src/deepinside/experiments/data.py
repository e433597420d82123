"""Data steps: fetch or unpack the raw inputs of the pipeline into ``resources/``."""

from __future__ import annotations

from pathlib import Path

from .. import images
from ..download import download


def image(name: str, url: str | None = None, checksum: str | None = None, algorithm: str = "sha256",
          download_dir: str = "resources/downloads") -> dict:
    """One picture as floats in [0, 1]: downloaded (checksum verified) if ``url`` is set,
    else the picture of that name bundled with scikit-image / scikit-learn."""
    if url is None:
        return {"image": images.bundled_image(name)}
    if not checksum:
        raise ValueError(f"image {name!r}: a download url needs its {algorithm} checksum")
    path = download(url, Path(download_dir) / Path(url).name, checksum, algorithm)
    return {"image": images.read_image(path)}
