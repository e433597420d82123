"""One joint update of the reference-protocol DBM and one AIS step, each against its matrix products.

Prints, side by side in one run (interleaved repeats, median), the milliseconds of

* one joint-training update of :func:`deepinside.models.dbm.joint_update` with the reference
  protocol (a mini-batch of 100 digits drawn from grey levels, 10 mean-field sweeps,
  5 Gibbs sweeps of 100 chains, model statistics from the chains' probabilities,
  sparsity penalty, momentum step), and the same update's matrix products alone;
* one AIS step of :func:`deepinside.measures.ais.log_partition` (100 runs: the log-weight
  increment in float64 and a Gibbs sweep at β on the odd layers), with the chains in float32
  as the pipeline runs them and in float64 as it did, and the float32 step's products alone
  (the even layers' inputs from the odd ones and the odd layers' from the even ones),

for the 784-500-1000 and 784-500-500-1000 DBMs, and what they imply for the paper's
schedules (300 epochs of 600 updates; 20,000 βs).

    python bench/dbm_reference_update.py [--threads 1] [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from dbm_batch import (  # bench/dbm_batch.py: the same shapes
    ARCHITECTURES,
    BATCH,
    GIBBS_STEPS,
    PARTICLES,
    SWEEPS,
    products_only,
)

from deepinside.measures import ais
from deepinside.models import dbm

RUNS = 100


def update(v, params, velocity, fantasy, running, generator):
    return dbm.joint_update(
        v,
        params,
        velocity,
        fantasy,
        running,
        generator,
        rate=1e-3,
        momentum=0.5,
        weight_cost=2e-4,
        targets=dbm.layer_targets([0.2, 0.1], dbm.depth(params)),
        sparsity_cost=1e-3,
        sparsity_damping=0.9,
        gibbs_steps=GIBBS_STEPS,
        mean_field_iterations=SWEEPS,
        sampled_inputs=True,
        negative_statistics="probabilities",
    )


def update_products(v, params):
    """The matrix products of one update: those of a mini-batch of the earlier protocol (recognition
    pass, mean-field sweeps, Gibbs sweeps, statistics: ``dbm_batch.products_only``), then every
    hidden layer's probabilities once more for the model statistics."""
    fantasy = [torch.rand(PARTICLES, n) for n in dbm.sizes(params)]
    products_only(v, params, fantasy, None)
    top = dbm.depth(params)
    for layer in range(1, top + 1):
        _ = fantasy[layer - 1] @ params[f"W{layer}"]
        if layer < top:
            _ = fantasy[layer + 1] @ params[f"W{layer + 1}"].T


def ais_step(params, chains, odd, base, generator):
    """As one step of ``ais.log_partition``: ``params`` float64 (the log weights), ``chains`` the
    parameters in the chains' precision, ``odd`` the chains' states."""
    totals = ais.even_totals(odd, chains)
    _ = ais.log_increment(odd, totals, params, 0.5, 0.4999, base)
    return ais._gibbs_at(totals, chains, 0.5, base.to(chains["W1"].dtype), generator)


def ais_products(params, odd):
    top = dbm.depth(params)
    sizes = dbm.sizes(params)
    dtype = params["W1"].dtype
    even = {l: torch.rand(RUNS, sizes[l], dtype=dtype) for l in range(0, top + 1, 2)}
    for states, layers in ((odd, range(0, top + 1, 2)), (even, range(1, top + 1, 2))):
        for layer in layers:
            if layer > 0:
                _ = states[layer - 1] @ params[f"W{layer}"]
            if layer < top:
                _ = states[layer + 1] @ params[f"W{layer + 1}"].T


def timed(function, repeats_times, key):
    started = time.perf_counter()
    function()
    repeats_times[key].append(1000 * (time.perf_counter() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{args.threads} thread(s), median of {args.repeats} interleaved repeats")
    for sizes in ARCHITECTURES:
        g = torch.Generator().manual_seed(0)
        params = {f"W{l}": 0.01 * torch.randn(sizes[l - 1], sizes[l], generator=g) for l in range(1, len(sizes))}
        params.update({f"b{l}": torch.zeros(n) for l, n in enumerate(sizes)})
        p64 = ais.as_layers(params)
        velocity = {k: torch.zeros_like(x) for k, x in params.items()}
        v = torch.rand(BATCH, sizes[0], generator=g)
        fantasy = dbm.random_states(params, PARTICLES, g)
        running = [torch.full((n,), 0.1) for n in sizes[1:]]
        p32 = {k: x.float() for k, x in p64.items()}
        odd = {l: (torch.rand(RUNS, sizes[l], generator=g) < 0.5).float() for l in range(1, len(sizes), 2)}
        odd64 = {l: x.double() for l, x in odd.items()}
        base = torch.zeros(sizes[0], dtype=torch.float64)
        times = {k: [] for k in ("update", "update products", "AIS step", "AIS step float64", "AIS products")}
        for _ in range(args.repeats):
            timed(lambda: update(v, params, velocity, fantasy, running, g), times, "update")
            timed(lambda: update_products(v, params), times, "update products")
            timed(lambda: ais_step(p64, p32, odd, base, g), times, "AIS step")
            timed(lambda: ais_step(p64, p64, odd64, base, g), times, "AIS step float64")
            timed(lambda: ais_products(p32, odd), times, "AIS products")
        m = {k: statistics.median(t) for k, t in times.items()}
        print(f"  {'-'.join(map(str, sizes))}")
        print(
            f"    joint update (reference protocol) {m['update']:7.1f} ms  = {m['update'] / m['update products']:.2f}x its products "
            f"({m['update products']:.1f} ms); 300 epochs x 600 updates: {m['update'] * 180000 / 3.6e6:.1f} h"
        )
        print(
            f"    AIS step ({RUNS} runs, float32 chains) {m['AIS step']:7.1f} ms  = {m['AIS step'] / m['AIS products']:.2f}x its products "
            f"({m['AIS products']:.1f} ms); 20,000 betas: {m['AIS step'] * 20000 / 1000:.0f} s"
        )
        print(
            f"    AIS step ({RUNS} runs, float64 chains) {m['AIS step float64']:7.1f} ms  = "
            f"{m['AIS step float64'] / m['AIS step']:.2f}x the float32 step"
        )


if __name__ == "__main__":
    main()
