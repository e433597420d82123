"""What a claim's measuring code returns: values, not verdicts.

A measuring function reads a run's tables and returns one row per claim of its figure
(:func:`value`), named by the claim's ``id`` in its figure's declared claims
(``claims`` in ``workflow/figures.yaml``) and, for a claim repeated over a setting (a layer, an
α, a model), by its ``key``. The statement, the kind, the comparison and the threshold
are *not* written here: :mod:`deepinside.claims.verdicts` takes them from the claims
table, so editing a threshold or a statement re-runs no measurement.

A row carries what only the data can say:

* ``measured`` — the value;
* ``threshold`` — for a claim whose threshold the table declares as measured (``2se``:
  two standard errors of a paired or two-sample difference; ``null``: the value of the
  null measured in the same run), that threshold;
* ``null`` — the null's own value (an untrained twin, shuffled pixels, chance), shown
  beside the measured one;
* ``untrusted`` — why the estimator cannot be trusted on this run ('' when it can): the
  verdict is then *not established*, whatever the value;
* ``note`` and ``fields`` — the numbers behind the value, and the values the statement's
  ``{placeholders}`` take (sizes, layers) on this run.
"""

from __future__ import annotations

import json
import math
from typing import Iterable

import numpy as np
import pandas as pd

VALUE_COLUMNS = ["id", "key", "measured", "threshold", "null", "untrusted", "note", "fields"]


def _number(x) -> float:
    return float("nan") if x is None else float(x)


def value(
    claim_id: str,
    measured: float,
    *,
    key: str | int | float = "",
    threshold: float | None = None,
    null: float | None = None,
    untrusted: str = "",
    note: str = "",
    **fields,
) -> dict:
    """One measured value of claim ``claim_id`` (``key``: which repetition, e.g. the layer)."""
    if not claim_id or not isinstance(claim_id, str):
        raise ValueError(f"a claim value needs the claim's id, got {claim_id!r}")
    return {
        "id": claim_id,
        "key": key_text(key),
        "measured": _number(measured),
        "threshold": _number(threshold),
        "null": _number(null),
        "untrusted": str(untrusted),
        "note": str(note),
        "fields": json.dumps({k: _plain(v) for k, v in fields.items()}, ensure_ascii=False, sort_keys=True),
    }


def key_text(key) -> str:
    """A repetition's key as text, the same whether it was given as 3, 3.0 or read back as '3.0' … or NaN."""
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return ""
    if isinstance(key, (np.integer, np.floating)):
        key = key.item()
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    return f"{key:g}" if isinstance(key, float) else str(key)


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def paired(claim_id: str, after, before, *, note: str = "", **kwargs) -> dict:
    """A claim that ``after − before`` (paired by item) is positive beyond two standard errors:
    the value is the mean difference, the threshold two standard errors of it."""
    mean, two_se = paired_difference(after, before)
    return value(claim_id, mean, threshold=two_se, note=note, **kwargs)


def paired_difference(after, before) -> tuple[float, float]:
    """Mean of the per-item differences ``after − before`` and twice its standard error
    (about 95 % one-sided confidence for a normal mean)."""
    diff = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    if diff.size < 2:
        raise ValueError("a paired comparison needs at least two items")
    return float(diff.mean()), float(2.0 * diff.std(ddof=1) / np.sqrt(diff.size))


def mean_and_two_se(values) -> tuple[float, float]:
    """Mean of independent values (e.g. networks of an ensemble) and twice its standard error
    (infinite for a single value: one network cannot show a difference)."""
    values = np.asarray(values, dtype=float)
    two_se = float(2 * values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else math.inf
    return float(values.mean()), two_se


def two_sample(a, b) -> tuple[float, float]:
    """Difference of the means of two independent samples and twice its standard error (Welch;
    infinite when either sample has one value)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if min(len(a), len(b)) < 2:
        return float(a.mean() - b.mean()), math.inf
    return float(a.mean() - b.mean()), float(2 * np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))


def table(rows: Iterable[dict]) -> pd.DataFrame:
    """The values of one figure, in the columns :data:`VALUE_COLUMNS`."""
    frame = pd.DataFrame(list(rows), columns=VALUE_COLUMNS)
    if frame.empty:
        raise ValueError("a figure's measuring code must return at least one claim value")
    repeated = frame[frame.duplicated(["id", "key"], keep=False)]
    if len(repeated):
        raise ValueError(f"claim values given twice: {sorted(set(zip(repeated['id'], repeated['key'])))}")
    return frame


def text(x) -> str:
    """A text cell as read back from a table: '' for an empty one (None or NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def fields_of(row) -> dict:
    """The statement placeholders a value row carries."""
    fields = text(row["fields"])
    return json.loads(fields) if fields else {}
