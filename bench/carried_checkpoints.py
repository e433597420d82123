"""The checkpoints a long run carries from one machine to the next, and whether the code here resumes them.

    python bench/carried_checkpoints.py [results/paper/checkpoints] [--git-paths [--min-cpu-hours H]]

A paper run longer than one session (O3's DBMs, GAMP at N = 2,000) survives a fresh clone only through
its committed checkpoints (config ``keep_checkpoints: true`` keeps a finished job's last one too;
docs/paper_preset.md, "Runs across sessions"). A checkpoint resumes only under the code that wrote it:
an edit to any module its step imports discards it on the next attempt. This prints, one row per
checkpoint: its rule and job, where it stands (epoch, or instance for GAMP), its size, the attempts and
CPU hours spent on it so far (its cost ledger), and whether the code here still resumes it (``resumes``)
or would discard it (``code changed``: the module whose code wrote it is named where it is found).
Run it before editing a module that a carried run imports, and before committing the checkpoints.

``--git-paths`` prints instead the files to commit (each checkpoint, its SHA-256 record and its cost
ledger), one per line, after reading each checkpoint back against its record; stop the run first (a job
killed loses at most the 30 s since its last save), then ``git add -f $(python bench/carried_checkpoints.py
--git-paths --min-cpu-hours 0.5)``: a job that has cost less than half an hour (O3's DBN layers, say)
is cheaper to run again than to carry.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from deepinside.core import code_version, files

REPO = Path(__file__).resolve().parents[1]


def code_stamps() -> dict[str, str]:
    """The stamp each package module's checkpoints would get now (code fingerprint, torch and numpy
    versions, as :func:`deepinside.core.checkpointing.for_run` writes it) -> the module's name."""
    stamps = {}
    for path in sorted(code_version.ROOT.rglob("*.py")):
        parts = path.relative_to(code_version.ROOT).with_suffix("").parts
        module = ".".join((code_version.PACKAGE, *(parts[:-1] if parts[-1] == "__init__" else parts)))
        stamp = f"{code_version.fingerprint(module + ':_')} torch {torch.__version__} numpy {np.__version__}"
        stamps.setdefault(stamp, module)
    return stamps


def ledger(checkpoint: Path) -> dict:
    """The attempts and seconds counted beside ``checkpoint`` (none where there is no ledger)."""
    try:
        return json.loads(Path(f"{checkpoint}.cost").read_text())
    except (OSError, ValueError):
        return {}


def carried(folder: Path, stamps: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per checkpoint under ``folder`` (``results/<preset>/checkpoints``)."""
    stamps = code_stamps() if stamps is None else stamps
    rows = []
    for path in sorted(folder.rglob("*.pt")):
        state = files.read(path, digest_required=True)
        module = stamps.get(state.get("code", ""))
        spent = ledger(job_of(path))
        rows.append(
            {
                "rule": path.relative_to(folder).parts[0],
                "job": path.name.removesuffix(".pt"),
                "epoch": state.get("epoch"),
                "MB": round(path.stat().st_size / 2**20, 1),
                "attempts": int(spent.get("attempts", 0)),
                "CPU hours": round(float(spent.get("cpu", 0.0)) / 3600, 2),
                "code": f"resumes ({module})" if module else "code changed",
            }
        )
    return pd.DataFrame(rows, columns=["rule", "job", "epoch", "MB", "attempts", "CPU hours", "code"])


def job_of(path: Path) -> Path:
    """The job a carried file belongs to, as its checkpoint's path: ``layers2_seed0.rbm1.pt.sha256``
    and ``layers2_seed0.pt.cost`` belong to ``layers2_seed0.pt`` (a DBM's pre-training parts and
    every record and ledger go with their job)."""
    return path.with_name(path.name.split(".")[0] + ".pt")


def git_paths(folder: Path, min_cpu_hours: float = 0.0) -> list[Path]:
    """Every file that carries the checkpoints under ``folder``: the checkpoints, their records, the jobs'
    cost ledgers (a job's ledger is there before its first checkpoint), of the jobs that have spent at
    least ``min_cpu_hours`` (a job cheaper to run again than to carry stays out). Each checkpoint is read
    back against its record first: a job saves the file, then the record, so a run caught between the
    two (commit only once the run is stopped) is refused here, naming the file, instead of committed."""
    found = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.name.endswith((".pt", ".sha256", ".cost"))
        and float(ledger(job_of(path)).get("cpu", 0.0)) / 3600 >= min_cpu_hours
    )
    for path in found:
        if path.suffix == ".pt":
            files.verify(path)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default="results/paper/checkpoints", type=Path)
    parser.add_argument("--git-paths", action="store_true", help="print the files to commit, one per line")
    parser.add_argument(
        "--min-cpu-hours",
        type=float,
        default=0.0,
        help="with --git-paths: only the jobs that have spent at least this much (cheaper ones run again)",
    )
    args = parser.parse_args()
    if not args.folder.is_dir():
        raise SystemExit(f"{args.folder}: no such folder (no checkpoints carried here)")
    if args.git_paths:
        print("\n".join(str(path) for path in git_paths(args.folder, args.min_cpu_hours)))
        return
    table = carried(args.folder)
    print(table.to_string(index=False) if len(table) else f"{args.folder}: no checkpoints")


if __name__ == "__main__":
    main()
