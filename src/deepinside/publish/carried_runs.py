"""The checkpoints a long run carries from one machine to the next (docs/paper_preset.md, "Runs
across sessions"): where each job stands, what it has cost, and whether the code here resumes it.

A paper run longer than one session survives a fresh clone only through its committed
checkpoints (config ``keep_checkpoints: true`` keeps a finished job's last one too). A checkpoint
resumes only under the code that wrote it, with the same torch and numpy (a checkpoint of other
settings or data is ignored by its job, which this cannot tell). ``bench/carried_checkpoints.py``
prints :func:`carried` and stages the files; the workflow's ``paper_preset_status`` renders it into
docs/paper_preset.md (:func:`progress_table`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from deepinside.core import code_version, files

# what a job's files are named: <wildcards>[.rbm<k>|.pretrained].pt[.sha256|.cost]
CARRIED = re.compile(r"^(?P<job>[^.].*?)(?:\.(?P<part>rbm\d+|pretrained))?\.pt(?:\.sha256|\.cost)?$")


def versions() -> str:
    """The library versions a checkpoint's code stamp ends with."""
    import numpy as np
    import torch

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
                "where": where(path.relative_to(folder).parts[0], path.name, state.get("epoch")),
                "MB": round(path.stat().st_size / 2**20, 1),
                "attempts": int(spent.get("attempts", 0)),
                "CPU hours": round(float(spent.get("cpu", 0.0)) / 3600, 2),
                "code": code_status(str(state.get("code", "")), fingerprints, here),
            }
        )
    return pd.DataFrame(rows, columns=["rule", "job", "epoch", "where", "MB", "attempts", "CPU hours", "code"])


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
        if path.suffix == ".pt" and files.verify(path) is None:
            raise files.CorruptFileError(
                f"{path}: no SHA-256 record beside it (a save cut off): stop the run, stage again"
            )
    return found


def where(rule: str, name: str, epoch) -> str:
    """Where a checkpoint stands, in words: its part of a DBM's pre-training, or its epoch (for
    message passing: the instances done; for O3's sampling: the models sampled and measured)."""
    found = CARRIED.match(name)
    part = found["part"] if found else None
    if part == "pretrained":
        return f"pre-training: {epoch} RBM(s) done"
    if part:
        return f"pre-training RBM {part[3:]}, epoch {epoch}"
    if "gamp" in rule:
        return f"{epoch} instance(s) done"
    if rule.endswith("_samples"):
        return f"{epoch} model(s) sampled or measured"
    return f"epoch {epoch}"


def progress_table(table: pd.DataFrame, folder: str) -> str:
    """The page's section on the runs in progress: one row per carried checkpoint (:func:`carried`)."""
    if not len(table):
        return f"No checkpoints are carried in `{folder}`: no paper run is in progress."
    lines = [
        f"The checkpoints carried in `{folder}` (committed with `python bench/carried_checkpoints.py "
        "--stage`; a run given its command again resumes from them), as that script prints them; CPU "
        "hours: every attempt of the job so far (a DBM's pre-training parts repeat their DBM's).",
        "",
        "| rule | job | where it stands | attempts | CPU hours | the code here |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['rule']} | {row['job']} | {row['where']} | {row['attempts']} | {row['CPU hours']:.2f} | {row['code']} |"
        for row in table.to_dict("records")
    ]
    return "\n".join(lines)
