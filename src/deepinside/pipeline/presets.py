"""Presets as overlays: every knob is written once, under the base preset, and a preset holds only what differs.

``config.yaml`` holds every knob under ``presets.quick`` (the base). Any other preset
(``paper``; the tests' ``tiny``; a user's own in a ``--configfile``) holds only the keys
it changes, merged onto the base key by key: a mapping is merged, any other value (a
list included) replaces the base's. The schema then checks every preset as merged, so a
bad key is still named with its full path.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

BASE = "quick"


def merged(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict:
    """``base`` with ``overlay`` merged onto it (a new dict; neither argument changes)."""
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def expanded(presets: Mapping[str, Any], base: str = BASE) -> dict:
    """Every preset as a full set of knobs: the base as it is, the others merged onto it."""
    if base not in presets:
        raise KeyError(f"config key 'presets.{base}': the base preset, which holds every knob, is missing")
    full = {}
    for name, overlay in presets.items():
        if name != base and not isinstance(overlay, Mapping):
            raise TypeError(f"config key 'presets.{name}': a preset is a mapping of the knobs it changes")
        full[name] = copy.deepcopy(dict(overlay)) if name == base else merged(presets[base], overlay or {})
    return full
