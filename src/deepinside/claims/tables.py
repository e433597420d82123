"""Claims tables as a reader sees them: stacked, counted by kind, rendered as captions and HTML.

A row has one of four kinds (:data:`deepinside.claims.declared.KINDS`): a **claim** — a
statement of the talk tested on this run, against a null measured in the same run; a
**check** — an identity, a property of the data or a self-test; a **theory** row — a
deterministic prediction of this project's reconstruction of the talk's theory; a
**stand-in** row — measured on a substitute for the talk's model or data. Only claims
count as replications; the others are listed and counted apart.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from deepinside.claims.verdicts import CLAIM_COLUMNS, REPLICATE_COLUMNS
from deepinside.core import provenance

KIND_ORDER = ("claim", "stand-in", "theory", "check")
KIND_TITLES = {
    "claim": "Claims of the talks (tested on this run, against a null measured in the same run or the talk's own number)",
    "stand-in": "Stand-in rows (measured on a substitute for the talk's model or data; not counted as replications)",
    "theory": "Theory rows (deterministic predictions of this project's reconstruction of the talk's theory)",
    "check": "Checks (identities, properties of the data, self-tests; hold when the code is right)",
}
NAMES = {
    "claim": ("claim", "claims"),
    "stand-in": ("stand-in row", "stand-in rows"),
    "theory": ("theory row", "theory rows"),
    "check": ("check", "checks"),
}
PROVENANCE_COLUMNS = list(provenance.FIELDS)
OPTIONAL_COLUMNS = REPLICATE_COLUMNS + PROVENANCE_COLUMNS


def concatenate(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-figure claims tables into one, sorted by talk and figure id."""
    frames = list(frames)
    for frame in frames:
        missing = set(CLAIM_COLUMNS) - set(frame.columns)
        if missing:
            raise ValueError(f"claims table lacks columns {sorted(missing)}")
    optional = [c for c in OPTIONAL_COLUMNS if frames and all(c in f.columns for f in frames)]
    out = pd.concat([f[CLAIM_COLUMNS + optional] for f in frames], ignore_index=True)
    unknown = set(out["kind"]) - set(KIND_ORDER)
    if unknown:
        raise ValueError(f"claims table has rows of unknown kind {sorted(unknown)} (expected {KIND_ORDER})")
    return out.sort_values(["talk", "figure"], kind="stable").reset_index(drop=True)


def counts(claims: pd.DataFrame, kind: str = "claim") -> dict[str, int]:
    """Rows of one kind by verdict: holds, fails, not established, and their total."""
    rows = claims[claims["kind"] == kind]
    out = {v: int((rows["verdict"] == v).sum()) for v in ("holds", "fails", "not established")}
    out["rows"] = len(rows)
    return out


def summary_line(claims: pd.DataFrame) -> str:
    """'N of M claims hold (F fail, U not established); K checks, T theory rows, S stand-in rows (h hold)'."""
    c = counts(claims, "claim")
    text = f"{c['holds']} of {c['rows']} claims hold ({c['fails']} fail, {c['not established']} not established)"
    others = []
    for kind in ("check", "theory", "stand-in"):
        k = counts(claims, kind)
        if k["rows"]:
            others.append(f"{k['rows']} {NAMES[kind][k['rows'] != 1]} ({k['holds']} hold)")
    return text + ("; not counted: " + ", ".join(others) if others else "")


