"""Figures P1–P2 of the ohzeki2015 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from deepinside.plots.style import finish, new_figure, styled

MODEL_NOTE = (
    "Model: a reconstruction of Ohzeki 2015 (margin pre-training on unlabelled gap data, fine-tuning with labels, "
    "replica-symmetric theory, message passing); the paper's body could not be consulted."
)


def _difficulty_colours(values) -> dict:
    """Red (easy) → blue (hard), as the talk's figure: a larger κ (or cluster strength) is easier."""
    ordered = sorted(values)  # hardest first
    return dict(zip(ordered, sns.color_palette("coolwarm", len(ordered))))


def _unsettled_runs(points: pd.DataFrame) -> int:
    """Runs that did not reach a stationary state (they are drawn too: their last window's average)."""
    return int((~points["stationary"].astype(bool)).sum()) if "stationary" in points else 0


SIZE_MARKERS = ("o", "s", "^", "D")


def size_offsets(sizes: list[int], spread: float = 0.03) -> dict:
    """A factor per system size that moves its points apart on a log β axis (the smallest N left, the largest
    right, at most ``spread`` in log10 between neighbours), so points of two N at one β do not hide each other."""
    middle = (len(sizes) - 1) / 2
    return {size: 10 ** (spread * (i - middle)) for i, size in enumerate(sizes)}


def _gamp_markers(ax, points: pd.DataFrame, colour, sizes: list[int]) -> None:
    markers = dict(zip(sizes, SIZE_MARKERS))
    offsets = size_offsets(sizes)
    for (size, init), part in points.groupby(["N", "init"]):
        stats = part.groupby("beta")["error"].agg(["mean", "std"]).reset_index()
        filled = init == "informative"
        ax.errorbar(
            stats["beta"] * offsets[size],
            stats["mean"],
            yerr=stats["std"],
            ls="none",
            marker=markers[size],
            ms=5,
            capsize=2,
            color=colour,
            markerfacecolor=colour if filled else "white",
            zorder=3,
        )


def _marker_legend(ax, sizes: list[int]) -> None:
    """A second legend for what the GAMP markers mean: shape = N, filled/open = the start."""
    handles = [
        Line2D([], [], ls="none", marker=marker, color="grey", markerfacecolor="white", label=f"GAMP, N = {size}")
        for size, marker in zip(sizes, SIZE_MARKERS)
    ] + [
        Line2D([], [], ls="none", marker="o", color="grey", markerfacecolor="grey", label="started near the teacher"),
        Line2D([], [], ls="none", marker="o", color="grey", markerfacecolor="white", label="from a random vector"),
    ]
    first = ax.get_legend()
    ax.legend(handles=handles, fontsize=8, loc="upper right", title="points (every run)", title_fontsize=7)
    if first is not None:
        ax.add_artist(first)


def error_vs_beta(
    diagrams: list[pd.DataFrame],
    transitions: pd.DataFrame,
    points: list[pd.DataFrame],
    analogue: pd.DataFrame,
    claims: pd.DataFrame,
) -> dict:
    """P1: ε vs β for several gaps κ, one panel per α: replica theory (equilibrium solid, metastable dashed,
    spinodals marked), GAMP points at two N and two initialisations; the former analogue in a third panel."""
    theory = pd.concat(diagrams, ignore_index=True)
    gamp = pd.concat(points, ignore_index=True) if points else pd.DataFrame(columns=["kappa", "alpha"])
    alphas = sorted(theory["alpha"].unique())
    colours = _difficulty_colours(theory["kappa"].unique())
    sizes = sorted(gamp["N"].unique()) if len(gamp) else []
    with styled():
        fig = new_figure(5.2 * (len(alphas) + 1), 5.0)
        axes = np.atleast_1d(fig.subplots(1, len(alphas) + 1))
        for ax, alpha in zip(axes, alphas):
            for kappa, part in theory[theory["alpha"] == alpha].groupby("kappa"):
                colour = colours[kappa]
                equilibrium = part[part["equilibrium"]].sort_values("beta")
                ax.plot(equilibrium["beta"], equilibrium["error"], color=colour, lw=1.8, label=f"κ = {kappa:g}")
                metastable = part[~part["equilibrium"]].merge(
                    equilibrium[["beta", "q"]], on="beta", suffixes=("", "_eq")
                )
                for side in (metastable["q"] > metastable["q_eq"], metastable["q"] < metastable["q_eq"]):
                    branch = metastable[side].sort_values(
                        "beta"
                    )  # above and below the equilibrium: two branches, drawn apart
                    if len(branch):
                        ax.plot(branch["beta"], branch["error"], ls="--", lw=1.2, color=colour)
                row = transitions[(transitions["alpha"] == alpha) & (transitions["kappa"] == kappa)].iloc[0]
                for edge in (row["spinodal_low"], row["spinodal_high"]):
                    if np.isfinite(edge):
                        ax.axvline(edge, color=colour, lw=0.8, ls=":")
                sim = gamp[(gamp["alpha"] == alpha) & (gamp["kappa"] == kappa)]
                if len(sim):
                    _gamp_markers(ax, sim, colour, sizes)
            ax.set_xscale("log")
            ax.set_xlabel("β (unlabelled examples / N)")
            ax.set_ylabel("generalisation error ε")
            ax.set_title(f"α = {alpha:g} labelled examples / N")
            ax.set_ylim(-0.02, 0.6)  # headroom above the curves (ε ≤ 0.42) for the legends, off the data
            ax.legend(fontsize=8, title="gap κ (red easy → blue hard)", title_fontsize=7, loc="upper left", ncol=2)
        if sizes:
            _marker_legend(axes[len(alphas) - 1], sizes)
        ax = axes[-1]
        strength_colours = _difficulty_colours(analogue["strength"].unique())
        for strength, part in analogue.groupby("strength"):
            ax.plot(part["beta"], part["error"], color=strength_colours[strength], lw=1.5, label=f"b = {strength:g}")
        ax.set_xscale("log")
        ax.set_xlabel("β")
        ax.set_title(
            f"comparison, not the talk's model: Gaussian clusters,\nPCA + Hebbian (α = {analogue['alpha'].iloc[0]:g}, N → ∞)",
            fontsize=9,
        )
        ax.set_ylim(-0.02, 0.52)
        ax.legend(fontsize=8, title="cluster strength b", title_fontsize=7)
    markers = ", ".join(f"{m} N = {n}" for m, n in zip(("circles", "squares", "triangles", "diamonds"), sizes))
    left_out = (
        f"Every run is drawn (R and ε averaged over its last window); {_unsettled_runs(gamp)} of {len(gamp)} runs did not "
        "reach a stationary state within the iteration cap. "
        if len(gamp)
        else ""
    )
    return finish(
        fig,
        "P1 — generalisation error vs unlabelled data: a phase transition in β",
        claims,
        "Lines: replica-symmetric theory, equilibrium (solid), metastable branches (dashed), spinodals (dotted). "
        f"Points: message passing (GAMP), mean ± sd over instances ({markers}; sizes moved a little apart in β so both "
        "show); filled: started near the teacher "
        "(informative, overlap 0.95), open: from a random vector (uninformative) — their gap inside the spinodals is the "
        f"hysteresis. {left_out}" + MODEL_NOTE,
    )


