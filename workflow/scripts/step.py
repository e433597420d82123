"""Adapter for every rule: run the function named in params.step (see deepinside.workflow_step)."""
from deepinside.workflow_step import run_step

run_step(snakemake)  # noqa: F821 - injected by Snakemake's script directive
