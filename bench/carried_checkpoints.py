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
from the index the carried files that are gone (a finished DBM's pre-training parts). It refuses,
staging nothing, while a Snakemake run holds this checkout (``.snakemake/locks``): stop the runs first
(a job loses at most the 30 s since its last save). ``--min-cpu-hours H`` leaves out the jobs that
have cost less than H (run again instead of carried); files that do not change add nothing to the
repository, so the default carries every job.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
from pathlib import Path

from deepinside.core import files
from deepinside.publish.carried_runs import carried, carried_files

REPO = Path(__file__).resolve().parents[1]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def stage(folder: Path, repo: Path, min_cpu_hours: float = 0.0) -> tuple[list[str], list[str]]:
    """Stage the carried files under ``folder`` in the git repository ``repo`` and drop from its index
    the carried files no longer there; returns (staged, dropped), paths relative to ``repo``. Refuses,
    staging nothing, while a Snakemake run holds ``repo`` or when a checkpoint does not match its record;
    after staging, each staged checkpoint is compared with its staged record."""
    locks = repo / ".snakemake" / "locks"
    if locks.is_dir() and any(locks.iterdir()):
        raise RuntimeError(f"{locks} is not empty: a Snakemake run holds this checkout; stop it first")
    present = [path.resolve().relative_to(repo.resolve()).as_posix() for path in carried_files(folder, min_cpu_hours)]
    where = folder.resolve().relative_to(repo.resolve()).as_posix()
    tracked = set(_git("ls-files", "--", where, cwd=repo).split())
    dropped = sorted(tracked - set(present))
    if dropped:
        _git("rm", "-q", "--cached", "--", *dropped, cwd=repo)
    if present:
        _git("add", "-f", "--", *present, cwd=repo)
    for name in present:
        if name.endswith(".pt"):
            staged = subprocess.run(["git", "show", f":{name}"], cwd=repo, check=True, capture_output=True).stdout
            record = _git("show", f":{name}.sha256", cwd=repo).split()[0]
            if hashlib.sha256(staged).hexdigest() != record:
                raise RuntimeError(
                    f"{name}: the staged checkpoint does not match its staged record; stop the run and stage again"
                )
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
        except (RuntimeError, files.CorruptFileError, subprocess.CalledProcessError) as error:
            raise SystemExit(f"nothing staged: {error}") from None
        for name in dropped:
            print(f"dropped (gone): {name}")
        print(f"staged {len(staged)} files under {args.folder}; now commit them")
        return
    table = carried(args.folder)
    print(table.to_string(index=False) if len(table) else f"{args.folder}: no checkpoints")


if __name__ == "__main__":
    main()
