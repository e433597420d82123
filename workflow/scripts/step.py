"""Adapter for every rule: run the function named in params.step (see deepinside.pipeline.step).

A failing job writes its traceback to its log and one line to the console (the rule, the
error, the log's path), so that the console is not a wall of tracebacks; a refused import
(the package found somewhere other than this checkout) fails the same way.
"""

import sys
import traceback
from pathlib import Path

# The package in this checkout's src/, whatever `deepinside` the job's environment has
# installed (a venv shared by several clones): params.step carries the fingerprint of
# exactly this code (deepinside.pipeline.code_version hashes the files next to it).
SOURCE = Path(snakemake.scriptdir).resolve().parents[1] / "src"  # noqa: F821 - workflow/scripts -> checkout
sys.path.insert(0, str(SOURCE))
LOG = snakemake.log[0] if len(snakemake.log) else None  # noqa: F821


def refused(error: BaseException) -> None:
    """A failure before the package's own handling: its traceback to the job's log, one line here."""
    if LOG:
        Path(LOG).parent.mkdir(parents=True, exist_ok=True)
        with open(LOG, "a") as handle:
            traceback.print_exc(file=handle)
    else:
        traceback.print_exc()
    where = f"; traceback in {LOG}" if LOG else ""
    print(f"[deepinside] {snakemake.rule} failed: {type(error).__name__}: {error}{where}", file=sys.stderr)  # noqa: F821
    sys.exit(1)


try:
    import deepinside

    if Path(deepinside.__file__).resolve().parent != SOURCE / "deepinside":
        raise ImportError(f"this job imported deepinside from {deepinside.__file__}, not from the checkout's {SOURCE}")
    from deepinside.pipeline.step import failure_line, run_step
except Exception as error:
    refused(error)

try:
    run_step(snakemake)  # noqa: F821 - injected by Snakemake's script directive; the log gets the traceback
except Exception as error:
    if not LOG:
        traceback.print_exc()
    print(failure_line(snakemake, error), file=sys.stderr, flush=True)  # noqa: F821
    sys.exit(1)
