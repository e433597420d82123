"""The settings each job of okatani2013's shared steps runs with.

A talk step's ``job_settings`` (workflow/figures.yaml): evaluated when the workflow is built, from
the step's settings and the job's wildcards (strings), so that a job's parameters hold only what
it runs with, and settings that contradict each other are refused, naming their key, before any
job. This module imports nothing heavy: the workflow imports it when it builds the graph.
"""

from __future__ import annotations


def pretrain_settings(layer: str, sizes: list[int], rbm: dict) -> dict:
    """:func:`deepinside.steps.okatani2013.pretrain_layer`'s settings for RBM ``layer`` of the DBN
    (``okatani2013.dbn.sizes``: its visible size is the layer below's, its hidden size this one's)."""
    number = int(layer)
    if not 1 <= number <= len(sizes) - 1:
        raise ValueError(f"layer {layer}: okatani2013.dbn.sizes = {sizes} has RBMs 1-{len(sizes) - 1}")
    return {"n_hidden": sizes[number], "training": rbm}


def finetune_settings(init: str, n: str, sizes: list[int], finetune: dict) -> dict:
    """:func:`deepinside.steps.okatani2013.finetune`'s settings: the net of ``sizes`` from ``init``
    (pretrained: the RBM stack; random), trained on ``n`` labelled examples (a number or ``all``),
    by ``okatani2013.finetune`` less its list of sizes and its random initialisation."""
    training = {key: value for key, value in finetune.items() if key not in ("train_sizes", "random_init")}
    return {"init": init, "n_train": n, "sizes": sizes, "random_init": finetune["random_init"], "training": training}


def dbm_settings(layers: str, dbm: dict) -> dict:
    """:func:`deepinside.steps.okatani2013.train_deep_boltzmann`'s settings for the DBM with ``layers``
    hidden layers (its sizes: the entry of ``okatani2013.samples.dbm.architectures`` that long)."""
    lengths = [len(hidden) for hidden in dbm["architectures"]]
    if len(set(lengths)) != len(lengths):
        raise ValueError(
            f"okatani2013.samples.dbm.architectures = {dbm['architectures']}: give at most one DBM per number of hidden layers"
        )
    (hidden,) = [list(h) for h in dbm["architectures"] if len(h) == int(layers)]
    return {**{key: value for key, value in dbm.items() if key != "architectures"}, "hidden_sizes": hidden}