def error_vs_alpha(curves: pd.DataFrame, points: list[pd.DataFrame], claims: pd.DataFrame) -> dict:
    """P2: ε vs α at a fixed β past the transition, and without pre-training: every stable branch of the theory
    (equilibrium solid, the others dashed), the branch message passing reaches from an uninformative start
    (state evolution, thin line with crosses), and every GAMP run."""
    gamp = pd.concat(points, ignore_index=True) if points else pd.DataFrame()
    colours = {0.0: "tab:grey"}
    with styled():
        fig = new_figure(12.5, 5.2)
        ax = fig.subplots()
        for beta, part in curves.groupby("beta"):
            colour = colours.get(beta, "tab:red")
            label = "without pre-training (β = 0)" if beta == 0 else f"pre-trained on β = {beta:g} N unlabelled"
            equilibrium = part[part["equilibrium"]].sort_values("alpha")
            ax.plot(
                equilibrium["alpha"], equilibrium["error"], color=colour, lw=1.8, label=f"theory equilibrium, {label}"
            )
            others = part[~part["equilibrium"]].sort_values("alpha")
            if len(others):
                ax.plot(
                    others["alpha"],
                    others["error"],
                    color=colour,
                    lw=1.2,
                    ls="--",
                    marker=".",
                    label=f"theory, other stable branch, {label}",
                )
            reached = part[part["reached"]].sort_values("alpha")
            ax.plot(
                reached["alpha"],
                reached["error"],
                color=colour,
                ls="none",
                marker="x",
                ms=7,
                mew=1.5,
                label=f"branch reached from an uninformative start, {label}",
            )  # markers only: it jumps between branches
            sim = gamp[gamp["beta"] == beta] if len(gamp) else gamp
            for size, marker in zip(sorted(sim["N"].unique()) if len(sim) else [], ("o", "s")):
                stats = sim[sim["N"] == size].groupby("alpha")["error"].agg(["mean", "std"]).reset_index()
                ax.errorbar(
                    stats["alpha"],
                    stats["mean"],
                    yerr=stats["std"],
                    ls="none",
                    marker=marker,
                    ms=5,
                    capsize=2,
                    color=colour,
                    markerfacecolor="white",
                    label=f"GAMP, N = {size} (every run), {label}",
                )
        coexist = curves[(curves["beta"] > 0) & (curves["branches"] > 1)]["alpha"]
        if len(coexist):
            ax.axvspan(coexist.min(), coexist.max(), color="tab:red", alpha=0.07, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("α (labelled examples / N)")
        ax.set_ylabel("generalisation error ε")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: it covered data points
    kappa = curves["kappa"].iloc[0]
    left_out = (
        f"Every GAMP run is drawn (ε averaged over its last window); {_unsettled_runs(gamp)} of {len(gamp)} runs did not "
        "reach a stationary state within the iteration cap. "
        if len(gamp)
        else ""
    )
    where = (
        f"Shaded: the α where two stable branches coexist at β = {curves['beta'].max():g} (a coexistence region, not a "
        "continuous onset): learning from an uninformative start is predicted to stay on the higher-error branch there. "
        if len(coexist)
        else ""
    )
    return finish(
        fig,
        f"P2 — error vs labelled data (gap κ = {kappa:g}): pre-training raises the potential",
        claims,
        where + left_out + MODEL_NOTE,
    )
