"""One joint-training mini-batch of the quick preset's DBMs: its sampler, and its floor.

A mini-batch of Salakhutdinov & Hinton's (2009) DBM training is a mean-field posterior
for 100 digits (10 sweeps), 5 block-Gibbs sweeps of 100 persistent chains and the
statistics of both. This prints, side by side in one run (interleaved repeats, median),
the milliseconds per mini-batch

* with the binary units sampled by ``torch.bernoulli`` (the code before),
* with :func:`deepinside.models.binary_sampling.sample` (the code now: the same states),
* and the batch's matrix products alone, in the same shapes and order (the floor: the
  sigmoids, samples and statistics' sums cost nothing there),

for the 784-500-1000 and 784-500-500-1000 DBMs, and checks that the two samplers give
the same parameters' update bit for bit.

    python bench/dbm_batch.py [--threads 1] [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from deepinside.models import binary_sampling, dbm

ARCHITECTURES = ([784, 500, 1000], [784, 500, 500, 1000])
BATCH, PARTICLES, GIBBS_STEPS, SWEEPS = 100, 100, 5, 10


def with_sampler(sampler):
    """A mini-batch's update direction, the binary units drawn by ``sampler``."""

    def batch(v, params, fantasy, generator):
        binary_sampling.sample, saved = sampler, binary_sampling.sample
        try:
            mus, _ = dbm.mean_field(v, params, SWEEPS, tolerance=-1.0)  # every sweep, as in training
            for _ in range(GIBBS_STEPS):
                fantasy = dbm.gibbs_sweep(fantasy, params, generator)
            return dbm.gradient(dbm.statistics([v] + mus), dbm.statistics(fantasy)), fantasy
        finally:
            binary_sampling.sample = saved

    return batch


def products_only(v, params, fantasy, generator):
    """The matrix products of the same mini-batch, nothing else."""
    top = dbm.depth(params)
    weights = [params[f"W{l}"] for l in range(1, top + 1)]
    below = v
    for w in weights:  # recognition pass
        below = below @ w
    mus = [torch.rand(BATCH, w.shape[1]) for w in weights]  # values of a posterior's range, not uninitialised memory
    _ = v @ weights[0]  # the clamped input, once
    for _ in range(SWEEPS):
        for l in range(1, top + 1):
            if l > 1:
                _ = mus[l - 2] @ weights[l - 1]
            if l < top:
                _ = mus[l] @ weights[l].T
    for _ in range(GIBBS_STEPS):
        for layer in list(range(1, top + 1, 2)) + list(range(0, top + 1, 2)):
            if layer > 0:
                _ = fantasy[layer - 1] @ weights[layer - 1]
            if layer < top:
                _ = fantasy[layer + 1] @ weights[layer].T
    for states in ([v] + mus, fantasy):  # statistics
        for l in range(1, top + 1):
            _ = states[l - 1].T @ states[l]
    return None, fantasy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    original = binary_sampling.sample
    ways = {
        "torch.bernoulli": with_sampler(lambda p, g: torch.bernoulli(p, generator=g)),
        "binary_sampling.sample": with_sampler(original),
        "matrix products alone": products_only,
    }
    print(
        f"one DBM mini-batch ({BATCH} digits, {SWEEPS} mean-field sweeps, {GIBBS_STEPS} Gibbs sweeps of {PARTICLES} chains), "
        f"float32, {args.threads} thread(s), median of {args.repeats} interleaved repeats"
    )
    for sizes in ARCHITECTURES:
        g = torch.Generator().manual_seed(0)
        params = {f"W{l}": 0.01 * torch.randn(sizes[l - 1], sizes[l], generator=g) for l in range(1, len(sizes))}
        params.update({f"b{l}": torch.zeros(n) for l, n in enumerate(sizes)})
        v = (torch.rand(BATCH, sizes[0], generator=g) < 0.2).float()
        fantasy = dbm.random_states(params, PARTICLES, g)
        updates = {}
        for name in ("torch.bernoulli", "binary_sampling.sample"):
            updates[name], _ = ways[name](v, params, fantasy, torch.Generator().manual_seed(1))
        same = all(
            torch.equal(updates["torch.bernoulli"][k], updates["binary_sampling.sample"][k])
            for k in updates["torch.bernoulli"]
        )
        times = {name: [] for name in ways}
        for _ in range(args.repeats):
            for name, way in ways.items():
                started = time.perf_counter()
                way(v, params, fantasy, torch.Generator().manual_seed(1))
                times[name].append(1000 * (time.perf_counter() - started))
        median = {name: statistics.median(t) for name, t in times.items()}
        floor = median["matrix products alone"]
        print(f"  {'-'.join(map(str, sizes))} (updates bit-identical: {same})")
        for name, ms in median.items():
            print(f"    {name:24s} {ms:7.1f} ms   {ms / floor:5.2f}x the products")
        print(f"    sampler speed-up        {median['torch.bernoulli'] / median['binary_sampling.sample']:7.2f}x")


if __name__ == "__main__":
    main()
