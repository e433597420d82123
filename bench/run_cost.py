"""What a run of the workflow cost, talk by talk, beside the paper preset's projection.

    python bench/run_cost.py logs/paper [--table docs/paper_cost.csv] [--by-rule]
                             [--jobs docs/paper_run_jobs.csv [--replace TALK ...]] [--out docs/paper_run_cost.csv]

``--out`` writes the per-talk lines as a table (one row per talk, with the dates measured): docs/paper_preset.md's
"Measured cost" table is rendered from docs/paper_run_cost.csv by ``snakemake --cores 1 paper_preset_page``.

``--jobs`` keeps one row per finished job in a committed ledger and counts the ledger, not only the
logs there now: a job's row is replaced when its log is there again (the job ran again), and the rows
of jobs whose logs are gone (a fresh checkout has no `logs/`) are kept, so the measured cost
outlives the logs. ``--replace TALK`` says a talk ran again whole: its earlier rows go (a rule or
log renamed since would otherwise be counted twice).

Reads every job log under the folder: the step adapter ends each with
``[deepinside] <step>@<code> done in <s> s (<c> s of CPU)``. Prints per talk the jobs finished,
their step time (the sum of the jobs' wall times, hours), their CPU time (hours) and the seeds
whose jobs ran, beside the projection of the cost table for those seeds (its hours per seed ×
the seeds; "at most" where a row is a bound). CPU time is what the projection estimates: a job
that shared its core with others (a run at a lower priority beside other work) took longer
in wall time but not in CPU time. A log from before the adapter recorded CPU time counts its
wall time, and the talk's line says so. A job's step time runs from its inputs read to its
outputs written; Python's start-up is not in it (bench/job_overhead.py).

A job killed and resumed from its checkpoint counts every attempt: the adapter keeps the
earlier attempts' seconds beside the checkpoint (rewritten every minute, so a kill loses at most
a minute of the count) and its last line gives all of them. What it does not see: a job still
running or killed (no "done" line yet); attempts made before the adapter kept that count
(2026-12-07), of which only the last is there; the attempts of a job without a checkpoint, which
start afresh; and time spent on a GPU (CPU time is the process's own).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pandas as pd
from quick_preset import DONE, talk_of  # bench/quick_preset.py: the adapter's last line, read the same way

from deepinside.core.files import atomic_output
from deepinside.pipeline.projected_cost import read_table, talk_hours

REPO = Path(__file__).resolve().parents[1]


def finished_jobs(logs: Path) -> list[dict]:
    """One row per finished job under ``logs``: talk, rule, seed, wall and CPU seconds (None where not recorded)."""
    rows = []
    for log in sorted(logs.rglob("*.log")):
        found = DONE.findall(log.read_text(errors="replace"))
        if not found:
            continue
        _, _, wall, cpu, attempts, all_wall, all_cpu = found[-1]
        if attempts:  # resumed from its checkpoint: the killed attempts' seconds count too
            wall, cpu = all_wall, all_cpu
        parts = log.relative_to(logs).parts
        seed = next((int(part[4:]) for part in parts if re.fullmatch(r"seed\d+", part)), None)
        rule = next((part.removesuffix(".log") for part in parts if not re.fullmatch(r"seed\d+", part)), "")
        rows.append(
            {
                "log": "/".join(parts),
                "talk": talk_of("/".join(parts)),
                "rule": rule,
                "seed": seed,
                "wall": float(wall),
                "cpu": float(cpu) if cpu else None,
            }
        )
    return rows


JOB_COLUMNS = ("log", "talk", "rule", "seed", "wall", "cpu", "measured")


def kept_jobs(rows: list[dict], ledger: Path, today: str, replace: tuple[str, ...] = ()) -> list[dict]:
    """The ledger's jobs with ``rows`` (this folder's finished jobs, measured ``today``) in place of
    the same logs' rows: a job that ran again replaces its row; jobs whose logs are gone stay. The
    talks in ``replace`` ran again whole: their earlier rows go, so that a job whose rule or log was
    renamed since is not counted twice."""
    kept: dict[str, dict] = {}
    if ledger.exists():
        table = pd.read_csv(ledger, dtype={"log": str, "talk": str, "rule": str, "measured": str})
        missing = [column for column in JOB_COLUMNS if column not in table.columns]
        if missing:
            raise SystemExit(f"{ledger}: lacks the columns {missing} (run_cost --jobs writes it)")
        for row in table.to_dict("records"):
            row["seed"] = None if pd.isna(row["seed"]) else int(row["seed"])
            row["cpu"] = None if pd.isna(row["cpu"]) else float(row["cpu"])
            if row["talk"] not in replace:
                kept[row["log"]] = {column: row[column] for column in JOB_COLUMNS}
    for row in rows:
        kept[row["log"]] = {**{column: row.get(column) for column in JOB_COLUMNS}, "measured": today}
    return [kept[log] for log in sorted(kept)]


def summary(rows: list[dict], key: str) -> dict[str, dict]:
    """Per ``key`` (talk or rule): jobs, wall and CPU hours, seeds, and how many jobs lacked CPU time."""
    out: dict[str, dict] = defaultdict(
        lambda: {"jobs": 0, "wall": 0.0, "cpu": 0.0, "seeds": set(), "no_cpu": 0, "measured": set()}
    )
    for row in rows:
        entry = out[row[key]]
        entry["jobs"] += 1
        entry["wall"] += row["wall"] / 3600
        entry["cpu"] += (row["cpu"] if row["cpu"] is not None else row["wall"]) / 3600
        entry["no_cpu"] += row["cpu"] is None
        if row["seed"] is not None:
            entry["seeds"].add(row["seed"])
        if row.get("measured"):
            entry["measured"].add(str(row["measured"]))
    return dict(out)


def per_talk(rows: list[dict], projected: dict[str, tuple[float, bool]]) -> list[dict]:
    """One row per talk: jobs, seeds, step and CPU hours, jobs without CPU time, and the cost
    table's projection for those seeds (hours, whether a bound, and in words)."""
    out = []
    for talk, entry in sorted(summary(rows, "talk").items()):
        seeds = sorted(entry["seeds"])
        count = max(len(seeds), 1)
        hours, bound = projected.get(talk, (None, False))
        out.append(
            {
                "talk": talk,
                "jobs": entry["jobs"],
                "seeds": " ".join(map(str, seeds)),
                "step_hours": round(entry["wall"], 3),
                "cpu_hours": round(entry["cpu"], 3),
                "jobs_without_cpu": entry["no_cpu"],
                "projected_hours": None if hours is None else round(hours * count, 3),
                "projection": (
                    f"{'at most ' if bound else ''}{hours * count:.2f} h ({hours:.2f} h per seed × {count})"
                    if hours is not None
                    else "not in the table"
                ),
                "measured": " ".join(sorted(entry["measured"])),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", type=Path, help="a run's job logs, e.g. logs/paper")
    parser.add_argument("--table", type=Path, default=REPO / "docs/paper_cost.csv")
    parser.add_argument("--by-rule", action="store_true", help="also one line per rule")
    parser.add_argument("--out", type=Path, help="also write the per-talk lines as a CSV table")
    parser.add_argument("--jobs", type=Path, help="the per-job ledger to update and count (kept across checkouts)")
    parser.add_argument(
        "--replace",
        nargs="+",
        default=[],
        metavar="TALK",
        help="with --jobs: these talks ran again whole; their earlier rows in the ledger go",
    )
    args = parser.parse_args()
    if args.replace and args.jobs is None:
        parser.error("--replace changes the ledger: give it with --jobs")
    today = date.today().isoformat()
    rows = finished_jobs(args.logs) if args.logs.exists() else []
    if args.jobs is not None:
        found = len(rows)
        missing = sorted(set(args.replace) - {row["talk"] for row in rows})
        if missing:
            raise SystemExit(f"--replace {' '.join(missing)}: no finished job of that talk under {args.logs}")
        rows = kept_jobs(rows, args.jobs, today, tuple(args.replace))
        with atomic_output(args.jobs) as temporary:
            pd.DataFrame(rows, columns=list(JOB_COLUMNS)).astype({"seed": "Int64"}).to_csv(temporary, index=False)
        print(f"{args.jobs}: {len(rows)} jobs ({found} from {args.logs}, the rest kept from earlier runs)")
    if not rows:
        raise SystemExit(f"{args.logs}: no finished job's log (no '[deepinside] … done in' line)")
    table = read_table(args.table)
    projected = talk_hours(table) if table is not None else {}
    print(f"{args.logs}: {len(rows)} finished jobs; projection from {args.table.name if table is not None else 'none'}")
    print(f"{'talk':14} {'jobs':>5} {'wall h':>8} {'CPU h':>8}  seeds     projected for those seeds")
    talks = per_talk(rows, projected)
    for row in talks:
        note = (
            f"; {row['jobs_without_cpu']} job(s) without CPU time: wall time counted" if row["jobs_without_cpu"] else ""
        )
        print(
            f"{row['talk']:14} {row['jobs']:5d} {row['step_hours']:8.2f} {row['cpu_hours']:8.2f}  "
            f"{row['seeds'] or '-':9} {row['projection']}{note}"
        )
    if args.out is not None:
        out = pd.DataFrame(talks).assign(
            measured=lambda table: table["measured"].replace("", today), logs=str(args.logs)
        )
        with atomic_output(args.out) as temporary:
            out.to_csv(temporary, index=False)
        print(f"written: {args.out}")
    if args.by_rule:
        print()
        for rule, entry in sorted(summary(rows, "rule").items(), key=lambda item: -item[1]["cpu"]):
            print(f"  {rule:40} {entry['jobs']:4d} jobs {entry['wall']:8.3f} wall h {entry['cpu']:8.3f} CPU h")


if __name__ == "__main__":
    main()
