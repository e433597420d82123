"""All GAMP runs of one instance at once, against one run at a time: per-iteration time and agreement.

One P1 instance at the paper preset's settings (κ = 0.25, α = 0.25, the β grid of config.yaml's
paper preset, both starts): ``margin_gamp.run_batch`` iterates all runs together (two products
per block of the nested unlabelled pool), ``margin_gamp.iterate`` one run at a time as the
pipeline did. Both run ``--iterations`` pre-training iterations from the same starts; printed per
N: seconds per iteration of each, their ratio (measured side by side in this run), and the
largest |ΔR| between them.

    python bench/gamp_batch.py [--sizes 1000 2000] [--iterations 30] [--threads 1] [--device cpu]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from deepinside.data import gap_data
from deepinside.pipeline.grids import log_grid
from deepinside.pipeline.presets import expanded
from deepinside.theory import margin_gamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())
    gamp = expanded(config["presets"])["paper"]["ohzeki2015"]["gamp"]
    betas = log_grid(gamp["beta_grid"])
    kappa, alpha = 0.25, 0.25
    print(
        f"κ = {kappa}, α = {alpha}, {len(betas)} β × 2 starts = {2 * len(betas)} runs, {args.iterations} iterations, "
        f"{args.threads} thread(s), {args.device}"
    )
    for size in args.sizes:
        rng = np.random.default_rng(0)
        teacher = gap_data.teacher(size, rng)
        pool = gap_data.inputs(int(round(max(betas) * size)), teacher, kappa, rng)
        n_u = [int(round(b * size)) for b in betas] * 2
        starts = np.stack([1e-3 * rng.standard_normal(size) for _ in n_u], axis=1)
        starts[:, len(betas) :] = 0.95 * teacher[:, None] + np.sqrt(0.95 * 0.05) * rng.standard_normal(
            (size, len(betas))
        )
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64, device=args.device)
        started = time.perf_counter()
        batched = margin_gamp.run_batch(
            as_tensor(pool),
            as_tensor(np.zeros((0, size))),
            as_tensor(np.zeros(0)),
            kappa,
            n_u,
            [0] * len(n_u),
            as_tensor(starts),
            as_tensor(teacher),
            iterations=args.iterations,
            window=args.iterations + 1,
        )
        batched_time = (time.perf_counter() - started) / args.iterations
        started = time.perf_counter()
        one_at_a_time = []
        for r, n in enumerate(n_u):
            start = starts[:, r]
            state = margin_gamp.State(start.copy(), max(1.0 - float(start @ start) / size, 1e-3))
            state, _, _ = margin_gamp.iterate(state, pool[:n], kappa, None, n, args.iterations, 0.5, 0.0)
            one_at_a_time.append(float(state.m @ teacher / size))
        single_time = (time.perf_counter() - started) / args.iterations
        difference = float(np.abs(batched["R_last"] - np.array(one_at_a_time)).max())
        print(
            f"N = {size}: per iteration, all runs: batched {batched_time:.3f} s, one at a time {single_time:.3f} s, "
            f"{single_time / batched_time:.2f}x; max |ΔR| after {args.iterations} iterations {difference:.1e}"
        )


if __name__ == "__main__":
    main()
