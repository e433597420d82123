"""Deep belief networks: greedy stacks of RBMs (Hinton, Osindero & Teh 2006).

A DBN of L layers is a stack of RBMs, each trained on the hidden activities of the one
below (Okatani & Saito 2013, "Deep Belief Network"). Its top two layers form an
undirected RBM; the layers below are directed, generating downward with
p(h^{l−1} = 1 | h^l) = σ(b^l + W^l h^l). Inference upward uses the approximate
posterior q(h^l = 1 | h^{l−1}) = σ(c^l + h^{l−1} W^l).
"""

from __future__ import annotations

import torch

from deepinside.models import binary_sampling
from deepinside.models.rbm import gibbs_chain, hidden_probabilities, visible_probabilities


def propagate_up(x: torch.Tensor, rbms: list[dict]) -> torch.Tensor:
    """Mean-field activities q(h | x) at the top of a stack of RBMs (the input if empty)."""
    for params in rbms:
        x = hidden_probabilities(x, params)
    return x


def sample(rbms: list[dict], start: torch.Tensor, gibbs_steps: int, generator: torch.Generator) -> torch.Tensor:
    """Draw visible samples from a DBN by ancestral sampling.

    ``start`` holds initial states of the top RBM's visible layer (one row per sample).
    The top RBM is run for ``gibbs_steps`` block-Gibbs steps; its visible state is then
    passed down the directed layers, sampling binary states at every intermediate layer.
    The returned visible layer is given as probabilities p(v = 1 | h¹) (the usual way to
    show samples of a binary model as grey-level images).
    """
    if not rbms:
        raise ValueError("a DBN needs at least one RBM")
    state = gibbs_chain(start, rbms[-1], gibbs_steps, generator, sample_visible=True)
    if len(rbms) == 1:
        return visible_probabilities(binary_sampling.sample(hidden_probabilities(state, rbms[0]), generator), rbms[0])
    for params in reversed(rbms[1:-1]):
        state = binary_sampling.sample(visible_probabilities(state, params), generator)
    return visible_probabilities(state, rbms[0])
