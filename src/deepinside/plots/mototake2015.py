"""Figures M1–M9 of the mototake2015 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ..images import from_imagenet_input
from .style import finish, mode_palette, new_figure, styled

RANDOM_NOTE = "AlexNet has RANDOM (untrained) weights in this run — an offline control, not the talk's ImageNet network."


def _mean_sd(group: pd.DataFrame) -> pd.DataFrame:
    return group.groupby("index")["singular_value"].agg(["mean", "std"]).reset_index()


def _spectrum_panel(ax, spectra: pd.DataFrame, label_by: str, colours: dict, styles: dict | None = None) -> None:
    for key, group in spectra.groupby(label_by, sort=False):
        stats = _mean_sd(group)
        style = (styles or {}).get(key, "-")
        ax.plot(stats["index"], stats["mean"], style, color=colours[key], lw=1.5, label=str(key))
        ax.fill_between(stats["index"], (stats["mean"] - stats["std"]).clip(lower=1e-12), stats["mean"] + stats["std"], color=colours[key], alpha=0.2)
    ax.axhline(1.0, color="black", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("index of singular value (sorted, largest first)")
    ax.set_ylabel("singular value σ (mean ± sd over images)")


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
                ax.scatter(points[:, 0], points[:, 1], points[:, 2], c=[palette[int(l)] for l in labels], s=2, depthshade=False)
                title = "pixels" if name == "input" else f"{stage} h{name.rsplit('_h', 1)[1]}"
                ax.set_title(f"{title}\n10-NN acc. {float(data['knn_accuracy']):.3f}", fontsize=9)
                ax.set_xticks([]); ax.set_yticks([]); ax.set_zticks([])
        top = by_name[f"finetuned_h{depth[-1]}"]
        for col, (a, b) in enumerate(((0, 1), (0, 2), (1, 2))):
            ax = fig.add_subplot(grid[2, col])
            ax.scatter(top["points"][:, a], top["points"][:, b], c=[palette[int(l)] for l in top["labels"]], s=2)
            ax.set_title(f"fine-tuned h{depth[-1]}: t-SNE axes {a + 1}–{b + 1}", fontsize=9)
            ax.set_xticks([]); ax.set_yticks([])
        ax = fig.add_subplot(grid[2, 3:] if len(depth) + 1 > 3 else grid[2, -1])
        acc = accuracy.set_index("features")["knn_accuracy"]
        for stage, colour in (("pretrained", "tab:blue"), ("finetuned", "tab:red")):
            ax.plot(range(len(depth) + 1), [acc["input"]] + [acc[f"{stage}_h{t}"] for t in depth], marker="o", color=colour, label=stage)
        ax.set_xticks(range(len(depth) + 1), ["pixels"] + [f"h{t}" for t in depth])
        ax.set_ylabel("10-NN accuracy in the embedding")
        ax.legend(fontsize=8)
        handles = [ax.scatter([], [], color=palette[d], label=str(d)) for d in range(10)]
        fig.legend(handles=handles, loc="upper right", ncol=10, fontsize=8, title="digit", frameon=False)
    return finish(fig, "M1 — 3-D t-SNE of MNIST test images: pixels and each DBN layer", claims)


def spectra(spectra: pd.DataFrame, claims: pd.DataFrame, title: str) -> dict:
    """M2: input → layer spectra (mean ± sd over images, log scale, σ = 1 marked)."""
    maps = spectra[spectra["map"].str.startswith("input")]
    layers = sorted(maps["layer"].unique())
    colours = dict(zip([f"input→h{t}" for t in layers], mode_palette(len(layers))))
    between = spectra[~spectra["map"].str.startswith("input")]
    with styled():
        fig = new_figure(12, 4.8)
        left, right = fig.subplots(1, 2)
        _spectrum_panel(left, maps, "map", colours)
        left.set_title(f"input → layer t (N = {maps['image'].nunique()} images)")
        left.legend()
        if not between.empty:
            colours_between = dict(zip(between["map"].unique(), mode_palette(between["map"].nunique())))
            _spectrum_panel(right, between, "map", colours_between)
            right.set_title("layer t → layer t+1")
            right.legend()
    return finish(fig, title, claims, f"Dotted line: σ = 1 (expanded above, compressed below). Device: {spectra['device'].iloc[0]}.")


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
            _spectrum_panel(ax, table[table["layer"] == layer], "stage", colours)
            ax.set_title(f"input → h{layer}")
            ax.legend(title="after", fontsize=8)
    return finish(fig, "M4 — spectra after fine-tuning (red) over those after pre-training (blue)", claims)


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
    return finish(fig, title, claims, f"Right singular vectors of the input → h{layer} Jacobian at each image (red +, blue −).")


def alexnet_spectra(spectra: pd.DataFrame, claims: pd.DataFrame, weights_source: str) -> dict:
    """M6: top-k singular values of input → layer t of AlexNet, t = 1…7."""
    layers = sorted(spectra["layer"].unique())
    colours = dict(zip(spectra.sort_values("layer")["map"].unique(), mode_palette(len(layers))))
    with styled():
        fig = new_figure(8, 5)
        ax = fig.subplots()
        _spectrum_panel(ax, spectra.sort_values("layer"), "map", colours)
        ax.set_title(f"N = {spectra['image'].nunique()} images, top {spectra['index'].max()} singular values (randomised SVD)")
        ax.legend(fontsize=8)
    extra = RANDOM_NOTE if weights_source == "random" else "ImageNet weights (torchvision IMAGENET1K_V1)."
    return finish(fig, "M6 — AlexNet layers 1–7: singular values of input → layer Jacobians", claims, extra)


def alexnet_vectors(vectors: dict, claims: pd.DataFrame, layer: int) -> dict:
    """M7: each picture beside the energy of its top-2 singular vectors, with top-5 classes."""
    shown = min(8, len(vectors["images"]))
    with styled():
        fig = new_figure(11, 2.4 * shown + 0.6)
        axes = fig.subplots(shown, 4, gridspec_kw={"width_ratios": [1, 1, 1, 1.6]})
        for i in range(shown):
            axes[i, 0].imshow(from_imagenet_input(vectors["images"][i]))
            axes[i, 0].set_title(str(vectors["names"][i]), fontsize=8)
            for j in range(2):
                energy = (vectors["vectors"][i, j] ** 2).sum(0)
                axes[i, j + 1].imshow(energy, cmap="magma")
                axes[i, j + 1].contour(vectors["masks"][i], levels=[0.5], colors="cyan", linewidths=1.0)
                axes[i, j + 1].set_title(f"v{j + 1} energy (share in salient region {vectors['shares'][i, j]:.2f})", fontsize=7)
            axes[i, 3].text(0.0, 0.5, "top-5: " + str(vectors["top5"][i]).replace(" | ", "\n"), fontsize=7, va="center")
            for ax in axes[i]:
                ax.set_axis_off()
    extra = (f"Cyan contour: the most salient pixels (|∂ top logit / ∂ input|, Gaussian-smoothed). "
             f"Vectors of the input → layer {layer} map.")
    if str(vectors["weights_source"]) == "random":
        extra += " " + RANDOM_NOTE + " Its class names are meaningless."
    return finish(fig, f"M7 — AlexNet: top-2 right singular vectors (layer {layer}) beside each input", claims, extra)


def perturbation(agreement: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """M8: agreement with the unperturbed prediction vs perturbation size, tangent vs normal."""
    per_image = agreement.groupby(["direction", "magnitude", "image"])["agree"].mean().reset_index()
    colours = {"tangent": "tab:blue", "normal": "tab:green"}
    with styled():
        fig = new_figure(7.5, 4.8)
        ax = fig.subplots()
        for kind, group in per_image.groupby("direction"):
            stats = group.groupby("magnitude")["agree"].agg(["mean", "std"]).reset_index()
            ax.errorbar(stats["magnitude"], stats["mean"], yerr=stats["std"], marker="o", ms=3, capsize=2, color=colours[kind],
                        label=f"{kind} (top singular directions)" if kind == "tangent" else f"{kind} (bottom singular directions)")
        ax.set_xlabel("perturbation size ‖ε d‖ (L2, pixel units)")
        ax.set_ylabel("agreement with the unperturbed prediction")
        ax.set_ylim(-0.05, 1.05)
        ax.legend()
    n_images, n_dirs = agreement["image"].nunique(), agreement["index"].nunique()
    return finish(fig, "M8 — fine-tuned DBN: output under perturbations along tangent vs normal directions", claims,
                  f"Error bars: sd over {n_images} images of the agreement averaged over each image's {n_dirs} directions.")


def noise_spectra(spectra: pd.DataFrame, claims: pd.DataFrame, weights_source: str) -> dict:
    """M9: spectra of two DBN and two AlexNet layers for inputs with increasing noise."""
    panels = [(net, layer) for net in ("DBN", "AlexNet") for layer in sorted(spectra[spectra["network"] == net]["layer"].unique())]
    with styled():
        fig = new_figure(4.0 * len(panels), 4.6)
        axes = np.atleast_1d(fig.subplots(1, len(panels)))
        for ax, (net, layer) in zip(axes, panels):
            part = spectra[(spectra["network"] == net) & (spectra["layer"] == layer)]
            levels = sorted(part["noise"].unique())
            colours = dict(zip(levels, sns.color_palette("rocket_r", len(levels))))
            _spectrum_panel(ax, part.sort_values("noise"), "noise", colours)
            ax.set_title(f"{net} layer {layer}")
            ax.legend(title="noise sd", fontsize=7)
    extra = "DBN: after pre-training; noise in pixel units. AlexNet: noise in normalised input units."
    if weights_source == "random":
        extra += " " + RANDOM_NOTE
    return finish(fig, "M9 — spectra of noisy inputs, noise increasing", claims, extra)
