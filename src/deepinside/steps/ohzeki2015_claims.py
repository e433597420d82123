"""Claim values of the ohzeki2015 talk, read off the theory's tables and the message-passing runs.

Kept apart from :mod:`deepinside.steps.ohzeki2015` (which solves the replica theory and runs
GAMP) so that editing how a claim is measured re-runs these light steps, never GAMP. The
statements and thresholds are in the figures' specs, ``workflow/figures.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from deepinside.claims import values
from deepinside.steps.ohzeki2015 import INITS, start_overlap
from deepinside.theory import margin_replica


def _reached(channels: margin_replica.Channels, tables: dict, alpha: float, betas, q0: float) -> dict:
    """{β: q of the fixed point state evolution from q0 reaches (pre-training, then fine-tuning)} at the simulated β."""
    return {
        float(b): margin_replica.staged_fixed_point(channels, float(b), alpha, q0, tables).q for b in sorted(set(betas))
    }


MIN_STATIONARY = 0.5  # a point rests on its runs only where at least half of them reached a stationary state


def _points(gamp: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Per point, the mean of ``value`` over every run, the runs, and how many reached a stationary state."""
    return (
        gamp.assign(stationary=gamp["stationary"].astype(bool))
        .groupby(keys)
        .agg(mean=(value, "mean"), runs=(value, "size"), stationary=("stationary", "sum"))
        .reset_index()
    )


def _unsettled(points: pd.DataFrame) -> pd.DataFrame:
    """The points where fewer than half of the runs reached a stationary state."""
    return points[points["stationary"] < MIN_STATIONARY * points["runs"]]


def _count_note(points: pd.DataFrame) -> str:
    return (
        f"every run used (R and ε averaged over its last window); {int(points['stationary'].sum())} of "
        f"{int(points['runs'].sum())} runs reached a stationary state"
    )


def phase_transition(
    transitions: list[pd.DataFrame], points: list[pd.DataFrame], informative_overlap: float = 0.95
) -> dict:
    """P1: the theory's transition (discontinuous for the hardest task, its trend with κ and α),
    message passing at finite N against the theory, and hysteresis at finite N per α."""
    found = pd.concat(transitions, ignore_index=True).sort_values(["alpha", "kappa"])
    gamp = pd.concat(points, ignore_index=True) if points else pd.DataFrame()
    alphas = sorted(found["alpha"].unique())
    hardest = float(found["kappa"].min())
    small = found[found["alpha"] == alphas[0]].set_index("kappa")
    hard_row = small.loc[hardest]
    rows = [
        values.value(
            "discontinuous",
            hard_row["jump"],
            note=f"β_t = {hard_row['beta_transition']:.3g}, spinodals {hard_row['spinodal_low']:.3g}–{hard_row['spinodal_high']:.3g} "
            "(NaN: one stable branch only, a continuous onset); all (κ, α): "
            + "; ".join(
                f"κ={r.kappa:g}, α={r.alpha:g}: "
                + (
                    f"first order, β_t {r.beta_transition:.3g}, jump {r.jump:.2f}"
                    if r.first_order
                    else f"continuous, β* {r.beta_transition:.3g}"
                )
                for r in found.itertuples()
            ),
            kappa=hardest,
            alpha=alphas[0],
        ),
        values.value(
            "easier_sooner",
            spearmanr(small.index, small["beta_transition"]).statistic,
            note=", ".join(f"κ={k:g}: {b:.3g}" for k, b in small["beta_transition"].items()),
            alpha=alphas[0],
        ),
    ]
    if len(alphas) > 1:
        large = found[found["alpha"] == alphas[-1]].set_index("kappa")
        rows.append(
            values.value(
                "labels_shift",
                large.loc[hardest, "beta_transition"] / hard_row["beta_transition"],
                note=f"and soften it: first order at α = {alphas[0]:g}: {bool(hard_row['first_order'])}, at α = {alphas[-1]:g}: "
                f"{bool(large.loc[hardest, 'first_order'])}",
                kappa=hardest,
                small=alphas[0],
                large=alphas[-1],
            )
        )
    if gamp.empty:
        return {"transitions": found, "claims": values.table(rows)}
    largest = int(gamp["N"].max())
    mean = _points(gamp[gamp["N"] == largest], ["kappa", "alpha", "beta", "init"], "R")
    deviations = []
    theory = {}  # the channel integrals depend on κ only: tabulated once per κ
    for (kappa, alpha, init), part in mean.groupby(["kappa", "alpha", "init"]):
        if kappa not in theory:
            channels = margin_replica.Channels(kappa)
            theory[kappa] = (channels, margin_replica.tabulate(channels))
        reached = _reached(*theory[kappa], alpha, part["beta"], start_overlap(init, informative_overlap))
        for row in part.itertuples():
            predicted = reached[float(row.beta)]
            deviations.append((abs(row.mean - predicted), kappa, alpha, row.beta, row.init, row.mean, predicted))
    worst = max(deviations) if deviations else (float("nan"),) * 7
    sizes = np.array([d[0] for d in deviations])
    unsettled = _unsettled(mean)
    rows.append(
        values.value(
            "gamp_follows_theory",
            worst[0],
            untrusted=(
                f"{len(unsettled)} of {len(mean)} (κ, α, β, start) points have fewer than half of their runs in a "
                "stationary state"
                if len(unsettled)
                else ""
            ),
            note=f"median deviation {np.median(sizes):.3f}, {np.mean(sizes <= 0.1):.0%} of {len(sizes)} (κ, α, β, start) points within 0.1; "
            f"worst at κ = {worst[1]:g}, α = {worst[2]:g}, β = {worst[3]:.3g}, {worst[4]} start: R = {worst[5]:.3f} vs {worst[6]:.3f}; "
            f"starts: a 10⁻³ random vector, or overlap {informative_overlap:g} with the teacher; {_count_note(mean)}",
            N=largest,
        )
    )
    for alpha in alphas:
        window = found[found["alpha"] == alpha].set_index("kappa")
        low, high = window.loc[hardest, "spinodal_low"], window.loc[hardest, "spinodal_high"]
        inside = mean[
            (mean["kappa"] == hardest) & (mean["alpha"] == alpha) & (mean["beta"] > low) & (mean["beta"] < high)
        ]
        pivot = inside.pivot(index="beta", columns="init", values="mean")
        both = pivot.dropna(subset=list(INITS)) if set(INITS) <= set(pivot.columns) else pivot.iloc[0:0]
        gaps = (both["informative"] - both["uninformative"]) if len(both) else pd.Series(dtype=float)
        width = float(gaps.max()) if len(gaps) else float("nan")
        # the β that decides, and whether its runs from both starts reached a state
        decisive = inside[inside["beta"] == gaps.idxmax()] if len(gaps) else inside.iloc[0:0]
        # always a row: a continuous transition (no spinodal interval) or no simulated β inside leaves it NaN
        interval = (
            f"spinodal interval β ∈ [{low:.3g}, {high:.3g}]"
            if np.isfinite(low)
            else "no spinodal interval: the theory's transition is continuous here"
        )
        rows.append(
            values.value(
                "hysteresis",
                width if np.isfinite(low) else float("nan"),
                key=alpha,
                null=0.0,
                untrusted=(
                    f"at the deciding β = {float(decisive['beta'].iloc[0]):.3g} fewer than half of the runs of a start "
                    "reached a stationary state"
                    if len(_unsettled(decisive))
                    else ""
                ),
                note=f"{interval}, {len(both)} simulated β inside with runs from both starts (NaN: none); "
                + (", ".join(f"β = {b:.3g}: gap {g:+.3f}" for b, g in gaps.items()) + "; " if len(gaps) else "")
                + _count_note(inside if len(inside) else mean),
                kappa=hardest,
                N=largest,
            )
        )
    return {"transitions": found, "claims": values.table(rows)}


