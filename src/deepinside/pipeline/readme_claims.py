"""Write a run's claims into the README (a summary) and into docs/ (the full table, the figure catalogue).

The workflow's ``readme`` target does it (``snakemake --cores 1 readme``); by hand,

    python -m deepinside.pipeline.readme_claims results/quick/claims.csv --preset quick --update README.md

replaces the text between the markers ``<!-- claims:start -->`` and
``<!-- claims:end -->`` of the README with the summary; without ``--update`` the full table is printed.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from deepinside.pipeline.claims import by_kind, held, measured_text, provenance_summary, seeds_text
from deepinside.pipeline.files import atomic_output

START, END = "<!-- claims:start -->", "<!-- claims:end -->"


def markdown(claims: pd.DataFrame, preset: str) -> str:
    """The claims (talk, figure, claim, measured value, threshold, verdict), then the checks."""
    n_held, n_claims = held(claims, "claim")
    c_held, n_checks = held(claims, "check")
    lines = [
        f"Preset `{preset}`: {n_held} of {n_claims} claims hold ({c_held} of {n_checks} checks pass, listed after the claims)."
    ]
    if "n_seeds" in claims.columns:
        lines[0] += (
            " Measured values are means ± standard deviations over the seeds; a claim holds when it"
            " holds in the number of seeds the run's `verdict` rule asks for (see below)."
        )
    summary = provenance_summary(claims)
    if summary:
        lines += ["", f"<sub>Made by {summary}.</sub>"]
    for kind, rows in by_kind(claims):
        if rows.empty:
            continue
        lines += [
            "",
            "**Claims of the talks**"
            if kind == "claim"
            else "**Checks** (hold by construction when the code is right; not replications)",
            "",
            f"| talk | figure | {kind} | measured | needs | seeds holding | holds |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows.itertuples(index=False):
            text = str(row.claim).replace("|", "\\|")
            lines.append(
                f"| {row.talk} | {row.figure} | {text} | {measured_text(row)} | {row.threshold} | {seeds_text(row) or '—'} | {row.holds} |"
            )
    return "\n".join(lines)


def update(readme: str, table: str) -> str:
    """The README text with the table between the markers replaced."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise ValueError(f"README has no {START} … {END} section")
    return pattern.sub(lambda _: f"{START}\n{table}\n{END}", readme)


def summary(claims: pd.DataFrame, preset: str) -> str:
    """The README's claims section: how many claims hold, per talk, and how many verdicts are fragile."""
    from deepinside.pipeline.docs_pages import fragile

    n_held, n_claims = held(claims, "claim")
    c_held, n_checks = held(claims, "check")
    shaky = sum(bool(fragile(row)) for _, row in claims.iterrows())
    lines = [
        f"Preset `{preset}`: **{n_held} of {n_claims} claims hold**, and {c_held} of {n_checks} checks pass;"
        f" {shaky} verdicts are fragile (they hold in some seeds only).",
        "",
        "| talk | claims holding | checks passing |",
        "|---|---|---|",
    ]
    for talk, rows in claims.groupby("talk", sort=False):
        a, b = held(rows, "claim")
        c, d = held(rows, "check")
        lines.append(
            f"| [{talk}](docs/talks/{talk}.md) | {a} of {b} | {c} of {d} |"
            if d
            else f"| [{talk}](docs/talks/{talk}.md) | {a} of {b} | — |"
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
) -> dict:
    """The workflow's ``readme`` step: the README's claims summary, ``docs/claims.md`` (the full
    table) and ``docs/figures.md`` (the catalogue), all written in place.

    The one step that edits files it does not declare as outputs: the README and the docs
    are the project's own pages around the tables, so they cannot be a rule's outputs
    (Snakemake removes outputs before it runs a job).
    """
    from deepinside.pipeline import docs_pages
    from deepinside.pipeline import figure_table as table_of_figures

    path = Path(readme)
    text = update(path.read_text(), summary(claims, preset))
    with atomic_output(path) as tmp:
        tmp.write_text(text)
    pages = {
        Path(docs) / "claims.md": docs_pages.claims_page(claims, preset, other),
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
