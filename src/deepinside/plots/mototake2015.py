"""Figures M1–M9 of the mototake2015 talk. Each function draws from saved tables only."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import seaborn as sns

from deepinside.data.images import from_imagenet_input
from deepinside.plots.style import finish, mode_palette, new_figure, styled

NETWORK_NOTE = {
    "mnist": "AlexNet-shaped net (AlexNet's layers at a quarter of the widths) trained here on MNIST digits: the offline "
    "stand-in for the talk's ImageNet AlexNet (paper preset).",
    "imagenet": "AlexNet with ImageNet weights (torchvision IMAGENET1K_V1).",
}
NETWORK_TITLE = {"mnist": "AlexNet-shaped net trained on MNIST", "imagenet": "AlexNet (ImageNet)"}


def _log_stats(group: pd.DataFrame) -> pd.DataFrame:
    """Per index: geometric mean and the band 10^(mean ± sd) of log10 σ over images."""
    logs = group.assign(log=np.log10(group["singular_value"].clip(lower=1e-300)))
    stats = logs.groupby("index")["log"].agg(["mean", "std"]).reset_index()
    return stats.assign(
        centre=10 ** stats["mean"], low=10 ** (stats["mean"] - stats["std"]), high=10 ** (stats["mean"] + stats["std"])
    )


def _readable_log_axis(ax) -> None:
    """Label minor ticks too when the values span less than about a decade (else one label or none shows)."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator

    low, high = ax.get_ylim()
    if high / low < 30:
        ax.yaxis.set_minor_locator(LogLocator(subs="all"))
        ax.yaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(2, 2)))
        ax.tick_params(axis="y", which="minor", labelsize=7)


def _expanded(group: pd.DataFrame) -> float:
    """Mean over images of the number of singular values above 1 (the directions the map expands)."""
    return float((group["singular_value"] > 1.0).groupby(group["image"]).sum().mean())


