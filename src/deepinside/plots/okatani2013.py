"""Figures O1–O5 of the okatani2013 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from .style import finish, mode_palette, new_figure, styled


def image_grid(container, images: np.ndarray, columns: int, symmetric: bool = False, titles=None) -> None:
    """Draw (n, 28, 28) images on a figure or subfigure; ``symmetric`` scales each around zero."""
    rows = int(np.ceil(len(images) / columns))
    axes = np.atleast_2d(container.subplots(rows, columns, gridspec_kw={"wspace": 0.05, "hspace": 0.3}))
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k >= len(images):
            continue
        image = images[k]
        if symmetric:
            limit = np.abs(image).max() or 1.0
            ax.imshow(image, cmap="gray", vmin=-limit, vmax=limit)
        else:
            ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
        if titles is not None:
            ax.set_title(titles[k], fontsize=7, pad=2)


def rbm_filters(filters: dict, claims: pd.DataFrame) -> dict:
    """O1: the first-layer RBM weights of hidden units, as 28×28 images."""
    weights = filters["weights"]
    columns = 10
    with styled():
        fig = new_figure(9, 9.8)
        image_grid(fig, weights, columns, symmetric=True)
    return finish(
        fig,
        f"O1 — first-layer RBM filters on MNIST (first {len(weights)} of the hidden units)",
        claims,
        "Each image shows one hidden unit's weights from the 784 pixels (grey = 0, white positive, black negative).",
    )


def likelihood_curves(likelihood: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """O2: exact log-likelihood per epoch for CD-1, CD-k and PCD."""
    methods = list(dict.fromkeys(likelihood["method"]))
    colours = dict(zip(methods, sns.color_palette("deep", len(methods))))
    with styled():
        fig = new_figure(7.5, 4.8)
        ax = fig.subplots()
        for method in methods:
            rows = likelihood[likelihood["method"] == method]
            ax.plot(rows["epoch"], rows["test_log_likelihood"], marker="o", ms=3, color=colours[method], label=f"{method} (test)")
            ax.plot(rows["epoch"], rows["train_log_likelihood"], ls="--", color=colours[method], lw=1, label=f"{method} (train)")
        ax.set_xlabel("epoch")
        ax.set_ylabel("exact log-likelihood (nats per image)")
        low = likelihood[likelihood["epoch"] > 0]["test_log_likelihood"].min()
        high = likelihood["test_log_likelihood"].max()
        ax.set_ylim(low - 0.1 * (high - low), high + 0.1 * (high - low))
        ax.legend(fontsize=8, ncol=2)
    n_hidden_note = "Binarised MNIST; log Z computed exactly by enumerating all hidden states; epoch 0 (initial weights) is off the axis."
    return finish(fig, "O2 — CD-1 vs CD-k vs PCD on a small RBM with exact likelihood", claims, n_hidden_note)


def gibbs_samples(samples: dict, claims: pd.DataFrame) -> dict:
    """O3: real digits and samples of the RBM / DBNs, each with the CNN's label and confidence."""
    depths = sorted(int(k.split("_")[1]) for k in samples if k.startswith("samples_"))
    columns = 10
    rows = [("training-set digits (real)", samples["real"][:columns], None)]
    for depth in depths:
        name = "RBM" if depth == 1 else f"{depth}-layer DBN"
        probabilities = samples[f"probabilities_{depth}"][:columns]
        titles = [f"{p.argmax()} ({p.max():.2f})" for p in probabilities]
        rows.append((f"samples of the {name}", samples[f"samples_{depth}"][:columns], titles))
    with styled():
        fig = new_figure(10, 1.6 * len(rows) + 0.6)
        for sub, (label, images, titles) in zip(fig.subfigures(len(rows), 1), rows):
            sub.suptitle(label, fontsize=9, fontweight="bold", x=0.01, ha="left")
            image_grid(sub, images.reshape(-1, 28, 28), columns, titles=titles)
    return finish(
        fig,
        "O3 — Gibbs samples from the RBM and the 2- and 3-layer DBN, beside real digits",
        claims,
        "Above each sample: the class a LeNet trained on real digits assigns it, and that class's probability.",
    )


def error_vs_training_size(errors: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """O4: test error vs number of labelled examples, pre-trained vs random initialisation."""
    colours = {"pretrained": sns.color_palette("deep")[0], "random": sns.color_palette("deep")[3]}
    with styled():
        fig = new_figure(7, 4.5)
        ax = fig.subplots()
        for init, rows in errors.groupby("init"):
            rows = rows.sort_values("n_train")
            ax.plot(rows["n_train"], 100 * rows["test_error"], marker="o", color=colours.get(init), label=f"{init} initialisation")
        ax.set_xscale("log")
        ax.set_xlabel("labelled training examples used for fine-tuning")
        ax.set_ylabel("test error (%)")
        ax.legend()
    return finish(fig, "O4 — DBN pre-training vs random initialisation, same back-prop fine-tuning", claims)


def learning_curves(history: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """O5: train and test error per epoch of the CNN."""
    colours = mode_palette(2)
    with styled():
        fig = new_figure(7, 4.5)
        ax = fig.subplots()
        trained = history[history["epoch"] > 0]
        ax.plot(trained["epoch"], 100 * trained["train_error"], marker="o", ms=3, color=colours[0], label="train")
        ax.plot(trained["epoch"], 100 * trained["test_error"], marker="o", ms=3, color=colours[1], label="test")
        ax.axhline(1.1, color="grey", ls=":", lw=1, label="talk: 1.1 % (cuda-convnet, full MNIST)")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("error (%)")
        ax.legend()
    return finish(fig, "O5 — LeNet-style CNN on MNIST: error per epoch", claims, f"Device: {history['device'].iloc[-1]}.")