def by_kind(claims: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The rows of each kind (possibly empty), claims first."""
    return [(kind, claims[claims["kind"] == kind]) for kind in KIND_ORDER]


def over_seeds(row) -> bool:
    """Whether a row combines runs (has the replicate columns)."""
    return getattr(row, "n_seeds", None) is not None and not pd.isna(row.n_seeds)


def measured_text(row) -> str:
    """``0.41`` for one run, ``0.41 ± 0.03`` (mean ± sd over seeds), ``0.41 (1 of 3 seeds)`` when some lack a value."""
    if pd.isna(row.measured):
        return "—"
    text = f"{row.measured:.4g}"
    if over_seeds(row):
        n_values, n_seeds = int(row.n_values), int(row.n_seeds)
        if n_values > 1:
            text += f" ± {row.spread:.2g}"
        if n_values < n_seeds:
            text += f" ({n_values} of {n_seeds} seeds)"
    return text


def seeds_text(row) -> str:
    """``2 of 3`` seeds in which the claim held ('' for a row not combined over seeds)."""
    return f"{int(row.holds_in)} of {int(row.n_seeds)}" if over_seeds(row) else ""


def caption(claims: pd.DataFrame) -> str:
    """A figure's caption: one line per row with its kind, value, threshold and verdict."""
    lines = []
    for row in claims.itertuples(index=False):
        label = row.figure if row.kind == "claim" else f"{row.figure} [{row.kind}]"
        if over_seeds(row) and int(row.n_seeds) > 1:
            measured = f"mean {measured_text(row)} over {int(row.n_seeds)} seeds, holds in {seeds_text(row)}"
        elif over_seeds(row):
            measured = f"measured {measured_text(row)} (one run)"
        else:
            measured = f"measured {measured_text(row)}"
        line = f"{label}: {row.claim} — {measured} (needs {row.threshold}): {str(row.verdict).upper()}."
        if isinstance(row.note, str) and row.note:
            line += f" {row.note}"
        lines.append(line)
    return "\n".join(lines)


COLOURS = {"holds": "#d8f0d8", "fails": "#f6d6d6", "not established": "#f3ecc8"}


def html_table(claims: pd.DataFrame) -> str:
    """A self-contained HTML page of a claims table (verdicts coloured), one section per kind."""
    from html import escape

    sections = []
    for kind, rows in by_kind(claims):
        if rows.empty:
            continue
        body = []
        for row in rows.itertuples(index=False):
            note = escape(str(row.note)) if isinstance(row.note, str) else ""
            margins = escape(str(row.margins)) if isinstance(getattr(row, "margins", None), str) else ""
            body.append(
                f"<tr style='background:{COLOURS.get(row.verdict, '#fff')}'><td>{escape(row.talk)}</td><td>{escape(row.figure)}</td>"
                f"<td>{escape(row.claim)}</td><td>{escape(measured_text(row))}</td><td>{escape(row.threshold)}</td>"
                f"<td>{escape(seeds_text(row))}</td><td>{margins}</td><td><b>{escape(row.verdict)}</b></td>"
                f"<td style='font-size:85%'>{note}</td></tr>"
            )
        sections.append(
            f"<h2>{escape(KIND_TITLES[kind])}</h2><table><tr><th>talk</th><th>figure</th><th>{kind}</th>"
            "<th>measured (mean ± sd over seeds)</th><th>needs</th><th>seeds holding</th><th>margin per seed</th>"
            "<th>verdict</th><th>note</th></tr>" + "".join(body) + "</table>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Claims</title><style>"
        "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:4px 6px;vertical-align:top}th{background:#eee}</style></head><body>"
        f"<p>{escape(summary_line(claims))}.</p>" + _provenance_html(claims) + "".join(sections) + "</body></html>\n"
    )


def provenance_summary(claims: pd.DataFrame) -> str:
    """One line naming what made a claims table (the distinct values of its provenance columns)."""
    parts = []
    for column in PROVENANCE_COLUMNS:
        if column in claims.columns:
            values = sorted({str(v) for v in claims[column].dropna()})
            if values:
                parts.append(
                    f"{column}: {'; '.join(values) if len(values) <= 3 else f'{len(values)} values (per row in the CSV)'}"
                )
    return ", ".join(parts)


def _provenance_html(claims: pd.DataFrame) -> str:
    from html import escape

    summary = provenance_summary(claims)
    return f"<p style='font-size:85%'>Made by {escape(summary)}.</p>" if summary else ""
