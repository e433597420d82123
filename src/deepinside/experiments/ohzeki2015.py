"""Steps of the ohzeki2015 talk (seed 003 §2): a phase transition when pre-training meets fine-tuning.

One sweep job per (N, cluster strength b) curve family; the claims compare curves.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from .. import claims
from .. import perceptron_pretraining as model

TALK = "ohzeki2015"


def log_grid(low: float, high: float, count: int) -> np.ndarray:
    return np.logspace(np.log10(low), np.log10(high), count)


def sweep(n: int, strength: float, betas: list[float], alphas: list[float], seeds: int, seed: int) -> dict:
    """Overlap and generalisation error for every (seed, β, α), with the N → ∞ theory.

    Within one seed the unlabelled and labelled examples are nested (the first βN and
    αN of one pool), so each seed's curve over β is smooth; β = 0 means no pre-training
    (a random initial direction). The sample covariance is accumulated as β grows.
    """
    betas = np.sort(np.asarray(betas, dtype=float))
    alphas = np.sort(np.asarray(alphas, dtype=float))
    rows = []
    started = time.perf_counter()
    for s in range(seeds):
        rng = np.random.default_rng([seed, n, int(round(strength * 1000)), s])
        w_star = model.teacher(n, rng)
        pool = model.sample_inputs(w_star, int(round(betas.max() * n)), strength, rng)
        labelled = model.sample_inputs(w_star, int(round(alphas.max() * n)), strength, rng)
        y = model.labels(w_star, labelled)
        random_start = model.teacher(n, rng)  # a random unit vector: "no pre-training"
        covariance = np.zeros((n, n))
        used = 0
        for beta in betas:
            m = int(round(beta * n))
            if m > used:
                chunk = pool[used:m]
                covariance += chunk.T @ chunk
                used = m
            if m == 0:
                direction = random_start
            else:
                _, vectors = np.linalg.eigh(covariance / used)
                direction = vectors[:, -1]
            r_pre = abs(float(direction @ w_star))
            for alpha in alphas:
                p = int(round(alpha * n))
                student = model.finetune(direction, labelled[:p], y[:p])
                r = model.overlap(student, w_star)
                rows.append({"N": n, "strength": strength, "seed": s, "beta": beta, "alpha": alpha, "R_pretrained": r_pre, "R": r})
        print(f"[N={n}, b={strength}] seed {s + 1}/{seeds} ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    table["error"] = model.generalisation_error(table["R"].to_numpy(), strength)
    table["R_theory"] = model.finetuned_overlap_theory(table["alpha"].to_numpy(), table["beta"].to_numpy(), strength)
    table["error_theory"] = model.generalisation_error(table["R_theory"].to_numpy(), strength)
    table["beta_critical"] = 1.0 / strength**4
    return {"sweep": table}


def _bootstrap(values: np.ndarray, statistic, resamples: int = 200, seed: int = 0) -> float:
    """Standard error of ``statistic`` over seeds (rows of ``values``) by the bootstrap."""
    rng = np.random.default_rng(seed)
    n = len(values)
    estimates = [statistic(values[rng.integers(0, n, n)]) for _ in range(resamples)]
    return float(np.std(estimates, ddof=1))


def s_curve(x: np.ndarray, low: float, high: float, centre: float, width: float) -> np.ndarray:
    """Logistic S-curve in x = log10 β: from ``high`` down to ``low`` around ``centre``."""
    return low + (high - low) / (1.0 + np.exp((x - centre) / width))


def fit_s_curve(betas: np.ndarray, errors: np.ndarray) -> dict:
    """Least-squares S-curve through a mean ε(β); its steepest slope −dε/dlog10β = (high − low)/(4 width)."""
    from scipy.optimize import curve_fit

    x = np.log10(betas)
    start = [errors.min(), errors.max(), x[np.argmin(np.abs(errors - (errors.min() + errors.max()) / 2))], 0.2]
    bounds = ([0.0, 0.0, x.min() - 1, 0.01], [0.5, 0.5, x.max() + 1, 5.0])
    (low, high, centre, width), _ = curve_fit(s_curve, x, errors, p0=start, bounds=bounds, maxfev=20000)
    return {"low": low, "high": high, "centre": 10**centre, "width": width, "slope": (high - low) / (4 * width)}


def drop_above(betas: np.ndarray, errors: np.ndarray, beta_critical: float) -> float:
    """Share of the total fall of ε over the grid that happens at β > β_c (1 for a sharp transition)."""
    total = errors[0] - errors[-1]
    at_critical = np.interp(np.log10(beta_critical), np.log10(betas), errors)
    return float((at_critical - errors[-1]) / total) if total > 0 else float("nan")


def _curves(table: pd.DataFrame, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    part = table[np.isclose(table["alpha"], alpha) & (table["beta"] > 0)]
    pivot = part.pivot(index="seed", columns="beta", values="error").sort_index(axis=1)
    return pivot.to_numpy(), pivot.columns.to_numpy()


def phase_transition(sweeps: list[pd.DataFrame], alpha: float) -> dict:
    """P1 claims: ε(β) falls past β_c = 1/b⁴ (S-shaped), and more steeply for larger N.

    The steepest slope and where it is come from an S-curve fitted to the seed-mean
    ε(β) (a finite difference of a noisy mean would favour the noisier, smaller N);
    standard errors from refitting bootstrap resamples of the seeds.
    """
    table = pd.concat(sweeps, ignore_index=True)
    sizes = sorted(table["N"].unique())
    summary = []
    for strength, part in table.groupby("strength"):
        beta_c = 1.0 / strength**4
        for n in sizes:
            curves, betas = _curves(part[part["N"] == n], alpha)
            fit = fit_s_curve(betas, curves.mean(axis=0))
            summary.append({
                "strength": strength, "N": n, "alpha": alpha, "beta_critical": beta_c, "seeds": len(curves),
                "steepest_slope": fit["slope"], "slope_se": _bootstrap(curves, lambda c: fit_s_curve(betas, c.mean(axis=0))["slope"]),
                "steepest_at": fit["centre"], "drop_above_critical": drop_above(betas, curves.mean(axis=0), beta_c),
                "drop_above_se": _bootstrap(curves, lambda c: drop_above(betas, c.mean(axis=0), beta_c)),
            })
    summary = pd.DataFrame(summary)
    large, small = summary[summary["N"] == sizes[-1]], summary[summary["N"] == sizes[0]]
    rows = [
        claims.claim(
            TALK, "P1",
            f"S-shaped drop: ε falls steeply past the critical β_c = 1/b⁴ (share of the fall above β_c; N = {sizes[-1]}, α = {alpha:g}, median over b)",
            float(large["drop_above_critical"].median()), ">=", 0.8,
            "steepest slope −dε/dlog10β (S-curve fit) " + "; ".join(
                f"b={b:g}: {s:.3f} at β={w:.3g} (β_c={c:.3g})"
                for b, s, w, c in zip(large["strength"], large["steepest_slope"], large["steepest_at"], large["beta_critical"])),
        ),
    ]
    gain = large["steepest_slope"].to_numpy() - small["steepest_slope"].to_numpy()
    se = float(np.sqrt((large["slope_se"].to_numpy() ** 2 + small["slope_se"].to_numpy() ** 2).mean()))
    rows.append(claims.claim(
        TALK, "P1",
        f"the transition sharpens as N grows (steepest slope at N = {sizes[-1]} − at N = {sizes[0]}, mean over b)",
        float(gain.mean()), ">", round(2 * se, 6),
        "; ".join(f"b={b:g}: {s1:.3f} vs {s0:.3f}" for b, s1, s0 in zip(large["strength"], large["steepest_slope"], small["steepest_slope"]))
        + f"; share of the fall above β_c: N={sizes[0]} {small['drop_above_critical'].median():.2f}, N={sizes[-1]} "
        f"{large['drop_above_critical'].median():.2f}; threshold = 2 bootstrap standard errors over seeds",
    ))
    return {"summary": summary, "claims": claims.table(rows)}


def pretraining_potential(sweep: pd.DataFrame, fixed_beta: float) -> dict:
    """P2 claims: at fixed β, pre-training lowers ε for few labels; more labels close the gap."""
    part = sweep[sweep["beta"].isin([0.0, fixed_beta])]
    with_pre = part[part["beta"] == fixed_beta].pivot(index="seed", columns="alpha", values="error").sort_index(axis=1)
    without = part[part["beta"] == 0.0].pivot(index="seed", columns="alpha", values="error").sort_index(axis=1)
    gain = (without - with_pre).to_numpy()  # seeds × alphas
    alphas = with_pre.columns.to_numpy()
    mean_gain = gain.mean(axis=1)
    closing = gain[:, 0] - gain[:, -1]
    se_mean = mean_gain.std(ddof=1) / np.sqrt(len(mean_gain))
    se_closing = closing.std(ddof=1) / np.sqrt(len(closing))
    rows = [
        claims.claim(
            TALK, "P2",
            f"pre-training (β = {fixed_beta:g}) raises the attainable performance (ε without − with pre-training, mean over α)",
            float(mean_gain.mean()), ">", round(float(2 * se_mean), 6),
            f"at α={alphas[0]:g}: {gain[:, 0].mean():.3f}, at α={alphas[-1]:g}: {gain[:, -1].mean():.3f}; threshold = 2 standard errors over seeds",
        ),
        claims.claim(
            TALK, "P2",
            "supervised data reaches it: the gain from pre-training shrinks as labelled data grow (gain at the smallest α − at the largest)",
            float(closing.mean()), ">", round(float(2 * se_closing), 6),
            f"ε with pre-training {with_pre.to_numpy()[:, 0].mean():.3f} → {with_pre.to_numpy()[:, -1].mean():.3f}, "
            f"without {without.to_numpy()[:, 0].mean():.3f} → {without.to_numpy()[:, -1].mean():.3f}",
        ),
    ]
    return {"curves": part.reset_index(drop=True), "claims": claims.table(rows)}
