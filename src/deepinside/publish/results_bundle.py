"""A preset's results in archives, so that another clone only draws the figures.

``snakemake --cores 1 bundle`` packs, per talk, everything the run made for it under
``results/<preset>/`` — the prepared data, every seed's trained models, spectra, runs
and claim rows, the combined claims; not the private checkpoints — into
``results/bundles/<preset>-<talk>.tar.gz``, with a manifest (path, size, sha256 and
modification time of every file, and the bundle's provenance) inside the archive and
beside it (``.json``). In a fresh clone,

    python -m deepinside.publish.results_bundle unpack results/bundles/quick-*.tar.gz

checks every file against its manifest, refuses to overwrite a file that differs, and
dates the files to the moment of unpacking, a millisecond apart in the order the run made
them: Snakemake then sees every result newer than the freshly cloned code and each
output newer than its inputs; then
``snakemake --cores all`` finds the results up to date and only draws (figures, claims pages).
mototake2015 analyses okatani2013's networks: unpack both.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io as stdio
import json
import os
import tarfile
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

from deepinside.core import provenance
from deepinside.core.files import file_sha256

MANIFEST = "MANIFEST.json"
SKIPPED = ("checkpoints",)  # private epoch checkpoints of running jobs


def files_of(folder: Path) -> list[Path]:
    """Every file under ``folder`` but the skipped subfolders and half-written temporaries, sorted."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] in SKIPPED or ".part." in path.name:
            continue
        found.append(path)
    return found


def manifest(files: Iterable[Path], root: Path, fields: Mapping[str, str]) -> dict:
    """Paths (relative to ``root``), sizes, sha256 and modification times, plus provenance."""
    entries = [
        {
            "path": path.relative_to(root).as_posix(),
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
            "mtime": path.stat().st_mtime,
        }
        for path in files
    ]
    return {"provenance": dict(fields), "files": entries}


