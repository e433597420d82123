"""Annealed importance sampling (AIS) of the partition function of an RBM or a DBM.

Salakhutdinov & Murray 2008 (RBMs) and Salakhutdinov & Hinton 2009 (DBMs). A DBM with
layers s_0 = v, s_1, …, s_L (an RBM is the case L = 1) is split into its odd and even
layers; given the odd layers the even ones are independent and can be summed out
analytically, so AIS runs on the odd layers only (for the 2-layer DBM of the paper: on
h¹, with v and h² summed out), with the unnormalised marginal

    log p*_β(s_odd) = β Σ_{odd l} b_lᵀ s_l + Σ_{even l} Σ_units softplus(x_l(β)),
    x_l(β) = β (b_l + s_{l−1}ᵀ W_l + W_{l+1} s_{l+1})              (even l ≥ 2),
    x_0(β) = (1 − β) a + β (b_0 + W_1 s_1)                         (the visible layer),

between the base model at β = 0 (visible units independent with log-odds ``a``, the
"base-rate" model of Salakhutdinov & Murray fitted to the training data's pixel means;
every hidden unit uniform; log Z_0 = Σ softplus(a) + (number of hidden units)·log 2) and
the model at β = 1. Each run draws its odd layers from the base model and, at every
β_k, adds log p*_{β_k} − log p*_{β_{k−1}} to its log weight, then makes one Gibbs
sweep at β_k (even layers given odd, odd given even), which leaves p_{β_k} invariant.
Then Ẑ = Z_0 · mean of the weights, an unbiased estimate of Z; log Ẑ is biased low
when the weights vary much (too few intermediate distributions): the error bar over
runs says how far to trust it.

The test log-likelihood is exact given log Z for an RBM (log p(v) = −F(v) − log Z,
:func:`deepinside.measures.rbm_likelihood.mean_log_likelihood`) and a
variational lower bound for a DBM (the mean-field bound of :func:`deepinside.models.dbm.variational_bound`
minus log Z), as the paper reports it. The chains' products (states times weights) run in
``dtype`` (float32 by default: twice as fast on a CPU, more on a GPU); the log weights are
summed in float64 from those products, so that 20,000 increments of a few nats each keep
their digits. The certain lower bound and the likelihood bound are computed in float64.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from deepinside.models import binary_sampling, dbm

# Salakhutdinov & Murray 2008's schedule: 500 βs in [0, 0.5), 4,000 in [0.5, 0.9), 10,000 in [0.9, 1].
SM_SEGMENTS = ((0.0, 0.5, 500), (0.5, 0.9, 4000), (0.9, 1.0, 10000))


def schedule(n_betas: int) -> torch.Tensor:
    """n_betas + 1 inverse temperatures from 0 to 1, spaced as Salakhutdinov & Murray's
    (coarse up to 0.5, finer up to 0.9, finest up to 1); 14,500 gives their schedule exactly."""
    if n_betas < 3:
        raise ValueError(f"AIS needs at least 3 steps between β = 0 and 1, got {n_betas}")
    total = sum(count for _, _, count in SM_SEGMENTS)
    counts = [max(1, round(n_betas * count / total)) for _, _, count in SM_SEGMENTS]
    counts[-1] = n_betas - sum(counts[:-1])
    parts = [
        torch.linspace(lo, hi, count + 1, dtype=torch.float64)[:-1] for (lo, hi, _), count in zip(SM_SEGMENTS, counts)
    ]
    return torch.cat(parts + [torch.ones(1, dtype=torch.float64)])


def as_layers(params: dict) -> dict:
    """An RBM ``{"W", "b", "c"}`` as a 1-layer DBM ``{"W1", "b0", "b1"}``; a DBM as it is; float64."""
    if "W" in params:
        params = {"W1": params["W"], "b0": params["b"], "b1": params["c"]}
    return {k: v.to(torch.float64) for k, v in params.items()}


def base_rate_bias(data: torch.Tensor, pseudo_count: float = 5.0) -> torch.Tensor:
    """Visible log-odds of the base model: the training data's pixel means, pulled towards ½
    by ``pseudo_count`` virtual on- and off-examples per 100 real ones, so that no unit is
    certain. (Salakhutdinov & Murray's ``base_rate.m`` adds 5 per mini-batch of 100 to the
    on-count and to the total, which pulls towards 1 instead; any base gives an unbiased Ẑ,
    since log Z_0 is computed from the same base, only its variance differs.)"""
    n = data.shape[0]
    p = (data.to(torch.float64).sum(0) + pseudo_count * n / 100.0) / (n + 2 * pseudo_count * n / 100.0)
    return torch.log(p) - torch.log1p(-p)


def _with_layers(odd_or_even: dict, params: dict) -> list:
    """A states list for :func:`deepinside.models.dbm.layer_input`: the given layers in place, the others unset."""
    states = [None] * (dbm.depth(params) + 1)
    for layer, state in odd_or_even.items():
        states[layer] = state
    return states


def even_totals(odd: dict, params: dict) -> dict:
    """Each even layer's input at β = 1 given the odd layers: b_l + s_{l−1}ᵀ W_l + W_{l+1} s_{l+1}."""
    states = _with_layers(odd, params)
    return {layer: dbm.layer_input(states, params, layer) for layer in range(0, dbm.depth(params) + 1, 2)}


