"""Claim rows: the statement of a talk a figure checks, the number measured, the verdict.

Every figure of ``FIGURES.md`` has one or more rows, each of one of two kinds:

* a **claim** — a statement of the talk that the data could contradict;
* a **check** — a sanity or consistency check that holds by identity or by
  construction when the code is right (an integrator matching the closed form it
  integrates, an estimator's self-test, a mathematical identity). Checks guard the
  pipeline; they are not replications and are never counted as such.
 A step that computes a
figure's data also measures its claim and returns a small table with the columns
:data:`CLAIM_COLUMNS`; the pipeline gathers them into ``results/claims.csv`` and the
figure's caption repeats them (see :func:`caption`). A claim that does not hold is
reported as not holding; nothing here tunes it.
"""

from __future__ import annotations

import math
import operator
from typing import Iterable

import pandas as pd

CLAIM_COLUMNS = ["talk", "figure", "kind", "claim", "measured", "threshold", "holds", "note"]
# Added when the rows of several seeds are combined (see deepinside.pipeline.replicate_verdicts):
# ``measured`` is then their mean, ``spread`` their standard deviation, and the claim
# held in ``holds_in`` of ``n_seeds`` seeds.
REPLICATE_COLUMNS = ["spread", "holds_in", "n_seeds"]
# What made the rows (see deepinside.pipeline.provenance).
PROVENANCE_COLUMNS = ["preset", "seeds", "commit", "code", "device", "torch", "numpy"]
OPTIONAL_COLUMNS = REPLICATE_COLUMNS + PROVENANCE_COLUMNS
KINDS = ("claim", "check")

_COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def check(measured: float, comparison: str, threshold: float) -> bool:
    """Return whether ``measured <comparison> threshold`` holds (NaN never holds)."""
    if comparison not in _COMPARISONS:
        raise ValueError(f"comparison must be one of {sorted(_COMPARISONS)}, got {comparison!r}")
    if measured is None or (isinstance(measured, float) and math.isnan(measured)):
        return False
    return bool(_COMPARISONS[comparison](measured, threshold))


def claim(
    talk: str,
    figure: str,
    text: str,
    measured: float,
    comparison: str,
    threshold: float,
    note: str = "",
    kind: str = "claim",
) -> dict:
    """One row: ``holds`` is computed from ``measured``, never passed in; ``kind`` is
    ``claim`` (the talk's statement, could be contradicted) or ``check`` (holds by
    construction when the code is right)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    holds = check(float(measured), comparison, threshold)
    return {
        "talk": talk,
        "figure": figure,
        "kind": kind,
        "claim": text,
        "measured": float(measured),
        "threshold": f"{comparison} {threshold:g}",
        "holds": "yes" if holds else "no",
        "note": note,
    }


def paired_difference(after, before) -> tuple[float, float]:
    """Mean of the per-item differences ``after − before`` and twice its standard error.

    For claims that compare two conditions on the same items (images): the difference
    counts as real when its mean exceeds two standard errors (about 95 % one-sided
    confidence for a normal mean), not when it is merely positive.
    """
    import numpy as np

    diff = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    if diff.size < 2:
        raise ValueError("a paired comparison needs at least two items")
    return float(diff.mean()), float(2.0 * diff.std(ddof=1) / np.sqrt(diff.size))


def table(rows: Iterable[dict]) -> pd.DataFrame:
    """A claims table with the standard columns, in order."""
    frame = pd.DataFrame(list(rows), columns=CLAIM_COLUMNS)
    if frame.empty:
        raise ValueError("a figure must make at least one claim")
    return frame


def concatenate(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-figure claim tables into one, sorted by talk and figure id."""
    frames = list(frames)
    for frame in frames:
        missing = set(CLAIM_COLUMNS) - set(frame.columns)
        if missing:
            raise ValueError(f"claims table lacks columns {sorted(missing)}")
    optional = [c for c in OPTIONAL_COLUMNS if frames and all(c in f.columns for f in frames)]
    out = pd.concat([f[CLAIM_COLUMNS + optional] for f in frames], ignore_index=True)
    unknown = set(out["kind"]) - set(KINDS)
    if unknown:
        raise ValueError(f"claims table has rows of unknown kind {sorted(unknown)} (expected {KINDS})")
    return out.sort_values(["talk", "figure"], kind="stable").reset_index(drop=True)


