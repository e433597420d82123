"""Approximate message passing (GAMP) for the margin posterior of the ohzeki2015 model.

The finite-N algorithm that validates the replica theory (:mod:`deepinside.theory.margin_replica`)
"in the manner of deep learning": iterate on the data, first the unlabelled factors
alone (pre-training), then with the labelled ones added (fine-tuning). For a factor μ
with input x_μ (entries of order 1) the output channel is

    unlabelled:  Z_U(ω, V) = H((κ − ω)/√V) + H((κ + ω)/√V)
    labelled:    Z_L(ω, V) = H((κ − yω)/√V)

with g = ∂_ω ln Z. One iteration is (Rangan 2011; Krzakala et al. 2012)

    ω_μ = x_μ·m/√N − V g_μ(previous),   A = (1/N) Σ_μ (−∂_ω g_μ),   b = Xᵀg/√N + A m,
    m = b/c,   V = 1/c,   c = [1 + √(1 + 4|b|²/N)] / 2,

with damping on m and V. The prior is the **sphere** |w|² = N, enforced on average
(|m|²/N + V = 1), not the Gaussian of the textbook (m = b/(1 + A)): the margin
constraints depend on |w|, and a Gaussian prior lets the norm grow to meet them
(measured at κ = 0.5, α = 1, N = 2,000: |m|²/N = 0.90 against R = 0.77, far from the
Bayes-optimal q = R = 0.68; with the sphere, 0.685 against 0.679). The unlabelled channel
is not log-concave, so A can be negative; V = 1/c stays positive.

Pre-training alone cannot tell the teacher from its mirror image (the unlabelled
likelihood is even in w); when the labelled factors are added, the state takes the sign
the labels prefer (measured at N = 200: without this step 6 of 48 sweep points ended at
R ≈ −0.97 with V → 0).

The overlap with the teacher, R = m·B/N (= |m|²/N at the Bayes-optimal point), is what
the theory predicts as q*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import log_ndtr

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
# rows of the pool read per piece in the batched iteration: small enough to stay in the cache between
# the piece's two products (ω from m, then b from g), so each row is read from memory once per iteration
CHUNK_BYTES = 4 * 2**20


def _log_h(a):
    return log_ndtr(-a)


def _ratio(a, log_z):
    """φ(a) / Z computed in logs."""
    return np.exp(-0.5 * a**2 - _LOG_SQRT_2PI - log_z)


def unlabelled_channel(omega: np.ndarray, v: float, kappa: float) -> tuple[np.ndarray, np.ndarray]:
    """(g, ∂_ω g) of Z_U(ω, V) = H((κ−ω)/√V) + H((κ+ω)/√V)."""
    root = np.sqrt(v)
    a1, a2 = (kappa - omega) / root, (kappa + omega) / root
    log_z = np.logaddexp(_log_h(a1), _log_h(a2))
    r1, r2 = _ratio(a1, log_z), _ratio(a2, log_z)
    g = (r1 - r2) / root
    second = (a1 * r1 + a2 * r2) / v  # Z''/Z
    return g, second - g**2


def labelled_channel(omega: np.ndarray, v: float, kappa: float, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(g, ∂_ω g) of Z_L(ω, V) = H((κ − yω)/√V)."""
    root = np.sqrt(v)
    a = (kappa - y * omega) / root
    r = _ratio(a, _log_h(a))
    g = y * r / root
    return g, a * r / v - g**2


@dataclass
class State:
    m: np.ndarray
    v: float
    g: np.ndarray | None = None  # the factors' last g (for the Onsager term), aligned with the factors in use


def iterate(
    state: State,
    x: np.ndarray,
    kappa: float,
    y: np.ndarray | None,
    n_unlabelled: int,
    iterations: int,
    damping: float,
    tolerance: float,
) -> tuple[State, int, bool]:
    """Run GAMP on the factors of ``x`` (its first ``n_unlabelled`` rows unlabelled, the rest labelled by ``y``).

    Returns the new state, the iterations run and whether max |Δm| fell below ``tolerance``.
    """
    n = x.shape[1]
    root_n = np.sqrt(n)
    m, v = state.m.copy(), state.v
    g = state.g if state.g is not None and len(state.g) == len(x) else np.zeros(len(x))
    for step in range(1, iterations + 1):
        omega = x @ m / root_n - v * g
        g, dg = unlabelled_channel(omega[:n_unlabelled], v, kappa)
        if y is not None and len(x) > n_unlabelled:
            g_l, dg_l = labelled_channel(omega[n_unlabelled:], v, kappa, y)
            g, dg = np.concatenate([g, g_l]), np.concatenate([dg, dg_l])
        a = float(-dg.sum() / n)
        b = x.T @ g / root_n + a * m
        c = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * float(b @ b) / n))  # |m|²/N + V = 1: the spherical prior
        new_m = b / c
        new_v = 1.0 / c
        change = float(np.abs(new_m - m).max())
        m = damping * m + (1.0 - damping) * new_m
        v = damping * v + (1.0 - damping) * new_v
        if not np.all(np.isfinite(m)):
            raise FloatingPointError(f"GAMP diverged at iteration {step} (κ = {kappa}); increase the damping")
        if change < tolerance:
            return State(m, v, g), step, True
    return State(m, v, g), iterations, False