def _annealed(totals: dict, beta: float, base: torch.Tensor) -> dict:
    """x_l(β) of every even layer from its input at β = 1 (see the module docstring)."""
    return {l: (1.0 - beta) * base + beta * t if l == 0 else beta * t for l, t in totals.items()}


def _log_p(odd: dict, totals: dict, params: dict, beta: float, base: torch.Tensor) -> torch.Tensor:
    """log p*_β in float64 from states and even-layer inputs of any precision (``params``, ``base``: float64)."""
    out = sum(beta * (odd[l].to(torch.float64) @ params[f"b{l}"]) for l in odd)
    for x in _annealed({l: t.to(torch.float64) for l, t in totals.items()}, beta, base).values():
        out = out + torch.nn.functional.softplus(x).sum(-1)
    return out


def log_increment(
    odd: dict, totals: dict, params: dict, beta: float, before: float, base: torch.Tensor
) -> torch.Tensor:
    """log p*_β − log p*_before of each run (float64; the even layers' inputs converted once)."""
    exact = {l: t.to(torch.float64) for l, t in totals.items()}
    return _log_p(odd, exact, params, beta, base) - _log_p(odd, exact, params, before, base)


def log_unnormalised(odd: dict, params: dict, beta: float, base: torch.Tensor) -> torch.Tensor:
    """log p*_β of each run's odd-layer states, even layers summed out."""
    return _log_p(odd, even_totals(odd, params), params, beta, base)


def _gibbs_at(totals: dict, params: dict, beta: float, base: torch.Tensor, generator: torch.Generator) -> dict:
    """One sweep at β from the odd layers' current states (given through their ``totals``):
    the even layers given the odd ones, then the odd layers given those."""
    even = {l: binary_sampling.sample(torch.sigmoid(x), generator) for l, x in _annealed(totals, beta, base).items()}
    states = _with_layers(even, params)
    return {
        layer: binary_sampling.sample(torch.sigmoid(beta * dbm.layer_input(states, params, layer)), generator)
        for layer in range(1, dbm.depth(params) + 1, 2)
    }