def pretraining_potential(curves: pd.DataFrame, points: list[pd.DataFrame]) -> dict:
    """P2: pre-training raises the attainable performance and its gain shrinks with labelled data
    (checks), the theory's branch gets stuck at small α (theory), and fine-tuning by message passing
    at finite N follows the branch state evolution reaches from its start."""
    equilibrium = curves[curves["equilibrium"]]
    reached = curves[curves["reached"]]
    pivot = equilibrium.pivot(index="alpha", columns="beta", values="error").sort_index()
    beta = curves["beta"].max()
    gain = pivot[0.0] - pivot[beta]
    stuck = (reached[reached["beta"] == beta].set_index("alpha")["error"] - pivot[beta]).sort_index()
    coexisting = curves[(curves["beta"] == beta) & (curves["branches"] > 1)]["alpha"].unique()
    where = (
        f"at β = {beta:g} two stable branches coexist for α ∈ [{coexisting.min():.3g}, {coexisting.max():.3g}] of the grid"
        if len(coexisting)
        else f"at β = {beta:g} one stable branch at every α of the grid"
    )
    rows = [
        values.value("raises_potential", gain.iloc[0], alpha=gain.index[0]),
        values.value("gain_shrinks", gain.iloc[0] - gain.iloc[-1]),
        values.value(
            "stuck_small_alpha",
            float(stuck.max()),
            note=f"{where}; " + ", ".join(f"α={a:.3g}: +{d:.3f}" for a, d in stuck.items() if d > 1e-6),
        ),
    ]
    if points:
        gamp = pd.concat(points, ignore_index=True)
        largest = int(gamp["N"].max())
        runs = _points(gamp[gamp["N"] == largest], ["beta", "alpha"], "error").set_index(["beta", "alpha"])
        target = reached.set_index(["beta", "alpha"])["error"]
        deviation = (runs["mean"] - target.reindex(runs.index)).abs()
        worst = deviation.idxmax()
        unsettled = _unsettled(runs)
        rows.append(
            values.value(
                "finetuning_reaches_branch",
                float(deviation.max()),
                untrusted=(
                    f"{len(unsettled)} of {len(runs)} (β, α) points have fewer than half of their runs in a stationary state"
                    if len(unsettled)
                    else ""
                ),
                note=f"worst at β = {worst[0]:g}, α = {worst[1]:.3g} ({int(runs.loc[worst, 'stationary'])} of "
                f"{int(runs.loc[worst, 'runs'])} runs stationary there); {_count_note(runs)}",
                N=largest,
            )
        )
    return {"claims": values.table(rows)}
