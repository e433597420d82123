"""Figures T1–T4 of the tishby2017 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from deepinside.plots.style import finish, mode_palette, new_figure, styled


def _plane(ax, information: pd.DataFrame, estimator: str = "binning", colorbar_fig=None) -> list:
    """Information plane: mean over networks of (I(X;T), I(T;Y)) per layer and epoch, coloured by epoch.

    Returns the layer labels (``L1``, ``L2``, …) placed beside each layer's last epoch."""
    part = information[information["estimator"] == estimator]
    mean = part.groupby(["layer", "epoch"])[["I_XT", "I_TY"]].mean().reset_index()
    epochs = mean["epoch"].clip(lower=1)
    norm = LogNorm(vmin=epochs.min(), vmax=epochs.max())
    for _layer, rows in mean.groupby("layer"):
        rows = rows.sort_values("epoch")
        ax.plot(rows["I_XT"], rows["I_TY"], color="grey", lw=0.5, zorder=1)
    points = ax.scatter(mean["I_XT"], mean["I_TY"], c=epochs, cmap="viridis", norm=norm, s=12, zorder=2)
    last = mean[mean["epoch"] == mean["epoch"].max()].sort_values("I_TY")
    labels = []
    for rank, (_, row) in enumerate(last.iterrows()):  # staggered: layers that end close together stay readable
        label = ax.annotate(
            f"L{int(row['layer'])}",
            (row["I_XT"], row["I_TY"]),
            fontsize=7,
            xytext=(6, -12 + 8 * rank),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "grey"},
        )
        labels.append(label)
    ax.set_xlabel("I(X;T) (bits)")
    ax.set_ylabel("I(T;Y) (bits)")
    if colorbar_fig is not None:
        colorbar_fig.colorbar(points, ax=ax, label="epoch")
    return labels


def _labels_inside(fig, labels_by_axes: dict, margin: float = 4.0) -> None:
    """Move the layer labels that stick out of their axes back inside (``margin`` points from the edges).

    A label above the top would run into the panel's title, one past the right edge into the next
    panel or the colour bar. The figure is laid out once to measure the labels; the labels of an axes
    move down together (their staggering is kept), and each moves sideways on its own.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # lays the figure out, so that the extents are final
    to_points = 72.0 / fig.dpi
    pad = margin / to_points
    for ax, labels in labels_by_axes.items():
        frame = ax.get_window_extent(renderer)
        boxes = [label.get_window_extent(renderer) for label in labels]
        down = max([box.y1 - (frame.y1 - pad) for box in boxes] + [0.0])
        for label, box in zip(labels, boxes):
            dx, dy = label.xyann
            up = max(0.0, (frame.y0 + pad) - (box.y0 - down))
            left = max(0.0, box.x1 - (frame.x1 - pad)) - max(0.0, (frame.x0 + pad) - box.x0)
            label.xyann = (dx - left * to_points, dy + (up - down) * to_points)


def _single_dots(ax, means: pd.DataFrame, xlim: tuple, ylim: tuple, share: float = 0.03) -> list[str]:
    """Ring the layers whose whole trajectory fits in one dot (``share`` of the axes' spans) and
    name them above the first ring ("L1, L2: one dot"); returns a caption line per layer (where the
    dot is). The details go to the caption: a box inside the plane covered the deep layers' curves."""
    spans = means.groupby("layer")[["I_XT", "I_TY"]].agg(lambda v: v.max() - v.min())
    still = spans[(spans["I_XT"] <= share * (xlim[1] - xlim[0])) & (spans["I_TY"] <= share * (ylim[1] - ylim[0]))]
    if still.empty:
        return []
    dots = means[means["layer"].isin(still.index)].groupby("layer")[["I_XT", "I_TY"]].mean()
    lines = []
    for layer, (x, y) in dots.iterrows():
        ax.scatter([x], [y], s=260, facecolors="none", edgecolors="black", linewidths=1.0, zorder=3)
        lines.append(f"L{int(layer)} at I(X;T) ≈ {x:.2f}, I(T;Y) ≈ {y:.2f}")
    ax.annotate(
        ", ".join(f"L{int(layer)}" for layer in dots.index) + ": one dot",
        tuple(dots.iloc[0]),
        xytext=(0, 12),  # above the axes' top edge: below the ring the first moving layer climbs
        textcoords="offset points",
        ha="right",
        va="bottom",
        annotation_clip=False,
        fontsize=7,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "0.7", "alpha": 0.8},
        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "grey"},
    )
    return lines


