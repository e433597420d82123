"""The claims: each claim of a talk, declared once, in its figure's ``claims`` in
``workflow/figures.yaml``. :func:`talk_tables` also reads claims tables
``workflow/claims/<talk>.yaml`` (per figure id, as the talks once kept them; none does now) and
refuses a figure declared in both.

Per figure id, a list of entries::

    M2:
      - id: steepest                      # unique within the figure
        statement: "the deepest layer (h{deepest}) has the steepest spectrum (...)"
        kind: claim                       # claim | check | theory | stand-in
        against: "the untrained twin (...)"  # a claim's null: what it is compared with, measured in the same run
        compare: "<"                      # <, <=, >, >=
        threshold: the null               # a number, "the null" or "2 s.e." (both measured by the run)

Optional keys:

* ``why`` — for a check, a theory row or a stand-in: why it is not counted as a claim;
* ``null_value`` — for a claim with a numeric threshold, the value its null gives (chance, no
  difference): a test checks that it does not pass the threshold, so the claim can fail;
* ``repeat`` — one row per value of a setting: ``{values: <path>}`` (each value),
  ``{layers: <path>}`` (1 … len − 1: the hidden layers of a list of sizes) or
  ``{lengths: <path>, only: [2, 3]}`` (the length of each entry); the statement's
  ``{key}`` is that value;
* ``when`` — the row exists only under settings: ``{<path>: value}``, ``{<path>: [one, of]}``,
  ``{<path>: {length_at_least: n}}`` or ``{<path>: {at_least: n}}`` (:func:`condition_holds`);
* ``stand_in`` — ``{when: {...}, why: "..."}``: under those settings the row is measured
  on a substitute for the talk's model or data, and counts as a stand-in row.

``<path>`` is a dotted key of the preset's settings (``mototake2015.alexnet.weights``).
The table is the one source of a claim's prose, threshold and row count:
:func:`expected_rows` resolves it under a preset, and :mod:`deepinside.claims.verdicts`
refuses measured values that do not match it row for row.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from deepinside.claims.values import key_text

KINDS = ("claim", "check", "theory", "stand-in")
COMPARISONS = ("<", "<=", ">", ">=")
# Thresholds a run measures: the null's value, or two standard errors of a difference.
MEASURED_THRESHOLDS = {"the null": "null", "2 s.e.": "2se"}
REQUIRED = {"id", "statement", "kind", "compare", "threshold"}
OPTIONAL = {"against", "null_value", "why", "repeat", "when", "stand_in"}
ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ClaimsTableError(ValueError):
    """A claims table that cannot be read; the message names the file and the entry."""


def load(path: str | os.PathLike) -> dict[str, list[dict]]:
    """figure id -> its entries, in the table's order; refuses a bad entry, naming it."""
    path = Path(path)
    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ClaimsTableError(f"{path}: cannot be read as YAML: {error}") from None
    if not isinstance(table, dict) or not table:
        raise ClaimsTableError(f"{path}: expected figure ids mapping to lists of claims")
    for figure_id, entries in table.items():
        check_figure(entries, f"{path}: {figure_id}")
    return table


def check_figure(entries: Any, where: str) -> list[dict]:
    """One figure's entries (a claims table's, or the ``claims`` of a figure's spec), checked;
    ``where`` names the file and the figure in a refusal."""
    if not isinstance(entries, list) or not entries:
        raise ClaimsTableError(f"{where}: expected a list of claims")
    seen = set()
    for entry in entries:
        at = f"{where}.{entry.get('id', '?') if isinstance(entry, dict) else '?'}"
        _check(entry, at)
        if entry["id"] in seen:
            raise ClaimsTableError(f"{at}: the id {entry['id']!r} is used twice in this figure")
        seen.add(entry["id"])
    return entries


