"""Figures O1–O5 of the okatani2013 talk. Each function draws from saved tables only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from deepinside.plots.style import finish, mode_palette, new_figure, styled


def image_grid(container, images: np.ndarray, columns: int, symmetric: bool = False, titles=None) -> None:
    """Draw (n, 28, 28) images on a figure or subfigure; ``symmetric`` scales each around zero."""
    rows = int(np.ceil(len(images) / columns))
    axes = np.atleast_2d(container.subplots(rows, columns))
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
            ax.plot(
                rows["epoch"],
                rows["test_log_likelihood"],
                marker="o",
                ms=3,
                color=colours[method],
                label=f"{method} (test)",
            )
            ax.plot(
                rows["epoch"],
                rows["train_log_likelihood"],
                ls="--",
                color=colours[method],
                lw=1,
                label=f"{method} (train)",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("exact log-likelihood (nats per image)")
        low = likelihood[likelihood["epoch"] > 0]["test_log_likelihood"].min()
        high = likelihood["test_log_likelihood"].max()
        bottom = low - 0.1 * (high - low)
        ax.set_ylim(bottom, high + 0.1 * (high - low))
        start = likelihood[likelihood["epoch"] == 0]["test_log_likelihood"]
        if len(start) and start.min() < bottom:
            ax.annotate(
                f"epoch 0 (initial weights): {start.min():.1f}, below the axis",
                xy=(0, bottom),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                color="0.3",
            )
        ax.legend(fontsize=8, ncol=2)
    n_hidden_note = (
        "Binarised MNIST; log Z computed exactly by enumerating all hidden states. Epoch 0: the initial weights, "
        "whose visible biases (the data's log-odds, Hinton's guide) already make an independent-pixel model."
    )
    return finish(fig, "O2 — CD-1 vs CD-k vs PCD on a small RBM with exact likelihood", claims, n_hidden_note)


def gibbs_samples(samples: dict, summary: pd.DataFrame, coverage: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """O3: real digits and Gibbs samples of the RBM, the DBMs (and the DBN for comparison), each with the judge's
    label; below, class coverage of the same chains against Gibbs steps and each model's AIS test log-likelihood
    beside the paper's."""
    columns, shown = 10, 20
    by_model = summary.set_index("model")
    n_rows = len(samples["names"])
    with styled():
        fig = new_figure(10, 2.9 * n_rows + 3.6)
        subs = fig.subfigures(n_rows + 1, 1, height_ratios=[2.9] * n_rows + [3.4])
        for sub, name, images, probabilities in zip(
            subs[:-1], samples["names"], samples["images"], samples["probabilities"]
        ):
            entry = by_model.loc[name]
            role = {"control": " — control", "comparison (not on the slide)": " — comparison, not on the slide"}.get(
                entry["role"], ""
            )
            likelihood = ""
            if np.isfinite(entry.get("test_log_likelihood", np.nan)):
                if entry.get("ais_short_by_at_least", 0.0) > 0:  # AIS shown to have missed states: an upper limit only
                    likelihood = f", test log-lik. at most {entry['test_log_likelihood_low']:.1f} (AIS missed states)"
                else:
                    likelihood = f", test log-lik. {entry['test_log_likelihood_low']:.1f} (cautious)"
            sub.suptitle(
                f"{'test-set digits (real)' if name == 'real digits' else 'samples of the ' + name}{role}: "
                f"{entry['digit_fraction']:.0%} confident digits, {entry['classes']} classes{likelihood}",
                fontsize=9,
                fontweight="bold",
                x=0.01,
                ha="left",
            )
            titles = [
                ("–" if p.argmax() == 10 else str(p.argmax())) + f" ({p.max():.2f})" for p in probabilities[:shown]
            ]
            image_grid(sub, images[:shown].reshape(-1, 28, 28), columns, titles=titles)
        left, right = subs[-1].subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1], "wspace": 0.45})
        models = list(dict.fromkeys(coverage["model"]))
        colours = dict(zip(models, sns.color_palette("deep", len(models))))
        for model in models:
            rows = coverage[coverage["model"] == model].sort_values("gibbs_steps")
            left.plot(rows["gibbs_steps"], rows["classes"], marker="o", color=colours[model], label=model)
        left.axhline(10, color="grey", lw=0.8, ls=":")
        left.set_xscale("log")
        ticks = sorted(coverage["gibbs_steps"].unique())
        left.set_xticks(ticks)
        left.set_xticklabels([f"{t:,}" for t in ticks])
        left.minorticks_off()
        left.set_ylim(-0.3, 10.5)
        left.set_xlabel("Gibbs steps from random states (the same chains)")
        left.set_ylabel("digit classes among confident samples")
        left.set_title("coverage of the classes as the chains mix", fontsize=9)
        left.legend(fontsize=7, loc="upper left")
        rated = summary[np.isfinite(summary.get("test_log_likelihood", pd.Series(dtype=float)))].reset_index(drop=True)
        y = np.arange(len(rated))
        for k, row in rated.iterrows():
            colour = colours.get(row["model"], "grey")
            right.errorbar(
                row["test_log_likelihood"],
                k,
                xerr=row["log_z_se"],
                fmt="o",
                ms=7,
                color=colour,
                mfc="white",
                label="ours, AIS estimate ± s.e." if k == 0 else None,
            )
            if "test_log_likelihood_low" in row and np.isfinite(row["test_log_likelihood_low"]):
                right.plot([row["test_log_likelihood_low"], row["test_log_likelihood"]], [k, k], color=colour, lw=1)
                right.plot(
                    row["test_log_likelihood_low"],
                    k,
                    marker="<",
                    ms=8,
                    color=colour,
                    ls="none",
                    label="ours, cautious: at most this (what the claim uses)" if k == 0 else None,
                )
            if np.isfinite(row["paper_log_likelihood"]):
                right.plot(
                    row["paper_log_likelihood"],
                    k,
                    marker="D",
                    ms=7,
                    mfc="white",
                    mec="black",
                    ls="none",
                    label="paper (S&H 2009)"
                    if k == rated.index[np.isfinite(rated["paper_log_likelihood"])][0]
                    else None,
                )
            short = row.get("ais_short_by_at_least", 0.0)
            if short > 0:  # AIS shown to have missed states: only an upper limit is known
                text = f"AIS missed states (≥ {short:.1f} nats): at most {row['test_log_likelihood_low']:.1f}"
            else:
                text = f"{row['test_log_likelihood']:.1f}, cautious {row['test_log_likelihood_low']:.1f}"
            text += f"  (paper {row['paper_log_likelihood']:.2f})" if np.isfinite(row["paper_log_likelihood"]) else ""
            right.annotate(
                text,
                (row["test_log_likelihood"], k),
                xytext=(0, -13),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
        values = np.concatenate(
            [rated["test_log_likelihood"], rated["test_log_likelihood_low"], rated["paper_log_likelihood"].dropna()]
        )
        span = max(values.max() - values.min(), 5.0)
        right.set_xlim(values.min() - 0.25 * span, values.max() + 0.25 * span)
        right.set_yticks(y)
        right.set_yticklabels(rated["model"], fontsize=8)
        right.set_ylim(len(rated) - 0.4, -1.3)  # room above the first row for the legend
        right.set_xlabel("test log-likelihood, nats per digit (DBMs: their variational bound)")
        right.set_title("likelihood: ours beside the paper's (higher is better)", fontsize=9)
        right.legend(fontsize=7, loc="upper center", ncol=2)
    return finish(
        fig,
        "O3 — Gibbs samples of an RBM and of 2- and 3-layer Deep Boltzmann Machines (MNIST), beside real digits",
        claims,
        "Above each image: the judge's label (– = not a digit) and its probability. Judge: a LeNet trained on real digits "
        "and on non-digits (noise, pixel-shuffled digits, blobs). The DBN row (the stack mototake2015 analyses, ancestral "
        "sampling) is a comparison; the talk's slide shows DBMs. Likelihood: annealed importance sampling of log Z "
        "(open circle: the estimate, bar: its standard error over runs; filled triangle: the cautious value the claim "
        "uses, with log Z at its upper 3-s.e. end or at the certain lower bound from states near the test digits, whichever "
        "is larger — AIS errs low when its chains miss the heaviest states), on test digits binarised "
        "as each model's training digits (the PCD RBM: thresholded at ½; the DBMs: drawn once from the grey levels, as "
        "the reference code does). The paper trained its DBMs for 300-500 epochs on 60,000 digits.",
    )


def error_vs_training_size(errors: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """O4: train and test error vs number of labelled examples, pre-trained vs random initialisation."""
    colours = {"pretrained": sns.color_palette("deep")[0], "random": sns.color_palette("deep")[3]}
    sizes = sorted(errors["n_train"].unique())
    with styled():
        fig = new_figure(7.5, 4.8)
        ax = fig.subplots()
        for init, rows in errors.groupby("init"):
            rows = rows.sort_values("n_train")
            ax.plot(
                rows["n_train"], 100 * rows["test_error"], marker="o", color=colours.get(init), label=f"{init}: test"
            )
            ax.plot(
                rows["n_train"],
                100 * rows["train_error"],
                marker="s",
                ms=4,
                ls="--",
                color=colours.get(init),
                label=f"{init}: train",
            )
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([f"{n:,}" for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("labelled examples (a part of them held out for early stopping)")
        ax.set_ylabel("error (%)")
        ax.legend()
    return finish(
        fig,
        "O4 — DBN pre-training vs random initialisation, same fine-tuning (Adam, early stopping)",
        claims,
        "Each net is shown at its early-stopping epoch (lowest error on its held-out examples).",
    )


def learning_curves(history: pd.DataFrame, claims: pd.DataFrame) -> dict:
    """O5: train, held-out and test error per epoch of the CNN, with the phase change of the recipe marked."""
    colours = mode_palette(3)
    with styled():
        fig = new_figure(7.5, 4.8)
        ax = fig.subplots()
        trained = history[history["epoch"] > 0]
        ax.plot(trained["epoch"], 100 * trained["train_error"], marker="o", ms=3, color=colours[0], label="train")
        first = trained[trained["phase"] == trained["phase"].iloc[0]]
        ax.plot(
            first["epoch"], 100 * first["validation_error"], marker="^", ms=3, color=colours[1], label="held-out batch"
        )
        ax.plot(trained["epoch"], 100 * trained["test_error"], marker="o", ms=3, color=colours[2], label="test")
        ax.axhline(1.1, color="grey", ls=":", lw=1, label="talk: 1.1 % (cuda-convnet, full MNIST)")
        phases = list(dict.fromkeys(trained["phase"]))
        for name in phases[1:]:
            start = trained[trained["phase"] == name]["epoch"].min()
            ax.axvline(start - 0.5, color="black", lw=1, ls="--")
            ax.text(start - 0.3, 0.98, f"→ {name}", transform=ax.get_xaxis_transform(), fontsize=8, va="top")
        best = history[history["selected"] & (history["phase"] == phases[0])]
        if len(best):
            ax.plot(
                best["epoch"],
                100 * best["validation_error"],
                marker="*",
                ms=12,
                color=colours[1],
                ls="none",
                label="best held-out epoch (weights kept)",
            )
        ax.set_yscale(
            "symlog", linthresh=0.1, linscale=0.5
        )  # log above 0.1 %, linear below: a train error of 0 stays drawn
        ax.set_ylim(bottom=0)
        ax.set_xlabel("epoch")
        ax.set_ylabel("error (%; log scale above 0.1 %, linear below)")
        ax.legend(fontsize=8)
    return finish(
        fig,
        "O5 — LeNet-style CNN on MNIST, the talk's cuda-convnet recipe",
        claims,
        f"Phase 1: one of six training batches held out, training until its error stops falling; phase 2 (dashed line): "
        f"all batches, learning rate ×0.1, about ten epochs. Device: {history['device'].iloc[-1]}.",
    )