def pretrain_then_finetune(
    unlabelled: np.ndarray,
    labelled: np.ndarray,
    y: np.ndarray,
    kappa: float,
    start: np.ndarray,
    iterations: int = 500,
    damping: float = 0.5,
    tolerance: float = 1e-6,
) -> dict:
    """Pre-training on the unlabelled inputs from ``start``, then fine-tuning with the labelled ones added.

    Returns the final mean ``m`` and, for both stages, the iterations run and convergence.
    """
    n = unlabelled.shape[1] if len(unlabelled) else labelled.shape[1]
    start = np.asarray(start, dtype=float).copy()
    # the variance that goes with the start on the sphere (|m|²/N + V = 1): a start at the teacher is a confident one
    state = State(start, max(1.0 - float(start @ start) / n, 1e-3))
    stages = {}
    if len(unlabelled):
        state, steps, ok = iterate(state, unlabelled, kappa, None, len(unlabelled), iterations, damping, tolerance)
        stages["pretraining"] = (steps, ok, state.m.copy())
    data = np.concatenate([unlabelled, labelled]) if len(labelled) else unlabelled
    if len(labelled):
        # the unlabelled likelihood is symmetric under w → −w, so pre-training may end at the mirror of the
        # teacher as confidently as at the teacher (V → 0 then freezes it); the labels decide the sign
        if len(unlabelled) and float(y @ (labelled @ state.m)) < 0:
            state.m, state.g = -state.m, -state.g  # g of an unlabelled factor is odd in ω
        state.g = np.concatenate([state.g, np.zeros(len(labelled))]) if state.g is not None else None
        state, steps, ok = iterate(state, data, kappa, y, len(unlabelled), iterations, damping, tolerance)
        stages["finetuning"] = (steps, ok, state.m.copy())
    if not stages:
        raise ValueError(f"GAMP needs data: no unlabelled and no labelled inputs (N = {n})")
    return {"m": state.m, "stages": stages}


# ---------------------------------------------------------------- all runs of one instance at once


def stationary(r: torch.Tensor, q: torch.Tensor, tolerance: float, growth: float) -> torch.Tensor:
    """Per run (columns), whether its order parameters over a trailing window (rows) are stationary.

    A run has reached a state when the overlap with the teacher R = m·B/N and the self-overlap
    q = |m|²/N each stay within ``tolerance`` over the window — whether the messages sit still
    or cycle around the state. Near the trivial fixed point R and q are tiny either way; there a
    run that is slowly escaping grows q geometrically, so q rising by more than the factor
    1 + ``growth`` over the window is an escape in progress, not a state.
    """
    spread_r = r.max(0).values - r.min(0).values
    spread_q = q.max(0).values - q.min(0).values
    escaping = q[-1] > q[0] * (1.0 + growth)
    return (spread_r <= tolerance) & (spread_q <= tolerance) & ~escaping & torch.isfinite(spread_r)


def _channels_t(omega, v, kappa: float, y=None):
    """(g, ∂_ω g) of the unlabelled channel, or of the labelled one when ``y`` is given; ω has a row per run."""
    root = torch.sqrt(v)
    if y is None:
        a1, a2 = (kappa - omega) / root, (kappa + omega) / root
        log_z = torch.logaddexp(torch.special.log_ndtr(-a1), torch.special.log_ndtr(-a2))
        r1 = torch.exp(-0.5 * a1 * a1 - _LOG_SQRT_2PI - log_z)
        r2 = torch.exp(-0.5 * a2 * a2 - _LOG_SQRT_2PI - log_z)
        g = (r1 - r2) / root
        return g, (a1 * r1 + a2 * r2) / v - g * g
    a = (kappa - y * omega) / root
    r = torch.exp(-0.5 * a * a - _LOG_SQRT_2PI - torch.special.log_ndtr(-a))
    g = y * r / root
    return g, a * r / v - g * g


def _blocks(n_unlabelled: np.ndarray) -> list[tuple[int, int, int]]:
    """Row blocks of nested unlabelled sets: (first row, end row, first run using them), for runs sorted by
    their number of unlabelled rows — each block is read once per iteration, by the runs that use it."""
    bounds = [0] + sorted({int(n) for n in n_unlabelled if n > 0})
    return [(lo, hi, int(np.searchsorted(n_unlabelled, hi, side="left"))) for lo, hi in zip(bounds[:-1], bounds[1:])]


