"""Reading and writing the pipeline's files: every write atomic, every file's SHA-256 kept and checked.

A job killed half-way must never leave a file that a downstream rule would accept,
so every writer here goes through :func:`atomic_output`: the data are written to a
hidden temporary file in the destination folder and renamed over the destination only
once they are complete (``os.replace`` is atomic on POSIX file systems).

A file that changes after it was written (a flipped bit on disk, a truncated copy, a
corrupt entry of Snakemake's output cache) must not be computed with either. :func:`write`
therefore records the SHA-256 of every file it writes in a sidecar ``<file>.sha256``
(the format of ``sha256sum``, so ``sha256sum -c`` checks it too), and :func:`read`
compares the file with it before parsing anything: a mismatch is refused with both
digests named (:class:`CorruptFileError`). A file without a sidecar (written before
digests were kept, or by hand) is read with a warning on standard error.

Outputs are byte-reproducible: the same object gives the same bytes (fixed member
names and dates inside ``.pt`` and ``.npz`` archives), so digests compare runs too.

File kinds are chosen by extension: ``.csv`` (pandas DataFrame), ``.npz`` (dict of
numpy arrays), ``.npy`` (one array), ``.json`` (plain data), ``.html``/``.txt``/``.md`` (text),
``.pt`` (torch tensors in plain containers: state dicts and checkpoints, loaded with
``weights_only=True`` so that no pickled code can run), ``.png``/``.pdf``/``.svg``
(matplotlib figures). Errors name the file: :class:`ReadError`, :class:`WriteError`.
"""

from __future__ import annotations

import errno
import hashlib
import io as bytes_io
import json
import os
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

FIGURE_SUFFIXES = {".png", ".pdf", ".svg"}
DIGEST_SUFFIX = ".sha256"
CHUNK_BYTES = 1 << 20
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip member can carry: the same bytes every run


class ReadError(RuntimeError):
    """A pipeline file could not be read or parsed; the message names it."""


class CorruptFileError(ReadError):
    """A file's content no longer has the SHA-256 recorded when it was written."""


