"""The package's floors import only downward (docs/architecture.md draws them).

Every ``import deepinside.<part>`` / ``from deepinside.<part> ...`` in src/deepinside, at
module level or inside a function, is an arrow from the importing part to the imported
one; an arrow to a part on the same or a higher floor is a back-arrow and fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "deepinside"

# Floor of each part, bottom first: a part may import the parts on lower floors only.
FLOORS = {
    "core": 0,  # files, checkpoints, device, code fingerprints, provenance
    "data": 1,
    "theory": 1,
    "claims": 1,  # statements, values, verdicts: reads no model
    "models": 2,
    "measures": 3,
    "plots": 4,
    "steps": 4,  # one function per rule: numerics composed, claims measured
    "publish": 5,  # README and docs pages, figure table, bundles
    "pipeline": 6,  # the step adapter and configuration: the workflow's side
}


def arrows(source: str, part: str) -> set[str]:
    """The parts of deepinside that one module's source imports (other than its own part)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            pieces = name.split(".")
            if pieces[0] == "deepinside" and len(pieces) > 1 and pieces[1] in FLOORS:
                found.add(pieces[1])
    return found - {part}


def back_arrows(package: Path) -> list[str]:
    """``module -> part`` for every import of a part on the same or a higher floor."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if len(relative.parts) < 2:
            continue  # deepinside/__init__.py
        part = relative.parts[0]
        for target in sorted(arrows(path.read_text(), part)):
            if FLOORS[target] >= FLOORS[part]:
                found.append(f"{relative} -> {target}")
    return found


def test_every_part_of_the_package_has_a_floor():
    parts = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert parts == set(FLOORS)


def test_the_package_imports_only_downward():
    assert back_arrows(PACKAGE) == []


@pytest.mark.parametrize(
    ("part", "source", "target"),
    [
        ("core", "from deepinside.claims.tables import caption\n", "claims"),
        ("models", "def f():\n    from deepinside.pipeline import step\n", "pipeline"),
        ("plots", "import deepinside.steps.saxe2019\n", "steps"),
        ("claims", "from deepinside import plots\n", "plots"),
    ],
)
def test_a_back_arrow_is_found(tmp_path, part, source, target):
    (tmp_path / part).mkdir()
    (tmp_path / part / "module.py").write_text(source)
    assert back_arrows(tmp_path) == [f"{part}/module.py -> {target}"]
