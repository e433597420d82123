"""Adapter for every rule: run the function named in params.step (see deepinside.workflow_step)."""
import sys
from pathlib import Path

# the package in src/, whether or not it is installed in the job's environment
sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))  # noqa: F821

from deepinside.workflow_step import run_step  # noqa: E402

run_step(snakemake)  # noqa: F821 - injected by Snakemake's script directive
