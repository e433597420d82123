"""Figures P1–P2 of the ohzeki2015 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from .style import finish, new_figure, styled


def _difficulty_colours(strengths) -> dict:
    """Red (easy, large b) → blue (hard, small b), as in the talk's figure."""
    ordered = sorted(strengths, reverse=True)
    return dict(zip(ordered, sns.blend_palette(["#d62728", "#7b3fa0", "#1f5fb4"], max(len(ordered), 2))[: len(ordered)]))


def error_vs_beta(sweeps: list[pd.DataFrame], claims: pd.DataFrame, alphas: list[float]) -> dict:
    """P1: generalisation error vs β for several α and difficulties; two N; N → ∞ theory."""
    table = pd.concat(sweeps, ignore_index=True)
    table = table[table["beta"] > 0]
    sizes = sorted(table["N"].unique())
    colours = _difficulty_colours(table["strength"].unique())
    with styled():
        fig = new_figure(5.5 * len(alphas), 4.8)
        axes = np.atleast_1d(fig.subplots(1, len(alphas), sharey=True))
        for ax, alpha in zip(axes, alphas):
            part = table[np.isclose(table["alpha"], alpha)]
            for strength, group in part.groupby("strength"):
                colour = colours[strength]
                theory = group.groupby("beta")["error_theory"].first()
                ax.plot(theory.index, theory.values, color=colour, lw=1.2)
                for n, marker, fill in zip(sizes, ("o", "s"), ("none", colour)):
                    stats = group[group["N"] == n].groupby("beta")["error"].agg(["mean", "std"])
                    ax.errorbar(stats.index, stats["mean"], yerr=stats["std"], fmt=marker, ms=3.5, mfc=fill, color=colour,
                                capsize=1.5, lw=0.7, label=f"b = {strength:g}, N = {n}")
                ax.axvline(1 / strength**4, color=colour, ls=":", lw=0.8)
            ax.set_xscale("log")
            ax.set_xlabel("β (unlabelled examples / N)")
            ax.set_ylabel("generalisation error ε")
            ax.set_title(f"α = {alpha:g} labelled examples / N")
        axes[-1].legend(fontsize=7, ncol=2)
    return finish(fig, "P1 — error vs unsupervised data β: a transition at β_c = 1/b⁴", claims,
                  "Markers: mean ± sd over seeds (hollow: small N, filled: large N); lines: N → ∞ theory; dotted: β_c. "
                  "Red → blue: harder tasks (weaker cluster structure b).")


def error_vs_alpha(curves: pd.DataFrame, claims: pd.DataFrame, fixed_beta: float) -> dict:
    """P2: generalisation error vs α at fixed β, with and without pre-training."""
    with styled():
        fig = new_figure(7.5, 4.8)
        ax = fig.subplots()
        for beta, label, colour in ((fixed_beta, f"pre-trained on β = {fixed_beta:g}", "tab:red"), (0.0, "no pre-training (random start)", "tab:blue")):
            part = curves[curves["beta"] == beta]
            stats = part.groupby("alpha")["error"].agg(["mean", "std"])
            theory = part.groupby("alpha")["error_theory"].first()
            ax.errorbar(stats.index, stats["mean"], yerr=stats["std"], fmt="o", ms=4, color=colour, capsize=2, label=f"{label} (N = {part['N'].iloc[0]})")
            ax.plot(theory.index, theory.values, color=colour, lw=1.2)
        ax.set_xscale("log")
        ax.set_xlabel("α (labelled examples / N)")
        ax.set_ylabel("generalisation error ε")
        ax.legend()
    strength = curves["strength"].iloc[0]
    return finish(fig, f"P2 — error vs supervised data α at fixed β (b = {strength:g})", claims, "Lines: N → ∞ theory.")
