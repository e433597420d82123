"""Write a run's claims into the README (a summary) and into docs/ (the full table, the figure catalogue).

The workflow's ``publish`` target does it (``snakemake --cores all publish``, through its ``readme`` step); by hand,

    python -m deepinside.publish.readme_claims results/quick/claims.csv --preset quick --update README.md

replaces the text between the markers ``<!-- claims:start -->`` and
``<!-- claims:end -->`` of the README with the summary; without ``--update`` the full table is printed.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from deepinside.claims.tables import (
    KIND_TITLES,
    by_kind,
    counts,
    measured_text,
    provenance_summary,
    seeds_text,
    summary_line,
)
from deepinside.core.files import atomic_output

START, END = "<!-- claims:start -->", "<!-- claims:end -->"


def markdown(claims: pd.DataFrame, preset: str) -> str:
    """Every row by kind: talk, figure, statement, measured value, threshold, seeds holding, verdict."""
    lines = [f"Preset `{preset}`: {summary_line(claims)}."]
    summary = provenance_summary(claims)
    if summary:
        lines += ["", f"<sub>Made by {summary}.</sub>"]
    for kind, rows in by_kind(claims):
        if rows.empty:
            continue
        lines += [
            "",
            f"**{KIND_TITLES[kind]}**",
            "",
            "| talk | figure | statement | measured | needs | seeds holding | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows.itertuples(index=False):
            text = str(row.claim).replace("|", "\\|")
            lines.append(
                f"| {row.talk} | {row.figure} | {text} | {measured_text(row)} | {row.threshold} | {seeds_text(row) or '—'} | {row.verdict} |"
            )
    return "\n".join(lines)


def update(readme: str, table: str, start: str = START, end: str = END, name: str = "README") -> str:
    """The README text (or ``name``'s) with the table between the markers replaced."""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(readme):
        raise ValueError(f"{name} has no {start} … {end} section")
    return pattern.sub(lambda _: f"{start}\n{table}\n{end}", readme)


def summary(claims: pd.DataFrame, preset: str) -> str:
    """The README's claims section: how many claims hold, per talk, with the rows that are not claims apart."""
    from deepinside.publish.docs_pages import fragile

    shaky = sum(bool(fragile(row)) for _, row in claims[claims["kind"] == "claim"].iterrows())
    lines = [
        f"Preset `{preset}`: **{summary_line(claims)}**; {shaky} claim verdicts are fragile (they hold in some seeds only).",
        "",
        "| talk | claims holding | failing | not established | checks | theory rows | stand-in rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for talk, rows in claims.groupby("talk", sort=False):
        c = counts(rows, "claim")
        other = [counts(rows, kind) for kind in ("check", "theory", "stand-in")]
        cells = [f"{k['holds']} of {k['rows']} hold" if k["rows"] else "—" for k in other]
        lines.append(
            f"| [{talk}](docs/talks/{talk}.md) | {c['holds']} of {c['rows']} | {c['fails']} | {c['not established']} | "
            + " | ".join(cells)
            + " |"
        )
    text = provenance_summary(claims)
    if text:
        lines += ["", f"<sub>Made by {text}.</sub>"]
    return "\n".join(lines)


def readme_table(
    claims: pd.DataFrame,
    preset: str,
    readme: str,
    figure_table: str,
    docs: str,
    figures_folder: str,
    other: pd.DataFrame | None = None,
    other_name: str = "",
    rule: str = "all",
) -> dict:
    """The workflow's ``readme`` step: the README's claims summary, ``docs/claims.md`` (the full
    table) and ``docs/figures.md`` (the catalogue), all written in place.

    The one step that edits files it does not declare as outputs: the README and the docs
    are the project's own pages around the tables, so they cannot be a rule's outputs
    (Snakemake removes outputs before it runs a job).
    """
    from deepinside.publish import docs_pages
    from deepinside.publish import figure_table as table_of_figures

    if isinstance(other, list):  # a named input holding one file is read as a list of one table
        other = pd.concat(other, ignore_index=True) if other else None
    path = Path(readme)
    text = update(path.read_text(), summary(claims, preset))
    with atomic_output(path) as tmp:
        tmp.write_text(text)
    pages = {
        Path(docs) / "claims.md": docs_pages.claims_page(claims, preset, other, other_name, rule),
        Path(docs) / "figures.md": docs_pages.figures_page(
            table_of_figures.rows(table_of_figures.load(figure_table)), claims, preset, figures_folder
        ),
    }
    for page, content in pages.items():
        with atomic_output(page) as tmp:
            tmp.write_text(content)
    return {"table": markdown(claims, preset) + "\n"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path)
    parser.add_argument("--update", type=Path, help="README to rewrite in place")
    parser.add_argument("--preset", default="quick")
    args = parser.parse_args()
    claims = pd.read_csv(args.claims)
    if args.update is None:
        print(markdown(claims, args.preset))
        return
    args.update.write_text(update(args.update.read_text(), summary(claims, args.preset)))


if __name__ == "__main__":
    main()
