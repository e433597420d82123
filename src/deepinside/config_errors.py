"""One-line messages for invalid configuration.

Snakemake's ``validate()`` reports a schema violation with the whole schema and the
whole config attached, which hides the one key that is wrong. :func:`describe` finds
the underlying ``jsonschema.ValidationError`` and names the key by its dotted path.
"""

from __future__ import annotations

import re


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
    path = ".".join(str(p) for p in invalid.absolute_path)
    unexpected = re.findall(r"'([^']+)' (?:was|were) unexpected", invalid.message) or re.findall(
        r"\('([^)]*)' (?:was|were) unexpected\)", invalid.message
    )
    if invalid.validator == "additionalProperties" and unexpected:
        keys = ", ".join(f"'{'.'.join(filter(None, [path, k]))}'" for k in unexpected)
        return f"unknown config key {keys}: not in workflow/schemas/config.schema.yaml (misspelt?)"
    return f"config key '{path or '<top level>'}': {invalid.message}"
