"""The checkpoints a long run carries from one machine to the next, and whether the code here resumes them.

    python bench/carried_checkpoints.py [results/paper/checkpoints] [--stage [--min-cpu-hours H]]

A paper run longer than one session (O3's DBMs, GAMP at N = 2,000) survives a fresh clone only through
its committed checkpoints (config ``keep_checkpoints: true`` keeps a finished job's last one too;
docs/paper_preset.md, "Runs across sessions"). A checkpoint resumes only under the code that wrote it,
with the same torch and numpy: an edit to any module its step imports discards it on the next attempt.
This prints, one row per checkpoint: its rule and job, where it stands (epoch, or instance for GAMP),
its size, the attempts and CPU hours spent on its job so far (the job's cost ledger), and whether the
code here resumes it (``resumes``, naming the module that wrote it), would discard it (``code
changed``) or runs other versions (``torch/numpy differ``). Run it before editing a module that a
carried run imports. (It checks the code only: a checkpoint of other settings or data is ignored
by its job, which this cannot tell.)

``--stage`` stages the carried files for a commit: each checkpoint, its SHA-256 record and its job's
cost ledger, every checkpoint read back against its record before and after it is staged, and drops
from the index the carried files no longer on disk (a finished DBM's pre-training parts). It refuses,
staging nothing, while a Snakemake run holds this checkout (``.snakemake/locks``): stop
the runs first (a job loses at most the 30 s since its last save). ``--min-cpu-hours H`` does not stage
the jobs that have cost less than H (their files already tracked stay as they are); files that do
not change add nothing to the repository, so the default stages every job.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
from pathlib import Path

from deepinside.core import files
from deepinside.publish.carried_runs import carried, carried_files, job_of

REPO = Path(__file__).resolve().parents[1]


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def stage(folder: Path, repo: Path, min_cpu_hours: float = 0.0) -> tuple[list[str], list[str]]:
    """Stage the carried files under ``folder`` (a ``checkpoints`` folder inside the git repository
    ``repo``) and drop from the index the carried files no longer on disk; returns (staged, dropped),
    paths relative to ``repo``. ``min_cpu_hours``: a job cheaper than that is not staged (its files
    already tracked stay as they are). Refuses, staging nothing, while a Snakemake run holds ``repo``
    or when a checkpoint does not match its record; after staging, each staged checkpoint is compared
    with its staged record, and on any failure the folder's index entries are put back as they are in
    the last commit."""
    root, where = Path(os.path.abspath(repo)), Path(os.path.abspath(folder))
    if where.name != "checkpoints" or root not in where.parents:
        raise RuntimeError(f"{folder}: not a checkpoints folder inside {root} (e.g. results/paper/checkpoints)")
    locks = root / ".snakemake" / "locks"
    if locks.is_dir() and any(locks.iterdir()):
        raise RuntimeError(
            f"{locks} is not empty: a Snakemake run holds this checkout; stop it first "
            "(locks left by a killed run: snakemake --unlock)"
        )
    relative = where.relative_to(root).as_posix()
    present = [path.relative_to(where).as_posix() for path in carried_files(where, min_cpu_hours)]
    present = [f"{relative}/{name}" for name in present]
    tracked = _git("ls-files", "-z", "--", relative, cwd=root).split("\0")
    dropped = sorted(name for name in tracked if name and job_of(Path(name)) is not None and not (root / name).exists())
    try:
        if dropped:
            _git("rm", "-q", "--cached", "--", *dropped, cwd=root)
        if present:
            _git("add", "-f", "--", *present, cwd=root)
        for name in present:
            if name.endswith(".pt"):
                staged = subprocess.run(["git", "show", f":{name}"], cwd=root, check=True, capture_output=True).stdout
                record = (_git("show", f":{name}.sha256", cwd=root).split() or [""])[0]
                if hashlib.sha256(staged).hexdigest() != record:
                    raise RuntimeError(f"{name}: the staged checkpoint does not match its staged record")
    except (RuntimeError, subprocess.CalledProcessError) as error:
        subprocess.run(["git", "reset", "-q", "--", relative], cwd=root, capture_output=True)
        raise RuntimeError(f"{error}; the folder's index is as in the last commit: stop the run, stage again") from None
    return present, dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="results/paper/checkpoints", type=Path)
    parser.add_argument("--stage", action="store_true", help="stage the carried files for a commit")
    parser.add_argument(
        "--min-cpu-hours",
        type=float,
        default=0.0,
        help="with --stage: only the jobs that have spent at least this much",
    )
    args = parser.parse_args()
    if not args.folder.is_dir():
        raise SystemExit(f"{args.folder}: no such folder (no checkpoints carried here)")
    if args.stage:
        try:
            staged, dropped = stage(args.folder, REPO, args.min_cpu_hours)
        except (RuntimeError, files.CorruptFileError) as error:
            raise SystemExit(f"nothing staged: {error}") from None
        for name in dropped:
            print(f"dropped (gone): {name}")
        print(f"staged {len(staged)} files under {args.folder}; now commit them")
        return
    table = carried(args.folder)
    print(table.to_string(index=False) if len(table) else f"{args.folder}: no checkpoints")


if __name__ == "__main__":
    main()
