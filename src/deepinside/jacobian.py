"""Jacobians of layer maps, their singular values and vectors (Mototake & Ikegami 2015).

The talk treats a network as a dynamical system over layers, h(t+1) = f(W(t) h(t) + B(t)),
and studies, for each input image, the Jacobian of the map from the input to layer t
(and from layer t to t+1): directions with singular value > 1 are expanded ("information
is amplified"), those with singular value < 1 compressed.

Two ways to get at the spectrum:

* **dense** — the full Jacobian of every input → layer map, for a batch of images at once,
  by forward-mode autodiff (``torch.func.vmap(torch.func.jacfwd(...))``; forward mode
  wins because the 784 inputs are fewer than the 3,000 hidden outputs), then
  ``torch.linalg.svd``.
* **matrix-free** — for maps too large to materialise (AlexNet: 150,528 inputs), the top-k
  singular values and right singular vectors by a randomised range finder with power
  iterations (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1), using only Jacobian-vector
  products (``torch.func.jvp``) and vector-Jacobian products (``torch.func.vjp``), batched
  over vectors with ``vmap``.

A sigmoid network is given functionally as a list of ``(weight, bias)`` pairs
(weight: out × in), every layer logistic.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch.func import jacfwd, jvp, vjp, vmap

Layers = Sequence[tuple[torch.Tensor, torch.Tensor]]


def hidden_states(layers: Layers, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(h(1), …, h(L)) of a logistic network for one input or a batch."""
    out = []
    for weight, bias in layers:
        x = torch.sigmoid(x @ weight.T + bias)
        out.append(x)
    return tuple(out)


def input_jacobians(layers: Layers, x: torch.Tensor) -> list[torch.Tensor]:
    """∂h(t)/∂x for every layer t and every row of ``x``: a list of (N, d_t, d_in) tensors."""
    per_image = jacfwd(lambda v: hidden_states(layers, v))
    return list(vmap(per_image)(x))


def layer_jacobians(layers: Layers, x: torch.Tensor) -> list[torch.Tensor]:
    """∂h(t+1)/∂h(t) at the states reached from each row of ``x``, t = 1 … L−1.

    Returns a list of (N, d_{t+1}, d_t) tensors (the first map, input → h(1), is the
    first entry of :func:`input_jacobians`).
    """
    states = hidden_states(layers, x)
    out = []
    for (weight, bias), h in zip(layers[1:], states[:-1]):
        single = jacfwd(lambda v, w=weight, b=bias: torch.sigmoid(v @ w.T + b))
        out.append(vmap(single)(h))
    return out


def singular_decomposition(jacobians: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Singular values (N, r, descending) and right singular vectors (N, r, d_in) of a batch."""
    _, s, vh = torch.linalg.svd(jacobians, full_matrices=False)
    return s, vh


def randomized_top_singular(
    f: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    k: int,
    oversample: int = 8,
    power_iterations: int = 2,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k singular values and right singular vectors of J = ∂f/∂x at ``x``, matrix-free.

    f maps a tensor of any shape to a tensor of any shape; the Jacobian is read as a
    (f's size) × (x's size) matrix. Returns (k,) singular values and (k, x.numel())
    right singular vectors. Cost: (2q + 2)(k + p) Jacobian products, never the full J.
    """
    m = k + oversample
    _, pullback = vjp(f, x)
    push = vmap(lambda v: jvp(f, (x,), (v,))[1])
    pull = vmap(lambda u: pullback(u)[0])
    omega = torch.randn((m, *x.shape), generator=generator, device=x.device, dtype=x.dtype)
    y = push(omega).reshape(m, -1).T  # J Ω : out × m
    q, _ = torch.linalg.qr(y)
    for _ in range(power_iterations):
        z = pull(q.T.reshape(m, *f(x).shape)).reshape(m, -1).T  # Jᵀ Q : in × m
        z, _ = torch.linalg.qr(z)
        y = push(z.T.reshape(m, *x.shape)).reshape(m, -1).T  # J Z
        q, _ = torch.linalg.qr(y)
    b_t = pull(q.T.reshape(m, *f(x).shape)).reshape(m, -1)  # (Qᵀ J) : m × in
    _, s, vh = torch.linalg.svd(b_t, full_matrices=False)
    return s[:k], vh[:k]