def information_planes(runs: list[pd.DataFrame], claims: pd.DataFrame) -> dict:
    """T1: information plane of every hidden layer, for each share of training data."""
    runs = sorted(runs, key=lambda r: r["fraction"].iloc[0])
    with styled():
        fig = new_figure(5.0 * len(runs), 4.6)
        axes = np.atleast_1d(fig.subplots(1, len(runs), sharey=True))
        labels = {}
        for ax, run in zip(axes, runs):
            labels[ax] = _plane(ax, run, colorbar_fig=fig if run is runs[-1] else None)
            ax.set_title(f"train on {run['fraction'].iloc[0]:.0%} of the patterns ({run['member'].nunique()} networks)")
        _labels_inside(fig, labels)  # labels of layers ending at the top ran into the titles
    return finish(
        fig,
        "T1 — information plane of a 12-10-7-5-4-3-2 tanh network (binning, 30 bins)",
        claims,
        "Points: mean over networks per layer (L1 = first hidden layer) and recorded epoch; grey lines join epochs.",
    )


def signal_and_noise(signal_noise: pd.DataFrame, switches: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """T2: norm of the mean gradient and of its standard deviation per layer vs epoch (log-log)."""
    layers = sorted(signal_noise["layer"].unique())
    colours = mode_palette(len(layers))
    with styled():
        fig = new_figure(12, 5)
        axes = fig.subplots(1, 2, sharey=True)
        for ax, column, what in zip(axes, ("mean_norm", "std_norm"), ("signal: ‖mean‖", "noise: ‖sd‖")):
            for colour, layer in zip(colours, layers):
                part = signal_noise[signal_noise["layer"] == layer]
                ax.plot(part["epoch"], part[column], color=colour, lw=1.5, label=f"L{layer}")
                switch = switches.set_index("layer")["switch_epoch"].get(layer, np.nan)
                if np.isfinite(switch):
                    ax.axvline(switch, color=colour, lw=0.8, ls=":")
            onsets = switches.dropna(subset=["compression_onset"])
            if len(onsets):
                deepest = onsets.loc[onsets["layer"].idxmax()]
                ax.axvline(
                    max(deepest["compression_onset"], 1),
                    color="black",
                    lw=1.6,
                    ls="-.",
                    label=f"compression onset (peak of I(X;T), L{int(deepest['layer'])})",
                )
            ax.plot([], [], color="grey", lw=0.8, ls=":", label="sd > mean from here (per layer, its colour)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_title(f"gradient {what} over mini-batches", fontsize=10)
        axes[0].set_ylabel("norm of ∂E/∂W of the layer")
        axes[1].legend(ncol=2, fontsize=7)
    return finish(
        fig,
        "T2 — gradient signal (left) and noise (right) per layer: drift, then diffusion",
        claims,
        "Dotted lines: epoch from which sd > mean in at least 80 % of later epochs (mean over networks). "
        "Dash-dotted black line: compression onset, the epoch at which the mean I(X;T) of the deepest hidden layer peaks. "
        "Gradient layer l feeds hidden layer l; the last one feeds the output.",
    )


def depth_sweep(
    runs: list[pd.DataFrame], epochs: pd.DataFrame, claims: pd.DataFrame, test_loss_threshold: float
) -> dict:
    """T3: information planes for 1…6 hidden layers and the epochs each needs to generalise."""
    runs = sorted(runs, key=lambda r: r["depth"].iloc[0])
    with styled():
        fig = new_figure(3.6 * len(runs), 7.5)
        grid = fig.add_gridspec(2, len(runs))
        binned = pd.concat([run[run["estimator"] == "binning"] for run in runs])
        means = binned.groupby(["depth", "layer", "epoch"])[["I_XT", "I_TY"]].mean()
        pad = lambda lo, hi: (lo - 0.05 * (hi - lo or 1.0), hi + 0.05 * (hi - lo or 1.0))
        xlim, ylim = pad(means["I_XT"].min(), means["I_XT"].max()), pad(means["I_TY"].min(), means["I_TY"].max())
        labels, still_notes = {}, []
        for k, run in enumerate(runs):
            ax = fig.add_subplot(grid[0, k])
            labels[ax] = _plane(ax, run)
            ax.set_xlim(*xlim)  # one scale for every depth, so that depths can be compared
            ax.set_ylim(*ylim)
            ax.ticklabel_format(useOffset=False)
            depth = run["depth"].iloc[0]
            dots = _single_dots(ax, means.loc[depth].reset_index(), xlim, ylim)
            if dots:
                still_notes.append(f"{depth} hidden layer(s): " + "; ".join(dots))
            if k > 0:
                ax.set_ylabel("")
            ax.set_title(f"{depth} hidden layer(s)", fontsize=9)
        ax = fig.add_subplot(grid[1, :])
        # a linear axis from 0: bar heights are in proportion to the epochs (a log axis exaggerated differences)
        finite = epochs["median_epochs"].replace(np.inf, np.nan)
        ax.bar(epochs["depth"], finite, color=mode_palette(len(epochs)))
        for d, e in zip(epochs["depth"], epochs["median_epochs"]):
            ax.text(
                d,
                0 if not np.isfinite(e) else e,
                "not reached" if not np.isfinite(e) else f"{e:g}",
                ha="center",
                va="bottom",
                fontsize=9,
            )
        highest = finite.max()
        ax.set_ylim(0, 1.15 * highest if np.isfinite(highest) and highest > 0 else 1.0)
        ax.set_xticks(epochs["depth"])
        # every depth on the axis, also one without a bar ("not reached")
        ax.set_xlim(epochs["depth"].min() - 0.6, epochs["depth"].max() + 0.6)
        ax.set_xlabel("number of hidden layers")
        ax.set_ylabel(f"epochs to test loss ≤ {test_loss_threshold:g} (median)")
        _labels_inside(fig, labels)
    n_epochs = means.index.get_level_values("epoch").nunique()
    extra = (
        f'Ringed, "one dot": a layer whose {n_epochs} recorded epochs all sit at one place ('
        + "; ".join(still_notes)
        + ")."
        if still_notes
        else ""
    )
    return finish(fig, "T3 — more hidden layers: information planes and epochs to good generalisation", claims, extra)


def relu_and_kde(tanh: pd.DataFrame, relu: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """T4: tanh vs ReLU information planes, by binning and by the KDE upper bound."""
    titles = {"binning": "30 bins over the layer's range", "binning_fixed": "fixed-width bins", "kde": "KDE bound"}
    estimators = [e for e in titles if (tanh["estimator"] == e).any()]
    with styled():
        fig = new_figure(10, 4.4 * len(estimators))
        axes = np.atleast_2d(fig.subplots(len(estimators), 2))
        labels = {}
        for row, estimator in zip(axes, estimators):
            for ax, (name, run) in zip(row, (("tanh", tanh), ("ReLU", relu))):
                labels[ax] = _plane(ax, run, estimator, colorbar_fig=fig if name == "ReLU" else None)
                networks = run[run["estimator"] == estimator]["member"].nunique()
                ax.set_title(f"{name}, {titles[estimator]} ({networks} networks)", fontsize=10)
        _labels_inside(fig, labels)  # the labels of layers ending at the top ran into the titles
    return finish(
        fig,
        "T4 — tanh vs ReLU under three estimators (Saxe et al. 2018's critique)",
        claims,
        "Rows: 30 equal bins (tanh over [−1, 1], ReLU over [0, the layer's largest activity seen in training]); "
        "bins of fixed width for both (Saxe et al. 2018); the KDE upper bound. Binning is scale-dependent, "
        "so the first two can disagree for ReLU.",
    )