def log_partition(
    params: dict,
    betas: torch.Tensor,
    runs: int,
    generator: torch.Generator,
    base: torch.Tensor | None = None,
    dtype: torch.dtype = torch.float32,
) -> dict:
    """AIS estimate of log Z of an RBM or DBM (on the generator's device): the chains in ``dtype``,
    the log weights in float64.

    ``base``: the base model's visible log-odds (:func:`base_rate_bias`; zeros = uniform).
    Returns ``log_z`` (log of the mean weight), ``log_z_se`` (its standard error over the
    runs, by the delta method), ``log_z_low`` / ``log_z_high`` (log of the mean weight
    ∓ 3 standard errors, as Salakhutdinov & Murray report it; −inf when the lower end is
    not positive), ``log_z_base`` and the runs' ``log_weights``.
    """
    params = as_layers(params)
    chains = {k: v.to(dtype) for k, v in params.items()}
    device = params["W1"].device
    sizes = dbm.sizes(params)
    base = torch.zeros(sizes[0], dtype=torch.float64, device=device) if base is None else base.to(device, torch.float64)
    top = dbm.depth(params)
    odd = {
        l: binary_sampling.sample(torch.full((runs, sizes[l]), 0.5, dtype=dtype, device=device), generator)
        for l in range(1, top + 1, 2)
    }
    log_w = torch.zeros(runs, dtype=torch.float64, device=device)
    betas = [float(b) for b in betas]
    totals = even_totals(odd, chains)
    for before, beta in zip(betas[:-1], betas[1:]):
        log_w += log_increment(odd, totals, params, beta, before, base)
        if beta < 1.0:
            odd = _gibbs_at(totals, chains, beta, base.to(dtype), generator)
            totals = even_totals(odd, chains)
    log_z_base = float(torch.nn.functional.softplus(base).sum()) + sum(sizes[1:]) * math.log(2.0)
    shift = float(log_w.max())
    w = torch.exp(log_w - shift)
    mean, std = float(w.mean()), float(w.std()) if runs > 1 else float("nan")
    se = std / math.sqrt(runs)
    log_mean = math.log(mean) + shift + log_z_base
    return {
        "log_z": log_mean,
        "log_z_se": se / mean,
        "log_z_low": math.log(mean - 3 * se) + shift + log_z_base if mean - 3 * se > 0 else float("-inf"),
        "log_z_high": math.log(mean + 3 * se) + shift + log_z_base,
        "log_z_base": log_z_base,
        "log_weights": log_w.cpu().numpy(),
    }


def log_partition_lower_bound(params: dict, odd_states: dict) -> float:
    """A certain lower bound on log Z: Z = Σ p*(s_odd) over every odd-layer state, so the sum over
    any set of distinct states is below it, log Z ≥ logsumexp of their log p*.

    AIS's log Ẑ errs low when its chains miss the model's heaviest states (too few
    intermediate distributions or runs); states found near the data (the posterior of
    real digits) show by how much at least. ``odd_states``: {odd layer: (n, size) binary
    rows, aligned}; duplicate rows are counted once.
    """
    params = as_layers(params)
    layers = sorted(odd_states)
    joined = torch.unique(torch.cat([odd_states[l].to(torch.float64) for l in layers], 1), dim=0)
    parts = torch.split(joined, [odd_states[l].shape[1] for l in layers], 1)
    base = torch.zeros(dbm.sizes(params)[0], dtype=torch.float64, device=joined.device)
    return float(torch.logsumexp(log_unnormalised(dict(zip(layers, parts)), params, 1.0, base), 0))


def states_near_data(
    params: dict, v: torch.Tensor, draws: int, generator: torch.Generator, mean_field_iterations: int = 30
) -> dict:
    """Odd-layer states near the data, for :func:`log_partition_lower_bound`: the mean-field
    posterior of each row of ``v`` rounded, and ``draws`` binary samples from it (an RBM: its
    hidden layer given v)."""
    params = as_layers(params)
    v = v.to(torch.float64)
    mus, _ = dbm.mean_field(v, params, mean_field_iterations, tolerance=1e-7)
    states = [v] + list(mus)
    out = {}
    for layer in range(1, dbm.depth(params) + 1, 2):
        mu = states[layer]
        out[layer] = torch.cat(
            [(mu > 0.5).to(torch.float64)] + [binary_sampling.sample(mu, generator) for _ in range(draws)]
        )
    return out


def binarize_once(images: np.ndarray, seed: int) -> torch.Tensor:
    """Grey levels in [0, 1] drawn once as binary images (the reference code's test set, fixed seed)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(np.asarray(images, dtype=np.float64))
    return binary_sampling.sample(x, gen)


def dbm_log_likelihood_bound(v: torch.Tensor, params: dict, log_z: float, mean_field_iterations: int = 30) -> float:
    """Mean variational lower bound on log p(v) of a DBM given log Z (nats per image): the
    mean-field bound (started by the doubled bottom-up pass) minus log Z."""
    p64 = {k: value.to(torch.float64) for k, value in params.items()}
    v64 = v.to(torch.float64)
    mus, _ = dbm.mean_field(v64, p64, mean_field_iterations, tolerance=1e-7)
    return float(dbm.variational_bound(v64, mus, p64).mean()) - log_z


def visible_base(train_images: np.ndarray) -> torch.Tensor:
    """:func:`base_rate_bias` of grey training images (their pixel means)."""
    return base_rate_bias(torch.as_tensor(np.asarray(train_images, dtype=np.float64)))
