"""Exact log-likelihood of a small RBM, by enumerating its hidden states.

For an RBM with few hidden units the visible units can be summed out analytically,

    log Z = log Σ_h exp(cᵀh) Π_i (1 + exp(b_i + (W h)_i))
          = logsumexp_h [ cᵀh + Σ_i softplus(b_i + (W h)_i) ],

a sum over 2^H hidden configurations (H ≤ 24 here). Then log p(v) = −F(v) − log Z
with the free energy F of :mod:`deepinside.models.rbm`. Computed in float64, in chunks of
hidden states, on whatever device the parameters live on.
"""

from __future__ import annotations

import torch

from deepinside.models.rbm import free_energy

MAX_HIDDEN = 24


def hidden_configurations(n_hidden: int, start: int, stop: int, device, dtype=torch.float64) -> torch.Tensor:
    """Rows ``start..stop-1`` of the table of all binary vectors of length ``n_hidden``."""
    codes = torch.arange(start, stop, device=device)
    bits = torch.arange(n_hidden, device=device)
    return ((codes[:, None] >> bits[None, :]) & 1).to(dtype)


def log_partition(params: dict, chunk: int = 1 << 14) -> torch.Tensor:
    """log Z of the RBM, exact, by enumeration of the 2^H hidden states."""
    w, b, c = (params[k].to(torch.float64) for k in ("W", "b", "c"))
    n_hidden = w.shape[1]
    if n_hidden > MAX_HIDDEN:
        raise ValueError(f"exact log Z enumerates 2^H states; H = {n_hidden} > {MAX_HIDDEN} is too many")
    parts = []
    for start in range(0, 1 << n_hidden, chunk):
        h = hidden_configurations(n_hidden, start, min(start + chunk, 1 << n_hidden), w.device)
        parts.append(h @ c + torch.nn.functional.softplus(h @ w.T + b).sum(1))
    return torch.logsumexp(torch.cat(parts), dim=0)


def mean_log_likelihood(v: torch.Tensor, params: dict, log_z: torch.Tensor | None = None) -> float:
    """Average log p(v) over the rows of ``v`` (nats per example), exact."""
    params64 = {k: params[k].to(torch.float64) for k in ("W", "b", "c")}
    if log_z is None:
        log_z = log_partition(params64)
    return float((-free_energy(v.to(torch.float64), params64) - log_z).mean())
