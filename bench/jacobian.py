"""Jacobian spectra of the 784-1000-1000-1000-10 sigmoid net: closed form, batched torch.func and an autograd loop.

All three compute, for the same N input images, the Jacobians of the input → h1, h2, h3
and → output maps (3,010 × 784 numbers per image) and their singular values:

* closed form: J(t) = diag(σ′) W(t) J(t−1), one batched matmul per layer
  (``deepinside.measures.jacobian.input_jacobians``, what the pipeline does), then one batched
  ``svdvals`` per layer;
* batched autodiff: ``vmap(jacfwd(...))`` over the images, one call for all layers
  (what the pipeline did before), then the same ``svdvals``;
* loop: per image, one forward pass, then one ``torch.autograd.grad`` per output unit
  (3,010 backward passes per image), then ``svdvals`` per image and layer.

The results are checked to agree, then the times and their ratios are printed.

    python bench/jacobian.py [--images 20] [--threads 2] [--dtype float32]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.func import jacfwd, vmap

from deepinside.measures import jacobian


def network(dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    sizes = [784, 1000, 1000, 1000, 10]
    return [
        (torch.randn(b, a, generator=g, dtype=dtype) / a**0.5 * 4, torch.zeros(b, dtype=dtype))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def outputs(layers, x):
    out = []
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = torch.sigmoid(x)
        out.append(x)
    return tuple(out)


def closed_form_jacobians(layers, x):
    hidden = jacobian.input_jacobians(layers[:-1], x)
    return hidden + [torch.matmul(layers[-1][0], hidden[-1])]  # the linear output layer: W J(3)


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
    batched_svd(closed_form_jacobians(layers, x[:2]))
    closed_j, t_closed_j = timed(closed_form_jacobians, layers, x)
    closed, t_closed_s = timed(batched_svd, closed_j)
    fast_j, t_fast_j = timed(batched_jacobians, layers, x)
    fast, t_fast_s = timed(batched_svd, fast_j)
    slow_j, t_slow_j = timed(loop_jacobians, layers, x)
    slow, t_slow_s = timed(loop_svd, slow_j)
    top = max(float(((a[:, :10] - b[:, :10]).abs() / b[:, :10]).max()) for a, b in zip(fast, slow))
    top_closed = max(float(((a[:, :10] - b[:, :10]).abs() / b[:, :10]).max()) for a, b in zip(closed, fast))
    t_closed, t_fast, t_slow = t_closed_j + t_closed_s, t_fast_j + t_fast_s, t_slow_j + t_slow_s
    print(
        f"Jacobian spectra of 784-1000-1000-1000-10 (sigmoid), {args.images} images, {args.dtype}, {args.threads} threads"
    )
    print(f"{'':34} {'Jacobians':>10} {'SVDs':>8} {'total':>8}")
    print(f"  closed form + svdvals            {t_closed_j:9.2f}s {t_closed_s:7.2f}s {t_closed:7.2f}s")
    print(f"  batched vmap(jacfwd) + svdvals   {t_fast_j:9.2f}s {t_fast_s:7.2f}s {t_fast:7.2f}s")
    print(f"  per-image, per-output autograd   {t_slow_j:9.2f}s {t_slow_s:7.2f}s {t_slow:7.2f}s")
    print(
        f"  ratio jacfwd / closed form       {t_fast_j / t_closed_j:9.1f}x {t_fast_s / t_closed_s:7.1f}x {t_fast / t_closed:7.1f}x"
    )
    print(
        f"  ratio loop / closed form         {t_slow_j / t_closed_j:9.1f}x {t_slow_s / t_closed_s:7.1f}x {t_slow / t_closed:7.1f}x"
    )
    print(
        f"  agreement: top-10 singular values, jacfwd vs loop within {top:.1e}, closed form vs jacfwd within {top_closed:.1e} (relative)"
    )


if __name__ == "__main__":
    main()
