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

    ``presets`` names the preset of each table; tables of one preset are stacked, so that a
    preset run for some figures of a talk only (its per-figure claims) compares on those.
    Rows are matched by talk, figure and position within the figure (a preset makes
    the same claims; its wording may quote its own sizes); the first preset's wording is kept.
    A preset's verdict reads "not run" where it has no rows of that figure, and "no such claim"
    where it ran the figure without making that row.
    """
    if len(tables) != len(presets):
        raise ValueError(f"need one preset name per claims table, got {len(tables)} tables for {presets}")
    names = list(dict.fromkeys(presets))
    keyed = {}
    for name in names:
        parts = [table for table, preset in zip(tables, presets) if preset == name]
        figures = [figure for part in parts for figure in set(zip(part["talk"], part["figure"]))]
        repeated = sorted({figure for figure in figures if figures.count(figure) > 1})
        if repeated:
            raise ValueError(f"preset {name}: figure {repeated[0]} is in two of its claims tables")
        stacked = pd.concat(parts, ignore_index=True)
        stacked["row"] = stacked.groupby(["talk", "figure"]).cumcount()
        keyed[name] = stacked.set_index(["talk", "figure", "row"])
    index = keyed[names[0]].index
    for name in names[1:]:
        index = index.append(keyed[name].index.difference(index))
    if len(names) > 1:
        index = index.sort_values()  # a later preset's extra rows within their figure (talk tables are sorted so)
    out = pd.DataFrame(index=index, columns=["kind", "claim"])
    for name in reversed(names):  # the first preset's wording wins
        table = keyed[name]
        out.loc[table.index, ["kind", "claim"]] = table[["kind", "claim"]].to_numpy()
    for name in names:
        table = keyed[name].reindex(index)
        ran = pd.Series(index.droplevel("row").isin(keyed[name].index.droplevel("row")), index=index)
        out[f"{name}_measured"] = table["measured"]
        out[f"{name}_seeds_holding"] = (
            table.apply(lambda row: claim_rows.seeds_text(row) if pd.notna(row["holds"]) else "", axis=1)
            if "n_seeds" in table
            else ""
        )
        out[f"{name}_holds"] = table["holds"].where(
            table["holds"].notna(), ran.map({True: "no such claim", False: "not run"})
        )
    return {"table": out.reset_index().drop(columns="row")}


def stack_tables(tables: list[pd.DataFrame]) -> dict:
    """Tables with the same columns, one under the other."""
    return {"table": pd.concat(tables, ignore_index=True)}
