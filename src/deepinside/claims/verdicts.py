"""One row per claim from the values a figure's runs measured: a three-valued verdict.

Each seed's value is judged against its own threshold (:func:`seed_status`):

* *holds* / *fails* — the comparison holds or not; for a threshold of two standard
  errors (``2 s.e.``) a claim fails only when the difference is significant the *other*
  way, and a value inside the ±2 s.e. band is *inconclusive*;
* *no value* — the run measured nothing (NaN), *untrusted* — its estimator says it
  cannot be trusted (e.g. AIS short of a certain bound on log Z).

The seeds are then combined (:func:`verdict`) under the config's rule: ``all`` — every
seed has a value and holds (fails), ``majority`` — more than half do. Anything else —
seeds that disagree, an inconclusive difference, too few values, an untrusted
estimator — is **not established**, and the row's note says why. A verdict is never
copied from a table: it is recomputed here from the values and the thresholds.
"""

from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np
import pandas as pd

from deepinside.claims import values as claim_values
from deepinside.core import provenance

RULES = ("all", "majority")
CLAIM_COLUMNS = ["talk", "figure", "id", "kind", "claim", "measured", "threshold", "verdict", "note"]
# The seeds' part: the null's mean, the spread of the values, each seed's margin to its own threshold.
REPLICATE_COLUMNS = ["null", "spread", "margins", "holds_in", "n_values", "n_seeds"]
PER_RUN_PROVENANCE = list(provenance.PER_RUN)

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def seed_status(measured: float, threshold: float, compare: str, band: bool = False, untrusted: str = "") -> str:
    """``holds``, ``fails``, ``inconclusive`` (inside a ±2 s.e. band), ``no value`` or ``untrusted``."""
    if compare not in _COMPARE:
        raise ValueError(f"comparison must be one of {sorted(_COMPARE)}, got {compare!r}")
    if band and compare not in (">", ">="):
        raise ValueError(f"a 2 s.e. band asks for a positive difference: compare '>' or '>=', got {compare!r}")
    if untrusted:
        return "untrusted"
    if measured is None or not math.isfinite(measured) or threshold is None or math.isnan(threshold):
        return "no value"
    if _COMPARE[compare](measured, threshold):
        return "holds"
    if band:  # a difference must be significant the other way to fail (bands are for '>' and '>=')
        return "fails" if measured < -threshold else "inconclusive"
    return "fails"


def verdict(statuses: Sequence[str], rule: str = "all") -> tuple[str, str]:
    """The verdict over seeds and, when not established, why."""
    if rule not in RULES:
        raise ValueError(f"verdict rule must be one of {RULES}, got {rule!r}")
    n = len(statuses)
    if n == 0:
        raise ValueError("a verdict needs at least one run")
    count = {s: sum(1 for x in statuses if x == s) for s in ("holds", "fails", "inconclusive", "no value", "untrusted")}
    valued = count["holds"] + count["fails"] + count["inconclusive"]
    needed = n if rule == "all" else n // 2 + 1
    if count["untrusted"] and count["untrusted"] > n - needed:
        return "not established", f"the estimator cannot be trusted in {count['untrusted']} of {n} runs"
    if valued < needed:
        return "not established", f"a value in {valued} of {n} runs (needs {needed})"
    for outcome in ("holds", "fails"):
        if count[outcome] >= needed:
            return ("holds" if outcome == "holds" else "fails"), ""
    parts = [f"{count[s]} {s}" for s in ("holds", "fails", "inconclusive") if count[s]]
    why = "the seeds disagree" if count["holds"] and count["fails"] else "the difference is within 2 standard errors"
    return "not established", f"{why} ({', '.join(parts)} of {n} runs)"


def threshold_text(row: dict) -> str:
    """The declared threshold as a reader sees it: '> 0.5', '< the null', '> 2 s.e.'."""
    if row["measured_threshold"] == "null":
        return f"{row['compare']} the null"
    if row["measured_threshold"] == "2se":
        return f"{row['compare']} 2 s.e."
    return f"{row['compare']} {row['threshold']:g}"


def _statement(row: dict, fields: dict) -> str:
    try:
        return row["statement"].format(key=row["key"], **fields)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(
            f"{row['talk']}/{row['figure']} claim {row['id']!r}: its statement needs {error} that the measured values do not give"
        ) from None


