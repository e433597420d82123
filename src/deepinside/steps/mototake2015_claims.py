"""Summaries and claims of the mototake2015 talk: tables in, tables and claim rows out.

Kept apart from :mod:`deepinside.steps.mototake2015` (which computes Jacobians,
embeddings and perturbations with torch) so that these light steps start in a fraction
of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepinside.claims import values
from deepinside.data import mnist as mnist_data
from deepinside.measures import spectrum_measures


def _per_image(spectra: pd.DataFrame, measure, **select) -> pd.Series:
    """A spectrum measure for every image of one map, indexed by image."""
    part = spectra
    for column, value in select.items():
        part = part[part[column] == value]
    values = part.pivot(index="image", columns="index", values="singular_value").sort_index()
    return pd.Series(measure(values.to_numpy()), index=values.index)


def _paired(claim_id: str, after: pd.Series, before: pd.Series, note: str, **kwargs) -> dict:
    """The value of a claim that ``after − before`` (paired by image) is positive beyond two standard errors."""
    return values.paired(claim_id, after.sort_index(), before.sort_index(), note=note, **kwargs)


def _layer_summary(spectra: pd.DataFrame) -> pd.DataFrame:
    """Per input → h(t) map: mean number of σ > 1 and mean effective rank over images."""
    rows = []
    for (stage, noise, layer), group in spectra[spectra["map"].str.startswith("input")].groupby(
        ["stage", "noise", "layer"]
    ):
        values = group.pivot(index="image", columns="index", values="singular_value").to_numpy()
        rows.append(
            {
                "stage": stage,
                "noise": noise,
                "layer": layer,
                "count_above_1": spectrum_measures.count_above(values).mean(),
                "count_above_1_sd": spectrum_measures.count_above(values).std(),
                "effective_rank": spectrum_measures.effective_rank(values).mean(),
                "largest": values[:, 0].mean(),
            }
        )
    return pd.DataFrame(rows)


def steep_spectrum(spectra: pd.DataFrame, twin: pd.DataFrame) -> dict:
    """M2: after pre-training the deepest layer has the steepest spectrum, against the untrained
    twin (the same stack with the RBMs' initial weights: a stack of random sigmoid layers
    already steepens with depth), and few σ > 1."""
    summary = _layer_summary(pd.concat([spectra, twin], ignore_index=True))

    def ratio(stage):
        by_layer = summary[summary["stage"] == stage].set_index("layer")
        deepest = by_layer.index.max()
        return (
            deepest,
            by_layer,
            by_layer.loc[deepest, "effective_rank"] / by_layer.drop(index=deepest)["effective_rank"].min(),
        )

    deepest, by_layer, trained = ratio("pretrained")
    _, twin_layers, untrained = ratio("untrained")
    note = "; ".join(
        f"layer {layer}: {row.count_above_1:.1f} σ>1, effective rank {row.effective_rank:.1f}"
        for layer, row in by_layer.iterrows()
    )
    note += "; untrained twin: " + "; ".join(
        f"layer {layer}: {row.count_above_1:.1f} σ>1, effective rank {row.effective_rank:.1f}"
        for layer, row in twin_layers.iterrows()
    )
    rows = [
        values.value(
            "steepest", trained, threshold=min(1.0, untrained), null=untrained, note=note, deepest=int(deepest)
        ),
        values.value(
            "few_expanded",
            by_layer.loc[deepest, "count_above_1"],
            null=twin_layers.loc[deepest, "count_above_1"],
            deepest=int(deepest),
        ),
    ]
    return {"summary": summary, "claims": values.table(rows)}


def finetuning_expansion(pretrained: pd.DataFrame, finetuned: pd.DataFrame) -> dict:
    """M4 claim: fine-tuning increases the number of expanded directions (σ > 1), same images."""
    summary = _layer_summary(pd.concat([pretrained, finetuned], ignore_index=True))
    counts = summary.pivot(index="layer", columns="stage", values="count_above_1")
    layers = sorted(counts.index)
    rows = []
    for t in layers:  # one row per layer, as the talk's panels are (a sum would let one layer hide another)
        before = _per_image(pretrained, spectrum_measures.count_above, layer=t, map=f"input→h{t}")
        after = _per_image(finetuned, spectrum_measures.count_above, layer=t, map=f"input→h{t}")
        rows.append(
            _paired(
                "more_expanded",
                after,
                before,
                f"layer {t}: {counts.loc[t, 'pretrained']:.1f} → {counts.loc[t, 'finetuned']:.1f} σ > 1",
                key=t,
                null=0.0,
            )
        )
    return {"summary": summary, "claims": values.table(rows)}


def _vector_measures(vectors: dict, layer: int, support: np.ndarray) -> dict:
    """Per image and vector (1st, 2nd, last): stroke share, lag-1 autocorrelation, mean-removed share."""
    v = vectors[f"layer{layer}"]  # (images, 3, 784)
    side = mnist_data.IMAGE_SIDE
    return {
        "stroke_share": spectrum_measures.stroke_share(v, support),
        "smoothness": spectrum_measures.lag1_autocorrelation(v.reshape(*v.shape[:2], side, side)),
        "mean_removed": spectrum_measures.mean_removed_share(v),
    }


def _measure_table(measures: dict, suffix: str = "") -> pd.DataFrame:
    columns = {}
    for name, per_vector in measures.items():
        for j, vector in enumerate(("v1", "v2", "last")):
            columns[f"{name}_{vector}{suffix}"] = per_vector[:, j]
    return pd.DataFrame({"image": np.arange(len(next(iter(measures.values())))), **columns})


def vector_localisation(vectors: dict, mnist: dict, layer: int) -> dict:
    """M3 claims: after pre-training the top singular vectors are digit strokes, the last is noise.

    A stroke lies on the digits once its mean is removed (stroke share above the
    support's area share: a uniform brightness wash, or noise, scores about that) and is
    spatially smooth; noise is not (lag-1 autocorrelation, :mod:`deepinside.measures.spectrum_measures`).
    """
    support = spectrum_measures.digit_support(mnist_data.to_unit_interval(mnist["x_train"]))
    m = _vector_measures(vectors, layer, support)
    area = float(support.mean())
    rows = [
        _paired(
            "on_the_digits",
            pd.Series(m["stroke_share"][:, 0]),
            pd.Series(np.full(len(m["stroke_share"]), area)),
            f"v1 {m['stroke_share'][:, 0].mean():.3f}, v2 {m['stroke_share'][:, 1].mean():.3f}, last {m['stroke_share'][:, 2].mean():.3f}, "
            f"support {area:.3f} of the image; share of v1's energy left after removing its mean {m['mean_removed'][:, 0].mean():.2f} "
            "(a uniform wash: 0)",
            layer=layer,
        ),
        _paired(
            "smooth_strokes",
            pd.Series(m["smoothness"][:, 0]),
            pd.Series(m["smoothness"][:, 2]),
            f"v1 {m['smoothness'][:, 0].mean():.3f}, v2 {m['smoothness'][:, 1].mean():.3f}, last {m['smoothness'][:, 2].mean():.3f} "
            "(white noise ≈ 0)",
        ),
    ]
    return {"energy": _measure_table(m), "claims": values.table(rows)}


def vector_blurring(pretrained: dict, finetuned: dict, mnist: dict, layer: int) -> dict:
    """M5 claim: after fine-tuning the top vectors are less sharp (不鮮明): less of v1 lies on the digit strokes, same images."""
    support = spectrum_measures.digit_support(mnist_data.to_unit_interval(mnist["x_train"]))
    before, after = _vector_measures(pretrained, layer, support), _vector_measures(finetuned, layer, support)
    rows = [
        _paired(
            "less_sharp",
            pd.Series(before["stroke_share"][:, 0]),
            pd.Series(after["stroke_share"][:, 0]),
            f"v1 stroke share {before['stroke_share'][:, 0].mean():.3f} → {after['stroke_share'][:, 0].mean():.3f}, "
            f"smoothness {before['smoothness'][:, 0].mean():.3f} → {after['smoothness'][:, 0].mean():.3f}; "
            f"v2 stroke share {before['stroke_share'][:, 1].mean():.3f} → {after['stroke_share'][:, 1].mean():.3f}",
            layer=layer,
        )
    ]
    table = _measure_table(before, "_before").merge(_measure_table(after, "_after"), on="image")
    return {"energy": table, "claims": values.table(rows)}


def perturbation_robustness(agreements: list[pd.DataFrame]) -> dict:
    """M8, per network: is the output more robust to tangent than to normal perturbations?

    Per image, the agreement is averaged over its directions and the perturbation sizes
    (in units of the data patch's tangent spread, up to the size at which one kind first
    falls to half agreement: see :func:`deepinside.steps.mototake2015.perturbation_robustness`);
    tangent − normal is compared, paired over images, with two standard errors. The claim
    is the slide's (the output is robust along tangent directions); the note says which
    was, and how the report's reading fares (perturbing the extracted directions disturbs
    the output, perturbing the discarded ones leaves it robust — the opposite).
    """
    table = pd.concat(agreements, ignore_index=True)
    rows = []
    for network, part in table.groupby("network", sort=False):
        per_image = part.groupby(["direction", "image"])["agree"].mean().unstack("direction")
        mean, two_se = values.paired_difference(per_image["tangent"], per_image["normal"])
        verdict = "tangent" if mean > two_se else "normal" if mean < -two_se else "neither (within 2 standard errors)"
        largest = part["magnitude"].max()
        at_largest = part[part["magnitude"] == largest].groupby("direction")["agree"].mean()
        rows.append(
            values.value(
                "tangent_robust" if network == "dbn" else "conv_tangent_robust",
                mean,
                threshold=two_se,
                null=0.0,
                note=f"sizes 0–{largest:g} tangent spreads; agreement: tangent {per_image['tangent'].mean():.3f}, "
                f"normal {per_image['normal'].mean():.3f} → more robust: "
                f"{verdict}; at the largest size: tangent {at_largest['tangent']:.3f}, normal {at_largest['normal']:.3f}; "
                f"the report's reading (normal more robust) {'holds' if verdict == 'normal' else 'does not hold'}; "
                f"directions from the data (local PCA of same-class neighbours; normal ones on the pixels that vary in the data), "
                f"N = {per_image.shape[0]}×{part['index'].nunique()} per kind",
            )
        )
    return {"agreement": table, "claims": values.table(rows)}


def digit_separation(embeddings: list[dict]) -> dict:
    """M1: 10-NN accuracy in the embedding per layer; it rises with depth after fine-tuning."""
    table = pd.DataFrame(
        [
            {"features": str(e["features"]), "knn_accuracy": float(e["knn_accuracy"]), "points": len(e["labels"])}
            for e in embeddings
        ]
    )
    n_points = int(table["points"].min())
    accuracy = table.set_index("features")["knn_accuracy"]
    depth = sorted(int(f.rsplit("_h", 1)[1]) for f in accuracy.index if f.startswith("finetuned_h"))
    path = [accuracy["input"]] + [accuracy[f"finetuned_h{t}"] for t in depth]
    path_array = np.asarray(path)
    accuracy_se = np.sqrt(path_array * (1 - path_array) / n_points)
    step_se = np.sqrt(accuracy_se[:-1] ** 2 + accuracy_se[1:] ** 2)
    note = "after fine-tuning: " + " → ".join(f"{a:.3f}" for a in path)
    if any(f.startswith("pretrained_h") for f in accuracy.index):
        note += "; after pre-training: " + " → ".join(
            [f"{accuracy['input']:.3f}"] + [f"{accuracy[f'pretrained_h{t}']:.3f}" for t in depth]
        )
    rows = [
        values.value("pixels_separate", accuracy["input"], null=0.1),
        values.value(
            "rises_with_depth",
            path[-1] - path[0],
            null=0.0,
            note=note,
            deepest=depth[-1],
        ),
        values.value(
            "rises_every_layer",
            float(np.mean(np.diff(path) > 2 * step_se)),
            note="steps: "
            + ", ".join(f"{d:+.3f} (2 s.e. {2 * e:.3f})" for d, e in zip(np.diff(path), step_se))
            + f"; s.e. of a step: √(p(1−p)/n) of both accuracies combined, n = {n_points} points",
        ),
    ]
    return {"accuracy": table, "claims": values.table(rows)}


def alexnet_steepness(spectra: list[pd.DataFrame], untrained: pd.DataFrame, steep_layer: int) -> dict:
    """M6: learning makes the spectrum steep by layer 5 — log(σ1/σk) of the top k, layer 5
    minus layer 1, of the trained net minus that of its untrained twin, paired over inputs.

    The untrained twin (same architecture, same inputs) is the null: a randomly initialised
    net already steepens from layer 1 to 5 through its architecture and its input, so only
    the steepening beyond it is the talk's (learned) effect."""
    table = pd.concat(spectra, ignore_index=True)
    table = table[table["noise"] == 0]
    decay = {
        layer: _per_image(table, spectrum_measures.log_decay, layer=layer) for layer in sorted(table["layer"].unique())
    }
    twin = {layer: _per_image(untrained, spectrum_measures.log_decay, layer=layer) for layer in (1, steep_layer)}
    trained_rise, twin_rise = decay[steep_layer] - decay[1], twin[steep_layer] - twin[1]
    note = (
        ", ".join(f"L{k}: {v.mean():.3f}" for k, v in decay.items()) + " (mean log σ1/σk, trained); "
        f"layer {steep_layer} − layer 1: trained {trained_rise.mean():.3f}, untrained twin {twin_rise.mean():.3f}"
    )
    row = _paired("learned_steepening", trained_rise, twin_rise, note, null=0.0, layer=steep_layer)
    return {
        "spectra": table,
        "twin": untrained[untrained["layer"].isin([1, steep_layer])],
        "claims": values.table([row]),
    }


