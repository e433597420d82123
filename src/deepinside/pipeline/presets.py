"""Presets as overlays: every knob is written once, under the base preset, and a preset holds only what differs.

``config.yaml`` holds every knob under ``presets.quick`` (the base). Any other preset
(``paper``; the tests' ``tiny``; a user's own in a ``--configfile``) holds only the keys
it changes, merged onto the base key by key: a mapping is merged, any other value (a
list included) replaces the base's. The schema then checks every preset as merged, so a
bad key is still named with its full path.
"""

from __future__ import annotations

import copy
import hashlib
import json
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


def effective(config: Mapping[str, Any]) -> dict:
    """What a run ran with: the top-level settings and the active preset's knobs, merged
    (``results/<preset>/config.effective.yaml``)."""
    presets = config.get("presets") or {}
    name = config.get("preset", BASE)
    full = expanded(presets) if BASE in presets else dict(presets)
    top = {key: copy.deepcopy(value) for key, value in config.items() if key != "presets"}
    return {**top, "settings": full.get(name, {})}


# Knobs of how a run is carried out that change none of its numbers: left out of the config's
# hash and of whether a run is its preset's own (they stay in the effective config written).
LOGISTICS = ("keep_checkpoints",)


def _numbers(config: Mapping[str, Any]) -> dict:
    return {key: value for key, value in effective(config).items() if key not in LOGISTICS}


def digest(config: Mapping[str, Any]) -> str:
    """12 hex digits of the SHA-256 of a run's effective config (key order does not matter), without
    the :data:`LOGISTICS` knobs."""
    text = json.dumps(_numbers(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def origin(config: Mapping[str, Any], defaults: Mapping[str, Any] | None) -> str:
    """``quick`` when a run's effective config is its preset's own (config.yaml as it is),
    ``quick + overrides`` when a --configfile or --config changed it; a preset that
    config.yaml does not define is named as it is."""
    name = str(config.get("preset", BASE))
    if not defaults or name not in (defaults.get("presets") or {}):
        return name
    own = {**copy.deepcopy(dict(defaults)), "preset": name}
    return name if _numbers(own) == _numbers(config) else f"{name} + overrides"


def write_effective_config(config: Mapping[str, Any], path: str) -> None:
    """Write :func:`effective` as YAML to ``path`` (atomically), its hash in the first line."""
    import yaml

    from deepinside.core.files import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_text(
            f"# config {digest(config)}: the effective config of this run\n"
            + yaml.safe_dump(effective(config), sort_keys=False, allow_unicode=True)
        )
