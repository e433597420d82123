"""Bernoulli–Bernoulli restricted Boltzmann machine, trained by CD-k or persistent CD.

Energy E(v, h) = −bᵀv − cᵀh − vᵀWh with v ∈ {0,1}^V, h ∈ {0,1}^H (Okatani & Saito 2013,
"Restricted Boltzmann Machine"; Hinton 2002). Conditionals are factorial:

    p(h_j = 1 | v) = σ(c_j + Σ_i v_i W_ij),   p(v_i = 1 | h) = σ(b_i + Σ_j W_ij h_j).

The log-likelihood gradient ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model is approximated by
contrastive divergence (CD-k, Hinton 2002): the model term comes from k steps of block
Gibbs sampling started at the data; persistent CD (PCD, Tieleman 2008) keeps the chains
running across parameter updates instead of restarting them at the data.

Training follows Hinton & Salakhutdinov 2006 (``rbm.m``): mini-batches, momentum that
switches from an initial to a final value, L2 weight cost on W, data given as
probabilities (grey levels), reconstructions as probabilities unless
``sample_visible`` is set. Initial values follow Hinton's practical guide (2010, §8):
W ~ N(0, 0.01²), hidden biases 0, visible biases b_i = log(p_i / (1 − p_i)) with p_i the
mean of visible unit i over the training data (clipped to [0.001, 0.999] so that pixels
that are never lit get a large negative bias instead of −∞).

The modified RBMs that pre-train a deep Boltzmann machine (Salakhutdinov & Hinton 2009,
§3.1) see their bottom-up or top-down input doubled: ``up_scale`` and ``down_scale``
multiply the total input vᵀW + c and Wh + b of the two conditionals (1 for an ordinary
RBM), as Salakhutdinov's reference code does (``2*vishid`` with ``2*hidbiases``), so that
each RBM models one half of a DBM layer's input, bias included. That code also draws
each mini-batch's inputs from their grey levels (``sampled_inputs``) and raises k with
the epoch for the upper RBMs (:func:`rising_k`, the rate divided by k).

Parameters are a dict ``{"W": (V, H), "b": (V,), "c": (H,)}`` of tensors.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from deepinside.core.checkpointing import EpochCheckpoint
from deepinside.core.device import describe
from deepinside.core.device import generator as make_generator
from deepinside.models import binary_sampling
from deepinside.models.training import TrainingRun


def hidden_probabilities(v: torch.Tensor, params: dict, scale: float = 1.0) -> torch.Tensor:
    """p(h = 1 | v) = σ(scale · (vᵀW + c)) for a batch of visible vectors."""
    total = torch.addmm(params["c"], v, params["W"])
    return torch.sigmoid(total if scale == 1.0 else scale * total)


def visible_probabilities(h: torch.Tensor, params: dict, scale: float = 1.0) -> torch.Tensor:
    """p(v = 1 | h) = σ(scale · (W h + b)) for a batch of hidden vectors."""
    total = torch.addmm(params["b"], h, params["W"].T)
    return torch.sigmoid(total if scale == 1.0 else scale * total)


def rising_k(k: int, epoch: int, rise_epochs: int) -> int:
    """CD steps in ``epoch`` (1, 2, …): ``k``, or with ``rise_epochs`` > 0 max(k, ⌈epoch / rise_epochs⌉)
    (Salakhutdinov's ``rbm_l2.m``: k = ⌈epoch / 20⌉ for the DBM's second RBM)."""
    return max(k, -(-epoch // rise_epochs)) if rise_epochs > 0 else k


def free_energy(v: torch.Tensor, params: dict) -> torch.Tensor:
    """F(v) = −bᵀv − Σ_j softplus(c_j + vᵀW_j), so that p(v) = e^{−F(v)}/Z."""
    return -(v @ params["b"]) - torch.nn.functional.softplus(v @ params["W"] + params["c"]).sum(-1)


def gibbs_chain(
    v: torch.Tensor,
    params: dict,
    steps: int,
    generator: torch.Generator,
    sample_visible: bool = True,
    first_hidden_probabilities: torch.Tensor | None = None,
    up_scale: float = 1.0,
    down_scale: float = 1.0,
) -> torch.Tensor:
    """Run ``steps`` block-Gibbs steps v → h → v; return the last visible state.

    Hidden states are always sampled; visible states are sampled if ``sample_visible``,
    else replaced by their probabilities (mean-field reconstruction). If p(h | v) of the
    starting state is already known it can be passed to save one matrix product.
    """
    for step in range(steps):
        p_h = first_hidden_probabilities if step == 0 and first_hidden_probabilities is not None else None
        h = binary_sampling.sample(hidden_probabilities(v, params, up_scale) if p_h is None else p_h, generator)
        p_v = visible_probabilities(h, params, down_scale)
        v = binary_sampling.sample(p_v, generator) if sample_visible else p_v
    return v


def contrastive_divergence(
    v_data: torch.Tensor,
    params: dict,
    k: int,
    generator: torch.Generator,
    chain: torch.Tensor | None = None,
    sample_visible: bool = False,
    up_scale: float = 1.0,
    down_scale: float = 1.0,
) -> tuple[dict, torch.Tensor]:
    """CD-k (``chain`` None) or PCD (``chain`` = persistent visible states) gradient estimate.

    Returns the ascent direction of the log-likelihood ``{"W", "b", "c"}`` (averaged over
    the batch and over the chains) and the chains' new visible states. ``up_scale`` and
    ``down_scale`` give the modified RBMs of DBM pre-training (see the module docstring).
    """
    if k < 1:
        raise ValueError(f"CD needs k >= 1 Gibbs steps, got {k}")
    p_h_data = hidden_probabilities(v_data, params, up_scale)
    if chain is None:  # CD: the chain starts at the data, whose p(h | v) is already computed
        v_model = gibbs_chain(v_data, params, k, generator, sample_visible, p_h_data, up_scale, down_scale)
    else:
        v_model = gibbs_chain(chain, params, k, generator, sample_visible, None, up_scale, down_scale)
    p_h_model = hidden_probabilities(v_model, params, up_scale)
    n_data, n_model = v_data.shape[0], v_model.shape[0]
    gradient = {
        "W": torch.addmm(v_data.T @ p_h_data, v_model.T, p_h_model, beta=1.0 / n_data, alpha=-1.0 / n_model),
        "b": v_data.mean(0) - v_model.mean(0),
        "c": p_h_data.mean(0) - p_h_model.mean(0),
    }
    return gradient, v_model


MONITOR_EXAMPLES = 1000


def reconstruction_error(v: torch.Tensor, params: dict, up_scale: float = 1.0, down_scale: float = 1.0) -> float:
    """Mean squared error ‖v − p(v | p(h | v))‖² per example of a mean-field up-down pass."""
    with torch.no_grad():
        reconstruction = visible_probabilities(hidden_probabilities(v, params, up_scale), params, down_scale)
        return float(((v - reconstruction) ** 2).sum(1).mean())


def momentum_step(
    params: dict, velocity: dict, ascent: dict, momentum: float, learning_rate: float, weight_cost: float
) -> None:
    """One update of Hinton & Salakhutdinov 2006, in place: for the weights (names starting with
    ``W``) the ascent direction loses weight cost·W; then Δθ ← momentum·Δθ + ε·ascent, θ ← θ + Δθ."""
    for name in params:
        if name.startswith("W"):
            ascent[name].add_(params[name], alpha=-weight_cost)
        velocity[name].mul_(momentum).add_(ascent[name], alpha=learning_rate)
        params[name].add_(velocity[name])


BIAS_CLIP = 1e-3


def visible_log_odds(data: torch.Tensor, clip: float = BIAS_CLIP) -> torch.Tensor:
    """log(p_i / (1 − p_i)) of the mean p_i of each visible unit, p clipped to [clip, 1 − clip]."""
    p = data.mean(0).clamp(clip, 1.0 - clip)
    return torch.log(p) - torch.log1p(-p)


def initial_parameters(data: torch.Tensor, n_hidden: int, init_scale: float, generator: torch.Generator) -> dict:
    """Hinton's guide (2010, §8): W ~ N(0, init_scale²), hidden biases 0, visible biases the
    log-odds of the training data's unit means (:func:`visible_log_odds`)."""
    n_visible = data.shape[1]
    w = torch.randn(n_visible, n_hidden, generator=generator, device=data.device) * init_scale
    return {"W": w, "b": visible_log_odds(data), "c": torch.zeros(n_hidden, device=data.device)}


