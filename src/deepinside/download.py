"""Downloading data files: checksum verified, atomic, with progress, mirrors in turn.

A download streams into a hidden temporary file beside its destination while the
checksum is computed; only a complete file with the expected digest is renamed onto
the destination. A failed or corrupt download therefore leaves nothing behind and the
error names the file, the algorithm, the expected and the received digest.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Sequence

from tqdm import tqdm

from .io import atomic_output

CHUNK_BYTES = 1 << 20


class ChecksumError(RuntimeError):
    """A downloaded or cached file does not have the expected digest."""


class DownloadError(RuntimeError):
    """No mirror delivered a file with the expected digest."""


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    dest: str | os.PathLike,
    checksum: str,
    algorithm: str = "sha256",
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Fetch ``url`` to ``dest`` and verify its ``algorithm`` digest equals ``checksum``.

    An existing ``dest`` with the right digest is kept (no network). Raises
    :class:`ChecksumError` on a digest mismatch, ``urllib.error.URLError`` on network
    failure; in both cases ``dest`` is not created.
    """
    dest = Path(dest)
    checksum = checksum.lower()
    if dest.exists():
        if file_digest(dest, algorithm) == checksum:
            return dest
        dest.unlink()
    digest = hashlib.new(algorithm)
    with atomic_output(dest) as tmp:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress, file=sys.stderr
            ) as bar:
                for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        received = digest.hexdigest()
        if received != checksum:
            raise ChecksumError(
                f"{dest.name}: {algorithm} checksum mismatch for {url}: expected {checksum}, got {received}; "
                "the corrupt download was discarded"
            )
    return dest


def download_from_mirrors(
    mirrors: Sequence[str],
    filename: str,
    dest_dir: str | os.PathLike,
    checksum: str,
    algorithm: str = "sha256",
    timeout: float = 60.0,
    progress: bool = True,
) -> Path:
    """Try ``mirror + filename`` for each mirror until one yields the expected digest."""
    if not mirrors:
        raise ValueError("no mirrors given")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            return download(url, Path(dest_dir) / filename, checksum, algorithm, timeout, progress)
        except (ChecksumError, urllib.error.URLError, OSError) as error:
            failures.append(f"  {url}: {error}")
    raise DownloadError(f"could not download {filename} ({algorithm} {checksum}):\n" + "\n".join(failures))
