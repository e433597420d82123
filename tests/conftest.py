"""Shared fixtures: a copy of the workflow in a temporary directory and a snakemake runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY_CONFIG = REPO / "tests" / "config" / "tiny.yaml"
WORKFLOW_FILES = (
    "Snakefile",
    "config.yaml",
    "workflow",
    "profiles",
    "envs",
    "src",
)  # src: jobs import the clone's own package


def rbm_stack(sizes, seed=0, scale=0.1):
    """RBMs {W, b, c} with Gaussian entries of sd ``scale`` for layer sizes ``sizes`` (a DBN's stack)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    return [
        {
            "W": torch.randn(a, b, generator=g) * scale,
            "b": torch.randn(a, generator=g) * scale,
            "c": torch.randn(b, generator=g) * scale,
        }
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def snakemake_executable() -> str:
    return str(Path(sys.executable).with_name("snakemake"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A fresh copy of the workflow (not of results or figures) in a temporary directory."""
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    return tmp_path


def run_snakemake(
    workdir: Path, *args: str, timeout: float = 900, tiny: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` (with the tiny test preset unless ``tiny=False``).

    Targets after ``--`` stay targets: the tiny config file is put before them.
    """
    args = list(args)
    split = args.index("--") if "--" in args else len(args)
    command = [snakemake_executable(), *args[:split]]
    if tiny:
        command += ["--configfile", str(TINY_CONFIG)]
    command += args[split:]
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)


def dry_run_jobs(workdir: Path, *targets: str, tiny: bool = True, forceall: bool = True) -> dict[str, int]:
    """Job counts per rule of a dry run of ``targets`` (forced unless ``forceall=False``), from Job stats."""
    force = ["--forceall"] if forceall else []
    result = run_snakemake(workdir, "-n", *force, "--quiet", "rules", "--", *targets, tiny=tiny, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    jobs: dict[str, int] = {}
    lines = (result.stdout + result.stderr).splitlines()
    if any(line.startswith("Nothing to be done") for line in lines):
        return jobs
    start = next(i for i, line in enumerate(lines) if line.startswith("job ") and "count" in line)
    for line in lines[start + 2 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs


@pytest.fixture
def http_server(tmp_path: Path):
    """Serve a folder over HTTP on 127.0.0.1; yields (base_url, folder)."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()
