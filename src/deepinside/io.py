"""Reading and writing the pipeline's files, every write atomic.

A job killed half-way must never leave a file that a downstream rule would accept,
so every writer here goes through :func:`atomic_output`: the data are written to a
hidden temporary file in the destination folder and renamed over the destination only
once they are complete (``os.replace`` is atomic on POSIX file systems).

File kinds are chosen by extension: ``.csv`` (pandas DataFrame), ``.npz`` (dict of
numpy arrays), ``.npy`` (one array), ``.json`` (plain data), ``.html``/``.txt`` (text), ``.pt`` (torch objects:
state dicts and checkpoints), ``.png``/``.pdf``/``.svg`` (matplotlib figures).
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

FIGURE_SUFFIXES = {".png", ".pdf", ".svg"}


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary name keeps the destination's suffix, so writers that infer the
    format from the extension (``np.savez``, ``savefig``) behave as for ``path``.
    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".part{path.suffix}")
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


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write(obj: Any, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> Path:
    """Write ``obj`` to ``path`` atomically, in the format the extension names.

    ``metadata``: text chunks of a PNG figure (ignored for other formats). ``bytes`` are
    written as they are, whatever the extension (an archive a step has already made).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_output(path) as tmp:
        if isinstance(obj, bytes):
            tmp.write_bytes(obj)
        elif suffix == ".csv":
            if not isinstance(obj, pd.DataFrame):
                raise TypeError(f"{path}: a .csv output needs a pandas DataFrame, got {type(obj).__name__}")
            obj.to_csv(tmp, index=False)
        elif suffix == ".npz":
            if not isinstance(obj, dict):
                raise TypeError(f"{path}: a .npz output needs a dict of arrays, got {type(obj).__name__}")
            np.savez_compressed(tmp, **{k: np.asarray(v) for k, v in obj.items()})
        elif suffix == ".npy":
            np.save(tmp, np.asarray(obj))
        elif suffix in (".html", ".txt", ".md"):
            if not isinstance(obj, str):
                raise TypeError(f"{path}: a {suffix} output needs a string, got {type(obj).__name__}")
            tmp.write_text(obj)
        elif suffix == ".json":
            tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")
        elif suffix == ".pt":
            import torch

            torch.save(obj, tmp)
        elif suffix in FIGURE_SUFFIXES:
            extra = {"metadata": metadata} if metadata and suffix == ".png" else {}
            obj.savefig(tmp, dpi=150, bbox_inches="tight", format=suffix[1:], **extra)
        else:
            raise ValueError(f"{path}: no writer for files ending in {suffix!r}")
    return path


def read(path: str | os.PathLike) -> Any:
    """Read a file written by :func:`write` (or any file of the same kind)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix == ".json":
        return json.loads(path.read_text())
    if suffix == ".pt":
        import torch

        return torch.load(path, map_location="cpu", weights_only=True)
    raise ValueError(f"{path}: no reader for files ending in {suffix!r}")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
