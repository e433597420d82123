"""Claims rows for tests, made by the real code path: a value judged against a one-row claims table."""

from __future__ import annotations

import pandas as pd

from deepinside.claims import values, verdicts


def claim_row(talk, figure, text, measured, compare, threshold, note="", kind="claim", seeds=(0,)) -> dict:
    """One combined row: ``measured`` (one value, or one per seed) judged by ``compare threshold``."""
    declared = [
        {
            "talk": talk,
            "figure": figure,
            "id": "c",
            "key": "",
            "statement": text.replace("{", "{{").replace("}", "}}"),
            "kind": kind,
            "why": "" if kind == "claim" else "a test row",
            "null": "a test null" if kind == "claim" else "",
            "compare": compare,
            "threshold": float(threshold),
            "measured_threshold": "",
        }
    ]
    per_seed = measured if isinstance(measured, (list, tuple)) else [measured] * len(seeds)
    tables = [values.table([values.value("c", m, note=note)]) for m in per_seed]
    return verdicts.combine(tables, list(seeds), declared).iloc[0].to_dict()


def claim_table(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def judged(talk: str, figure: str, measured, seeds=None, rule: str = "all") -> pd.DataFrame:
    """The verdicts the project's claims (each figure's `claims` in workflow/figures.yaml) give the values a measuring function returned (one table, or one per
    seed), for the rows it measured; indexed by id."""
    from deepinside.claims import declared
    from deepinside.publish import figure_table

    tables = measured if isinstance(measured, list) else [measured]
    project = declared.talk_tables(REPO / "workflow" / "claims", figure_table.load(REPO / "workflow" / "figures.yaml"))
    entries = {entry["id"]: entry for entry in project[talk][figure]}
    first = tables[0]
    rows = [
        declared.row(entries[claim_id], talk, figure, values.key_text(key))
        for claim_id, key in zip(first["id"], first["key"])
    ]
    out = verdicts.combine(tables, list(seeds or range(len(tables))), rows, rule)
    return out.set_index("id")
