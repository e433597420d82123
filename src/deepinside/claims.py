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
    out = pd.concat([f[CLAIM_COLUMNS] for f in frames], ignore_index=True)
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


def caption(claims: pd.DataFrame) -> str:
    """The caption lines of a figure: one line per claim with value and verdict."""
    lines = []
    for row in claims.itertuples(index=False):
        verdict = "holds" if row.holds == "yes" else "does NOT hold"
        label = row.figure if row.kind == "claim" else f"{row.figure} [check]"
        line = f"{label}: {row.claim} — measured {row.measured:.4g} (needs {row.threshold}): {verdict}."
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
                f"<td>{escape(row.claim)}</td><td>{row.measured:.4g}</td><td>{escape(row.threshold)}</td>"
                f"<td><b>{escape(row.holds)}</b></td><td style='font-size:85%'>{note}</td></tr>"
            )
        title = "Claims of the talks" if kind == "claim" else "Checks (hold by construction when the code is right; not replications)"
        sections.append(
            f"<h2>{title}</h2><table><tr><th>talk</th><th>figure</th><th>{kind}</th>"
            "<th>measured</th><th>needs</th><th>holds</th><th>note</th></tr>" + "".join(body) + "</table>"
        )
    n_held, n_claims = held(claims, "claim")
    c_held, n_checks = held(claims, "check")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Claims</title><style>"
        "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:4px 6px;vertical-align:top}th{background:#eee}</style></head><body>"
        f"<p>{n_held} of {n_claims} claims hold; {c_held} of {n_checks} checks pass.</p>" + "".join(sections) + "</body></html>\n"
    )