def _log_index_axis(ax, last: int, label: str = "index of singular value (sorted, largest first; log scale)") -> None:
    """A log axis on the index: the few σ > 1 at the first indices get a third of the width, not 1/80 of it."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.set_xlim(0.9, last * 1.1)
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(label)


TWIN_LABEL = "untrained twin"


def _twin_lines(ax, twin: pd.DataFrame, label_by: str, names: dict | None = None, gap: float = 0.055) -> None:
    """The untrained twin's geometric-mean spectra: thin grey dashed lines (darker = earlier map), no band.

    One legend entry, ``untrained twin``, for all of them; each line is named at its right end (``names``
    maps a key to that name, else the key itself), the names at least ``gap`` of the axes' height apart and
    on a white ground, so that they stay readable where the lines end close together or cross others.
    Draw on a log y axis whose other curves are drawn already (the names' heights are fractions of it)."""
    keys = list(dict.fromkeys(twin[label_by]))
    greys = np.linspace(0.15, 0.5, len(keys)) if len(keys) > 1 else [0.4]
    ends = []
    for n, key in enumerate(keys):
        stats = _log_stats(twin[twin[label_by] == key])
        colour = str(round(float(greys[n]), 2))
        ax.plot(
            stats["index"],
            stats["centre"],
            "--",
            color=colour,
            lw=0.9,
            label=TWIN_LABEL if n == 0 else "_nolegend_",
            zorder=1.5,
        )
        ends.append((key, colour, float(stats["index"].iloc[-1]), float(stats["centre"].iloc[-1])))
    low, high = np.log10(ax.get_ylim())
    heights = [(np.log10(value) - low) / (high - low) for *_, value in ends]
    order = np.argsort(heights)
    placed = np.empty(len(ends))
    floor = -np.inf
    for n in order:  # from the lowest end up: each name at least ``gap`` above the one below it
        placed[n] = floor = max(heights[n], floor + gap)
    placed -= max(0.0, placed.max() - 0.97)  # and none above the top
    for (key, colour, index, _), height in zip(ends, placed):
        ax.annotate(
            (names or {}).get(key, str(key)),
            (index, height),
            xycoords=("data", "axes fraction"),
            ha="right",
            va="center",
            fontsize=7,
            color=colour,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            zorder=4,
        )


def _spectrum_panel(
    ax,
    spectra: pd.DataFrame,
    label_by: str,
    colours: dict,
    styles: dict | None = None,
    log_index: bool = False,
    twin: pd.DataFrame | None = None,
    twin_names: dict | None = None,
) -> None:
    """Geometric mean of σ over images with a band of ± one sd of log10 σ (symmetric on the log axis).

    ``log_index``: the index axis on a log scale, σ = 1 labelled, and each curve's legend entry with its
    mean number of σ > 1 per image (what the σ > 1 claims count). ``twin``: the untrained twin's spectra,
    grey dashed (:func:`_twin_lines`), named by ``twin_names``."""
    for key, group in spectra.groupby(label_by, sort=False):
        stats = _log_stats(group)
        style = (styles or {}).get(key, "-")
        label = f"{key}: {_expanded(group):.1f} σ > 1 per image" if log_index else str(key)
        ax.plot(stats["index"], stats["centre"], style, color=colours[key], lw=1.5, label=label)
        ax.fill_between(stats["index"], stats["low"], stats["high"], color=colours[key], alpha=0.2)
    ax.axhline(1.0, color="black", lw=1.0 if log_index else 0.8, ls=":")
    ax.set_yscale("log")
    if twin is not None and not twin.empty:
        _twin_lines(ax, twin, label_by, twin_names)
    ax.set_xlabel("index of singular value (sorted, largest first)")
    ax.set_ylabel("singular value σ (geometric mean, band: ± sd of log σ)")
    if log_index:
        _log_index_axis(ax, int(spectra["index"].max()))
        ax.text(
            0.99,
            1.0,
            "σ = 1",
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=8,
        )
    _readable_log_axis(ax)


def tsne_3d(accuracy: pd.DataFrame, embeddings: list[dict], claims: pd.DataFrame) -> dict:
    """M1: 3-D t-SNE of pixels and of each DBN layer, coloured by digit; 10-NN accuracy per layer."""
    by_name = {str(e["features"]): e for e in embeddings}
    depth = sorted(int(k.rsplit("_h", 1)[1]) for k in by_name if k.startswith("finetuned_h"))
    palette = sns.color_palette("tab10", 10)
    with styled():
        fig = new_figure(4.0 * (len(depth) + 1), 11.5)
        grid = fig.add_gridspec(3, len(depth) + 1, height_ratios=[1, 1, 0.9])
        for row, stage in enumerate(("pretrained", "finetuned")):
            for col, name in enumerate(["input"] + [f"{stage}_h{t}" for t in depth]):
                data = by_name[name]
                ax = fig.add_subplot(grid[row, col], projection="3d")
                points, labels = data["points"], data["labels"]
                ax.scatter(
                    points[:, 0], points[:, 1], points[:, 2], c=[palette[int(l)] for l in labels], s=2, depthshade=False
                )
                title = "pixels" if name == "input" else f"{stage} h{name.rsplit('_h', 1)[1]}"
                ax.set_title(f"{title}\n10-NN acc. {float(data['knn_accuracy']):.3f}", fontsize=9)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_zticks([])
        top = by_name[f"finetuned_h{depth[-1]}"]
        for col, (a, b) in enumerate(((0, 1), (0, 2), (1, 2))):
            ax = fig.add_subplot(grid[2, col])
            ax.scatter(top["points"][:, a], top["points"][:, b], c=[palette[int(l)] for l in top["labels"]], s=2)
            ax.set_title(f"fine-tuned h{depth[-1]}: t-SNE axes {a + 1}–{b + 1}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        ax = fig.add_subplot(grid[2, 3:] if len(depth) + 1 > 3 else grid[2, -1])
        acc = accuracy.set_index("features")["knn_accuracy"]
        for stage, colour in (("pretrained", "tab:blue"), ("finetuned", "tab:red")):
            ax.plot(
                range(len(depth) + 1),
                [acc["input"]] + [acc[f"{stage}_h{t}"] for t in depth],
                marker="o",
                color=colour,
                label=stage,
            )
        ax.set_xticks(range(len(depth) + 1), ["pixels"] + [f"h{t}" for t in depth])
        ax.set_ylabel("10-NN accuracy in the embedding")
        ax.legend(fontsize=8)
        handles = [ax.scatter([], [], color=palette[d], label=str(d)) for d in range(10)]
        # at the right: saving with bbox_inches="tight" re-lays the figure out to the caption's
        # bottom, and an "outside lower" legend would move down onto the caption's footer
        fig.legend(handles=handles, loc="outside right upper", fontsize=8, title="digit", frameon=False)
    return finish(fig, "M1 — 3-D t-SNE of MNIST test images: pixels and each DBN layer", claims)


def spectra(spectra: pd.DataFrame, claims: pd.DataFrame, title: str, twin: pd.DataFrame | None = None) -> dict:
    """M2: input → layer spectra (mean ± sd over images, log scale, σ = 1 marked).

    ``twin``: the untrained twin's spectra (stage ``untrained``: the same stack with the RBMs' initial
    weights, the same images), its input → h(t) maps drawn grey dashed in the left panel: the claim's null."""
    maps = spectra[spectra["map"].str.startswith("input")]
    layers = sorted(maps["layer"].unique())
    colours = dict(zip([f"input→h{t}" for t in layers], mode_palette(len(layers))))
    between = spectra[~spectra["map"].str.startswith("input")]
    twin_maps = None if twin is None else twin[twin["map"].str.startswith("input")].sort_values("layer", kind="stable")
    with styled():
        fig = new_figure(12, 4.8)
        left, right = fig.subplots(1, 2)
        _spectrum_panel(
            left,
            maps,
            "map",
            colours,
            log_index=True,
            twin=twin_maps,
            twin_names={key: f"twin {key.split('→')[-1]}" for key in colours},
        )
        left.set_title(f"input → layer t (N = {maps['image'].nunique()} images)")
        left.legend()
        if not between.empty:
            colours_between = dict(zip(between["map"].unique(), mode_palette(between["map"].nunique())))
            _spectrum_panel(right, between, "map", colours_between, log_index=True)
            right.set_title("layer t → layer t+1")
            right.legend()
    note = (
        "Dotted line: σ = 1 (expanded above, compressed below); index on a log scale, so that the few σ > 1 "
        "(the first indices) can be read. "
    )
    if twin_maps is not None and not twin_maps.empty:
        note += (
            "Grey dashed (left): the untrained twin, the same stack with the RBMs' initial random weights on the "
            "same images (geometric mean; darker = shallower layer): a stack of random sigmoid layers already "
            "steepens with depth, so the claim compares the deepest layer's effective-rank ratio (its effective "
            "rank over the smallest of the shallower layers') with the twin's, and its count of σ > 1 with the "
            "twin's deepest layer. "
        )
    return finish(fig, title, claims, note + f"Device: {spectra['device'].iloc[0]}.")


def spectra_before_after(spectra: list[pd.DataFrame], claims: pd.DataFrame) -> dict:
    """M4: input → layer spectra after fine-tuning overlaid on those after pre-training."""
    table = pd.concat(spectra, ignore_index=True)
    table = table[table["map"].str.startswith("input")]
    layers = sorted(table["layer"].unique())
    with styled():
        fig = new_figure(4.2 * len(layers), 4.6)
        axes = np.atleast_1d(fig.subplots(1, len(layers), sharey=True))
        colours = {"pretrained": "tab:blue", "finetuned": "tab:red"}
        for ax, layer in zip(axes, layers):
            _spectrum_panel(ax, table[table["layer"] == layer], "stage", colours, log_index=True)
            ax.set_xlabel("index of σ (largest first; log scale)")
            ax.set_title(f"input → h{layer}")
            ax.legend(title="after", fontsize=8)
        for ax in axes[1:]:
            ax.set_ylabel("")  # shared with the first panel
    return finish(
        fig,
        "M4 — spectra after fine-tuning (red) over those after pre-training (blue)",
        claims,
        "Dotted line: σ = 1. Index on a log scale, so that the few σ > 1 (the first indices) can be read; "
        "the legend gives each curve's mean number of σ > 1 per image.",
    )


def singular_vectors(vectors: dict, claims: pd.DataFrame, layer: int, title: str) -> dict:
    """M3/M5: for a few images, the input and its 1st, 2nd and last right singular vectors."""
    shown = min(5, len(vectors["images"]))
    values = vectors[f"layer{layer}_values"]
    with styled():
        fig = new_figure(8, 2.0 * shown + 0.6)
        axes = fig.subplots(shown, 4)
        for i in range(shown):
            axes[i, 0].imshow(vectors["images"][i].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            axes[i, 0].set_title(f"input (digit {vectors['labels'][i]})", fontsize=8)
            for j, name in enumerate(("1st", "2nd", "last")):
                v = vectors[f"layer{layer}"][i, j].reshape(28, 28)
                limit = np.abs(v).max()
                axes[i, j + 1].imshow(v, cmap="RdBu_r", vmin=-limit, vmax=limit)
                axes[i, j + 1].set_title(f"{name}: σ = {values[i, j]:.3g}", fontsize=8)
            for ax in axes[i]:
                ax.set_axis_off()
    return finish(
        fig, title, claims, f"Right singular vectors of the input → h{layer} Jacobian at each image (red +, blue −)."
    )


def alexnet_spectra(
    spectra: pd.DataFrame, claims: pd.DataFrame, network: str, twin: pd.DataFrame | None = None
) -> dict:
    """M6: top-k singular values of input → layer t of the AlexNet-shaped net, t = 1…7.

    ``twin``: the untrained twin's spectra (same architecture at its initial random weights, same
    inputs) of layer 1 and the steep layer, drawn grey dashed: the claim's null."""
    layers = sorted(spectra["layer"].unique())
    colours = dict(zip(spectra.sort_values("layer")["map"].unique(), mode_palette(len(layers))))
    if twin is not None and "noise" in twin:
        twin = twin[twin["noise"] == 0]
    if twin is not None:
        twin = twin.sort_values("layer", kind="stable")
    with styled():
        fig = new_figure(8, 5)
        ax = fig.subplots()
        _spectrum_panel(
            ax,
            spectra.sort_values("layer"),
            "map",
            colours,
            twin=twin,
            twin_names=None if twin is None else {key: f"twin {key.split('→')[-1]}" for key in twin["map"].unique()},
        )
        ax.set_title(
            f"N = {spectra['image'].nunique()} images, top {spectra['index'].max()} singular values (randomised SVD)"
        )
        ax.legend(fontsize=8)
    note = NETWORK_NOTE[network]
    if twin is not None and not twin.empty:
        twin_layers = " and ".join(str(t) for t in sorted(twin["layer"].unique()))
        note = (
            f"Grey dashed: the untrained twin (the same network at its initial random weights, the same inputs), "
            f"layers {twin_layers} (darker = shallower): a random net already steepens with depth, so the claim "
            f"compares the steepening from layer 1 to the steep layer (log σ1/σk) with the twin's. " + note
        )
    return finish(
        fig,
        f"M6 — {NETWORK_TITLE[network]}, layers 1–7: singular values of input → layer Jacobians",
        claims,
        note,
    )


def alexnet_vectors(vectors: dict, claims: pd.DataFrame, layer: int, twin: dict | None = None) -> dict:
    """M7: each input beside the energy of its top-2 singular vectors, the object region outlined, with the top-5 classes.

    One panel per input (input, v1, v2, the top-5 classes below), at most four panels a row. ``twin``:
    the untrained twin's vectors (same structure as ``vectors``): each vector's title gives the twin's
    share of energy in the region beside the trained one."""
    kind = str(vectors["kind"])
    shown = min(8, len(vectors["images"]))
    rows = int(np.ceil(shown / 4))
    per_row = int(np.ceil(shown / rows))  # rows as even as can be: 6 inputs make 2 rows of 3
    top5 = [textwrap.fill("top-5: " + " · ".join(str(t).split(" | ")), 60) for t in vectors["top5"][:shown]]
    lines = max(text.count("\n") + 1 for text in top5)
    with styled():
        fig = new_figure(4.0 * per_row, (1.85 + 0.17 * lines) * rows + 0.4)
        panels = np.atleast_1d(fig.subfigures(rows, per_row, wspace=0.03, hspace=0.03)).ravel()
        for i, panel in enumerate(panels[:shown]):
            axes = panel.subplots(1, 3)
            image = vectors["images"][i]
            if kind == "mnist":
                axes[0].imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            else:
                axes[0].imshow(from_imagenet_input(image))
            axes[0].set_title("input", fontsize=8)
            for j in range(2):
                v = vectors["vectors"][i, j]
                energy = (v**2).reshape(28, 28) if kind == "mnist" else (v**2).sum(0)
                axes[j + 1].imshow(energy, cmap="magma")
                axes[j + 1].contour(vectors["masks"][i], levels=[0.5], colors="cyan", linewidths=1.0)
                share = vectors["shares"][i, j]
                axes[j + 1].set_title(
                    f"v{j + 1}: {share:.0%} of its\nenergy in the region"
                    if twin is None
                    else f"v{j + 1}: {share:.0%} in region\nuntrained twin: {twin['shares'][i, j]:.0%}",
                    fontsize=8,
                )
            for ax in axes:
                ax.set_axis_off()
            panel.suptitle(
                f"{vectors['names'][i]} — object region: {vectors['areas'][i]:.0%} of the image",
                fontsize=9,
                fontweight="bold",
            )
            panel.supxlabel(top5[i], fontsize=8)
    region = "the digit's own pixels" if kind == "mnist" else "pixels far from the border colour (Otsu)"
    extra = (
        f"Cyan contour: the object region, made from the input alone ({region}), not from the network. "
        f"Vectors of the input → layer {layer} map; above each energy map, the share of the vector's energy inside "
        f"the region (compare with the region's share of the image). "
    )
    if twin is not None:
        extra += (
            "Second line of each title: the same share for the untrained twin's vector (the same network at its "
            "initial random weights, the same input): its vectors already lean on the object, where the input varies, so the claim compares "
            "the trained shares with the twin's, paired over inputs. "
        )
    extra += NETWORK_NOTE[kind]
    return finish(
        fig,
        f"M7 — {NETWORK_TITLE[kind]}: top-2 right singular vectors (layer {layer}) beside each input",
        claims,
        extra,
    )


def perturbation(agreement: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """M8: agreement with the unperturbed prediction vs perturbation size, tangent vs normal, one panel per network."""
    names = {"dbn": "fine-tuned DBN (MNIST)", "conv": "AlexNet-shaped net (MNIST)"}
    colours = {"tangent": "tab:blue", "normal": "tab:green"}
    networks = list(dict.fromkeys(agreement["network"]))
    with styled():
        fig = new_figure(6.0 * len(networks), 4.8)
        axes = np.atleast_1d(fig.subplots(1, len(networks), sharey=True))
        for ax, network in zip(axes, networks):
            part = agreement[agreement["network"] == network]
            for kind in ("tangent", "normal"):
                pairs = (
                    part[part["direction"] == kind]
                    .groupby(["magnitude", "image", "index"])["agree"]
                    .mean()
                    .reset_index()
                )
                stats = pairs.groupby("magnitude")["agree"].agg(["mean", "std"]).reset_index()
                # an agreement lies in [0, 1]: the sd bars are cut there rather than drawn past what can happen
                low = stats["mean"] - (stats["mean"] - stats["std"]).clip(lower=0.0)
                high = (stats["mean"] + stats["std"]).clip(upper=1.0) - stats["mean"]
                ax.errorbar(
                    stats["magnitude"],
                    stats["mean"],
                    yerr=[low, high],
                    marker="o",
                    ms=3,
                    capsize=2,
                    color=colours[kind],
                    label=f"{kind} to the data manifold",
                )
            ax.set_title(names.get(network, network))
            ax.set_xlabel("perturbation size (data spreads along the first tangent)")
            ax.axvline(1.0, color="grey", lw=0.8, ls=":")
            ax.set_ylim(-0.05, 1.05)
            ax.legend()
        axes[0].set_ylabel("agreement with the unperturbed prediction")
    n_images, n_dirs = agreement["image"].nunique(), agreement["index"].nunique()
    return finish(
        fig,
        "M8 — output under perturbations along directions tangent vs normal to the data manifold",
        claims,
        f"Directions from the data, not from the networks: tangent = top principal directions of the image's nearest "
        f"training digits of the same class; normal = random directions orthogonal to their leading principal "
        f"directions, on the pixels that vary in the training digits. Size 1 (dotted): one spread of the neighbours "
        f"along the first tangent direction, the edge of the data cloud. Error bars: sd over the N = {n_images}×{n_dirs} image-direction pairs, cut at 0 and 1.",
    )


def noise_spectra(spectra: pd.DataFrame, claims: pd.DataFrame, network: str) -> dict:
    """M9: spectra of two DBN and two AlexNet layers for inputs with increasing noise."""
    panels = [
        (net, layer)
        for net in ("DBN", "AlexNet")
        for layer in sorted(spectra[spectra["network"] == net]["layer"].unique())
    ]
    with styled():
        fig = new_figure(4.0 * len(panels), 4.6)
        axes = np.atleast_1d(fig.subplots(1, len(panels)))
        for ax, (net, layer) in zip(axes, panels):
            part = spectra[(spectra["network"] == net) & (spectra["layer"] == layer)]
            levels = sorted(part["noise"].unique())
            colours = dict(zip(levels, sns.color_palette("rocket_r", len(levels))))
            _spectrum_panel(ax, part.sort_values("noise"), "noise", colours)
            _readable_log_axis(ax)
            ax.set_title(f"{net if net == 'DBN' else NETWORK_TITLE[network]} layer {layer}", fontsize=10)
            ax.legend(title="noise sd", fontsize=7)
    units = "pixel units" if network == "mnist" else "normalised input units"
    extra = (
        f"DBN: after pre-training, noise in pixel units. AlexNet-shaped net: noise in {units}. " + NETWORK_NOTE[network]
        if (spectra["network"] == "AlexNet").any()
        else "DBN: after pre-training, noise in pixel units. The AlexNet's layers are not shown: this run set "
        "mototake2015.alexnet.noise_layers to [] (its ImageNet pictures are not here)."
    )
    return finish(fig, "M9 — spectra of noisy inputs, noise increasing: less is passed on", claims, extra)
