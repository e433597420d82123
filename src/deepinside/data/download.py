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

from deepinside.core.files import atomic_output

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
    :class:`ChecksumError` on a digest mismatch, :class:`DownloadError` naming the URL and
    the file on a network or disk failure; in every case ``dest`` is not created.
    """
    dest = Path(dest)
    checksum = checksum.lower()
    if dest.exists():
        if file_digest(dest, algorithm) == checksum:
            return dest
        dest.unlink()
    digest = hashlib.new(algorithm)
    try:
        with atomic_output(dest) as tmp:
            _fetch(url, tmp, dest, digest, timeout, progress)
            received = digest.hexdigest()
            if received != checksum:
                raise ChecksumError(
                    f"{dest.name}: {algorithm} checksum mismatch for {url}: expected {checksum}, got {received}; "
                    "the corrupt download was discarded"
                )
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise DownloadError(f"{dest}: could not download {url}: {reason}") from error
    return dest


def _fetch(url: str, tmp: Path, dest: Path, digest, timeout: float, progress: bool) -> None:
    """Stream ``url`` into ``tmp`` while updating ``digest``, with a progress bar named after ``dest``."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress, file=sys.stderr) as bar:
            for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))


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
        except (ChecksumError, DownloadError) as error:
            failures.append(f"  {url}: {error}")
    raise DownloadError(f"could not download {filename} ({algorithm} {checksum}):\n" + "\n".join(failures))