def train_rbm(
    data: np.ndarray,
    n_hidden: int,
    epochs: int,
    learning_rate: float,
    initial_momentum: float,
    final_momentum: float,
    momentum_switch_epoch: int,
    weight_cost: float,
    batch_size: int,
    k: int,
    persistent: bool,
    sample_visible: bool,
    init_scale: float,
    seed: int,
    device: torch.device,
    run_name: str = "rbm",
    checkpoint: EpochCheckpoint | None = None,
    on_epoch=None,
    up_scale: float = 1.0,
    down_scale: float = 1.0,
    sampled_inputs: bool = False,
    k_rise_epochs: int = 0,
) -> tuple[dict, pd.DataFrame]:
    """Train an RBM on ``data`` (N × V, values in [0, 1]); return parameters and per-epoch history.

    The history has one row per epoch: mean squared reconstruction error (on the first
    1,000 training examples, after the epoch), momentum, seconds, device. ``on_epoch(epoch, params)`` may return a dict of extra columns (the
    exact log-likelihood of a small RBM, for instance). With a ``checkpoint`` the full
    state (parameters, momentum buffers, persistent chains, random generator) is saved
    at the epoch boundaries where the checkpoint is due, and a restarted run continues
    from there with identical numbers. A NaN anywhere stops training with an error naming ``run_name``.
    With ``sampled_inputs`` each mini-batch is a fresh binary draw from ``data`` read as
    probabilities; with ``k_rise_epochs`` > 0 the epoch's k is :func:`rising_k` and the
    learning rate is divided by it.
    """
    x = torch.as_tensor(np.asarray(data, dtype=np.float32), device=device)
    n = x.shape[0]
    if batch_size > n:
        raise ValueError(f"{run_name}: batch_size {batch_size} exceeds the {n} training examples")
    gen = make_generator(seed, device)
    params = initial_parameters(x, n_hidden, init_scale, gen)
    velocity = {name: torch.zeros_like(value) for name, value in params.items()}
    chain = binary_sampling.sample(x[:batch_size], gen) if persistent else None
    run = TrainingRun(run_name, checkpoint)
    if (state := run.resume()) is not None:
        params = {name: state["params"][name].to(device) for name in params}
        velocity = {name: state["velocity"][name].to(device) for name in params}
        chain = state["chain"].to(device) if persistent else None
        gen.set_state(state["generator"])
    where = describe(device)
    n_batches = n // batch_size
    monitor = x[:MONITOR_EXAMPLES]
    if on_epoch is not None and run.start_epoch == 0:
        run.history.append(
            {
                "epoch": 0,
                "reconstruction_error": float("nan"),
                "momentum": float("nan"),
                "seconds": 0.0,
                "device": where,
                **on_epoch(0, params),
            }
        )
    for epoch in run.epochs(epochs):
        started = time.perf_counter()
        momentum = initial_momentum if epoch <= momentum_switch_epoch else final_momentum
        k_epoch = rising_k(k, epoch, k_rise_epochs)
        rate = learning_rate / k_epoch if k_rise_epochs > 0 else learning_rate
        order = torch.randperm(n, generator=gen, device=device)
        for batch in run.batches(n_batches, f"epoch {epoch}/{epochs}"):
            v = x[order[batch * batch_size : (batch + 1) * batch_size]]
            if sampled_inputs:
                v = binary_sampling.sample(v, gen)
            gradient, v_model = contrastive_divergence(
                v, params, k_epoch, gen, chain, sample_visible, up_scale, down_scale
            )
            if persistent:
                chain = v_model
            momentum_step(params, velocity, gradient, momentum, rate, weight_cost)
            run.check_finite(params.values(), f"epoch {epoch}, batch {batch + 1}/{n_batches}")
        row = {
            "epoch": epoch,
            "reconstruction_error": reconstruction_error(monitor, params, up_scale, down_scale),
            "momentum": momentum,
            "k": k_epoch,
            "seconds": time.perf_counter() - started,
            "device": where,
        }
        if on_epoch is not None:
            row.update(on_epoch(epoch, params))
        run.record(
            row,
            f"epoch {epoch}/{epochs}: reconstruction error {row['reconstruction_error']:.4f}"
            f" ({row['seconds']:.2f} s, {where})",
            lambda chain=chain: {
                "params": {name: value.cpu() for name, value in params.items()},
                "velocity": {name: value.cpu() for name, value in velocity.items()},
                "chain": chain.cpu() if persistent else torch.zeros(0),
                "generator": gen.get_state(),
            },
        )
    return {name: value.cpu() for name, value in params.items()}, run.finish()
