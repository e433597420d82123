"""The settings each job of mototake2015's shared steps runs with.

A talk step's ``job_settings`` (workflow/figures.yaml): evaluated when the workflow is built, from
the step's settings and the job's wildcards (strings), so that a job's parameters hold only what
it runs with, and a setting out of range is refused, naming its key, before any job. This module
imports nothing heavy: the workflow imports it when it builds the graph.
"""

from __future__ import annotations


def _hidden_layers(key: str, value: int | list[int], sizes: list[int]) -> None:
    """Refuse DBN layers outside 1 … len(sizes) − 1 (the hidden layers of okatani2013.dbn.sizes)."""
    hidden = len(sizes) - 1
    wrong = [t for t in (value if isinstance(value, list) else [value]) if not 1 <= int(t) <= hidden]
    if wrong:
        raise ValueError(f"{key} = {value}: the DBN (okatani2013.dbn.sizes = {sizes}) has hidden layers 1-{hidden}")


def spectra_settings(
    stage: str,
    noise: str,
    n_images: int,
    vector_layer: int,
    noise_layers: list[int],
    sizes: list[int],
    init_scale: float,
    seed: int,
) -> dict:
    """:func:`deepinside.steps.mototake2015.dbn_spectra`'s settings for one stage and noise level.

    The untrained twin (stage ``untrained``, M2's null) is the DBN's sizes at the RBMs' initial weight
    scale, seeded by the replicate.
    """
    _hidden_layers("mototake2015.jacobian.vector_layer", vector_layer, sizes)
    _hidden_layers("mototake2015.jacobian.noise_layers", noise_layers, sizes)
    kwargs = {"stage": stage, "n_images": n_images, "noise": float(noise)}
    if stage == "untrained":
        kwargs["twin"] = {"sizes": list(sizes), "init_scale": init_scale, "seed": int(seed)}
    return kwargs


def noise_spectra_settings(stage: str, noise: str, n_images: int, noise_layers: list[int], sizes: list[int]) -> dict:
    """:func:`deepinside.steps.mototake2015.dbn_noise_spectra`'s settings: M9's noise layers at one noise level."""
    _hidden_layers("mototake2015.jacobian.noise_layers", noise_layers, sizes)
    return {"stage": stage, "n_images": n_images, "noise": float(noise), "layers": list(noise_layers)}


def tsne_settings(n_points: int, perplexity: float, threads: int, stage: str = "", layer: str = "") -> dict:
    """:func:`deepinside.steps.mototake2015.tsne_features`'s settings: the pixels (no stage), or hidden
    layer ``layer`` of the DBN at ``stage``, on the job's threads."""
    features = f"{stage}_h{layer}" if stage else "input"
    return {"n_points": n_points, "perplexity": perplexity, "features": features, "threads": threads}


def alexnet_spectra_settings(
    noise: str, top_k: int, oversample: int, power_iterations: int, noise_layers: list[int]
) -> dict:
    """:func:`deepinside.steps.mototake2015.alexnet_spectra`'s settings at one noise level: every layer
    without noise (M6), the noise layers at the others (M9)."""
    if not all(1 <= int(t) <= 7 for t in noise_layers):
        raise ValueError(f"mototake2015.alexnet.noise_layers = {noise_layers}: the AlexNet has layers 1-7")
    layers = list(range(1, 8)) if float(noise) == 0 else sorted(noise_layers)
    return {
        "top_k": top_k,
        "oversample": oversample,
        "power_iterations": power_iterations,
        "layers": layers,
        "noise": float(noise),
    }


def untrained_spectra_settings(top_k: int, oversample: int, power_iterations: int, steep_layer: int) -> dict:
    """The untrained twin's spectra (M6's null): the first layer and the steep one, without noise."""
    return {
        "top_k": top_k,
        "oversample": oversample,
        "power_iterations": power_iterations,
        "layers": sorted({1, steep_layer}),
        "noise": 0.0,
    }


def picture_settings(source: str, count: int, side: int, names: list[str], folder: str | None) -> dict:
    """:func:`deepinside.steps.mototake2015_pictures.conv_net_inputs`'s settings: MNIST test digits for the
    digit-trained net (``source`` mnist), else ``count`` pictures of ``side`` pixels from ``folder``
    or the bundled ``names``."""
    if source == "mnist":
        return {"source": source, "count": count}
    return {"source": source, "count": count, "side": side, "names": list(names), "folder": folder}
