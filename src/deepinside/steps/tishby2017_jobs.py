"""The settings each job of tishby2017's training grid runs with.

A talk step's ``job_settings`` (workflow/figures.yaml): evaluated when the workflow is built, from
the step's settings and the job's wildcards, so that a job's parameters hold only what it runs
with — adding an architecture or changing the KDE's share re-runs only the jobs it touches. This
module imports nothing heavy: the workflow imports it when it builds the graph.
"""

from __future__ import annotations


def train_settings(
    activation: str,
    fraction: str,
    layers: str,
    architectures: list[list[int]],
    training: dict,
    kde: dict,
    sweep_fraction: float,
    depth: int,
) -> dict:
    """:func:`deepinside.steps.tishby2017.train_run`'s settings for the run of ``activation``, training
    ``fraction`` and the ``layers``-th of ``architectures`` (the job's wildcards, strings).

    The KDE bound is costly: it is computed (for ``kde["members"]`` networks) only for the run T4
    compares, the sweep fraction at the main ``depth``.
    """
    if not 1 <= depth <= len(architectures):
        raise ValueError(
            f"tishby2017.depth = {depth} must pick one of the {len(architectures)} architectures (1-{len(architectures)})"
        )
    number = int(layers)
    if not 1 <= number <= len(architectures):
        raise ValueError(f"layers = {layers}: tishby2017.architectures has {len(architectures)} entries")
    main_run = float(fraction) == float(sweep_fraction) and number == depth
    return {
        **training,
        "activation": activation,
        "fraction": float(fraction),
        "hidden": list(architectures[number - 1]),
        "kde_members": kde["members"] if main_run else 0,
        "kde_variance": kde["variance"],
    }
