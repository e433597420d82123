"""Steps of the ohzeki2015 talk (seed 003 §2): margin pre-training and fine-tuning, replica theory and GAMP.

The model (``../shared/designs/ohzeki2015_model.md``) is a reconstruction of Ohzeki 2015
(J. Phys. Soc. Jpn. 84, 034003), whose body could not be consulted: gap data
(:mod:`deepinside.gap_data`), the margin posterior, its replica-symmetric theory
(:mod:`deepinside.margin_replica`) and message passing at finite N
(:mod:`deepinside.margin_gamp`). The former model of this talk — a Gaussian mixture
with PCA pre-training and Hebbian fine-tuning, whose transition is continuous — is
kept as a labelled comparison (:func:`analogue_curves`).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .. import claims, gap_data, margin_gamp, margin_replica, perceptron_pretraining

TALK = "ohzeki2015"
INITS = ("uninformative", "informative")


# ---------------------------------------------------------------- theory


def theory_curve(kappa: float, alpha: float, beta_min: float, beta_max: float, count: int) -> dict:
    """The replica-symmetric phase diagram of one (κ, α) over a log grid of β, and its transitions."""
    started = time.perf_counter()
    diagram = margin_replica.phase_diagram(kappa, alpha, np.geomspace(beta_min, beta_max, count))
    found = margin_replica.transitions(diagram)
    print(f"[theory κ={kappa}, α={alpha}] {count} values of β in {time.perf_counter() - started:.1f} s: {found}", file=sys.stderr)
    table = pd.DataFrame(diagram)
    return {"diagram": table, "transitions": pd.DataFrame([{"kappa": kappa, "alpha": alpha, **found}])}


def theory_versus_alpha(kappa: float, beta: float, alphas: list[float]) -> dict:
    """P2 theory: the equilibrium ε against α with pre-training at β and without (β = 0)."""
    channels = margin_replica.Channels(kappa)
    tables = margin_replica.tabulate(channels)
    rows = []
    for b in (0.0, beta):
        for alpha in alphas:
            points = [p for p in margin_replica.fixed_points(channels, b, float(alpha), tables) if p.stable]
            best = max(points, key=lambda p: p.free_entropy)
            rows.append({"kappa": kappa, "beta": b, "alpha": float(alpha), "q": best.q,
                         "error": float(margin_replica.generalisation_error(best.q, kappa)[0])})
    return {"curves": pd.DataFrame(rows)}


# ---------------------------------------------------------------- message passing at finite N


def _instance(kappa: float, size: int, max_unlabelled: int, labelled: int, rng: np.random.Generator):
    teacher = gap_data.teacher(size, rng)
    pool = gap_data.inputs(max_unlabelled, teacher, kappa, rng)
    x_labelled = gap_data.inputs(labelled, teacher, kappa, rng)
    return teacher, pool, x_labelled, gap_data.labels(x_labelled, teacher)


def _run(teacher, unlabelled, labelled, y, kappa, init, rng, iterations, damping, tolerance) -> dict:
    size = len(teacher)
    start = teacher.copy() if init == "informative" else 1e-3 * rng.standard_normal(size)
    out = margin_gamp.pretrain_then_finetune(unlabelled, labelled, y, kappa, start, iterations, damping, tolerance)
    m = out["m"]
    last = out["stages"]["finetuning" if "finetuning" in out["stages"] else "pretraining"]
    r = float(m @ teacher / size)
    return {"R": r, "q": float(m @ m / size), "error": float(margin_replica.generalisation_error(max(r, 0.0), kappa)[0]),
            "iterations": last[0], "converged": last[1]}


def gamp_points(
    kappa: float, alpha: float, size: int, betas: list[float], instances: int,
    iterations: int, damping: float, tolerance: float, seed: int,
) -> dict:
    """GAMP on ``instances`` data sets of N = ``size`` for each β, from both initialisations.

    The unlabelled sets are nested (the first βN inputs of one pool), so the points of one
    instance form a curve. ``uninformative`` starts at a tiny random vector and follows
    the lower branch; ``informative`` starts at the teacher and follows the upper one.
    """
    rows = []
    started = time.perf_counter()
    for instance in range(instances):
        rng = np.random.default_rng([seed, instance, size, int(round(1000 * kappa)), int(round(1000 * alpha))])
        teacher, pool, x_labelled, y = _instance(kappa, size, int(round(max(betas) * size)), int(round(alpha * size)), rng)
        for beta in betas:
            unlabelled = pool[: int(round(beta * size))]
            for init in INITS:
                result = _run(teacher, unlabelled, x_labelled, y, kappa, init, rng, iterations, damping, tolerance)
                rows.append({"kappa": kappa, "alpha": alpha, "N": size, "beta": float(beta), "instance": instance, "init": init, **result})
        print(f"[GAMP κ={kappa}, α={alpha}, N={size}] instance {instance + 1}/{instances} "
              f"({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    return {"points": pd.DataFrame(rows)}


def gamp_versus_alpha(kappa: float, beta: float, alphas: list[float], size: int, instances: int,
                      iterations: int, damping: float, tolerance: float, seed: int) -> dict:
    """P2 at finite N: GAMP from the uninformative start, with pre-training at β and without, per α."""
    rows = []
    for instance in range(instances):
        rng = np.random.default_rng([seed, instance, size, 2])
        teacher, pool, labelled_pool, y_pool = _instance(kappa, size, int(round(beta * size)), int(round(max(alphas) * size)), rng)
        for b in (0.0, beta):
            for alpha in alphas:
                k = int(round(alpha * size))
                result = _run(teacher, pool[: int(round(b * size))], labelled_pool[:k], y_pool[:k], kappa, "uninformative",
                              rng, iterations, damping, tolerance)
                rows.append({"kappa": kappa, "beta": b, "alpha": float(alpha), "N": size, "instance": instance, **result})
    return {"points": pd.DataFrame(rows)}


# ---------------------------------------------------------------- the former model, as a comparison


def analogue_curves(strengths: list[float], alpha: float, beta_min: float, beta_max: float, count: int) -> dict:
    """N → ∞ error of the solvable analogue (Gaussian clusters, PCA pre-training, Hebbian fine-tuning:
    :mod:`deepinside.perceptron_pretraining`), whose transition is continuous (BBP, β_c = 1/b⁴)."""
    betas = np.geomspace(beta_min, beta_max, count)
    rows = []
    for b in strengths:
        r = perceptron_pretraining.finetuned_overlap_theory(np.full_like(betas, alpha), betas, b)
        rows += [{"strength": b, "alpha": alpha, "beta": float(beta), "error": float(e)}
                 for beta, e in zip(betas, perceptron_pretraining.generalisation_error(r, b))]
    return {"curves": pd.DataFrame(rows)}


# ---------------------------------------------------------------- claims


def _branch_prediction(diagram: pd.DataFrame, beta: float, init: str) -> float:
    """q* of the branch an initialisation follows: the lowest stable fixed point (uninformative) or the highest."""
    stable = diagram[np.isclose(diagram["beta"], beta)]["q"]
    return float(stable.min() if init == "uninformative" else stable.max())


def _diagram_at(kappa: float, alpha: float, betas) -> pd.DataFrame:
    """The stable fixed points at exactly the simulated β."""
    return pd.DataFrame(margin_replica.phase_diagram(kappa, alpha, np.asarray(sorted(set(betas)))))


def phase_transition(transitions: list[pd.DataFrame], points: list[pd.DataFrame]) -> dict:
    """P1 claims: a discontinuous transition for the hardest task, its trend with κ and α, GAMP against the theory, hysteresis."""
    found = pd.concat(transitions, ignore_index=True).sort_values(["alpha", "kappa"])
    gamp = pd.concat(points, ignore_index=True) if points else pd.DataFrame()
    alphas = sorted(found["alpha"].unique())
    hardest = float(found["kappa"].min())
    small = found[found["alpha"] == alphas[0]].set_index("kappa")
    hard_row = small.loc[hardest]
    rows = [
        claims.claim(
            TALK, "P1",
            f"the transition is discontinuous for the hardest task (jump of the equilibrium ε at β_t, κ = {hardest:g}, α = {alphas[0]:g})",
            hard_row["jump"], ">", 0.01,
            f"β_t = {hard_row['beta_transition']:.3g}, spinodals {hard_row['spinodal_low']:.3g}–{hard_row['spinodal_high']:.3g} "
            "(NaN: one stable branch only, a continuous onset); all (κ, α): "
            + "; ".join(f"κ={r.kappa:g}, α={r.alpha:g}: " + (f"first order, β_t {r.beta_transition:.3g}, jump {r.jump:.2f}"
                                                             if r.first_order else f"continuous, β* {r.beta_transition:.3g}")
                        for r in found.itertuples()),
        ),
        claims.claim(
            TALK, "P1",
            f"easier tasks need fewer unlabelled examples (Spearman ρ of κ vs the transition β, α = {alphas[0]:g})",
            spearmanr(small.index, small["beta_transition"]).statistic, "<", 0.0,
            ", ".join(f"κ={k:g}: {b:.3g}" for k, b in small["beta_transition"].items()),
        ),
    ]
    if len(alphas) > 1:
        large = found[found["alpha"] == alphas[-1]].set_index("kappa")
        rows.append(claims.claim(
            TALK, "P1",
            f"labelled data shift the transition to fewer unlabelled examples (β_t at α = {alphas[-1]:g} / at α = {alphas[0]:g}, κ = {hardest:g})",
            large.loc[hardest, "beta_transition"] / hard_row["beta_transition"], "<", 1.0,
            f"and soften it: first order at α = {alphas[0]:g}: {bool(hard_row['first_order'])}, at α = {alphas[-1]:g}: "
            f"{bool(large.loc[hardest, 'first_order'])}",
        ))
    if not gamp.empty:
        largest = int(gamp["N"].max())
        mean = gamp[gamp["N"] == largest].groupby(["kappa", "alpha", "beta", "init"])["R"].agg(["mean", "std", "count"]).reset_index()
        deviations = []
        for (kappa, alpha), part in mean.groupby(["kappa", "alpha"]):
            diagram = _diagram_at(kappa, alpha, part["beta"])
            for row in part.itertuples():
                predicted = _branch_prediction(diagram, row.beta, row.init)
                deviations.append((abs(row.mean - predicted), kappa, alpha, row.beta, row.init, row.mean, predicted))
        worst = max(deviations)
        sizes = np.array([d[0] for d in deviations])
        rows.append(claims.claim(
            TALK, "P1",
            f"message passing at finite N follows the replica theory (largest |mean R_GAMP − q* of its branch| over the sweep, N = {largest})",
            worst[0], "<=", 0.1,
            f"median deviation {np.median(sizes):.3f}, {np.mean(sizes <= 0.1):.0%} of {len(sizes)} (κ, α, β, start) points within 0.1; "
            f"worst at κ = {worst[1]:g}, α = {worst[2]:g}, β = {worst[3]:.3g}, {worst[4]} start: R = {worst[5]:.3f} vs {worst[6]:.3f}; "
            "uninformative starts are compared with the lowest stable branch, informative ones with the highest",
        ))
        for alpha in alphas:
            window = found[found["alpha"] == alpha].set_index("kappa")
            low, high = window.loc[hardest, "spinodal_low"], window.loc[hardest, "spinodal_high"]
            inside = mean[(mean["kappa"] == hardest) & (mean["alpha"] == alpha) & (mean["beta"] >= low) & (mean["beta"] <= high)]
            pivot = inside.pivot(index="beta", columns="init", values="mean")
            width = float((pivot["informative"] - pivot["uninformative"]).max()) if len(pivot) else float("nan")
            if np.isfinite(low):
                rows.append(claims.claim(
                    TALK, "P1",
                    f"learning gets stuck in the metastable branch: hysteresis at finite N (largest R gap between the informative and "
                    f"uninformative starts inside the spinodal interval, κ = {hardest:g}, α = {alpha:g}, N = {largest})",
                    width, ">", 0.1,
                    f"spinodal interval β ∈ [{low:.3g}, {high:.3g}], {len(pivot)} simulated β inside (NaN: none)",
                ))
    return {"transitions": found, "claims": claims.table(rows)}


def pretraining_potential(curves: pd.DataFrame, points: list[pd.DataFrame]) -> dict:
    """P2: pre-training raises the attainable performance (checks: a Bayes-optimal model cannot lose from more
    data), and fine-tuning by message passing at finite N reaches that potential (a claim)."""
    pivot = curves.pivot(index="alpha", columns="beta", values="error").sort_index()
    gain = pivot[0.0] - pivot[curves["beta"].max()]
    rows = [
        claims.claim(TALK, "P2", f"pre-training raises the attainable performance (theory ε without − with, at α = {gain.index[0]:g})",
                     gain.iloc[0], ">", 0.0, "a check: unlabelled data cannot raise a Bayes-optimal error", kind="check"),
        claims.claim(TALK, "P2", "the gain from pre-training shrinks as labelled data grow (gain at the smallest α − at the largest)",
                     gain.iloc[0] - gain.iloc[-1], ">", 0.0, "a check: both errors go to 0 as α grows", kind="check"),
    ]
    if points:
        gamp = pd.concat(points, ignore_index=True)
        largest = int(gamp["N"].max())
        mean = gamp[gamp["N"] == largest].groupby(["beta", "alpha"])["error"].mean()
        theory = curves.set_index(["beta", "alpha"])["error"]
        deviation = (mean - theory.reindex(mean.index)).abs()
        worst = deviation.idxmax()
        rows.append(claims.claim(
            TALK, "P2",
            f"supervised fine-tuning (message passing from an uninformative start) reaches the potential the theory predicts "
            f"(largest |ε_GAMP − ε_theory| over α, with and without pre-training, N = {largest})",
            float(deviation.max()), "<=", 0.05,
            f"worst at β = {worst[0]:g}, α = {worst[1]:.3g}; mean over {gamp['instance'].nunique()} instances",
        ))
    return {"curves": curves, "claims": claims.table(rows)}
