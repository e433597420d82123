"""The documentation pages a run writes: the figure catalogue and the full claims table.

``docs/figures.md`` is made from the figure table (``workflow/figures.yaml``) and the
run's claims: per talk and figure, a thumbnail, what the figure shows, the claim it
checks and the rows this run measured for it. ``docs/claims.md`` is the full claims
table: every claim's value (mean ± spread over seeds), threshold, seeds holding and
verdict, and, where another machine's claims table was given, that machine's value and
verdict. A claim is marked *fragile* when it holds in some seeds only, or when its
verdict differs on the other machine. The workflow's ``readme`` target writes both pages
and the README's summary (:mod:`deepinside.pipeline.readme_claims`).
"""

from __future__ import annotations

import pandas as pd

from deepinside.pipeline.claims import by_kind, held, measured_text, provenance_summary, seeds_text


def fragile(row, other: pd.Series | None = None) -> str:
    """Why a verdict is fragile ('' when it is not): it holds in some seeds only, or another machine disagrees."""
    reasons = []
    if "holds_in" in row and "n_seeds" in row and 0 < int(row["holds_in"]) < int(row["n_seeds"]):
        reasons.append(f"holds in {int(row['holds_in'])} of {int(row['n_seeds'])} seeds")
    if other is not None and str(other["holds"]) != str(row["holds"]):
        reasons.append(f"'{other['holds']}' on the other machine")
    return "; ".join(reasons)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _keyed(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims indexed by talk, figure and position within the figure (rows of two runs line up)."""
    claims = claims.copy()
    claims["row"] = claims.groupby(["talk", "figure"]).cumcount()
    return claims.set_index(["talk", "figure", "row"])


def claims_page(claims: pd.DataFrame, preset: str, other: pd.DataFrame | None = None, other_name: str = "") -> str:
    """``docs/claims.md``: every claim and check of a run, with spread, seeds holding, fragility."""
    n_held, n_claims = held(claims, "claim")
    c_held, n_checks = held(claims, "check")
    mine = _keyed(claims)
    theirs = _keyed(other) if other is not None else None
    n_fragile = sum(
        bool(fragile(row, theirs.loc[key] if theirs is not None and key in theirs.index else None))
        for key, row in mine.iterrows()
    )
    lines = [
        f"# Claims of the preset `{preset}`",
        "",
        "Written by `snakemake --cores 1 readme` from `results/<preset>/claims.csv`; do not edit by hand.",
        "",
        f"{n_held} of {n_claims} claims hold; {c_held} of {n_checks} checks pass; {n_fragile} verdicts are fragile.",
        "",
        "A value is the mean over the seeds ± their standard deviation. *Seeds holding* counts the seeds in which",
        "the claim held: the verdict needs every seed (config `verdict: all`). A verdict is **fragile** when it",
        "holds in some seeds only, or when another machine of the same kind gave the other verdict: numbers",
        "move in their last digits between machines, and sampling steps amplify them.",
    ]
    if other is not None:
        lines += ["", f"*Other machine*: the same preset run on {other_name or 'another machine'}."]
    else:
        lines += ["", "*Other machine*: no second machine's run of this preset was compared (—)."]
    summary = provenance_summary(claims)
    if summary:
        lines += ["", f"<sub>Made by {summary}.</sub>"]
    for kind, rows in by_kind(claims):
        if rows.empty:
            continue
        lines += [
            "",
            "## Claims" if kind == "claim" else "## Checks (hold by construction when the code is right)",
            "",
            f"| talk | figure | {kind} | measured | needs | seeds holding | holds | other machine | fragile |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        keyed = _keyed(rows)
        for key, row in keyed.iterrows():
            talk, figure, _ = key
            match = theirs.loc[key] if theirs is not None and key in theirs.index else None
            other_text = "—" if match is None else f"{float(match['measured']):.4g} ({match['holds']})"
            why = fragile(row, match)
            lines.append(
                f"| {talk} | {figure} | {_cell(row['claim'])} | {measured_text(row)} | {row['threshold']} "
                f"| {seeds_text(row) or '—'} | {row['holds']} | {other_text} | {('**fragile**: ' + why) if why else ''} |"
            )
    return "\n".join(lines) + "\n"


def figures_page(figures: list[dict], claims: pd.DataFrame | None, preset: str, figures_folder: str) -> str:
    """``docs/figures.md``: the catalogue, one section per figure, with the rows this run measured."""
    lines = [
        "# The figures",
        "",
        "The catalogue of every figure: what it shows, the claim of the talk it checks, and what the",
        f"`{preset}` preset's run measured. Written by `snakemake --cores 1 readme` from the figure table",
        "([workflow/figures.yaml](../workflow/figures.yaml)) and the run's claims; do not edit by hand.",
        "Each talk's page in [talks/](talks) says where the pipeline differs from the talk and why.",
    ]
    talk = None
    for entry in figures:
        if entry["talk"] != talk:
            talk = entry["talk"]
            lines += ["", f"## {talk} ([talk page](talks/{talk}.md))"]
        image = f"../{figures_folder}/{talk}/{entry['file']}.png"
        lines += [
            "",
            f"### {entry['id']}: {entry['title']}",
            "",
            f'<a href="{image}"><img src="{image}" width="480"></a>',
            "",
            f"**Shows** (`{entry['file']}.png`): {entry['shows']}",
            "",
            f"**Claim:** {entry['claim']}",
        ]
        rows = claims[(claims["talk"] == talk) & (claims["figure"] == entry["id"])] if claims is not None else None
        if rows is not None and len(rows):
            lines += ["", "| measured by this run | value | needs | seeds holding | holds |", "|---|---|---|---|---|"]
            for row in rows.itertuples(index=False):
                mark = "" if row.kind == "claim" else " *(check)*"
                lines.append(
                    f"| {_cell(row.claim)}{mark} | {measured_text(row)} | {row.threshold} | {seeds_text(row) or '—'} | {row.holds} |"
                )
    return "\n".join(lines) + "\n"
