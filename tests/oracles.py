"""Test oracles: exact answers by enumerating every state of tiny models (too slow for anything else)."""

from __future__ import annotations

import itertools

import torch

from deepinside.measures import rbm_likelihood
from deepinside.models import dbm


def brute_force_log_partition(params: dict) -> torch.Tensor:
    """log Z by summing exp(−E) over every (v, h) pair — for tests on tiny RBMs only."""
    w, b, c = (params[k].to(torch.float64) for k in ("W", "b", "c"))
    n_visible, n_hidden = w.shape
    if n_visible + n_hidden > 20:
        raise ValueError("brute force is for tiny RBMs (V + H <= 20)")
    terms = []
    for v_bits in itertools.product((0.0, 1.0), repeat=n_visible):
        v = torch.tensor(v_bits, dtype=torch.float64)
        h = rbm_likelihood.hidden_configurations(n_hidden, 0, 1 << n_hidden, w.device)
        terms.append(v @ b + h @ c + (v @ w) @ h.T)
    return torch.logsumexp(torch.cat(terms), dim=0)


def brute_force_model_statistics(params: dict) -> tuple[dict, torch.Tensor]:
    """Exact model statistics and log Z, by enumerating every state."""
    states = dbm.all_states(dbm.sizes(params))
    log_weights = -dbm.energy(states, params)
    log_z = torch.logsumexp(log_weights, 0)
    return dbm.statistics(states, torch.exp(log_weights - log_z)), log_z


def brute_force_data_statistics(v: torch.Tensor, params: dict) -> tuple[dict, torch.Tensor]:
    """Exact posterior statistics averaged over the rows of v, and the mean log p(v)."""
    hidden = dbm.all_states(dbm.sizes(params)[1:])
    _, log_z = brute_force_model_statistics(params)
    totals, log_likelihood = None, 0.0
    for row in v:
        states = [row.expand(hidden[0].shape[0], -1)] + hidden
        log_weights = -dbm.energy(states, params)
        posterior = torch.exp(log_weights - torch.logsumexp(log_weights, 0)) / len(v)
        part = dbm.statistics(states, posterior)
        totals = part if totals is None else {k: totals[k] + part[k] for k in part}
        log_likelihood = log_likelihood + (torch.logsumexp(log_weights, 0) - log_z) / len(v)
    return totals, log_likelihood
