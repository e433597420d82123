"""What made an output: preset, seeds, git commit, code fingerprint, device, package versions.

Every claims table and every figure carries these fields (table columns; PNG text
chunks and a footer line under the figure), so that a user holding one can tell what
produced it. They are read when the step runs, not when the workflow is parsed: the
commit is the one checked out when the output was made, and "dirty" says the code that
made it (``src``, ``workflow``, ``Snakefile``, ``config.yaml``) differed from it.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping

# The fields each run records (one value per seed's run; joined over the seeds in a table).
PER_RUN = ("commit", "code", "device", "torch", "numpy")
# ``config``: the hash of the run's effective config, one value per run (not joined per seed)
FIELDS = ("preset", "seeds", "config", *PER_RUN)

# The files whose edits change what the workflow computes (a figure or table edited in
# place does not make its own provenance dirty).
CODE_PATHS = ("src", "workflow", "Snakefile", "config.yaml", "pyproject.toml")


def git_commit(root: str | Path = ".") -> str:
    """``<12 hex digits>``, with `` (dirty)`` when the code under ``root`` has uncommitted edits;
    ``unknown`` outside a git checkout or without git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} (dirty)" if changes else head


def device_used() -> str:
    """Where this process computed: torch's device if torch was loaded, else the CPU."""
    torch = sys.modules.get("torch")
    if torch is None:
        return "cpu (step does not use torch)"
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        return f"cuda ({torch.cuda.get_device_name(torch.cuda.current_device())})"
    return "cpu"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def code_fingerprint(step: str) -> str:
    """The fingerprint part of a versioned step name ``module:function@<hash>``."""
    return step.partition("@")[2] or "unversioned"


def format_seeds(seeds: Iterable[int | str]) -> str:
    """``0 1 2``; a seeds description already in words (a figure's) is kept as it is."""
    return " ".join(str(seed) for seed in seeds)


def record(
    step: str, preset: str = "", seeds: Iterable[int] = (), root: str | Path = ".", config: str = ""
) -> dict[str, str]:
    """All fields of :data:`FIELDS` for one step's outputs (``config``: the hash of the run's
    effective config, :func:`deepinside.pipeline.presets.digest`)."""
    return {
        "preset": preset or "unknown",
        "seeds": format_seeds(seeds) or "unknown",
        "config": config or "unknown",
        "commit": git_commit(root),
        "code": code_fingerprint(step),
        "device": device_used(),
        "torch": package_version("torch"),
        "numpy": package_version("numpy"),
    }


def footer(fields: Mapping[str, str]) -> str:
    """One line for under a figure."""
    return (
        f"Made by deepinside: preset {fields['preset']}, seeds {fields['seeds']}, config {fields.get('config', '?')}, "
        f"commit {fields['commit']}, "
        f"code {fields['code']}, {fields['device']}, torch {fields['torch']}, numpy {fields['numpy']}."
    )


def png_metadata(fields: Mapping[str, str]) -> dict[str, str]:
    """PNG text chunks (keywords ``deepinside:<field>``)."""
    return {f"deepinside:{key}": str(fields[key]) for key in FIELDS}


def read_png_metadata(path: str | Path) -> dict[str, str]:
    """The ``deepinside:`` text chunks of a PNG written with :func:`png_metadata`."""
    from PIL import Image

    with Image.open(path) as image:
        text = dict(getattr(image, "text", {}) or image.info)
    return {key.partition(":")[2]: value for key, value in text.items() if key.startswith("deepinside:")}
