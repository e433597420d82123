"""Fingerprints of the package code a workflow step runs, so that editing it re-runs the step.

Snakemake re-runs a job when its rule's parameters change, but every rule runs the same
adapter script, so an edit inside ``src/deepinside`` would go unnoticed. Each rule
therefore names its function as ``versioned("module:function")``, which appends a hash
of the source of that module and of every ``deepinside`` module it imports, directly or
not: an edit to ``rbm.py`` re-runs the RBM training steps and what depends on them,
and leaves, say, the saxe2019 steps alone.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = "deepinside"


ROOT = Path(__file__).resolve().parents[1]  # the package: src/deepinside


def _source_path(module: str) -> Path | None:
    """File of a package module (``deepinside.a.b`` → a/b.py or a/b/__init__.py), without importing it."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None  # a class or function imported by name


def _imports(module: str, path: Path) -> set[str]:
    """Package modules named in the import statements of ``module``."""
    is_package = path.name == "__init__.py"
    parts = module.split(".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = parts if is_package else parts[:-1]
                base = anchor[: len(anchor) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if prefix.split(".")[0] != PACKAGE:
                continue
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)  # `from .. import rbm` names a module
    return found


@lru_cache(maxsize=None)
def dependencies(module: str) -> frozenset[Path]:
    """Source files of ``module`` and of all package modules it imports, transitively."""
    seen: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _source_path(name)
        if path is None:  # a class or function imported by name, not a module
            continue
        seen[name] = path
        todo.extend(_imports(name, path))
    return frozenset(seen.values())


def fingerprint(step: str) -> str:
    """A 12-hex-digit hash of the code behind ``"module:function"``."""
    module = step.partition(":")[0]
    digest = hashlib.sha256()
    for path in sorted(dependencies(module)):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# The fingerprints this process checked when it imported a step's module (the step adapter
# does, before and after the import): module -> fingerprint. What a job stamps on its
# checkpoints and outputs is the code it imported, even if the source is edited while it runs.
_IMPORTED: dict[str, str] = {}


def record_imported(step: str, fingerprint_at_import: str) -> None:
    """Remember the fingerprint of the code this process imported for ``step``'s module."""
    _IMPORTED[step.partition(":")[0]] = fingerprint_at_import


def running_fingerprint(step: str) -> str:
    """The fingerprint of the code this process runs for ``step``'s module: the one checked at
    its import where the step adapter imported it, else the source's on disk now."""
    return _IMPORTED.get(step.partition(":")[0]) or fingerprint(step)


def versioned(step: str) -> str:
    """``"module:function@<fingerprint>"``: what rules put in ``params.step``."""
    return f"{step}@{fingerprint(step)}"