def bundle(claims, folders: list[str], preset: str, seeds: list[int]) -> dict:
    """The ``bundle`` step of one talk: the files under ``folders`` as a gzipped tar, and its manifest.

    ``claims`` (the talk's combined claims) only makes the step wait for the talk's run.
    Like ``readme``, this step reads files it does not declare: the folders hold
    whatever the run made.
    """
    files = [path for folder in folders for path in files_of(Path(folder))]
    if not files:
        raise FileNotFoundError(f"nothing to bundle under {folders}")
    listing = manifest(files, Path("."), provenance.record("", preset=preset, seeds=seeds))
    buffer = stdio.BytesIO()
    # dereference: results taken from Snakemake's output cache are symlinks into the cache
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as archive:
        for path in files:
            archive.add(path, arcname=path.as_posix(), recursive=False)
        text = json.dumps(listing, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(text)
        archive.addfile(info, stdio.BytesIO(text))
    return {"archive": buffer.getvalue(), "manifest": listing}


def unpacked_times(original: list[float], now: float, step: float = 1e-3) -> list[float]:
    """Modification times for unpacked files: the original order (ties kept) squeezed to end at ``now``.

    The originals lie before the clone was made, so Snakemake would take every result
    for older than the checked-out code and run it again; moving them to ``now`` in
    their order keeps each output newer than its inputs and all of them newer than the code.
    """
    ranks = {value: rank for rank, value in enumerate(sorted(set(original)))}
    last = len(ranks) - 1
    return [now - (last - ranks[value]) * step for value in original]


class BundleError(ValueError):
    """A bundle that cannot be unpacked; the message is one line naming the archive (and the member)."""


CHUNK = 1 << 20  # bytes read at a time: unpacking holds one chunk of a member in memory, whatever its size
MAX_MANIFEST = 64 << 20  # a manifest lists files: 64 MB is millions of them


def _stream_to(source, target: Path) -> tuple[str, int]:
    """Copy the open member ``source`` into the new file ``target`` a chunk at a time; its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _listing(tar: tarfile.TarFile, members: dict, archive) -> list[dict]:
    member = members.get(MANIFEST)
    if member is None:
        raise BundleError(f"{archive}: no {MANIFEST}: not a results bundle")
    if not member.isfile() or member.size > MAX_MANIFEST:
        raise BundleError(f"{archive}: {MANIFEST} is not a manifest (a link, a folder or over {MAX_MANIFEST:,} bytes)")
    try:
        listing = json.loads(tar.extractfile(member).read())
        files = listing["files"]
        if not isinstance(files, list) or not all(
            isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("sha256"), str) for e in files
        ):
            raise TypeError("every entry needs a path and a sha256")
        [float(e.get("mtime", 0.0)) for e in files]
    except (ValueError, KeyError, TypeError) as error:
        raise BundleError(f"{archive}: {MANIFEST} is not a bundle manifest ({type(error).__name__}: {error})") from None
    return files


def unpack(archive: str | Path, destination: str | Path = ".", force: bool = False) -> list[Path]:
    """Extract a bundle into ``destination`` after checking it against its manifest, all or nothing.

    Members outside ``results/``, members that are not regular files (links, folders,
    devices), files whose sha256 differs from the manifest and (unless ``force``) existing
    files with other contents are refused. Each member is streamed, a chunk at a time, into a
    temporary beside its target while it is hashed (memory stays at one chunk however large
    the member; a full disk stops here); only when every member is checked are the
    temporaries renamed into place. On any failure the temporaries (and the folders this
    unpacking made) are removed and the destination is left as it was. Every refusal is a
    :class:`BundleError` (or ``FileExistsError`` for a conflict) of one line that names the
    archive and the member. Returns the files written.
    """
    destination = Path(destination)
    staged, created, checked = [], [], []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            files = _listing(tar, members, archive)
            for entry in files:
                name = entry["path"]
                pure = PurePosixPath(name)
                if pure.is_absolute() or ".." in pure.parts or pure.parts[:1] != ("results",) or name not in members:
                    raise BundleError(f"{archive}: refusing member {name!r}; nothing was unpacked")
                member = members[name]
                if not member.isfile():
                    kind = (
                        "a link" if member.issym() or member.islnk() else "a folder" if member.isdir() else "not a file"
                    )
                    raise BundleError(f"{archive}: member {name!r} is {kind}; nothing was unpacked")
                target = destination / pure
                if target.exists() and not force and file_sha256(target) != entry["sha256"]:
                    raise FileExistsError(
                        f"{target} exists with other contents; pass --force to replace it; nothing was unpacked"
                    )
                created.extend(reversed([d for d in [target.parent, *target.parent.parents] if not d.exists()]))
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = target.with_name(f".{target.name}.part.unpack")
                temporary.unlink(missing_ok=True)
                staged.append(temporary)
                digest, _ = _stream_to(tar.extractfile(member), temporary)
                if digest != entry["sha256"]:
                    raise BundleError(
                        f"{archive}: {name} does not match its sha256 in the manifest (corrupt bundle); nothing was unpacked"
                    )
                checked.append((target, temporary, float(entry.get("mtime", 0.0))))
    except BaseException as error:
        for temporary in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(created):  # deepest first; only the folders this unpacking made
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(error, (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)):
            raise BundleError(
                f"{archive}: not a readable results bundle ({type(error).__name__}: {error}); nothing was unpacked"
            ) from None
        raise
    dates = unpacked_times([date for _, _, date in checked], time.time())
    written = []
    for (target, temporary, _), date in zip(checked, dates):
        temporary.replace(target)
        os.utime(target, (date, date))
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Unpack a results bundle made by `snakemake bundle`.")
    sub = parser.add_subparsers(dest="command", required=True)
    unpack_parser = sub.add_parser("unpack", help="check and extract a bundle")
    unpack_parser.add_argument("archives", nargs="+")
    unpack_parser.add_argument("--into", default=".", help="clone to unpack into (default: here)")
    unpack_parser.add_argument("--force", action="store_true", help="replace existing files that differ")
    args = parser.parse_args(argv)
    for archive in args.archives:
        try:
            written = unpack(archive, args.into, args.force)
        except (BundleError, FileExistsError, OSError) as error:
            raise SystemExit(f"error: {error}") from None
        print(f"unpacked {len(written)} files from {archive}")
    print("`snakemake --cores all` now only draws what is missing (figures, claims pages)")


if __name__ == "__main__":
    main()
