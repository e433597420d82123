"""Jacobian spectra of the 784-1000-1000-1000-10 sigmoid net: batched torch.func vs an autograd loop.

Both compute, for the same N input images, the Jacobians of the input → h1, h2, h3 and
→ output maps (3,010 × 784 numbers per image) and their singular values:

* batched: ``vmap(jacfwd(...))`` over the images, one call for all layers, then one
  batched ``svdvals`` per layer (what deepinside.jacobian does);
* loop: per image, one forward pass, then one ``torch.autograd.grad`` per output unit
  (3,010 backward passes per image), then ``svdvals`` per image and layer.

The two results are checked to agree, then the times and their ratio are printed.

    python bench/jacobian.py [--images 20] [--threads 2] [--dtype float32]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.func import jacfwd, vmap


def network(dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    sizes = [784, 1000, 1000, 1000, 10]
    return [(torch.randn(b, a, generator=g, dtype=dtype) / a**0.5 * 4, torch.zeros(b, dtype=dtype)) for a, b in zip(sizes[:-1], sizes[1:])]


def outputs(layers, x):
    out = []
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = torch.sigmoid(x)
        out.append(x)
    return tuple(out)


def batched_jacobians(layers, x):
    return list(vmap(jacfwd(lambda v: outputs(layers, v)))(x))


def loop_jacobians(layers, x):
    per_layer = [[] for _ in layers]
    for image in x:
        v = image.clone().requires_grad_(True)
        for t, out in enumerate(outputs(layers, v)):
            rows = [torch.autograd.grad(out[j], v, retain_graph=True)[0] for j in range(out.numel())]
            per_layer[t].append(torch.stack(rows))
    return [torch.stack(j) for j in per_layer]


def batched_svd(jacobians):
    return [torch.linalg.svdvals(j) for j in jacobians]


def loop_svd(jacobians):
    return [torch.stack([torch.linalg.svdvals(one) for one in j]) for j in jacobians]


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    layers = network(dtype)
    x = torch.rand(args.images, 784, generator=torch.Generator().manual_seed(1), dtype=dtype)
    batched_svd(batched_jacobians(layers, x[:2]))  # warm-up
    fast_j, t_fast_j = timed(batched_jacobians, layers, x)
    fast, t_fast_s = timed(batched_svd, fast_j)
    slow_j, t_slow_j = timed(loop_jacobians, layers, x)
    slow, t_slow_s = timed(loop_svd, slow_j)
    top = max(float(((a[:, :10] - b[:, :10]).abs() / b[:, :10]).max()) for a, b in zip(fast, slow))
    t_fast, t_slow = t_fast_j + t_fast_s, t_slow_j + t_slow_s
    print(f"Jacobian spectra of 784-1000-1000-1000-10 (sigmoid), {args.images} images, {args.dtype}, {args.threads} threads")
    print(f"{'':34} {'Jacobians':>10} {'SVDs':>8} {'total':>8}")
    print(f"  batched vmap(jacfwd) + svdvals   {t_fast_j:9.2f}s {t_fast_s:7.2f}s {t_fast:7.2f}s")
    print(f"  per-image, per-output autograd   {t_slow_j:9.2f}s {t_slow_s:7.2f}s {t_slow:7.2f}s")
    print(f"  ratio loop / batched             {t_slow_j / t_fast_j:9.1f}x {t_slow_s / t_fast_s:7.1f}x {t_slow / t_fast:7.1f}x")
    print(f"  agreement: top-10 singular values within {top:.1e} (relative)")

if __name__ == "__main__":
    main()
