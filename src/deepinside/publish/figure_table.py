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
OPTIONAL = {"kwargs"}
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
            if any(isinstance(value, str) and value.startswith("=") for value in (entry.get("kwargs") or {}).values()):
                raise ValueError(
                    f"{where}: kwargs are plain values; a setting taken from the preset goes in "
                    f"FIGURE_SETTINGS of workflow/rules/{talk}.smk"
                )
    return table


def rows(table: dict) -> list[dict]:
    """One flat row per figure (talk, id and the entry's fields), in the table's order."""
    return [
        {"talk": talk, "id": figure_id, **entry}
        for talk, figures in table.items()
        for figure_id, entry in figures.items()
    ]
