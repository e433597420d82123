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


UNCERTIFIED = "0.6"  # the grey of a likelihood that AIS cannot certify


def _certified(row) -> bool:
    """Whether AIS's likelihood of a summary row stands: a value, and AIS not below a certain lower bound of log Z."""
    value = row.get("test_log_likelihood", np.nan)
    short = row.get("ais_short_by_at_least", 0.0)
    return bool(np.isfinite(value) and not (np.isfinite(short) and short > 0))


def _likelihood_panel(ax, summary: pd.DataFrame, colours: dict) -> None:
    """Each model's AIS test log-likelihood beside the paper's; one AIS cannot certify is drawn grey and hollow."""
    value = summary.get("test_log_likelihood", pd.Series(np.nan, index=summary.index))
    rated = summary[np.isfinite(value) | np.isfinite(summary["paper_log_likelihood"])].reset_index(drop=True)
    labelled = set()

    def once(label: str) -> str | None:  # each legend entry once
        if label in labelled:
            return None
        labelled.add(label)
        return label

    for k, row in rated.iterrows():
        estimate = row.get("test_log_likelihood", np.nan)
        low = row.get("test_log_likelihood_low", np.nan)
        paper = row["paper_log_likelihood"]
        if _certified(row):
            colour = colours.get(row["model"], "grey")
            ax.errorbar(
                estimate,
                k,
                xerr=row["log_z_se"],
                fmt="o",
                ms=7,
                color=colour,
                mfc="white",
                label=once("ours, AIS estimate ± s.e."),
            )
            if np.isfinite(low):
                ax.plot([low, estimate], [k, k], color=colour, lw=1)
                ax.plot(
                    low,
                    k,
                    marker="<",
                    ms=8,
                    color=colour,
                    ls="none",
                    label=once("ours, cautious: at most this (what the claim uses)"),
                )
            text = f"{estimate:.1f}, cautious {low:.1f}"
            anchor = estimate
        elif np.isfinite(estimate):  # AIS fell below a certain lower bound of log Z: only an upper limit is known
            _uncertified(ax, estimate, k, "o", 7, once("not certified by AIS (grey): AIS's estimate"))
            if np.isfinite(low):
                ax.plot([low, estimate], [k, k], color=UNCERTIFIED, lw=1, ls="--")
                _uncertified(ax, low, k, "<", 8, once("not certified by AIS: at most this"))
            short = row.get("ais_short_by_at_least", np.nan)
            text = f"not certified by AIS (≥ {short:.1f} nats short): at most {low:.1f}"
            anchor = estimate
        else:
            text = "ours: no estimate, not certified by AIS"
            anchor = paper
        if np.isfinite(paper):
            ax.plot(paper, k, marker="D", ms=7, mfc="white", mec="black", ls="none", label=once("paper (S&H 2009)"))
            text += f"  (paper {paper:.2f})"
        ax.annotate(
            text,
            (anchor, k),
            xytext=(0, -13),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            color="black" if _certified(row) else "0.35",
        )
    values = pd.concat(
        [
            rated.get("test_log_likelihood", pd.Series(dtype=float)),
            rated.get("test_log_likelihood_low", pd.Series(dtype=float)),
            rated["paper_log_likelihood"],
        ]
    )
    values = values[np.isfinite(values)].to_numpy()
    if len(values):
        span = max(values.max() - values.min(), 5.0)
        ax.set_xlim(values.min() - 0.3 * span, values.max() + 0.3 * span)
    ax.set_yticks(np.arange(len(rated)))
    ax.set_yticklabels(rated["model"], fontsize=8)
    ax.set_ylim(len(rated) - 0.4, -0.5)
    ax.set_xlabel("test log-likelihood, nats per digit (DBMs: their variational bound)")
    ax.set_title("likelihood: ours beside the paper's (higher is better)", fontsize=9)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: ("not certified" in labels[i], "paper" in labels[i]))
    # outside the axes, at the right: it hides no point; ours and the paper's first, then what is not certified
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
    )


