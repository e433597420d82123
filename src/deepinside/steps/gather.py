"""Gathering steps: many per-figure tables into one."""

from __future__ import annotations

import pandas as pd

from deepinside.pipeline import claims as claim_rows
from deepinside.pipeline import replicate_verdicts
from deepinside.pipeline.provenance import format_seeds


def claims(tables: list[pd.DataFrame]) -> dict:
    """Stack the claim rows of many figures into one table (``results/claims.csv``), keeping
    each run's config hash (a provenance column :func:`deepinside.pipeline.claims.concatenate`
    does not know)."""
    out = claim_rows.concatenate(tables)
    if tables and all("config" in table.columns for table in tables):
        stacked = pd.concat(tables, ignore_index=True)
        order = stacked.sort_values(["talk", "figure"], kind="stable").index  # concatenate's order
        out.insert(
            list(out.columns).index("seeds") + 1 if "seeds" in out else len(out.columns),
            "config",
            stacked.loc[order, "config"].to_numpy(),
        )
    return {"claims": out}


def claims_page(claims: pd.DataFrame) -> dict:
    """The claims table as an HTML page (shown by ``snakemake --report``)."""
    return {"page": claim_rows.html_table(claims)}


def replicate_claims(
    tables: list[pd.DataFrame], seeds: list[int], rule: str, preset: str | None = None, expected_rows: int | None = None
) -> dict:
    """One figure's claim rows from its runs under ``seeds`` combined into one verdict per claim
    (each run must have made ``expected_rows`` rows, see :mod:`deepinside.pipeline.expected_claims`)."""
    combined = replicate_verdicts.combine(tables, seeds, rule, expected_rows)
    # without `preset` the adapter adds it (with "+ overrides" when the run changed the preset's config)
    if preset is not None:
        combined.insert(len(combined.columns), "preset", preset)
    combined.insert(len(combined.columns), "seeds", format_seeds(seeds))
    return {"claims": combined}


def compare_presets(tables: list[pd.DataFrame], presets: list[str]) -> dict:
    """Each claim under every preset given: measured value, seeds holding and verdict side by side.

    Rows are matched by talk, figure and position within the figure (a preset makes
    the same claims; its wording may quote its own sizes). The first preset's wording is kept.
    """
    if len(tables) != len(presets):
        raise ValueError(f"need one claims table per preset, got {len(tables)} for {presets}")
    keyed = []
    for table in tables:
        table = table.copy()
        table["row"] = table.groupby(["talk", "figure"]).cumcount()
        keyed.append(table.set_index(["talk", "figure", "row"]))
    out = keyed[0][["kind", "claim"]].copy()
    for preset, table in zip(presets, keyed):
        out[f"{preset}_measured"] = table["measured"]
        out[f"{preset}_seeds_holding"] = table.apply(claim_rows.seeds_text, axis=1) if "n_seeds" in table else ""
        out[f"{preset}_holds"] = table["holds"]
    for preset, table in zip(presets[1:], keyed[1:]):
        missing = table.index.difference(out.index)
        if len(missing):
            raise ValueError(f"preset {preset} has claim rows the first preset lacks: {list(missing)[:5]}")
    out = out.reset_index().drop(columns="row")
    return {"table": out.fillna({f"{p}_holds": "not run" for p in presets})}


def stack_tables(tables: list[pd.DataFrame]) -> dict:
    """Tables with the same columns, one under the other."""
    return {"table": pd.concat(tables, ignore_index=True)}