class WriteError(OSError):
    """A pipeline file could not be written; the message names it (and says when the disk is full)."""


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary name keeps the destination's suffix, so writers that infer the
    format from the extension (``np.savez``, ``savefig``) behave as for ``path``.
    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".part{path.suffix}")
    except OSError as error:
        raise _write_error(path, error) from error
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates the file private (0600); give the result the permissions an
        # ordinary open() would, so outputs on a shared cluster disk stay readable.
        tmp_path.chmod(0o666 & ~_current_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def copy(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy ``source`` onto ``target`` atomically (a reader sees the old file or the new one)."""
    try:
        data = Path(source).read_bytes()
    except OSError as error:
        raise ReadError(f"{source}: cannot be read ({error.strerror or error})") from error
    with atomic_output(target) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as error:
            raise _write_error(Path(target), error) from error
    return Path(target)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def digest_path(path: str | os.PathLike) -> Path:
    """The sidecar holding ``path``'s SHA-256: ``<path>.sha256``."""
    path = Path(path)
    return path.with_name(path.name + DIGEST_SUFFIX)


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_sha256(path: str | os.PathLike) -> str | None:
    """The digest recorded for ``path`` in its sidecar, or None without one."""
    sidecar = digest_path(path)
    if not sidecar.exists():
        return None
    text = sidecar.read_text().split()
    if not text or len(text[0]) != 64:
        raise CorruptFileError(f"{sidecar}: not a SHA-256 record (expected '<64 hex digits>  {Path(path).name}')")
    return text[0].lower()


def verify(path: str | os.PathLike) -> str | None:
    """Compare ``path`` with its recorded SHA-256; return the digest (None without a record).

    Raises :class:`CorruptFileError` naming the file and both digests on a mismatch.
    """
    path = Path(path)
    expected = recorded_sha256(path)
    if expected is None:
        return None
    actual = file_sha256(path)
    if actual != expected and path.is_symlink():  # Snakemake's output cache links its entries in
        entries = [str(path.resolve()), str(digest_path(path).resolve())]
        raise CorruptFileError(
            f"{path}: its SHA-256 is {actual}, but {digest_path(path).name} records {expected}: {path} links to the "
            f"output-cache entry {entries[0]}, which changed since it was stored. Remove the entry, its record and "
            f"the links (rm {' '.join(entries)} {path} {digest_path(path)}) and re-run: the step runs again and "
            "stores a new entry."
        )
    if actual != expected:
        raise CorruptFileError(
            f"{path}: its SHA-256 is {actual}, but {digest_path(path).name} records {expected} from when it was "
            "written: the file changed since (a corrupt disk, cache entry or copy). Delete it and re-run the "
            "step that makes it."
        )
    return actual


def write(obj: Any, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> Path:
    """Write ``obj`` to ``path`` atomically, in the format the extension names, and record its SHA-256.

    ``metadata``: text chunks of a PNG figure (ignored for other formats). ``bytes`` are
    written as they are, whatever the extension (an archive a step has already made).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    data = None if isinstance(obj, bytes) or suffix in FIGURE_SUFFIXES else _encode(obj, path, suffix)
    try:
        with atomic_output(path) as tmp:
            if isinstance(obj, bytes):
                tmp.write_bytes(obj)
            elif data is not None:
                tmp.write_bytes(data)
            else:
                extra = {"metadata": metadata} if metadata and suffix == ".png" else {}
                obj.savefig(tmp, dpi=150, bbox_inches="tight", format=suffix[1:], **extra)
            digest = file_sha256(tmp)
        with atomic_output(digest_path(path)) as tmp:
            tmp.write_text(f"{digest}  {path.name}\n")
    except WriteError:
        raise
    except OSError as error:
        raise _write_error(path, error) from error
    return path


def _encode(obj: Any, path: Path, suffix: str) -> bytes:
    """The bytes of ``obj`` in the format of ``suffix`` (all but figures)."""
    if suffix == ".csv":
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{path}: a .csv output needs a pandas DataFrame, got {type(obj).__name__}")
        return obj.to_csv(index=False).encode()
    if suffix == ".npz":
        if not isinstance(obj, dict):
            raise TypeError(f"{path}: a .npz output needs a dict of arrays, got {type(obj).__name__}")
        return _npz_bytes(obj)
    if suffix == ".npy":
        buffer = bytes_io.BytesIO()
        np.save(buffer, np.asarray(obj))
        return buffer.getvalue()
    if suffix in (".html", ".txt", ".md"):
        if not isinstance(obj, str):
            raise TypeError(f"{path}: a {suffix} output needs a string, got {type(obj).__name__}")
        return obj.encode()
    if suffix == ".json":
        return (json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n").encode()
    if suffix == ".pt":
        import torch

        buffer = bytes_io.BytesIO()  # a buffer, not a named file: the archive's inner folder is always "archive"
        torch.save(obj, buffer)
        return buffer.getvalue()
    raise ValueError(f"{path}: no writer for files ending in {suffix!r}")


def _npz_bytes(arrays: dict) -> bytes:
    """``np.savez_compressed``'s format with fixed member dates (numpy stamps the time of writing)."""
    buffer = bytes_io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in arrays.items():
            member = bytes_io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def _write_error(path: Path, error: OSError) -> WriteError:
    if error.errno == errno.ENOSPC:
        return WriteError(errno.ENOSPC, f"no space left on device: {path}")
    return WriteError(error.errno, f"{path}: cannot write it ({error.strerror or error})")


def read(path: str | os.PathLike, digest_required: bool = False) -> Any:
    """Read a file written by :func:`write` (or any file of the same kind), after checking its SHA-256.

    Raises :class:`CorruptFileError` when the file differs from its recorded digest, or when
    ``digest_required`` (a file this pipeline wrote, so it must have one) and there is no
    record; :class:`ReadError` (naming the file) when it cannot be read or parsed. Without
    ``digest_required`` (a file a user put there) a missing record is a warning.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise ValueError(f"{path}: no reader for files ending in {suffix!r}")
    if digest_required and path.exists() and not digest_path(path).exists():
        raise CorruptFileError(
            f"{path}: its SHA-256 record {digest_path(path).name} is missing, so it cannot be checked: this "
            "pipeline writes one beside every file it makes. Delete the file and re-run the step that makes it."
        )
    try:
        if verify(path) is None:
            print(
                f"[deepinside] warning: no SHA-256 recorded for {path} (no {digest_path(path).name}): read unchecked",
                file=sys.stderr,
            )
        return READERS[suffix](path)
    except ReadError:
        raise
    except FileNotFoundError as error:
        raise ReadError(f"{path}: no such file") from error
    except Exception as error:
        raise ReadError(f"{path}: cannot read this {suffix} file ({type(error).__name__}: {error})") from error


def _read_npz(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _read_pt(path: Path) -> Any:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


READERS = {
    ".csv": pd.read_csv,
    ".npz": _read_npz,
    ".npy": lambda path: np.load(path, allow_pickle=False),
    ".json": lambda path: json.loads(path.read_text()),
    ".pt": _read_pt,
}


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
