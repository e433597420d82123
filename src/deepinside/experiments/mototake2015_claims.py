"""Summaries and claims of the mototake2015 talk: tables in, tables and claim rows out.

Kept apart from :mod:`deepinside.experiments.mototake2015` (which computes Jacobians,
embeddings and perturbations with torch) so that these light steps start in a fraction
of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import claims, mnist as mnist_data, spectrum_measures

TALK = "mototake2015"


def _per_image(spectra: pd.DataFrame, measure, **select) -> pd.Series:
    """A spectrum measure for every image of one map, indexed by image."""
    part = spectra
    for column, value in select.items():
        part = part[part[column] == value]
    values = part.pivot(index="image", columns="index", values="singular_value").sort_index()
    return pd.Series(measure(values.to_numpy()), index=values.index)


def _paired_claim(figure: str, text: str, after: pd.Series, before: pd.Series, note: str) -> dict:
    """A claim that ``after − before`` (paired by image) is positive beyond two standard errors."""
    mean, two_se = claims.paired_difference(after.sort_index(), before.sort_index())
    return claims.claim(TALK, figure, text, mean, ">", round(two_se, 6), note + "; threshold = 2 standard errors of the paired mean")


def _layer_summary(spectra: pd.DataFrame) -> pd.DataFrame:
    """Per input → h(t) map: mean number of σ > 1 and mean effective rank over images."""
    rows = []
    for (stage, noise, layer), group in spectra[spectra["map"].str.startswith("input")].groupby(["stage", "noise", "layer"]):
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


def steep_spectrum(spectra: pd.DataFrame) -> dict:
    """M2 claims: after pre-training the deepest layer has the steepest spectrum and few σ > 1."""
    summary = _layer_summary(spectra)
    by_layer = summary.set_index("layer")
    deepest = by_layer.index.max()
    others = by_layer.drop(index=deepest)
    note = "; ".join(
        f"layer {layer}: {row.count_above_1:.1f} σ>1, effective rank {row.effective_rank:.1f}" for layer, row in by_layer.iterrows()
    )
    rows = [
        claims.claim(
            TALK,
            "M2",
            f"the deepest layer (h{deepest}) has the steepest spectrum (its effective rank / the smallest of the other layers')",
            by_layer.loc[deepest, "effective_rank"] / others["effective_rank"].min(),
            "<",
            1.0,
            note,
        ),
        claims.claim(
            TALK,
            "M2",
            f"few directions are expanded at layer {deepest} (mean number of σ > 1 over images; talk: at most 5)",
            by_layer.loc[deepest, "count_above_1"],
            "<=",
            5.0,
        ),
    ]
    return {"summary": summary, "claims": claims.table(rows)}


def finetuning_expansion(pretrained: pd.DataFrame, finetuned: pd.DataFrame) -> dict:
    """M4 claim: fine-tuning increases the number of expanded directions (σ > 1), same images."""
    summary = _layer_summary(pd.concat([pretrained, finetuned], ignore_index=True))
    counts = summary.pivot(index="layer", columns="stage", values="count_above_1")
    layers = sorted(counts.index)
    before = sum(_per_image(pretrained, spectrum_measures.count_above, layer=t, map=f"input→h{t}") for t in layers)
    after = sum(_per_image(finetuned, spectrum_measures.count_above, layer=t, map=f"input→h{t}") for t in layers)
    rows = [
        _paired_claim(
            "M4",
            "fine-tuning increases the number of σ > 1 (after − before, summed over layers 1-3, mean over images)",
            after,
            before,
            "; ".join(f"layer {t}: {counts.loc[t, 'pretrained']:.1f} → {counts.loc[t, 'finetuned']:.1f}" for t in layers),
        )
    ]
    return {"summary": summary, "claims": claims.table(rows)}


def _support_energy(vectors: dict, layer: int, support: np.ndarray) -> np.ndarray:
    """Energy share inside the digit support of the 1st, 2nd and last vectors: (n_images, 3)."""
    return spectrum_measures.energy_in_mask(vectors[f"layer{layer}"], support)


def vector_localisation(vectors: dict, mnist: dict, layer: int) -> dict:
    """M3 claims: after pre-training, top singular vectors lie on the digits, the last one off them."""
    support = spectrum_measures.digit_support(mnist_data.to_unit_interval(mnist["x_train"]))
    energy = _support_energy(vectors, layer, support)
    area = support.mean()
    rows = [
        claims.claim(
            TALK,
            "M3",
            f"top singular vectors (layer {layer}) lie on the digits: energy share inside the MNIST mean-image support, v1",
            energy[:, 0].mean(),
            ">",
            round(float(area), 4),
            f"threshold = the support's share of the image; v2 {energy[:, 1].mean():.3f}, last {energy[:, 2].mean():.3f}",
        ),
        claims.claim(
            TALK,
            "M3",
            "the last singular vector is noise off the digits (support energy share of v1 − of the last vector)",
            energy[:, 0].mean() - energy[:, 2].mean(),
            ">",
            0.0,
        ),
    ]
    table = pd.DataFrame({"image": np.arange(len(energy)), "v1": energy[:, 0], "v2": energy[:, 1], "last": energy[:, 2]})
    return {"energy": table, "claims": claims.table(rows)}


def vector_blurring(pretrained: dict, finetuned: dict, mnist: dict, layer: int) -> dict:
    """M5 claim: after fine-tuning the top vectors are less concentrated on the digits (same images)."""
    support = spectrum_measures.digit_support(mnist_data.to_unit_interval(mnist["x_train"]))
    before = _support_energy(pretrained, layer, support)
    after = _support_energy(finetuned, layer, support)
    rows = [
        _paired_claim(
            "M5",
            f"after fine-tuning the top vectors (layer {layer}) are less sharp: support energy share of v1, before − after",
            pd.Series(before[:, 0]),
            pd.Series(after[:, 0]),
            f"v1: {before[:, 0].mean():.3f} → {after[:, 0].mean():.3f}; v2: {before[:, 1].mean():.3f} → {after[:, 1].mean():.3f}",
        )
    ]
    table = pd.DataFrame(
        {"image": np.arange(len(after)), "v1_before": before[:, 0], "v1_after": after[:, 0], "v2_before": before[:, 1], "v2_after": after[:, 1]}
    )
    return {"energy": table, "claims": claims.table(rows)}


def digit_separation(embeddings: list[dict]) -> dict:
    """M1 claims: 10-NN accuracy in the embedding per layer; it rises with depth after fine-tuning."""
    table = pd.DataFrame(
        [{"features": str(e["features"]), "knn_accuracy": float(e["knn_accuracy"])} for e in embeddings]
    )
    accuracy = table.set_index("features")["knn_accuracy"]
    depth = sorted(int(f.rsplit("_h", 1)[1]) for f in accuracy.index if f.startswith("finetuned_h"))
    path = [accuracy["input"]] + [accuracy[f"finetuned_h{t}"] for t in depth]
    note = "after fine-tuning: " + " → ".join(f"{a:.3f}" for a in path)
    if any(f.startswith("pretrained_h") for f in accuracy.index):
        note += "; after pre-training: " + " → ".join(
            [f"{accuracy['input']:.3f}"] + [f"{accuracy[f'pretrained_h{t}']:.3f}" for t in depth]
        )
    rows = [
        claims.claim(TALK, "M1", "digits separate in the 3-D t-SNE of the pixels (10-NN accuracy)", accuracy["input"], ">", 0.5),
        claims.claim(
            TALK,
            "M1",
            f"separation rises with depth after fine-tuning (10-NN accuracy, h{depth[-1]} − pixels)",
            path[-1] - path[0],
            ">",
            0.0,
            note,
        ),
        claims.claim(
            TALK,
            "M1",
            "it rises at every layer after fine-tuning (fraction of layer-to-layer steps that raise it)",
            float(np.mean(np.diff(path) > 0)),
            ">=",
            1.0,
        ),
    ]
    return {"accuracy": table, "claims": claims.table(rows)}


def alexnet_steepness(spectra: list[pd.DataFrame], weights_source: str, steep_layer: int) -> dict:
    """M6 claim: a steep spectrum appears by layer 5 — log(σ1/σk) of the top k, layer 5 vs layer 1."""
    table = pd.concat(spectra, ignore_index=True)
    table = table[table["noise"] == 0]
    decay = {layer: _per_image(table, spectrum_measures.log_decay, layer=layer) for layer in sorted(table["layer"].unique())}
    note = ", ".join(f"L{k}: {v.mean():.3f}" for k, v in decay.items()) + " (mean log σ1/σk)"
    if weights_source == "random":
        note += " — RANDOM weights: an untrained control, not the talk's ImageNet AlexNet"
    rows = [
        _paired_claim(
            "M6",
            f"a steep spectrum appears by layer {steep_layer} (log σ1/σk of the top k, layer {steep_layer} − layer 1)",
            decay[steep_layer],
            decay[1],
            note,
        )
    ]
    return {"spectra": table, "claims": claims.table(rows)}


def noise_flattening(dbn: list[pd.DataFrame], alexnet: list[pd.DataFrame], dbn_layers_shown: list[int], alexnet_layers_shown: list[int]) -> dict:
    """M9 claims: added noise flattens the spectra (same images, largest noise vs none).

    Flatter means a larger effective rank for the DBN's full spectra and a smaller
    log(σ1/σk) for AlexNet's top-k spectra.
    """
    dbn_table = pd.concat(dbn, ignore_index=True)
    dbn_table = dbn_table[dbn_table["map"].str.startswith("input") & dbn_table["layer"].isin(dbn_layers_shown)]
    alex_table = pd.concat(alexnet, ignore_index=True)
    alex_table = alex_table[alex_table["layer"].isin(alexnet_layers_shown)]
    keep = ["network", "noise", "layer", "image", "index", "singular_value"]
    table = pd.concat([dbn_table.assign(network="DBN")[keep], alex_table.assign(network="AlexNet")[keep]], ignore_index=True)
    rows = []
    for (network, layer), group in table.groupby(["network", "layer"]):
        lowest, highest = group["noise"].min(), group["noise"].max()
        if network == "DBN":
            measure, name = spectrum_measures.effective_rank, "effective rank"
            flat, steep = (_per_image(group, measure, noise=n) for n in (highest, lowest))
        else:
            measure, name = spectrum_measures.log_decay, "log σ1/σk"
            flat, steep = (_per_image(group, measure, noise=n) for n in (lowest, highest))
        means = {n: _per_image(group, measure, noise=n).mean() for n in sorted(group["noise"].unique())}
        rows.append(
            _paired_claim(
                "M9",
                f"added noise flattens the {network} layer-{layer} spectrum ({name}: "
                + ("at noise " + f"{highest:g} − at 0)" if network == "DBN" else f"at 0 − at noise {highest:g})"),
                flat,
                steep,
                ", ".join(f"noise {k:g}: {v:.3f}" for k, v in means.items()),
            )
        )
    return {"spectra": table, "claims": claims.table(rows)}
