"""Jacobians of layer maps, their singular values and vectors (Mototake & Ikegami 2015).

The talk treats a network as a dynamical system over layers, h(t+1) = f(W(t) h(t) + B(t)),
and studies, for each input image, the Jacobian of the map from the input to layer t
(and from layer t to t+1): directions with singular value > 1 are expanded ("information
is amplified"), those with singular value < 1 compressed.

Two ways to get at the spectrum:

* **dense** — the full Jacobian of every input → layer map, for a batch of images at once,
  in closed form: for logistic layers h(t) = σ(W(t) h(t−1) + B(t)) the chain rule gives
  J(t) = diag(h(t) ⊙ (1 − h(t))) W(t) J(t−1), J(0) = I, one batched matmul per layer
  (the map h(t−1) → h(t) is the factor diag(h(t) ⊙ (1 − h(t))) W(t) itself). Then
  ``torch.linalg.svd`` (or ``svdvals`` where no vectors are needed). Forward-mode
  autodiff (``vmap(jacfwd(...))``) gives the same matrices to rounding (the tests check
  it) but pushes the identity through the first layer and every layer map, 2–3× the
  time (``python bench/jacobian.py``).
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
from torch.func import jvp, vjp, vmap

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
    out, jac = [], None
    for (weight, _), h in zip(layers, hidden_states(layers, x)):
        # J(t) = diag(σ′) W(t) J(t−1); at t = 1, J(0) = I and W(1) J(0) is W(1) itself
        local = weight.expand(len(x), *weight.shape) if jac is None else torch.matmul(weight, jac)
        jac = (h * (1 - h))[:, :, None] * local
        out.append(jac)
    return out


def layer_jacobians(layers: Layers, x: torch.Tensor) -> list[torch.Tensor]:
    """∂h(t+1)/∂h(t) = diag(h(t+1) ⊙ (1 − h(t+1))) W(t+1) at the states reached from each row of ``x``, t = 1 … L−1.

    Returns a list of (N, d_{t+1}, d_t) tensors (the first map, input → h(1), is the
    first entry of :func:`input_jacobians`).
    """
    states = hidden_states(layers, x)
    return [(h * (1 - h))[:, :, None] * weight for (weight, _), h in zip(layers[1:], states[1:])]


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
