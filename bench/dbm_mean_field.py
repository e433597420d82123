"""DBM mean field with the clamped visible layer's input computed once vs once per sweep.

In the mean-field posterior of a DBM (Salakhutdinov & Hinton 2009) the visible layer is
clamped, so the first hidden layer's input from below, b₁ + vᵀW₁, is the same in every
sweep. This prints, side by side in one run, the milliseconds per mini-batch (100 digits,
10 sweeps) of :func:`deepinside.models.dbm.mean_field` and of the same sweeps recomputing that
input each time, for the quick preset's two DBMs, and checks that both give the same
numbers bit for bit.

    python bench/dbm_mean_field.py [--threads 2] [--repeats 20]
"""

from __future__ import annotations

import argparse
import time

import torch

from deepinside.models import dbm

ARCHITECTURES = ([784, 500, 1000], [784, 500, 500, 1000])


def recomputed_each_sweep(v: torch.Tensor, params: dict, iterations: int) -> list[torch.Tensor]:
    """The same sweeps (no early stop), every layer's whole input formed anew each time."""
    states = [v] + dbm.recognition_pass(v, params)
    for _ in range(iterations):
        for layer in range(1, dbm.depth(params) + 1):
            states[layer] = dbm.layer_probabilities(states, params, layer)
    return states[1:]


def milliseconds(f, repeats: int) -> float:
    f()
    started = time.perf_counter()
    for _ in range(repeats):
        f()
    return 1000 * (time.perf_counter() - started) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    print(f"{'DBM':>18} {'per sweep ms':>13} {'once ms':>8} {'ratio':>6}  identical")
    for sizes in ARCHITECTURES:
        params = {
            f"W{l}": 0.05 * torch.randn(sizes[l - 1], sizes[l], generator=generator) for l in range(1, len(sizes))
        }
        params |= {f"b{l}": 0.1 * torch.randn(n, generator=generator) for l, n in enumerate(sizes)}
        v = torch.bernoulli(torch.full((100, sizes[0]), 0.2), generator=generator)
        cached = lambda: dbm.mean_field(v, params, iterations=10, tolerance=0.0)[0]
        plain = lambda: recomputed_each_sweep(v, params, 10)
        identical = all(torch.equal(a, b) for a, b in zip(cached(), plain()))
        t_plain, t_cached = milliseconds(plain, args.repeats), milliseconds(cached, args.repeats)
        name = "-".join(map(str, sizes))
        print(f"{name:>18} {t_plain:13.1f} {t_cached:8.1f} {t_plain / t_cached:5.2f}x  {identical}")


if __name__ == "__main__":
    main()
