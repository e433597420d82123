"""The figure table (``workflow/figures.yaml``): every figure of the five talks, declared once.

The workflow's figure rule, the report's captions, ``docs/figures.md`` and the tests
read it through :func:`load`, which checks each entry's fields so that a typo is named
with its talk and figure id when the workflow loads.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

FIELDS = {"file", "title", "shows", "claim", "plot"}
# A figure declared whole in its spec (its rules generated: workflow/rules/specs.smk) adds
# `compute` (its step), optionally `values` (its measuring function) and `claims` (its rows).
OPTIONAL = {"kwargs", "compute", "values", "claims"}
COMPUTE_FIELDS = {"step", "outputs"}
COMPUTE_OPTIONAL = {"settings", "keys", "inputs", "once"}
OUTPUT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RELATIVE_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.(csv|npz|pt|json|npy)$")
RULE_OUTPUT = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
FIGURE_ID = re.compile(r"^[A-Z][0-9]+$")
PLOT = re.compile(r"^[a-z0-9_]+:[a-z0-9_]+$")


def load(path: str | os.PathLike) -> dict[str, dict[str, dict]]:
    """talk -> figure id -> entry, in the table's order; raises ValueError naming a bad entry."""
    table = yaml.safe_load(Path(path).read_text())
    if not isinstance(table, dict) or not table:
        raise ValueError(f"{path}: expected talks mapping figure ids to entries")
    for talk, figures in table.items():
        for figure_id, entry in (figures or {}).items():
            where = f"{path}: {talk}.{figure_id}"
            if not FIGURE_ID.match(str(figure_id)):
                raise ValueError(f"{where}: a figure id is a capital letter and a number (S1, O3, M9)")
            if not isinstance(entry, dict) or not FIELDS <= set(entry) or set(entry) - FIELDS - OPTIONAL:
                keys = sorted(entry) if isinstance(entry, dict) else entry
                raise ValueError(f"{where}: needs exactly {sorted(FIELDS)} (optional {sorted(OPTIONAL)}), has {keys}")
            if not str(entry["file"]).startswith(f"{figure_id}_"):
                raise ValueError(f"{where}: file {entry['file']!r} must start with {figure_id}_")
            if not PLOT.match(str(entry["plot"])):
                raise ValueError(f"{where}: plot {entry['plot']!r} must read <module>:<function> of deepinside.plots")
            if "compute" in entry:
                check_compute(entry, where)
            elif "values" in entry:
                raise ValueError(f"{where}: 'values' measures what 'compute' makes; it needs a 'compute'")
            if any(isinstance(value, str) and value.startswith("=") for value in (entry.get("kwargs") or {}).values()):
                raise ValueError(
                    f"{where}: kwargs are plain values; a setting taken from the preset goes in "
                    f"FIGURE_SETTINGS of workflow/rules/{talk}.smk"
                )
    return table


def check_compute(entry: dict, where: str) -> None:
    """A spec's ``compute`` (and ``values``): what its generated rules need, checked by name."""
    compute = entry["compute"]
    if (
        not isinstance(compute, dict)
        or not COMPUTE_FIELDS <= set(compute)
        or set(compute) - COMPUTE_FIELDS - COMPUTE_OPTIONAL
    ):
        keys = sorted(compute) if isinstance(compute, dict) else compute
        raise ValueError(
            f"{where}.compute: needs {sorted(COMPUTE_FIELDS)} (optional {sorted(COMPUTE_OPTIONAL)}), has {keys}"
        )
    for key in ("step",) + (("values",) if "values" in entry else ()):
        value = compute[key] if key == "step" else entry[key]
        if not PLOT.match(str(value)):
            raise ValueError(f"{where}: {key} {value!r} must read <module>:<function> of deepinside.steps")
    outputs = compute["outputs"]
    if not isinstance(outputs, dict) or not outputs:
        raise ValueError(
            f"{where}.compute.outputs: name -> file under the talk's results folder, e.g. errors: errors.csv"
        )
    for name, path in outputs.items():
        if not OUTPUT_NAME.match(str(name)) or name == "claims":
            raise ValueError(f"{where}.compute.outputs: {name!r} is not an output name ('claims' is the figure's own)")
        if not RELATIVE_FILE.match(str(path)):
            raise ValueError(
                f"{where}.compute.outputs.{name}: {path!r} must be a relative file name ending in .csv, .npz, .pt, .json or .npy"
            )
    for name, reference in (compute.get("inputs") or {}).items():
        if not RULE_OUTPUT.match(str(reference)):
            raise ValueError(
                f"{where}.compute.inputs.{name}: {reference!r} must name a rule's output as <rule>.<output>"
            )
    if "settings" in compute and not re.match(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", str(compute["settings"])):
        raise ValueError(f"{where}.compute.settings: {compute['settings']!r} must be a dotted key of the preset")
    if "once" in compute and not isinstance(compute["once"], bool):
        raise ValueError(f"{where}.compute.once: true or false, got {compute['once']!r}")
    if "claims" not in entry:
        raise ValueError(f"{where}: a figure declared by its spec declares its claims there too ('claims')")


def rows(table: dict) -> list[dict]:
    """One flat row per figure (talk, id and the entry's fields), in the table's order."""
    return [
        {"talk": talk, "id": figure_id, **entry}
        for talk, figures in table.items()
        for figure_id, entry in figures.items()
    ]


def drawn_by(table: dict, folder: str | os.PathLike) -> list[dict]:
    """Per figure of ``table``, whether the gallery ``folder`` (e.g. ``figures/paper``) holds it and
    whether the code that drew it is its plot's code now: the ``code`` of its footer against the
    fingerprint of its plot function (the function, its module and the package modules it imports,
    :func:`deepinside.core.code_version.fingerprint`). A figure drawn before its plot, or a module
    the plot imports, changed has ``current`` False. Rows: talk, figure, file, drawn, code,
    current_code, current, commit."""
    from deepinside.core.code_version import fingerprint
    from deepinside.core.provenance import read_png_metadata

    rows = []
    for talk, figures in table.items():
        for figure_id, entry in (figures or {}).items():
            path = Path(folder) / talk / f"{entry['file']}.png"
            fields = read_png_metadata(path) if path.exists() else {}
            now = fingerprint(f"deepinside.plots.{entry['plot']}")
            rows.append(
                {
                    "talk": talk,
                    "figure": figure_id,
                    "file": str(path),
                    "drawn": path.exists(),
                    "code": fields.get("code", ""),
                    "current_code": now,
                    "current": fields.get("code") == now,
                    "commit": fields.get("commit", ""),
                }
            )
    return rows