def _check_rows(tables, seeds, declared) -> None:
    wanted = [(r["id"], r["key"]) for r in declared]
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"the claims table declares a row twice: {wanted}")
    figure = f"{declared[0]['talk']}/{declared[0]['figure']}" if declared else "figure"
    for seed, table in zip(seeds, tables):
        got = list(zip(table["id"].astype(str), table["key"]))
        missing = [w for w in wanted if w not in got]
        extra = [g for g in got if g not in wanted]
        if missing or extra:
            raise ValueError(
                f"{figure}: run {seed} measured rows that do not match its declared claims "
                "(its 'claims' in workflow/figures.yaml): "
                f"missing {_ids(missing)}, not declared {_ids(extra)}"
            )


def _ids(pairs) -> str:
    return "[" + ", ".join(f"{i}[{k}]" if k else i for i, k in pairs) + "]"


def combine(
    tables: Sequence[pd.DataFrame], seeds: Sequence[int], declared: Sequence[dict], rule: str = "all"
) -> pd.DataFrame:
    """One row per declared claim from per-run value tables (``tables[i]`` ran with ``seeds[i]``)."""
    if len(tables) != len(seeds) or not tables:
        raise ValueError(f"need one table of values per seed, got {len(tables)} tables for seeds {list(seeds)}")
    if not declared:
        raise ValueError("a figure declares at least one claim")
    tables = [t.assign(key=[claim_values.key_text(k) for k in t["key"]]) for t in tables]
    _check_rows(tables, seeds, declared)
    indexed = [t.set_index(["id", "key"]) for t in tables]
    out = []
    for row in declared:
        per_seed = [t.loc[(row["id"], row["key"])] for t in indexed]
        measured = np.array([float(v["measured"]) for v in per_seed])
        thresholds = np.array(
            [float(v["threshold"]) if row["measured_threshold"] else row["threshold"] for v in per_seed]
        )
        statuses = [
            seed_status(m, t, row["compare"], row["measured_threshold"] == "2se", claim_values.text(v["untrusted"]))
            for m, t, v in zip(measured, thresholds, per_seed)
        ]
        outcome, why = verdict(statuses, rule)
        finite = measured[np.isfinite(measured)]
        nulls = np.array([float(v["null"]) for v in per_seed])
        nulls = nulls[np.isfinite(nulls)]
        at = next((i for i, s in enumerate(statuses) if s != "no value"), 0)
        first = per_seed[at]
        sign = 1.0 if row["compare"] in (">", ">=") else -1.0  # a positive margin is on the holding side
        margins = ", ".join(
            f"{seed}: {sign * (m - t):+.4g}" if np.isfinite(m) and np.isfinite(t) else f"{seed}: —"
            for seed, m, t in zip(seeds, measured, thresholds)
        )
        record = {
            "talk": row["talk"],
            "figure": row["figure"],
            "id": row["id"] + (f"[{row['key']}]" if row["key"] else ""),
            "kind": row["kind"],
            "claim": _statement(row, claim_values.fields_of(first)),
            "measured": float(finite.mean()) if finite.size else float("nan"),
            "threshold": threshold_text(row),
            "verdict": outcome,
            "note": _note(row, seeds, measured, statuses, why, per_seed, at),
            "null": float(nulls.mean()) if nulls.size else float("nan"),
            "spread": float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
            "margins": margins,
            "holds_in": sum(s == "holds" for s in statuses),
            "n_values": int(finite.size),
            "n_seeds": len(seeds),
        }
        for column in PER_RUN_PROVENANCE:
            if column in tables[0].columns:
                record[column] = " | ".join(dict.fromkeys(str(v[column]) for v in per_seed))
        out.append(record)
    extra = [c for c in PER_RUN_PROVENANCE if c in tables[0].columns]
    return pd.DataFrame(out, columns=CLAIM_COLUMNS + REPLICATE_COLUMNS + extra)


def _note(row, seeds, measured, statuses, why, per_seed, at) -> str:
    parts = []
    if why:
        parts.append(f"not established: {why}")
    for v in per_seed:
        if claim_values.text(v["untrusted"]):
            parts.append(claim_values.text(v["untrusted"]))
            break
    if len(seeds) > 1:
        parts.append("per seed: " + ", ".join(f"{s}: {m:.4g} ({st})" for s, m, st in zip(seeds, measured, statuses)))
    if row["kind"] != "claim" and row["why"]:
        parts.append(f"{row['kind']}: {row['why']}")
    elif row["null"]:
        parts.append(f"null: {row['null']}")
    note = claim_values.text(per_seed[at]["note"])
    if note:
        parts.append(f"seed {seeds[at]}: {note}" if len(seeds) > 1 else note)
    return "; ".join(parts)
