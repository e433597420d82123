"""Adapter for every rule: run the function named in params.step (see deepinside.pipeline.step)."""

import sys
from pathlib import Path

# The package in this checkout's src/, whatever `deepinside` the job's environment has
# installed (a venv shared by several clones): params.step carries the fingerprint of
# exactly this code (deepinside.core.code_version hashes the files next to it).
SOURCE = Path(snakemake.scriptdir).resolve().parents[1] / "src"  # noqa: F821 - workflow/scripts -> checkout
sys.path.insert(0, str(SOURCE))

import deepinside  # noqa: E402

if Path(deepinside.__file__).resolve().parent != SOURCE / "deepinside":
    # the job's log (where every other refusal goes) and one line on the console
    job = snakemake  # noqa: F821
    message = f"this job imported deepinside from {deepinside.__file__}, not from the checkout's {SOURCE}"
    if len(job.log):
        Path(job.log[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(job.log[0]).write_text(f"ImportError: {message}\n")
    where = f"; log in {job.log[0]}" if len(job.log) else ""
    print(f"[deepinside] {job.rule} failed: ImportError: {message}{where}", file=sys.stderr, flush=True)
    raise SystemExit(1)

from deepinside.pipeline.step import run_step  # noqa: E402

run_step(snakemake)  # noqa: F821 - injected by Snakemake's script directive
