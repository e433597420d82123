"""Write a run's claims table into the README as a Markdown table.

The workflow's ``readme`` target does it (``snakemake --cores 1 readme``); by hand,

    python -m deepinside.pipeline.readme_claims results/quick/claims.csv --preset quick --update README.md

replaces the text between the markers ``<!-- claims:start -->`` and
``<!-- claims:end -->`` of the README; without ``--update`` the table is printed.
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


def readme_table(claims: pd.DataFrame, preset: str, readme: str) -> dict:
    """The workflow's ``readme`` step: the table for ``preset``, also written into ``readme`` in place.

    The one step that edits a file it does not declare as output: the README is the
    project's own text around the table, so it cannot be a rule's output (Snakemake
    removes outputs before it runs a job).
    """
    table = markdown(claims, preset)
    path = Path(readme)
    text = update(path.read_text(), table)
    with atomic_output(path) as tmp:
        tmp.write_text(text)
    return {"table": table + "\n"}


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
    readme_table(claims, args.preset, str(args.update))


if __name__ == "__main__":
    main()
