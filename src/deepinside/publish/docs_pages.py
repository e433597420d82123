"""The documentation pages a run writes: the figure catalogue and the full claims table.

``docs/figures.md`` is made from the figure table (``workflow/figures.yaml``) and the
run's claims: per talk and figure, a thumbnail, what the figure shows, the claim it
checks and the rows this run measured for it. ``docs/claims.md`` is the full claims
table, one section per kind of row: every row's value (mean ± spread over seeds), its
threshold, the seeds in which it held, each seed's margin to its own threshold, and the
verdict; and, where another machine's claims table of the same preset is given, that
machine's value and verdict. A verdict is *fragile* when it holds in some seeds only, or
when the other machine gave the other answer; *provisional* when it rests on one run. The
workflow's ``readme`` target writes both pages and the README's summary
(:mod:`deepinside.publish.readme_claims`).
"""

from __future__ import annotations

import pandas as pd

from deepinside.claims.tables import KIND_TITLES, by_kind, measured_text, provenance_summary, seeds_text, summary_line


def other_verdict(row) -> str:
    """Another machine's verdict in this table's words (an older table says yes / no)."""
    if "verdict" in row and isinstance(row["verdict"], str):
        return row["verdict"]
    return {"yes": "holds", "no": "does not hold"}.get(str(row.get("holds", "")), str(row.get("holds", "")))


def fragile(row, other=None) -> str:
    """Why a verdict is fragile ('' when it is not): it holds in some seeds only, or another machine disagrees."""
    reasons = []
    holds_in, n_seeds = int(row.get("holds_in", 0) or 0), int(row.get("n_seeds", 0) or 0)
    if 0 < holds_in < n_seeds:
        reasons.append(f"holds in {holds_in} of {n_seeds} seeds")
    if other is not None and (other_verdict(other) == "holds") != (row["verdict"] == "holds"):
        reasons.append(f"{other_verdict(other)} on the other machine")
    return "; ".join(reasons)


def provisional(row) -> bool:
    """A claim's verdict that rests on one run (one seed) is provisional."""
    return row["kind"] == "claim" and int(row.get("n_seeds", 1) or 1) == 1


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _match(other: pd.DataFrame | None, row) -> pd.Series | None:
    """The other machine's row of the same claim: same talk, figure and claim id (a table made
    before claims had ids: the same statement)."""
    if other is None:
        return None
    key = "id" if "id" in other.columns else "claim"
    hit = other[(other["talk"] == row["talk"]) & (other["figure"] == row["figure"]) & (other[key] == row[key])]
    return hit.iloc[0] if len(hit) else None


def claims_page(
    claims: pd.DataFrame, preset: str, other: pd.DataFrame | None = None, other_name: str = "", rule: str = "all"
) -> str:
    """``docs/claims.md``: every row of a run by kind, with spread, seeds holding, margins, fragility."""
    matches = {i: _match(other, row) for i, row in claims.iterrows()}
    n_fragile = sum(bool(fragile(row, matches[i])) for i, row in claims.iterrows() if row["kind"] == "claim")
    lines = [
        f"# Claims of the preset `{preset}`",
        "",
        "Written by `snakemake --cores all publish` from `results/<preset>/claims.csv`; do not edit by hand.",
        "",
        f"{summary_line(claims)}; {n_fragile} claim verdicts are fragile.",
        "",
        "Each row has one kind. A **claim** is a statement of the talk tested on this run against a null measured",
        "in the same run (an untrained twin, shuffled pixels, chance; *null gives* is its value there) or against",
        "the talk's own number. A **stand-in** row is measured on a",
        "substitute for the talk's model or data; a **theory** row is a deterministic prediction of this",
        "project's reconstruction of the talk's theory; a **check** is an identity, a property of the data or a",
        "self-test. Only claims count as replications.",
        "",
        "A value is the mean over the seeds ± their standard deviation. Each seed is judged against its own",
        "threshold (for *2 s.e.*, two standard errors of that seed's paired or ensemble difference: above +2 s.e.",
        "it holds, below −2 s.e. it fails, in between it is inconclusive); *margin per seed* is that seed's distance",
        "from its threshold, positive on the side where the claim holds. The verdict is **holds** or **fails** when",
        (
            "every seed says so (config `verdict: all`),"
            if rule == "all"
            else "more than half of the seeds say so (config `verdict: majority`),"
        ),
        "and **not established** otherwise — seeds that disagree, an inconclusive difference, a seed without a",
        "value, or an estimator that says it cannot be trusted; the note says which. A verdict is **fragile** when",
        "it holds in some seeds only, or when another machine of the same kind gave the other verdict, and",
        "**provisional** when it rests on one run.",
    ]
    if other is not None:
        lines += [
            "",
            f"*Other machine*: {other_name or 'the same preset on another machine'}; rows are matched by claim id",
            "(by statement for a table made before claims had ids), so a row whose measure changed since has no",
            "value there (—).",
        ]
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
            f"## {KIND_TITLES[kind]}",
            "",
            "| talk | figure | statement | measured | null gives | needs | seeds holding | margin per seed | verdict "
            "| other machine | remarks |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for i, row in rows.iterrows():
            match = matches[i]
            other_text = "—" if match is None else f"{float(match['measured']):.4g} ({other_verdict(match)})"
            remarks = []
            why = fragile(row, match)
            if why:
                remarks.append(f"**fragile**: {why}")
            if provisional(row):
                remarks.append("provisional (one run)")
            if row["verdict"] == "not established":
                reason = str(row["note"]).split(";")[0].removeprefix("not established: ")
                remarks.append(f"not established: {reason}")
            lines.append(
                f"| {row['talk']} | {row['figure']} | {_cell(row['claim'])} | {measured_text(row)} "
                f"| {_null_text(row)} | {row['threshold']} "
                f"| {seeds_text(row) or '—'} | {_cell(row.get('margins', ''))} | {row['verdict']} | {other_text} "
                f"| {_cell('; '.join(remarks))} |"
            )
    return "\n".join(lines) + "\n"


def _null_text(row) -> str:
    null = row.get("null", float("nan"))
    return "—" if pd.isna(null) else f"{float(null):.4g}"


def figures_page(figures: list[dict], claims: pd.DataFrame | None, preset: str, figures_folder: str) -> str:
    """``docs/figures.md``: the catalogue, one section per figure, with the rows this run measured."""
    lines = [
        "# The figures",
        "",
        "The catalogue of every figure: what it shows, the claim of the talk it checks, and what the",
        f"`{preset}` preset's run measured. Written by `snakemake --cores all publish` from the figure table",
        "([workflow/figures.yaml](../workflow/figures.yaml), with each figure's declared claims)",
        "and the run's claims; do not edit by hand.",
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
            lines += [
                "",
                "| measured by this run | kind | value | needs | seeds holding | verdict |",
                "|---|---|---|---|---|---|",
            ]
            for row in rows.itertuples(index=False):
                lines.append(
                    f"| {_cell(row.claim)} | {row.kind} | {measured_text(row)} | {row.threshold} | {seeds_text(row) or '—'} | {row.verdict} |"
                )
    return "\n".join(lines) + "\n"