def held(claims: pd.DataFrame, kind: str = "claim") -> tuple[int, int]:
    """(rows that hold, rows) among the rows of one kind."""
    rows = claims[claims["kind"] == kind]
    return int((rows["holds"] == "yes").sum()), len(rows)


def by_kind(claims: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The claims, then the checks (each possibly empty), in table order."""
    return [(kind, claims[claims["kind"] == kind]) for kind in KINDS]


def over_seeds(row) -> bool:
    """Whether a row combines several seeds' runs (has the replicate columns)."""
    return getattr(row, "n_seeds", None) is not None and not pd.isna(row.n_seeds)


def measured_text(row) -> str:
    """``0.41`` for one run, ``0.41 ± 0.03`` (mean ± sd over seeds) for several."""
    if over_seeds(row) and int(row.n_seeds) > 1:
        return f"{row.measured:.4g} ± {row.spread:.2g}"
    return f"{row.measured:.4g}"


def seeds_text(row) -> str:
    """``2 of 3`` seeds in which the claim held ('' for a single run)."""
    return f"{int(row.holds_in)} of {int(row.n_seeds)}" if over_seeds(row) else ""


def caption(claims: pd.DataFrame) -> str:
    """The caption lines of a figure: one line per claim with value and verdict."""
    lines = []
    for row in claims.itertuples(index=False):
        verdict = "holds" if row.holds == "yes" else "does NOT hold"
        label = row.figure if row.kind == "claim" else f"{row.figure} [check]"
        if over_seeds(row) and int(row.n_seeds) > 1:
            measured = f"mean {measured_text(row)} over {int(row.n_seeds)} seeds"
        elif over_seeds(row):
            measured = f"measured {measured_text(row)} (one seed)"
        else:
            measured = f"measured {measured_text(row)}"
        line = f"{label}: {row.claim} — {measured} (needs {row.threshold}): {verdict}."
        if isinstance(row.note, str) and row.note:
            line += f" {row.note}"
        lines.append(line)
    return "\n".join(lines)


def html_table(claims: pd.DataFrame) -> str:
    """A self-contained HTML page of the claims table (verdicts coloured), claims then checks, for the report."""
    from html import escape

    sections = []
    for kind, rows in by_kind(claims):
        if rows.empty:
            continue
        body = []
        for row in rows.itertuples(index=False):
            colour = "#d8f0d8" if row.holds == "yes" else "#f6d6d6"
            note = escape(str(row.note)) if isinstance(row.note, str) else ""
            body.append(
                f"<tr style='background:{colour}'><td>{escape(row.talk)}</td><td>{escape(row.figure)}</td>"
                f"<td>{escape(row.claim)}</td><td>{escape(measured_text(row))}</td><td>{escape(row.threshold)}</td>"
                f"<td>{escape(seeds_text(row))}</td><td><b>{escape(row.holds)}</b></td><td style='font-size:85%'>{note}</td></tr>"
            )
        title = (
            "Claims of the talks"
            if kind == "claim"
            else "Checks (hold by construction when the code is right; not replications)"
        )
        sections.append(
            f"<h2>{title}</h2><table><tr><th>talk</th><th>figure</th><th>{kind}</th>"
            "<th>measured (mean ± sd over seeds)</th><th>needs</th><th>seeds holding</th><th>holds</th><th>note</th></tr>"
            + "".join(body)
            + "</table>"
        )
    n_held, n_claims = held(claims, "claim")
    c_held, n_checks = held(claims, "check")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Claims</title><style>"
        "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:4px 6px;vertical-align:top}th{background:#eee}</style></head><body>"
        f"<p>{n_held} of {n_claims} claims hold; {c_held} of {n_checks} checks pass.</p>"
        + _provenance_html(claims)
        + "".join(sections)
        + "</body></html>\n"
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
