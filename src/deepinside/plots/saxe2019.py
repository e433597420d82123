"""Figures S1–S5 of the saxe2019 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from deepinside.plots.style import finish, mode_palette, new_figure, styled


def hierarchy_svd(modes: dict, claims: pd.DataFrame) -> dict:
    """S1: heatmaps of U, S and Vᵀ of Σyx for the four-item world."""
    u, s, vt = modes["u"], modes["s"], modes["vt"]
    items, properties = list(modes["items"]), list(modes["properties"])
    mode_names = [f"mode {a + 1}" for a in range(len(s))]
    with styled():
        fig = new_figure(12, 4.2)
        axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1.1, 1.0, 1.0, 1.0]})
        kw = {"cmap": "RdBu_r", "center": 0.0, "annot": True, "fmt": ".2f", "cbar": False, "square": True}
        sns.heatmap(modes["sigma_yx"], ax=axes[0], xticklabels=items, yticklabels=properties, **kw)
        axes[0].set_title("Σyx (properties × items)")
        sns.heatmap(u, ax=axes[1], xticklabels=mode_names, yticklabels=properties, **kw)
        axes[1].set_title("U: property side of each mode")
        sns.heatmap(np.diag(s), ax=axes[2], xticklabels=mode_names, yticklabels=mode_names, **kw)
        axes[2].set_title("S: singular values")
        sns.heatmap(vt, ax=axes[3], xticklabels=items, yticklabels=mode_names, **kw)
        axes[3].set_title("Vᵀ: item side of each mode")
        for ax in axes:
            ax.tick_params(axis="x", rotation=45)
    return finish(fig, "S1 — SVD of the input–output correlation of a 4-item, 7-property hierarchy", claims)


def mode_dynamics(trajectory: pd.DataFrame, claims: pd.DataFrame, title: str) -> dict:
    """S2/S3: simulated mode strengths a_α(t) with the closed form overlaid."""
    modes = sorted(trajectory["mode"].unique())
    colours = mode_palette(len(modes))
    with styled():
        fig = new_figure(7.5, 4.5)
        ax = fig.subplots()
        for colour, mode in zip(colours, modes):
            rows = trajectory[trajectory["mode"] == mode]
            s = rows["singular_value"].iloc[0]
            ax.plot(rows["t"], rows["simulation"], color=colour, lw=2.2, label=f"a{mode} simulation (s={s:.2f})")
            ax.plot(rows["t"], rows["theory"], color="black", lw=1.0, ls="--")
            ax.axhline(s, color=colour, lw=0.8, ls=":")
        ax.plot([], [], color="black", lw=1.0, ls="--", label="closed form")
        ax.set_xlabel("training time t (units of τ)")
        ax.set_ylabel("mode strength a_α(t) = u_αᵀ Ŵ(t) v_α")
        ax.legend(loc="lower right", fontsize=8)
    return finish(fig, title, claims, "Dotted lines: singular values s_α of Σyx (the values the modes converge to).")


def low_rank(approximations: dict, errors: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """S4: a grid of rank-r approximations of a picture and the error-vs-rank curve."""
    ranks, images, original = approximations["ranks"], approximations["images"], approximations["original"]
    n = len(ranks) + 1
    cols = min(n, 5)
    rows = int(np.ceil(n / cols))
    with styled():
        fig = new_figure(2.3 * cols, 2.3 * rows + 3.0)
        grid = fig.add_gridspec(rows + 1, cols, height_ratios=[1.0] * rows + [1.3])
        panels = [(original, "original")] + [(img, f"rank {r}") for r, img in zip(ranks, images)]
        for k, (img, label) in enumerate(panels):
            ax = fig.add_subplot(grid[k // cols, k % cols])
            ax.imshow(img, cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_title(label, fontsize=9)
            ax.set_axis_off()
        ax = fig.add_subplot(grid[rows, :])
        ax.plot(errors["rank"], errors["relative_error"], marker="o", ms=3)
        ax.set_yscale("log")
        ax.set_xlabel("rank r of the approximation")
        ax.set_ylabel("‖A − A_r‖_F / ‖A‖_F")
    return finish(fig, "S4 — low-rank SVD approximations of a picture (rank 1…r_max)", claims)


def progressive_differentiation(rsa: dict, distinctions: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """S5: representational similarity over training and the rise of each level's distinction."""
    times, sims = rsa["times"], rsa["similarity"]
    levels = sorted(distinctions["level"].unique())
    colours = mode_palette(len(levels))
    with styled():
        fig = new_figure(max(10.0, 2.2 * len(times)), 6.5)
        grid = fig.add_gridspec(2, len(times), height_ratios=[1.0, 1.2])
        n_items = sims[0].shape[0]
        ticks = list(range(0, n_items, max(1, n_items // 8)))
        for k, (t, sim) in enumerate(zip(times, sims)):
            ax = fig.add_subplot(grid[0, k])
            scale = np.abs(sim).max() or 1.0
            image = ax.imshow(sim / scale, cmap="RdBu_r", vmin=-1, vmax=1)
            ax.grid(False)
            ax.set_title(f"t = {t:.2f}", fontsize=9)
            ax.set_xticks(ticks)
            ax.set_xticklabels([str(i + 1) for i in ticks], fontsize=6)
            ax.set_yticks(ticks)
            ax.set_yticklabels([str(i + 1) for i in ticks] if k == 0 else [], fontsize=6)
            ax.set_xlabel("item", fontsize=7)
            if k == 0:
                ax.set_ylabel("item (leaf of the tree, in tree order)", fontsize=7)
        fig.colorbar(
            image, ax=fig.axes, location="right", shrink=0.35, anchor=(0.0, 1.0), label="similarity / panel max"
        )
        ax = fig.add_subplot(grid[1, :])
        for colour, level in zip(colours, levels):
            rows = distinctions[distinctions["level"] == level]
            ax.plot(rows["t"], rows["distance"], color=colour, lw=2, label=f"items split at depth {level}")
            ax.axvline(rows["half_time"].iloc[0], color=colour, ls="--", lw=1)
        ax.set_xlabel("training time t (units of τ)")
        ax.set_ylabel("mean ‖h_i − h_j‖² of hidden representations")
        ax.legend(fontsize=8)
    return finish(
        fig,
        "S5 — progressive differentiation on branching-diffusion data (deep linear network)",
        claims,
        "Top: hidden-layer similarity Hᵀ H (each panel scaled to its own maximum) at the start, at each level's "
        "half-learning time, and at the end. Bottom: dashed lines mark half-learning times.",
    )