def object_vectors(trained: dict, untrained: dict) -> dict:
    """M7: learning puts the top singular vectors on the object — the share of v1, v2's
    energy inside the object region, trained net minus its untrained twin, paired over inputs
    (the twin's vectors already lean on the object, which is where the input varies)."""
    kind, layer = str(trained["kind"]), int(trained["layer"])
    region = "the object region (border-colour contrast, Otsu)" if kind == "imagenet" else "the digit's own pixels"
    shares, twin, areas = np.asarray(trained["shares"]), np.asarray(untrained["shares"]), np.asarray(trained["areas"])
    row = _paired(
        "learned_object",
        pd.Series(shares.mean(1)),
        pd.Series(twin.mean(1)),
        f"trained v1 {shares[:, 0].mean():.3f}, v2 {shares[:, 1].mean():.3f}; untrained twin v1 {twin[:, 0].mean():.3f}, "
        f"v2 {twin[:, 1].mean():.3f}; region {areas.mean():.3f} of the image (from the image, not from the network)",
        null=0.0,
        layer=layer,
        region=region,
    )
    return {"claims": values.table([row])}


TOP_K = 10  # M9's information-carrying directions: the 10 largest singular values (AlexNet's spectra keep 10)


def noise_information(
    dbn: list[pd.DataFrame],
    dbn_layers_shown: list[int],
    alexnet_layers_shown: list[int],
    alexnet: list[pd.DataFrame] = (),
) -> dict:
    """M9: added noise impedes information transfer (情報の伝達が阻害) — the singular values that carry it fall.

    Per network and layer, on the directions that carry the information — the
    :data:`TOP_K` largest singular values of the input → layer map (the rest, down to
    1e-8, are directions the map discards) — Σ log10 σ per image at each noise level.
    The claim asks for a monotone fall: every step from one noise level to the next
    lowers it, paired over images; the value is the least significant step's mean drop
    (its threshold two standard errors of that step), or, where a step rises significantly,
    that step's: a significant rise anywhere fails it. Every
    layer shown is a row. With no AlexNet layers shown (and no AlexNet tables: where its
    ImageNet pictures are absent) the DBN's rows alone.
    """
    alexnet = list(alexnet)
    if bool(alexnet) != bool(alexnet_layers_shown):
        raise ValueError(
            f"M9: {len(alexnet)} AlexNet spectra tables for the AlexNet layers {alexnet_layers_shown}: "
            "give both or neither"
        )
    dbn_table = pd.concat(dbn, ignore_index=True)
    dbn_table = dbn_table[dbn_table["map"].str.startswith("input") & dbn_table["layer"].isin(dbn_layers_shown)]
    alex_table = pd.concat(alexnet, ignore_index=True) if alexnet else dbn_table.iloc[:0]
    alex_table = alex_table[alex_table["layer"].isin(alexnet_layers_shown)]
    keep = ["network", "noise", "layer", "image", "index", "singular_value"]
    table = pd.concat(
        [dbn_table.assign(network="DBN")[keep], alex_table.assign(network="AlexNet")[keep]], ignore_index=True
    )
    top = table[table["index"] <= TOP_K]
    rows = []
    for (network, layer), group in top.groupby(["network", "layer"]):
        levels = sorted(group["noise"].unique())
        volume = {n: _per_image(group, spectrum_measures.log_volume, noise=n) for n in levels}
        count = {
            n: _per_image(
                table[(table["network"] == network) & (table["layer"] == layer)], spectrum_measures.count_above, noise=n
            ).mean()
            for n in levels
        }
        steps = [
            values.paired_difference(volume[a].sort_index(), volume[b].sort_index()) for a, b in zip(levels, levels[1:])
        ]
        rising = [j for j, (d, e) in enumerate(steps) if d < -e]  # a significant rise anywhere decides: it fails
        weakest = (
            min(rising, key=lambda j: steps[j][0] + steps[j][1])
            if rising
            else min(range(len(steps)), key=lambda j: steps[j][0] - steps[j][1])
        )
        drop, two_se = steps[weakest]
        rows.append(
            values.value(
                "dbn_transfer" if network == "DBN" else "alexnet_transfer",
                drop,
                key=int(layer),
                threshold=two_se,
                null=0.0,
                note=f"least significant step {levels[weakest]:g} → {levels[weakest + 1]:g}; Σ log10 σ of the top {TOP_K}: "
                + ", ".join(f"noise {n:g}: {volume[n].mean():.2f}" for n in levels)
                + "; drop per step: "
                + ", ".join(
                    f"{levels[j]:g}→{levels[j + 1]:g}: {d:+.2f} (2 s.e. {e:.2f})" for j, (d, e) in enumerate(steps)
                )
                + "; σ > 1: "
                + ", ".join(f"{count[n]:.1f}" for n in levels),
                k=TOP_K,
            )
        )
    return {"spectra": table, "claims": values.table(rows)}
