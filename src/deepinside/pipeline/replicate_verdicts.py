"""One verdict per claim from its runs under several seeds.

Floating-point results differ between machines and seeds, so a verdict resting on one
run near its threshold is not a replication. The workflow runs every stochastic step
once per seed of ``replicates`` and measures each claim in each run; :func:`combine`
turns the per-seed rows into one row per claim with

* ``measured`` — the mean over seeds, ``spread`` — their standard deviation (0 for one seed),
* ``holds_in`` / ``n_seeds`` — in how many seeds the claim held,
* ``holds`` — the verdict under the stated rule: ``all`` (every seed) or ``majority``
  (more than half of them).

Rows are matched by position within a figure's table: a step makes the same claims in
the same order whatever the seed (the wording may quote a seed's own numbers; the
first seed's wording is kept, and its threshold where thresholds are data-dependent).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from deepinside.pipeline.claims import CLAIM_COLUMNS, PROVENANCE_COLUMNS, REPLICATE_COLUMNS

RULES = ("all", "majority")
# Provenance recorded by each seed's step; values that differ between seeds are joined.
PER_RUN_PROVENANCE = [c for c in PROVENANCE_COLUMNS if c not in ("preset", "seeds")]


def verdict(holds_in: int, n_seeds: int, rule: str) -> bool:
    """Whether a claim that held in ``holds_in`` of ``n_seeds`` seeds holds under ``rule``."""
    if rule not in RULES:
        raise ValueError(f"verdict rule must be one of {RULES}, got {rule!r}")
    if not 0 <= holds_in <= n_seeds or n_seeds < 1:
        raise ValueError(f"cannot hold in {holds_in} of {n_seeds} seeds")
    return holds_in == n_seeds if rule == "all" else 2 * holds_in > n_seeds


def describe_rule(rule: str) -> str:
    """The verdict rule as a caption states it (not a verdict: 'rule: ...')."""
    return "a claim must hold in every seed" if rule == "all" else "a claim must hold in more than half of the seeds"


def combine(
    tables: Sequence[pd.DataFrame], seeds: Sequence[int], rule: str = "all", expected_rows: int | None = None
) -> pd.DataFrame:
    """One row per claim from per-seed claim tables (``tables[i]`` ran with ``seeds[i]``).

    ``expected_rows`` (:mod:`deepinside.pipeline.expected_claims`): every table must have exactly
    that many rows, whatever the number of seeds; a lost or extra row is refused.
    """
    if len(tables) != len(seeds) or not tables:
        raise ValueError(f"need one claims table per seed, got {len(tables)} tables for seeds {list(seeds)}")
    if expected_rows is not None:
        wrong = {seed: len(table) for seed, table in zip(seeds, tables) if len(table) != expected_rows}
        if wrong:
            figure = "/".join(str(v) for v in tables[0].iloc[0][["talk", "figure"]]) if len(tables[0]) else "figure"
            raise ValueError(
                f"{figure}: the settings make {expected_rows} claim rows, but seed(s) "
                + ", ".join(f"{seed} made {n}" for seed, n in wrong.items())
                + ": a claim was lost or added on the way (see deepinside.pipeline.expected_claims)"
            )
    lengths = {len(table) for table in tables}
    if len(lengths) != 1:
        raise ValueError(f"seeds {list(seeds)} made different numbers of claim rows: {[len(t) for t in tables]}")
    first = tables[0].reset_index(drop=True)
    rows = []
    for i in range(len(first)):
        per_seed = [table.iloc[i] for table in tables]
        for key in ("talk", "figure", "kind"):
            values = {str(row[key]) for row in per_seed}
            if len(values) != 1:
                raise ValueError(f"row {i} differs in {key!r} between seeds: {sorted(values)}")
        measured = np.array([float(row["measured"]) for row in per_seed])
        held = [str(row["holds"]) == "yes" for row in per_seed]
        holds_in = int(sum(held))
        row = {column: first.loc[i, column] for column in CLAIM_COLUMNS}
        finite = measured[np.isfinite(measured)]
        row["measured"] = float(finite.mean()) if finite.size else float("nan")
        row["spread"] = float(finite.std(ddof=1)) if finite.size > 1 else 0.0
        row["holds_in"] = holds_in
        row["n_seeds"] = len(seeds)
        row["holds"] = "yes" if verdict(holds_in, len(seeds), rule) else "no"
        row["note"] = _note(per_seed, seeds, measured, held, rule, first.loc[i, "note"])
        for column in PER_RUN_PROVENANCE:
            if column in first.columns:
                row[column] = " | ".join(dict.fromkeys(str(r[column]) for r in per_seed))
        rows.append(row)
    extra = [c for c in PER_RUN_PROVENANCE if c in first.columns]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS + REPLICATE_COLUMNS + extra)


def _note(per_seed, seeds, measured, held, rule, note) -> str:
    if len(seeds) == 1:  # one run: its own note, and which seed it was
        return f"seed {seeds[0]}: {note}" if isinstance(note, str) and note else f"seed {seeds[0]}"
    values = ", ".join(f"{seed}: {value:.4g}{'' if ok else ' (no)'}" for seed, value, ok in zip(seeds, measured, held))
    parts = [f"holds in {sum(held)} of {len(seeds)} seeds ({values}); rule: {describe_rule(rule)}"]
    thresholds = [str(row["threshold"]) for row in per_seed]
    if len(set(thresholds)) > 1:
        parts.append("threshold depends on the data: " + ", ".join(f"{s}: {t}" for s, t in zip(seeds, thresholds)))
    if isinstance(note, str) and note:
        parts.append(f"seed {seeds[0]}: {note}")
    return ". ".join(parts)
