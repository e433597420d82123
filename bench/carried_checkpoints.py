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
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from deepinside.core import code_version, files

REPO = Path(__file__).resolve().parents[1]
# what a job's files are named: <wildcards>[.rbm<k>|.pretrained].pt[.sha256|.cost]
CARRIED = re.compile(r"^(?P<job>[^.].*?)(?:\.(?:rbm\d+|pretrained))?\.pt(?:\.sha256|\.cost)?$")


def versions() -> str:
    """The library versions a checkpoint's code stamp ends with."""
    return f"torch {torch.__version__} numpy {np.__version__}"


def code_fingerprints() -> dict[str, str]:
    """Each package module's code fingerprint now (what checkpoints are stamped with) -> the module."""
    found = {}
    for path in sorted(code_version.ROOT.rglob("*.py")):
        parts = path.relative_to(code_version.ROOT).with_suffix("").parts
        module = ".".join((code_version.PACKAGE, *(parts[:-1] if parts[-1] == "__init__" else parts)))
        found.setdefault(code_version.fingerprint(module + ":_"), module)
    return found


def code_status(stamp: str, fingerprints: dict[str, str], here: str) -> str:
    """``resumes (<module>)``, ``torch/numpy differ (<module>)`` or ``code changed`` for a checkpoint's stamp."""
    fingerprint, _, written_with = stamp.partition(" ")
    module = fingerprints.get(fingerprint)
    if module is None:
        return "code changed"
    return f"resumes ({module})" if written_with == here else f"torch/numpy differ ({module}: {written_with})"


def job_of(path: Path) -> Path | None:
    """The checkpoint of the job a carried file belongs to (a DBM's pre-training parts, records and
    ledgers go with their job: ``layers2_seed0.rbm1.pt.sha256`` -> ``layers2_seed0.pt``;
    ``alpha0.25_kappa0.5_seed0_size2000.pt.cost`` -> ``alpha0.25_kappa0.5_seed0_size2000.pt``);
    None for a file that is not carried (an unfinished write's ``.<name>.….part.pt``)."""
    found = CARRIED.match(path.name)
    if found is None or ".part." in path.name:
        return None
    return path.with_name(f"{found['job']}.pt")


def ledger(checkpoint: Path) -> dict:
    """The attempts and seconds counted beside ``checkpoint`` (none where there is no ledger)."""
    try:
        return json.loads(Path(f"{checkpoint}.cost").read_text())
    except (OSError, ValueError):
        return {}


def checkpoints(folder: Path) -> list[Path]:
    """The checkpoints under ``folder`` (not an unfinished write's temporary file)."""
    return [path for path in sorted(folder.rglob("*.pt")) if job_of(path) is not None]


def carried(folder: Path, fingerprints: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per checkpoint under ``folder`` (``results/<preset>/checkpoints``)."""
    fingerprints = code_fingerprints() if fingerprints is None else fingerprints
    here, rows = versions(), []
    for path in checkpoints(folder):
        state = files.read(path, digest_required=True)
        spent = ledger(job_of(path))
        rows.append(
            {
                "rule": path.relative_to(folder).parts[0],
                "job": path.name.removesuffix(".pt"),
                "epoch": state.get("epoch"),
                "MB": round(path.stat().st_size / 2**20, 1),
                "attempts": int(spent.get("attempts", 0)),
                "CPU hours": round(float(spent.get("cpu", 0.0)) / 3600, 2),
                "code": code_status(str(state.get("code", "")), fingerprints, here),
            }
        )
    return pd.DataFrame(rows, columns=["rule", "job", "epoch", "MB", "attempts", "CPU hours", "code"])


def carried_files(folder: Path, min_cpu_hours: float = 0.0) -> list[Path]:
    """Every file that carries the checkpoints under ``folder``: the checkpoints, their records, the
    jobs' cost ledgers (a job's ledger is there before its first checkpoint), of the jobs that have
    spent at least ``min_cpu_hours``. Each checkpoint is read back against its record first: a job
    saves the file, then the record, so a run caught between the two is refused, naming the file."""
    found = []
    for path in sorted(folder.rglob("*")):
        job = job_of(path)
        if path.is_file() and job is not None and float(ledger(job).get("cpu", 0.0)) / 3600 >= min_cpu_hours:
            found.append(path)
    for path in found:
        if path.suffix == ".pt":
            files.verify(path)
    return found


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