def _uncertified(ax, x: float, k: int, marker: str, size: float, label: str | None) -> None:
    """A hollow grey marker: a likelihood AIS could not certify."""
    ax.plot(x, k, marker=marker, ms=size, mfc="none", mec=UNCERTIFIED, color=UNCERTIFIED, ls="none", label=label)


def updates_note(scale: pd.DataFrame | None) -> str:
    """O3's header where the DBMs made fewer joint updates than the reference's (``scale``: one row,
    :func:`deepinside.steps.okatani2013_scale.dbm_updates`); "" where they made as many, or no table."""
    if scale is None or scale.empty:
        return ""
    row = scale.iloc[0]
    if row["updates"] >= row["reference_updates"]:
        return ""
    return (
        f"These DBMs made {int(row['updates']):,} of the reference's {int(row['reference_updates']):,} joint updates "
        "(Salakhutdinov's code: 300 epochs of 600 mini-batches), so they are not expected to draw digits yet; "
        "the talk's scale is the paper preset's (docs/paper_preset.md)"
    )


def gibbs_samples(
    samples: dict,
    summary: pd.DataFrame,
    coverage: pd.DataFrame,
    claims: pd.DataFrame,
    scale: pd.DataFrame | None = None,
) -> dict:
    """O3: real digits and Gibbs samples of the RBM, the DBMs (and the DBN for comparison), each with the judge's
    label, one row of samples per model; below, class coverage of the same chains against Gibbs steps and each
    model's AIS test log-likelihood beside the paper's. Where the DBMs made fewer updates than the reference's
    (``scale``), a note under the title says so (:func:`updates_note`)."""
    updates_note_text = updates_note(scale)
    columns = shown = 20
    by_model = summary.set_index("model")
    n_rows = len(samples["names"])
    row_height = 1.2
    with styled():
        fig = new_figure(15, row_height * n_rows + 3.9 + (0.3 if updates_note_text else 0.0))
        top, bottom = fig.subfigures(
            2, 1, height_ratios=[row_height * n_rows + (0.3 if updates_note_text else 0.0), 3.9]
        )
        if updates_note_text:
            top.suptitle(updates_note_text, fontsize=9, style="italic", color="0.3")
        model_rows = np.atleast_1d(top.subfigures(n_rows, 1))
        for sub, name, images, probabilities in zip(
            model_rows, samples["names"], samples["images"], samples["probabilities"]
        ):
            entry = by_model.loc[name]
            role = {"control": " — control", "comparison (not on the slide)": " — comparison, not on the slide"}.get(
                entry["role"], ""
            )
            likelihood = ""
            if np.isfinite(entry.get("test_log_likelihood", np.nan)):
                if not _certified(entry):  # AIS shown to have missed states: an upper limit only
                    likelihood = (
                        f", test log-lik. at most {entry['test_log_likelihood_low']:.1f} (not certified by AIS)"
                    )
                else:
                    likelihood = f", test log-lik. {entry['test_log_likelihood_low']:.1f} (cautious)"
            sub.suptitle(
                f"{'test-set digits (real)' if name == 'real digits' else 'samples of the ' + name}{role}: "
                f"{entry['digit_fraction']:.0%} confident digits, {entry['classes']} classes{likelihood}",
                fontsize=9,
                fontweight="bold",
                x=0.005,
                ha="left",
            )
            titles = [
                ("–" if p.argmax() == 10 else str(p.argmax())) + f" ({p.max():.2f})" for p in probabilities[:shown]
            ]
            image_grid(sub, images[:shown].reshape(-1, 28, 28), columns, titles=titles)
        left, right = bottom.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25], "wspace": 0.1})
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
        left.set_ylabel("digit classes among\nconfident samples")
        left.set_title("coverage of the classes as the chains mix", fontsize=9)
        left.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        _likelihood_panel(right, summary, colours)
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
        "the reference code does). Grey, hollow: not certified by AIS — its log Z fell below that certain lower bound "
        "(or there is no estimate), so only an upper limit on the likelihood is known. "
        "The paper trained its DBMs for 300-500 epochs on 60,000 digits.",
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
