"""Start-up cost of one workflow job, measured side by side in one run.

A job is a fresh Python process running workflow/scripts/step.py: Python starts, the
adapter imports the package, the step's module imports numpy/pandas (and torch for the
training, Jacobian and sampling steps, matplotlib/seaborn for figures; building a
torch optimiser, or calling torch.func.jacfwd, imports torch._dynamo too). Printed: the
median of ``--repeats`` cold starts of each, and the ratio to a bare interpreter.

    python bench/job_overhead.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

IMPORTS = {
    "bare python": "pass",
    "adapter (deepinside.pipeline.step)": "import deepinside.pipeline.step",
    "a table step (+ numpy, pandas)": "import deepinside.steps.gather",
    "a figure step (+ matplotlib, seaborn)": "import deepinside.plots.saxe2019",
    "a torch step (+ torch)": "import deepinside.steps.okatani2013",
    # torch.optim's optimisers and torch.func.jacfwd import torch._dynamo when first used
    "a torch step with an optimiser": "import deepinside.steps.okatani2013, torch; "
    "torch.optim.Adam([torch.zeros(1, requires_grad=True)])",
}


def cold_start(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    base = None
    print(f"{'what a job imports':40s} {'median s':>9s} {'× bare':>7s}")
    for label, code in IMPORTS.items():
        cold_start(code)  # warm the file cache
        median = statistics.median(cold_start(code) for _ in range(args.repeats))
        base = base or median
        print(f"{label:40s} {median:9.2f} {median / base:7.1f}")


if __name__ == "__main__":
    main()
