"""The paper preset's projected cost, printed by its dry run from the measured cost table.

``docs/paper_cost.csv`` is written by ``bench/paper_cost.py --out docs/paper_cost.csv``: one row
per heavy step of the paper preset, with its seconds per unit of work measured on one thread and
the units the paper preset runs per seed. A dry run of the paper preset prints each talk's
hours per seed times its seeds, so that a user sees what a run will cost before starting it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

COLUMNS = ("talk", "step", "paper_hours", "note")
# A talk whose figures read another talk's results: mototake2015 analyses okatani2013's DBN and
# its fine-tuned net. Where a run's targets reach the reader alone, those rows of the other talk
# (their steps begin with these words) are counted with it.
READS_FROM = {"mototake2015": ("okatani2013", ("DBN RBM layer", "fine-tune n=all"), "DBN and fine-tuned net")}


def talk_hours(table: pd.DataFrame) -> dict[str, tuple[float, bool]]:
    """talk -> (projected hours per seed, whether it is a bound: some step may end sooner)."""
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"the cost table lacks the columns {missing}")
    hours = {}
    for talk, rows in table.groupby("talk", sort=False):
        bound = rows["note"].fillna("").str.startswith("at most").any()
        hours[str(talk)] = (float(rows["paper_hours"].sum()), bool(bound))
    return hours


def command_line_targets(argv: Sequence[str]) -> list[str]:
    """The targets named on a snakemake command line (``sys.argv[1:]``), read by Snakemake's own
    parser; none where it cannot be read."""
    from snakemake.cli import get_argument_parser

    try:
        return sorted(get_argument_parser().parse_known_args(list(argv))[0].targets or [])
    except SystemExit:
        return []


def targeted_talks(targets: Sequence[str], talks: Sequence[str], figure_talks: Mapping[str, str]) -> list[str]:
    """The talks a run of ``targets`` reaches, in the order of ``talks``: a target is a talk's name,
    one of its figure ids (``figure_talks``: id -> talk) or a path through the talk's folder
    (``figures/paper/okatani2013/O3_gibbs_samples.png``); no target, or any other one (``all``,
    ``publish``, the claims table), reaches every talk."""
    reached = set()
    for target in targets:
        folders = set(Path(target).parts)
        talk = target if target in talks else figure_talks.get(target)
        talk = talk or next((name for name in talks if name in folders), None)
        if talk is None:
            return list(talks)
        reached.add(talk)
    return [talk for talk in talks if talk in reached] if reached else list(talks)


def projection_lines(
    table: pd.DataFrame,
    seeds: Mapping[str, Sequence[int]],
    talks: Sequence[str],
    cores: int | None,
    source: str,
    all_talks: Sequence[str] | None = None,
) -> list[str]:
    """The lines a dry run prints: each talk's hours per seed × its seeds, the total, and the
    wall time on ``cores`` cores if every core ran one job at a time the whole way. ``talks``:
    those the run's targets reach; where they are fewer than ``all_talks``, the first line says
    that a talk's whole cost is counted (one figure of it may need less), and a talk that reads
    another's results (:data:`READS_FROM`) counts those of its rows when that talk is not reached."""
    hours = talk_hours(table)
    measured = str(table["measured"].iloc[0]) if "measured" in table.columns and len(table) else "date not recorded"
    reach = ""
    if all_talks is not None and len(talks) < len(all_talks):
        reach = "; the talks its targets reach, each whole: one figure alone may need less"
    lines = [f"Projected cost of this run (from {source}, measured {measured}; one job per core{reach}):"]
    total = 0.0
    for talk in talks:
        if talk not in hours:
            lines.append(f"  {talk:13} not in the cost table (minutes at most: no heavy step)")
            continue
        per_seed, bound = hours[talk]
        borrowed = ""
        if talk in READS_FROM and READS_FROM[talk][0] not in talks:
            other, steps, what = READS_FROM[talk]
            rows = table[(table["talk"] == other) & table["step"].str.startswith(steps)]
            per_seed += float(rows["paper_hours"].sum())
            bound = bound or bool(rows["note"].fillna("").str.startswith("at most").any())
            borrowed = f" (with {other}'s {what}, which it reads)"
        count = len(seeds.get(talk, [0]))
        total += per_seed * count
        prefix = "at most " if bound else ""
        lines.append(
            f"  {talk:13} {prefix}{per_seed:.1f} CPU-h per seed × {count} seed{'s' if count != 1 else ''} "
            f"= {per_seed * count:.1f} CPU-h{borrowed}"
        )
    wall = f"; about {total / cores:.0f} wall-hours on {cores} core{'s' if cores != 1 else ''}" if cores else ""
    lines.append(f"  total about {total:.0f} CPU-hours{wall} (docs/performance.md says what each row times)")
    return lines


def read_table(path: str | os.PathLike) -> pd.DataFrame | None:
    """The cost table, or None where the checkout has none."""
    path = Path(path)
    return pd.read_csv(path) if path.exists() else None
