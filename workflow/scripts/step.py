"""Adapter for every rule: run the function named in params.step (see deepinside.pipeline.step)."""

import sys
from pathlib import Path

# The package in this checkout's src/, whatever `deepinside` the job's environment has
# installed (a venv shared by several clones): params.step carries the fingerprint of
# exactly this code (deepinside.pipeline.code_version hashes the files next to it).
SOURCE = Path(snakemake.scriptdir).resolve().parents[1] / "src"  # noqa: F821 - workflow/scripts -> checkout
sys.path.insert(0, str(SOURCE))

import deepinside  # noqa: E402

if Path(deepinside.__file__).resolve().parent != SOURCE / "deepinside":
    raise ImportError(f"this job imported deepinside from {deepinside.__file__}, not from the checkout's {SOURCE}")

from deepinside.pipeline.step import run_step  # noqa: E402

run_step(snakemake)  # noqa: F821 - injected by Snakemake's script directive
