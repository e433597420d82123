"""How many claim rows each figure makes, known from the settings before anything runs.

The claims step of every figure returns one row per claim or check; a row lost to a
code path (a skipped branch, an empty group) would make the claims table quietly shorter,
and with it the count of claims that hold. :func:`rows` gives the number each figure's
step must return under a preset's settings; the step that combines a figure's seeds
(:func:`deepinside.pipeline.replicate_verdicts.combine`) refuses a table with another number.

Where the number depends on the settings, the comment names the code that makes the rows.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

Settings = Mapping[str, Any]

FIXED = {
    "S1": 1,
    "S2": 2,
    "S3": 2,
    "S4": 2,
    "S5": 1,
    "O1": 2,
    "O2": 2,
    "O4": 3,
    "O5": 1,
    "M1": 3,
    "M2": 2,
    "M3": 2,
    "M5": 1,
    "M6": 1,
    "M7": 1,
    "T1": 3,
    "T2": 2,
    "T3": 1,
    "P2": 4,
}

# The 2- and 3-layer DBMs have a published test log-likelihood to compare with
# (okatani2013_samples.PAPER_LOG_LIKELIHOOD): one more row each.
PAPER_LIKELIHOOD_DEPTHS = (2, 3)


def _o3(preset: Settings) -> int:
    """okatani2013_samples.sample_claims: two rows (look, cover) per model, the PCD RBM and each DBM,
    plus the likelihood row of each DBM the paper measured."""
    architectures = preset["okatani2013"]["samples"]["dbm"]["architectures"]
    return 2 * (1 + len(architectures)) + sum(len(a) in PAPER_LIKELIHOOD_DEPTHS for a in architectures)


def _m4(preset: Settings) -> int:
    """mototake2015_claims.finetuning_expansion: one row per hidden layer of the DBN."""
    return len(preset["okatani2013"]["dbn"]["sizes"]) - 1


def _m8(preset: Settings) -> int:
    """mototake2015_claims.perturbation_robustness: the DBN, and the AlexNet-shaped net when it is MNIST-trained."""
    return 2 if preset["mototake2015"]["alexnet"]["weights"] == "mnist" else 1


def _m9(preset: Settings) -> int:
    """mototake2015_claims.noise_information: one row per DBN layer shown, one per AlexNet layer shown but conv1
    (reported only: its spectrum is of the picture, not of a learnt map)."""
    section = preset["mototake2015"]
    return len(set(section["jacobian"]["noise_layers"])) + len(set(section["alexnet"]["noise_layers"]) - {1})


def _t4(preset: Settings) -> int:
    """tishby2017_claims.relu_versus_tanh: one row per estimator (binning, fixed binning, and KDE when it runs)."""
    return 2 + int(preset["tishby2017"]["kde"]["members"] >= 1)


def _p1(preset: Settings) -> int:
    """ohzeki2015.phase_transition: discontinuity and κ trend, the α shift when there are two α or more,
    GAMP against the theory, and one hysteresis row per α."""
    alphas = len(set(preset["ohzeki2015"]["alphas"]))
    return 2 + int(alphas > 1) + 1 + alphas


BY_SETTINGS: dict[str, Callable[[Settings], int]] = {"O3": _o3, "M4": _m4, "M8": _m8, "M9": _m9, "T4": _t4, "P1": _p1}


def rows(figure_id: str, preset: Settings) -> int:
    """The number of claim rows figure ``figure_id`` makes under the preset's settings ``preset``."""
    if figure_id in FIXED:
        return FIXED[figure_id]
    if figure_id in BY_SETTINGS:
        return BY_SETTINGS[figure_id](preset)
    raise KeyError(f"no expected claim rows for figure {figure_id!r}; add it to deepinside.pipeline.expected_claims")