def _check(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise ClaimsTableError(f"{where}: a claim is a mapping with keys {sorted(REQUIRED)}")
    missing, unknown = REQUIRED - set(entry), set(entry) - REQUIRED - OPTIONAL
    if missing or unknown:
        raise ClaimsTableError(
            f"{where}: needs {sorted(REQUIRED)} (optional {sorted(OPTIONAL)}); missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    if not ID.match(str(entry["id"])):
        raise ClaimsTableError(f"{where}: an id is lower-case letters, digits and _ (got {entry['id']!r})")
    if entry["kind"] not in KINDS:
        raise ClaimsTableError(f"{where}: kind must be one of {KINDS}, got {entry['kind']!r}")
    if entry["compare"] not in COMPARISONS:
        raise ClaimsTableError(f"{where}: compare must be one of {COMPARISONS}, got {entry['compare']!r}")
    threshold = entry["threshold"]
    if (
        not (isinstance(threshold, (int, float)) and not isinstance(threshold, bool))
        and threshold not in MEASURED_THRESHOLDS
    ):
        raise ClaimsTableError(
            f"{where}: threshold must be a number or one of {sorted(MEASURED_THRESHOLDS)}, got {threshold!r}"
        )
    if threshold == "2 s.e." and entry["compare"] not in (">", ">="):
        raise ClaimsTableError(
            f"{where}: a '2 s.e.' threshold asks a difference to be positive beyond two standard errors: compare '>' or '>='"
        )
    if entry["kind"] == "claim" and not entry.get("against"):
        raise ClaimsTableError(
            f"{where}: a claim names its null in 'against' (what it is compared with, measured in the same run)"
        )
    if entry["kind"] != "claim" and not entry.get("why"):
        raise ClaimsTableError(f"{where}: a {entry['kind']} row says why it is not counted as a claim (key 'why')")
    null_value = entry.get("null_value")
    if null_value is not None and (isinstance(null_value, bool) or not isinstance(null_value, (int, float))):
        raise ClaimsTableError(f"{where}: null_value must be a number, got {null_value!r}")
    if threshold == "the null" and not entry.get("against"):
        raise ClaimsTableError(f"{where}: threshold 'the null' needs the null named (key 'against')")


def setting(preset: Mapping[str, Any], path: str) -> Any:
    """The preset's value at a dotted path; KeyError naming the path when it is not there."""
    node: Any = preset
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"claims table refers to setting {path!r}, which the preset does not have")
        node = node[part]
    return node


def condition_holds(actual: Any, wanted: Any, where: str) -> bool:
    """Whether a setting's value ``actual`` meets a condition of the figure table: equal to
    ``wanted``, one of a list, or ``{at_least: n}`` (a number) / ``{length_at_least: n}`` (a
    list, its distinct entries counted). The claims table's ``when`` and a compute step's input
    ``when`` are both decided here; a condition that cannot be read raises
    :class:`ClaimsTableError` naming ``where``."""
    if isinstance(wanted, Mapping):
        (test, bound), *rest = wanted.items()
        if rest or test not in ("length_at_least", "at_least"):
            raise ClaimsTableError(f"{where}: use {{length_at_least: n}} or {{at_least: n}}, got {dict(wanted)!r}")
        if test == "length_at_least" and not isinstance(actual, list):
            raise ClaimsTableError(f"{where}: length_at_least needs a list setting, got {actual!r}")
        if test == "at_least" and (isinstance(actual, bool) or not isinstance(actual, (int, float))):
            raise ClaimsTableError(f"{where}: at_least needs a number setting, got {actual!r}")
        size = len(set(map(str, actual))) if test == "length_at_least" else actual
        return size >= bound
    if isinstance(wanted, list):
        return actual in wanted
    return actual == wanted


def _holds(condition: Mapping[str, Any], preset: Mapping[str, Any]) -> bool:
    return all(
        condition_holds(setting(preset, path), wanted, f"condition on {path}") for path, wanted in condition.items()
    )


def _keys(repeat: Mapping[str, Any] | None, preset: Mapping[str, Any]) -> list[str]:
    if not repeat:
        return [""]
    if "values" in repeat:
        values = setting(preset, repeat["values"])
        return [key_text(v) for v in sorted(set(values))]
    if "layers" in repeat:
        return [str(t) for t in range(1, len(setting(preset, repeat["layers"])))]
    if "lengths" in repeat:
        lengths = [len(v) for v in setting(preset, repeat["lengths"])]
        only = repeat.get("only")
        return [str(n) for n in lengths if only is None or n in only]
    raise ClaimsTableError(f"repeat must give 'values', 'layers' or 'lengths', got {sorted(repeat)}")


def row(
    entry: Mapping[str, Any], talk: str, figure: str, key: str = "", kind: str | None = None, why: str | None = None
) -> dict:
    """One expected row of an entry: its statement template, kind, comparison and threshold."""
    threshold = entry["threshold"]
    return {
        "talk": talk,
        "figure": figure,
        "id": entry["id"],
        "key": key,
        "statement": entry["statement"],
        "kind": kind or entry["kind"],
        "why": entry.get("why", "") if why is None else why,
        "null": entry.get("against", ""),
        "compare": entry["compare"],
        "threshold": None if threshold in MEASURED_THRESHOLDS else float(threshold),
        "measured_threshold": MEASURED_THRESHOLDS.get(threshold, ""),
    }


def expected_rows(entries: list[dict], preset: Mapping[str, Any], talk: str, figure: str) -> list[dict]:
    """The rows a figure makes under a preset's settings, each with its statement template,
    kind (a stand-in where the settings use a substitute), comparison and threshold."""
    rows = []
    for entry in entries:
        if entry.get("when") and not _holds(entry["when"], preset):
            continue
        kind, why = entry["kind"], entry.get("why", "")
        stand_in = entry.get("stand_in")
        if stand_in and _holds(stand_in["when"], preset):
            kind, why = "stand-in", stand_in["why"]
        rows.extend(row(entry, talk, figure, key, kind, why) for key in _keys(entry.get("repeat"), preset))
    return rows


def talk_tables(
    folder: str | os.PathLike, figure_table: Mapping[str, Mapping[str, Mapping]] | None = None, source: str = ""
) -> dict[str, dict[str, list[dict]]]:
    """talk -> figure id -> entries, for every ``<talk>.yaml`` in ``folder``, and the ``claims``
    a figure's spec declares in the figure table (``source`` names it in a refusal)."""
    tables = {path.stem: load(path) for path in sorted(Path(folder).glob("*.yaml"))}
    for talk, figures in (figure_table or {}).items():
        for figure_id, entry in figures.items():
            if "claims" not in entry:
                continue
            if figure_id in tables.get(talk, {}):
                raise ClaimsTableError(
                    f"{source}: {talk}.{figure_id}: its claims are declared in its spec and in {folder}/{talk}.yaml; keep one"
                )
            tables.setdefault(talk, {})[figure_id] = check_figure(
                entry["claims"], f"{source}: {talk}.{figure_id}.claims"
            )
    return tables
