"""Gathering steps: a figure's claim values over its seeds into verdicts, many tables into one."""

from __future__ import annotations

import pandas as pd

from deepinside.claims import tables as claim_tables
from deepinside.claims import verdicts
from deepinside.core.provenance import format_seeds


def claims(tables: list[pd.DataFrame]) -> dict:
    """Stack the claims of many figures into one table (``results/claims.csv``)."""
    return {"claims": claim_tables.concatenate(tables)}


def claims_page(claims: pd.DataFrame) -> dict:
    """The claims table as an HTML page (shown by ``snakemake --report``)."""
    return {"page": claim_tables.html_table(claims)}


def replicate_claims(
    tables: list[pd.DataFrame], seeds: list[int], rule: str, declared: list[dict], preset: str | None = None
) -> dict:
    """One figure's claims: the values its runs under ``seeds`` measured, judged against the
    claims table's rows ``declared`` (:func:`deepinside.claims.declared.expected_rows`)."""
    combined = verdicts.combine(tables, seeds, declared, rule)
    # without `preset` the adapter adds it (with "+ overrides" when the run changed the preset's config)
    if preset is not None:
        combined.insert(len(combined.columns), "preset", preset)
    combined.insert(len(combined.columns), "seeds", format_seeds(seeds))
    return {"claims": combined}


def compare_presets(tables: list[pd.DataFrame], presets: list[str]) -> dict:
    """Each claim under every preset given: value, seeds holding, each seed's margin and verdict side by side.

    ``presets`` names the preset of each table; tables of one preset are stacked, so that a
    preset run for some figures of a talk only (its per-figure claims) compares on those.
    Rows are matched by talk, figure and claim id; the first preset's wording is kept. A
    preset's verdict reads "not run" where it has no rows of that figure, and "no such claim"
    where it ran the figure without making that row.
    """
    if len(tables) != len(presets):
        raise ValueError(f"need one preset name per claims table, got {len(tables)} tables for {presets}")
    names = list(dict.fromkeys(presets))
    for table, preset in zip(tables, presets):
        if not {"id", "verdict"} <= set(table.columns):
            raise ValueError(
                f"preset {preset}: its claims table was made before claims had ids and three-valued verdicts; "
                f"re-run its claims (snakemake --config preset={preset} -- results/{preset}/claims.csv)"
            )
    keyed = {}
    for name in names:
        parts = [table for table, preset in zip(tables, presets) if preset == name]
        figures = [figure for part in parts for figure in set(zip(part["talk"], part["figure"]))]
        repeated = sorted({figure for figure in figures if figures.count(figure) > 1})
        if repeated:
            raise ValueError(f"preset {name}: figure {repeated[0]} is in two of its claims tables")
        keyed[name] = pd.concat(parts, ignore_index=True).set_index(["talk", "figure", "id"])
    index = keyed[names[0]].index
    for name in names[1:]:
        index = index.append(keyed[name].index.difference(index))
    out = pd.DataFrame(index=index, columns=["kind", "claim"])
    for name in reversed(names):  # the first preset's wording wins
        table = keyed[name]
        out.loc[table.index, ["kind", "claim"]] = table[["kind", "claim"]].to_numpy()
    for name in names:
        table = keyed[name].reindex(index)
        ran = pd.Series(index.droplevel("id").isin(keyed[name].index.droplevel("id")), index=index)
        out[f"{name}_measured"] = table["measured"]
        out[f"{name}_seeds_holding"] = table.apply(
            lambda row: claim_tables.seeds_text(row) if pd.notna(row["verdict"]) else "", axis=1
        )
        out[f"{name}_margins"] = table["margins"].fillna("")
        out[f"{name}_verdict"] = table["verdict"].where(
            table["verdict"].notna(), ran.map({True: "no such claim", False: "not run"})
        )
    out = out.reset_index()
    order = {figure: i for i, figure in enumerate(dict.fromkeys(out["figure"]))}
    return {
        "table": out.sort_values(
            ["talk", "figure"], key=lambda c: c.map(order) if c.name == "figure" else c, kind="stable"
        )
    }


def stack_tables(tables: list[pd.DataFrame]) -> dict:
    """Tables with the same columns, one under the other."""
    return {"table": pd.concat(tables, ignore_index=True)}
