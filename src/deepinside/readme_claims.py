"""Write results/claims.csv into the README as a Markdown table.

    python -m deepinside.readme_claims results/claims.csv --update README.md

replaces the text between the markers ``<!-- claims:start -->`` and
``<!-- claims:end -->`` of the README; without ``--update`` the table is printed.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from .claims import by_kind, held
from .io import atomic_output

START, END = "<!-- claims:start -->", "<!-- claims:end -->"


def markdown(claims: pd.DataFrame, preset: str) -> str:
    """The claims (talk, figure, claim, measured value, threshold, verdict), then the checks."""
    n_held, n_claims = held(claims, "claim")
    c_held, n_checks = held(claims, "check")
    lines = [f"Preset `{preset}`: {n_held} of {n_claims} claims hold ({c_held} of {n_checks} checks pass, listed after the claims)."]
    for kind, rows in by_kind(claims):
        if rows.empty:
            continue
        lines += [
            "",
            "**Claims of the talks**" if kind == "claim" else "**Checks** (hold by construction when the code is right; not replications)",
            "",
            f"| talk | figure | {kind} | measured | needs | holds |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows.itertuples(index=False):
            text = str(row.claim).replace("|", "\\|")
            lines.append(f"| {row.talk} | {row.figure} | {text} | {row.measured:.4g} | {row.threshold} | {row.holds} |")
    return "\n".join(lines)


def update(readme: str, table: str) -> str:
    """The README text with the table between the markers replaced."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise ValueError(f"README has no {START} … {END} section")
    return pattern.sub(lambda _: f"{START}\n{table}\n{END}", readme)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path)
    parser.add_argument("--update", type=Path, help="README to rewrite in place")
    parser.add_argument("--preset", default="quick")
    args = parser.parse_args()
    table = markdown(pd.read_csv(args.claims), args.preset)
    if args.update is None:
        print(table)
        return
    text = update(args.update.read_text(), table)
    with atomic_output(args.update) as tmp:
        tmp.write_text(text)


if __name__ == "__main__":
    main()
