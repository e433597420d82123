"""Steps of the ohzeki2015 talk (Ohzeki's talk in the Whole Brain Architecture workshop report, §2): margin pre-training and
fine-tuning, replica theory and GAMP.

The model (``docs/talks/ohzeki2015_model.md``) is a reconstruction of Ohzeki 2015
(J. Phys. Soc. Jpn. 84, 034003), whose body could not be consulted: gap data
(:mod:`deepinside.data.gap_data`), the margin posterior, its replica-symmetric theory
(:mod:`deepinside.theory.margin_replica`) and message passing at finite N
(:mod:`deepinside.theory.margin_gamp`). The former model of this talk — a Gaussian mixture
with PCA pre-training and Hebbian fine-tuning, whose transition is continuous — is
kept as a labelled comparison (:func:`analogue_curves`).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import torch

from deepinside.core.checkpointing import EpochCheckpoint, for_run
from deepinside.core.device import select_device
from deepinside.data import gap_data
from deepinside.models import perceptron_pretraining
from deepinside.theory import margin_gamp, margin_replica
from deepinside.theory.grids import log_grid

INITS = ("uninformative", "informative")


# ---------------------------------------------------------------- theory


def theory_curve(kappa: float | str, alpha: float | str, beta_grid: dict) -> dict:
    """The replica-symmetric phase diagram of one (κ, α) (numbers, or a rule's wildcards) over a
    log grid of β (``beta_grid``: min, max, count), and its transitions."""
    kappa, alpha, count = float(kappa), float(alpha), beta_grid["count"]
    started = time.perf_counter()
    diagram = margin_replica.phase_diagram(kappa, alpha, np.geomspace(beta_grid["min"], beta_grid["max"], count))
    found = margin_replica.transitions(diagram)
    print(
        f"[theory κ={kappa}, α={alpha}] {count} values of β in {time.perf_counter() - started:.1f} s: {found}",
        file=sys.stderr,
    )
    table = pd.DataFrame(diagram)
    return {"diagram": table, "transitions": pd.DataFrame([{"kappa": kappa, "alpha": alpha, **found}])}


UNINFORMATIVE_Q0 = 1e-6  # q of the uninformative start (|m|²/N of a 10⁻³-scale random vector)


def theory_versus_alpha(kappa: float, beta: float, alpha_grid: dict) -> dict:
    """P2 theory: every stable fixed point against α (``alpha_grid``: min, max, count, log-spaced),
    with pre-training at β and without (β = 0): which is the equilibrium (largest free entropy) and
    which one state evolution from the uninformative start reaches (pre-training, then fine-tuning:
    the branch message passing follows)."""
    alphas = log_grid(alpha_grid)
    channels = margin_replica.Channels(kappa)
    tables = margin_replica.tabulate(channels)
    rows = []
    for b in (0.0, beta):
        for alpha in alphas:
            points = [p for p in margin_replica.fixed_points(channels, b, float(alpha), tables) if p.stable]
            best = max(points, key=lambda p: p.free_entropy)
            reached = margin_replica.staged_fixed_point(channels, b, float(alpha), UNINFORMATIVE_Q0, tables)
            for p in points:
                rows.append(
                    {
                        "kappa": kappa,
                        "beta": b,
                        "alpha": float(alpha),
                        "q": p.q,
                        "equilibrium": p is best,
                        "reached": bool(np.isclose(p.q, reached.q, atol=1e-9)),
                        "branches": len(points),
                        "error": float(margin_replica.generalisation_error(p.q, kappa)[0]),
                    }
                )
    return {"curves": pd.DataFrame(rows)}


# ---------------------------------------------------------------- message passing at finite N


def _instance(kappa: float, size: int, max_unlabelled: int, labelled: int, rng: np.random.Generator):
    teacher = gap_data.teacher(size, rng)
    pool = gap_data.inputs(max_unlabelled, teacher, kappa, rng)
    x_labelled = gap_data.inputs(labelled, teacher, kappa, rng)
    return teacher, pool, x_labelled, gap_data.labels(x_labelled, teacher)


def informative_start(teacher: np.ndarray, overlap: float, rng: np.random.Generator) -> np.ndarray:
    """A start near, not at, the teacher, as a Bayes-optimal posterior mean with that overlap would be:
    m = R₀ t + √(R₀(1 − R₀)) z with z ⟂ t, |z|² = N, so that m·t/N = |m|²/N = R₀ (Nishimori).
    The teacher itself satisfies every hard constraint and traps message passing at R ≈ 1."""
    size = len(teacher)
    z = rng.standard_normal(size)
    z -= (z @ teacher) / (teacher @ teacher) * teacher
    z *= np.sqrt(size) / np.linalg.norm(z)
    return overlap * teacher + np.sqrt(overlap * (1.0 - overlap)) * z


def start_overlap(init: str, informative_overlap: float) -> float:
    """q of a start (what state evolution starts from)."""
    return informative_overlap if init == "informative" else UNINFORMATIVE_Q0


def _start(teacher: np.ndarray, init: str, rng: np.random.Generator, informative_overlap: float) -> np.ndarray:
    if init == "informative":
        return informative_start(teacher, informative_overlap, rng)
    return 1e-3 * rng.standard_normal(len(teacher))


def refined_betas(
    betas: list[float], transitions: pd.DataFrame | None, kappa: float, alpha: float, inside: int
) -> list[float]:
    """The β grid plus ``inside`` log-spaced values strictly inside the theory's spinodal interval of (κ, α)
    (none where the transition is continuous), so that hysteresis is measured where it can exist."""
    extra: list[float] = []
    if transitions is not None and inside > 0:
        row = transitions[np.isclose(transitions["kappa"], kappa) & np.isclose(transitions["alpha"], alpha)]
        if len(row) and np.isfinite(row["spinodal_low"].iloc[0]) and np.isfinite(row["spinodal_high"].iloc[0]):
            low, high = float(row["spinodal_low"].iloc[0]), float(row["spinodal_high"].iloc[0])
            extra = list(np.geomspace(low, high, inside + 2)[1:-1])
    grid = sorted({float(b) for b in betas})
    # the spinodals are found on the same grid, so a value inside may be a grid value up to rounding: one run, not two
    return sorted(grid + [b for b in extra if not np.isclose(grid, b, rtol=1e-9, atol=0).any()])


def _runs(data: dict, runs: list[dict], kappa: float, settings: dict, device: str) -> list[dict]:
    """All runs of one instance at once (:func:`deepinside.theory.margin_gamp.run_batch`), one row each."""
    dev = select_device(device)
    as_tensor = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64), device=dev)
    out = margin_gamp.run_batch(
        as_tensor(data["unlabelled"]),
        as_tensor(data["labelled"]),
        as_tensor(data["y"]),
        kappa,
        [r["n_unlabelled"] for r in runs],
        [r["n_labelled"] for r in runs],
        as_tensor(np.stack([r["start"] for r in runs], axis=1)),
        as_tensor(data["teacher"]),
        **settings,
    )
    rows = []
    for i, run in enumerate(runs):
        r = float(out["R"][i])
        rows.append(
            {
                **{k: v for k, v in run.items() if k not in ("start", "n_unlabelled", "n_labelled")},
                "R": r,
                "q": float(out["q"][i]),
                "error": float(margin_replica.generalisation_error(max(r, 0.0), kappa)[0]),
                "R_last": float(out["R_last"][i]),
                "rms_step": float(out["rms_step"][i]),
                "iterations_pretraining": int(out["iterations_pretraining"][i]),
                "iterations_finetuning": int(out["iterations_finetuning"][i]),
                "stationary": bool(out["stationary_pretraining"][i] and out["stationary_finetuning"][i]),
            }
        )
    return rows


def gamp_points(
    kappa: float | str,
    alpha: float | str,
    size: int | str,
    beta_grid: dict | list[float],
    instances: int,
    iterations: int,
    damping: float,
    stationary: dict,
    seed: int,
    informative_overlap: float = 0.95,
    transitions: pd.DataFrame | None = None,
    inside_spinodal: int = 3,
    device: str = "cpu",
    checkpoint: str | None = None,
) -> dict:
    """GAMP on ``instances`` data sets of N = ``size`` for each β of ``beta_grid`` (a log grid
    {min, max, count}, or the values), from both starts (κ, α and N: numbers, or a rule's wildcards).

    The β grid is refined inside the theory's spinodal interval (:func:`refined_betas`). The
    unlabelled sets are nested (the first βN inputs of one pool), so the runs of one instance
    form a curve and advance together (:func:`deepinside.theory.margin_gamp.run_batch`).
    ``uninformative`` starts at a tiny random vector; ``informative`` near the teacher (overlap
    ``informative_overlap``, :func:`informative_start`). Every run is reported: R and ε averaged
    over its last window (``stationary``: window, tolerance, growth), its iterations per stage
    and whether both stages reached a stationary state. With a ``checkpoint`` a killed job
    resumes after its last finished instance (:func:`over_instances`).
    """
    kappa, alpha, size = float(kappa), float(alpha), int(size)
    grid = log_grid(beta_grid) if isinstance(beta_grid, dict) else [float(b) for b in beta_grid]
    betas = refined_betas(grid, transitions, kappa, alpha, inside_spinodal)
    settings = {"iterations": iterations, "damping": damping, **stationary}

    def one_instance(instance: int) -> list[dict]:
        rng = np.random.default_rng([seed, instance, size, int(round(1000 * kappa)), int(round(1000 * alpha))])
        teacher, pool, x_labelled, y = _instance(
            kappa, size, int(round(max(betas) * size)), int(round(alpha * size)), rng
        )
        runs = [
            {
                "kappa": kappa,
                "alpha": alpha,
                "N": size,
                "beta": float(beta),
                "instance": instance,
                "init": init,
                "n_unlabelled": int(round(beta * size)),
                "n_labelled": len(y),
                "start": _start(teacher, init, rng, informative_overlap),
            }
            for beta in betas
            for init in INITS
        ]
        data = {"unlabelled": pool, "labelled": x_labelled, "y": y, "teacher": teacher}
        return _runs(data, runs, kappa, settings, device)

    parts = dict(kappa=kappa, alpha=alpha, size=size, betas=betas, instances=instances, seed=seed, **settings)
    # rows made on another device differ in their last digits: a job resumed elsewhere starts afresh
    parts.update(informative_overlap=informative_overlap, device=str(select_device(device)))
    rows = over_instances(
        instances,
        one_instance,
        f"GAMP κ={kappa}, α={alpha}, N={size}, {2 * len(betas)} runs an instance",
        for_run(checkpoint, __name__, **parts),
    )
    return {"points": pd.DataFrame(rows)}


def gamp_versus_alpha(
    kappa: float,
    beta: float,
    alpha_grid: dict,
    size: int | str,
    instances: int,
    iterations: int,
    damping: float,
    stationary: dict,
    seed: int,
    informative_overlap: float = 0.95,
    device: str = "cpu",
    checkpoint: str | None = None,
) -> dict:
    """P2 at finite N (``size``: a number, or a rule's wildcard): GAMP from the uninformative start,
    with pre-training at β and without, per α of ``alpha_grid`` (min, max, count, log-spaced; every
    run of an instance at once; nested labelled sets)."""
    alphas, size = log_grid(alpha_grid), int(size)
    settings = {"iterations": iterations, "damping": damping, **stationary}

    def one_instance(instance: int) -> list[dict]:
        rng = np.random.default_rng([seed, instance, size, 2])
        teacher, pool, labelled_pool, y_pool = _instance(
            kappa, size, int(round(beta * size)), int(round(max(alphas) * size)), rng
        )
        runs = [
            {
                "kappa": kappa,
                "beta": b,
                "alpha": float(alpha),
                "N": size,
                "instance": instance,
                "n_unlabelled": int(round(b * size)),
                "n_labelled": int(round(alpha * size)),
                "start": _start(teacher, "uninformative", rng, informative_overlap),
            }
            for b in (0.0, beta)
            for alpha in alphas
        ]
        data = {"unlabelled": pool, "labelled": labelled_pool, "y": y_pool, "teacher": teacher}
        return _runs(data, runs, kappa, settings, device)

    parts = dict(kappa=kappa, beta=beta, alphas=[float(a) for a in alphas], size=size, instances=instances, seed=seed)
    parts.update(settings, informative_overlap=informative_overlap, device=str(select_device(device)))
    rows = over_instances(
        instances,
        one_instance,
        f"GAMP P2 κ={kappa}, β={beta}, N={size}, {2 * len(alphas)} runs an instance",
        for_run(checkpoint, __name__, **parts),
    )
    return {"points": pd.DataFrame(rows)}


def over_instances(
    instances: int, one_instance, label: str, checkpoint: EpochCheckpoint | None = None, clock=time.perf_counter
) -> list[dict]:
    """The rows of ``one_instance(i)`` for i = 0 … ``instances`` − 1, in order, with a progress line
    (and the time left) after each. With a ``checkpoint`` the rows so far are saved after an
    instance when the checkpoint is due, and after the last, and a killed job resumes after the
    last saved instance:
    each instance draws its data and starts from its own seed, so the rows are the same as
    those of an uninterrupted run on the same device."""
    state = checkpoint.load() if checkpoint is not None else None
    rows = [dict(row) for row in state["rows"]] if state else []
    done = int(state["epoch"]) if state else 0
    if done:
        print(f"[{label}] resumed after instance {done}/{instances}", file=sys.stderr, flush=True)
    started = clock()
    for instance in range(done, instances):
        rows += one_instance(instance)
        elapsed = clock() - started
        left = elapsed / (instance + 1 - done) * (instances - instance - 1)
        print(
            f"[{label}] instance {instance + 1}/{instances} ({elapsed:.0f} s; about {left:.0f} s left)",
            file=sys.stderr,
            flush=True,
        )
        # "epoch": the instances done; the last is always saved, so that a kept checkpoint
        # (keep_checkpoints) of a finished job gives its rows again without running an instance
        if checkpoint is not None and (instance + 1 == instances or checkpoint.due()):
            checkpoint.save({"epoch": instance + 1, "rows": rows})
    return rows


# ---------------------------------------------------------------- the former model, as a comparison


def analogue_curves(strengths: list[float], alphas: list[float], beta_grid: dict) -> dict:
    """N → ∞ error of the solvable analogue (Gaussian clusters, PCA pre-training, Hebbian fine-tuning:
    :mod:`deepinside.models.perceptron_pretraining`), whose transition is continuous (BBP, β_c = 1/b⁴),
    at the first of ``alphas`` over ``beta_grid`` (min, max, count, log-spaced)."""
    alpha = alphas[0]
    betas = np.geomspace(beta_grid["min"], beta_grid["max"], beta_grid["count"])
    rows = []
    for b in strengths:
        r = perceptron_pretraining.finetuned_overlap_theory(np.full_like(betas, alpha), betas, b)
        rows += [
            {"strength": b, "alpha": alpha, "beta": float(beta), "error": float(e)}
            for beta, e in zip(betas, perceptron_pretraining.generalisation_error(r, b))
        ]
    return {"curves": pd.DataFrame(rows)}
