"""All GAMP runs of one instance at once, against one run at a time: per-iteration time and agreement.

One P1 instance at the paper preset's settings (κ = 0.25, α = 0.25, the β grid of config.yaml's
paper preset, both starts): ``margin_gamp.run_batch`` iterates all runs together (two products
per piece of the nested unlabelled pool, each piece small enough to stay in the cache between
them), the same with each block of the pool whole (as it did before the pieces), and
``margin_gamp.iterate`` one run at a time as the pipeline did before batching. All run
``--iterations`` pre-training iterations from the same starts; printed per N: seconds per
iteration of each, their ratios (measured side by side in this run), and the largest |ΔR|
between the batched and the one-at-a-time runs.

    python bench/gamp_batch.py [--sizes 1000 2000] [--iterations 30] [--repeats 3] [--threads 1] [--device cpu]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from deepinside.data import gap_data
from deepinside.pipeline.presets import expanded
from deepinside.theory import margin_gamp
from deepinside.theory.grids import log_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
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

        def batched_run(**pieces):
            started = time.perf_counter()
            out = margin_gamp.run_batch(
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
                **pieces,
            )
            return out, (time.perf_counter() - started) / args.iterations

        def single_run():
            started = time.perf_counter()
            last = []
            for r, n in enumerate(n_u):
                start = starts[:, r]
                state = margin_gamp.State(start.copy(), max(1.0 - float(start @ start) / size, 1e-3))
                state, _, _ = margin_gamp.iterate(state, pool[:n], kappa, None, n, args.iterations, 0.5, 0.0)
                last.append(float(state.m @ teacher / size))
            return np.array(last), (time.perf_counter() - started) / args.iterations

        # interleaved rounds, medians: a change of load during the run hits the three alike
        times = {"batched": [], "whole": [], "single": []}
        for _ in range(args.repeats):
            batched, seconds = batched_run()
            times["batched"].append(seconds)
            whole, seconds = batched_run(chunk_bytes=pool.nbytes)
            times["whole"].append(seconds)
            one_at_a_time, seconds = single_run()
            times["single"].append(seconds)
        batched_time, whole_time, single_time = (statistics.median(times[k]) for k in ("batched", "whole", "single"))
        difference = max(float(np.abs(out["R_last"] - one_at_a_time).max()) for out in (batched, whole))
        print(
            f"N = {size}: per iteration, all runs (median of {args.repeats} interleaved rounds): batched "
            f"{batched_time:.3f} s (blocks whole {whole_time:.3f} s, {whole_time / batched_time:.2f}x), one at a time "
            f"{single_time:.3f} s, {single_time / batched_time:.2f}x; max |ΔR| after {args.iterations} iterations "
            f"{difference:.1e}"
        )


if __name__ == "__main__":
    main()