def _chunks(blocks: list[tuple[int, int, int]], rows: int) -> list[tuple[int, int, int]]:
    """The blocks cut into pieces of at most ``rows`` rows, each with its block's first run."""
    return [(lo, min(lo + rows, hi), first) for start, hi, first in blocks for lo in range(start, hi, rows)]


def run_batch(
    unlabelled,
    labelled,
    y,
    kappa: float,
    n_unlabelled,
    n_labelled,
    starts,
    teacher,
    iterations: int,
    damping: float = 0.5,
    window: int = 100,
    tolerance: float = 1e-3,
    growth: float = 0.01,
    floor: float = 1e-3,
    chunk_bytes: int = CHUNK_BYTES,
) -> dict:
    """Many GAMP runs on one data set at once: run r uses the first ``n_unlabelled[r]`` rows of
    ``unlabelled`` and the first ``n_labelled[r]`` rows of ``labelled`` (labels ``y``), from the
    column ``starts[:, r]`` — pre-training on its unlabelled rows, then fine-tuning with its
    labelled rows added, as :func:`pretrain_then_finetune` does one run at a time.

    The unlabelled sets are nested prefixes of one pool, so with the runs ordered by their size
    each block of rows between two consecutive sizes is used by a contiguous range of runs: an
    iteration is two matrix–matrix products per block (on a CPU per piece of at most
    ``chunk_bytes`` of a block, which stays in the cache between the two), and every row is read
    once per iteration instead of once per run. Each stage of a run ends when its order parameters are
    :func:`stationary` over ``window`` iterations, or at ``iterations``; a run that ended stays
    frozen while the others go on. A run near the trivial state (q below ``floor``) goes on to
    ``iterations`` whatever its window says: from a random start q first decays for a while and
    then, above the onset, escapes slowly (~1,000 iterations at N = 1,000), so only the cap can
    tell a stable trivial state from a slow escape; at the cap its window decides.

    Returns per run (numpy arrays, in the order given): ``R`` and ``q`` averaged over the last
    window of the last stage (a cycle's time average), ``R_last``, ``rms_step`` (the window's mean
    rms step per component ‖m_new − m‖/√N), and per stage its iterations and whether it became
    stationary. Tensors in, float64 on their device (CPU or CUDA).
    """
    n_u_given, n_l_given = np.asarray(n_unlabelled, dtype=int), np.asarray(n_labelled, dtype=int)
    if ((n_u_given == 0) & (n_l_given == 0)).any():
        raise ValueError("every GAMP run needs data: a run has no unlabelled and no labelled inputs")
    order = np.argsort(n_u_given, kind="stable")
    n_u_sorted = n_u_given[order]
    device, dtype = unlabelled.device, unlabelled.dtype
    size = unlabelled.shape[1]
    runs = len(order)
    root_n = size**0.5
    blocks = _blocks(n_u_sorted)
    if unlabelled.device.type == "cpu":  # pieces help a CPU's cache; on a GPU each costs kernel launches
        blocks = _chunks(blocks, max(1, chunk_bytes // (size * unlabelled.element_size())))
    firsts = torch.as_tensor([first for _, _, first in blocks], dtype=torch.long, device=device)
    n_l = torch.as_tensor(n_l_given[order], device=device)
    # runs are rows here (run × component): the products with the data read each block once, for its runs
    rows_l = n_l[:, None] > torch.arange(len(labelled), device=device)[None, :]
    y_row = y.to(dtype)[None, :]
    m = starts.to(dtype).T[torch.as_tensor(order, device=device)].contiguous()
    v = torch.clamp(1.0 - (m * m).sum(1) / size, min=1e-3)[:, None]
    n_rows_u = int(n_u_sorted.max())
    g_u = torch.zeros(runs, n_rows_u, device=device, dtype=dtype)
    g_l = torch.zeros(runs, len(labelled), device=device, dtype=dtype)
    stage = torch.as_tensor(np.where(n_u_sorted > 0, 0, 1), device=device)  # 0: pre-training, 1: fine-tuning, 2: done
    count = torch.zeros(runs, dtype=torch.long, device=device)
    history = torch.full((3, window, runs), float("nan"), device=device, dtype=dtype)  # R, q, rms step
    out = {
        "iterations_pretraining": np.zeros(runs, dtype=int),
        "iterations_finetuning": np.zeros(runs, dtype=int),
        "stationary_pretraining": np.ones(runs, dtype=bool),  # a stage a run does not have is no obstacle
        "stationary_finetuning": np.ones(runs, dtype=bool),
        "R": np.full(runs, np.nan),
        "q": np.full(runs, np.nan),
        "R_last": np.full(runs, np.nan),
        "rms_step": np.full(runs, np.nan),
    }
    teacher = teacher.to(dtype)
    while bool((stage < 2).any()):
        act = torch.nonzero(stage < 2).flatten()  # the runs still going, in size order; ended runs cost nothing
        every = len(act) == runs
        pick = (lambda t: t) if every else (lambda t, act=act: t[act])
        m_a, v_a = pick(m), pick(v)
        b = torch.zeros_like(m_a)
        dg_sum = torch.zeros(len(act), device=device, dtype=dtype)
        users_from = torch.searchsorted(act, firsts).tolist()  # per piece: its first active user (one sync)
        for (lo, hi, first), k in zip(blocks, users_from):  # the active runs from k on use these rows
            if k == len(act):
                continue
            rows = unlabelled[lo:hi]  # read from memory once: still in cache for the second product
            users = slice(first, None) if every else act[k:]
            omega = m_a[k:] @ rows.T / root_n - v_a[k:] * g_u[users, lo:hi]
            g_block, dg_block = _channels_t(omega, v_a[k:], kappa)
            g_u[users, lo:hi] = g_block  # a row's Onsager term uses only its own previous g
            dg_sum[k:] += dg_block.sum(1)
            b[k:] += g_block @ rows
        if len(labelled):
            mask_l = pick(rows_l) & (pick(stage) == 1)[:, None]
            omega_l = m_a @ labelled.T / root_n - v_a * pick(g_l)
            g_block, dg_block = _channels_t(omega_l, v_a, kappa, y_row)
            g_block = g_block * mask_l
            dg_sum += (dg_block * mask_l).sum(1)
            b += g_block @ labelled
            if every:
                g_l = g_block
            else:
                g_l[act] = g_block
        a = -dg_sum[:, None] / size
        b = b / root_n + a * m_a
        c = 0.5 * (1.0 + torch.sqrt(1.0 + 4.0 * (b * b).sum(1, keepdim=True) / size))  # the spherical prior
        new_m = b / c
        rms = torch.sqrt(((new_m - m_a) ** 2).mean(1))
        m_a = damping * m_a + (1.0 - damping) * new_m
        v_a = damping * v_a + (1.0 - damping) / c
        if not bool(torch.isfinite(m_a).all()):
            raise FloatingPointError(f"GAMP diverged (κ = {kappa}); increase the damping")
        if every:
            m, v = m_a, v_a
        else:
            m[act], v[act] = m_a, v_a
        slot = count[act] % window
        for k, value in enumerate((m_a @ teacher / size, (m_a * m_a).sum(1) / size, rms)):
            history[k, slot, act] = value
        count[act] += 1
        active = stage < 2
        settled = (count >= window) & _stationary_ring(history, count, window, tolerance, growth) & active
        reached = settled & ((m * m).sum(1) / size > floor)  # near the trivial state: only the cap decides
        reached |= settled & (count >= iterations)
        ending = (reached | (count >= iterations)) & active
        if bool(ending.any()):
            _end_stages(out, ending, reached, stage, count, history, m, g_u, teacher, labelled, y_row, rows_l, n_l)
    restore = np.argsort(order, kind="stable")
    return {key: value[restore] for key, value in out.items()}


def _stationary_ring(history, count, window: int, tolerance: float, growth: float):
    """:func:`stationary` of each run's last ``window`` iterations, kept in a ring buffer by ``count``."""
    order = (count[None, :] + torch.arange(window, device=history.device)[:, None]) % window  # oldest first
    return stationary(torch.gather(history[0], 0, order), torch.gather(history[1], 0, order), tolerance, growth)


def _end_stages(out, ending, reached, stage, count, history, m, g_u, teacher, labelled, y_row, rows_l, n_l) -> None:
    """Record the stages that end now (in place); move pre-trained runs with labels on to fine-tuning, finish the rest."""
    size = m.shape[1]
    for r in torch.nonzero(ending).flatten().tolist():
        name = "pretraining" if int(stage[r]) == 0 else "finetuning"
        out[f"iterations_{name}"][r] = int(count[r])
        out[f"stationary_{name}"][r] = bool(reached[r])
        filled = history[:, : min(int(count[r]), history.shape[1]), r]
        if name == "pretraining" and int(n_l[r]) > 0:
            # the unlabelled likelihood is even in w: the labels decide the sign (g of an unlabelled factor is odd in ω)
            used = rows_l[r]
            if float((y_row[0, used] * (labelled[used] @ m[r])).sum()) < 0:
                m[r] = -m[r]
                g_u[r] = -g_u[r]
            stage[r] = 1
        else:
            out["R"][r] = float(filled[0].mean())
            out["q"][r] = float(filled[1].mean())
            out["rms_step"][r] = float(filled[2].mean())
            out["R_last"][r] = float(m[r] @ teacher / size)
            stage[r] = 2
        count[r] = 0
        history[:, :, r] = float("nan")
