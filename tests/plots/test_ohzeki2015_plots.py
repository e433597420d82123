"""P1's message-passing points: a reader can tell the sizes and the starts apart."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from claim_rows import claim_row, claim_table

from deepinside.plots.ohzeki2015 import error_vs_beta, size_offsets

BETAS = [1.0, 2.0, 4.0]


def diagram(kappa, alpha):
    return pd.DataFrame(
        {
            "kappa": kappa,
            "alpha": alpha,
            "beta": BETAS,
            "error": [0.4, 0.2, 0.0],
            "q": [0.1, 0.5, 1.0],
            "equilibrium": True,
        }
    )


def points(kappa, alpha, sizes):
    rows = [
        {
            "kappa": kappa,
            "alpha": alpha,
            "beta": beta,
            "N": size,
            "init": init,
            "instance": i,
            "error": 0.3,
            "stationary": True,
        }
        for beta in BETAS
        for size in sizes
        for init in ("informative", "uninformative")
        for i in range(2)
    ]
    return pd.DataFrame(rows)


def draw(sizes):
    alphas = [0.25, 1.0]
    transitions = pd.DataFrame(
        [{"kappa": 0.5, "alpha": a, "spinodal_low": np.nan, "spinodal_high": np.nan} for a in alphas]
    )
    analogue = pd.DataFrame({"strength": 1.0, "alpha": 0.25, "beta": BETAS, "error": [0.4, 0.3, 0.2]})
    table = claim_table([claim_row("ohzeki2015", "P1", "a transition", 1.0, ">", 0.0)])
    sims = [points(0.5, a, sizes) for a in alphas] if sizes else []
    return error_vs_beta([diagram(0.5, a) for a in alphas], transitions, sims, analogue, table)["figure"]


def legend_texts(ax):
    return [[t.get_text() for t in legend.get_texts()] for legend in ax.findobj(matplotlib.legend.Legend)]


def test_the_last_panel_of_alpha_explains_the_markers_and_keeps_the_kappa_legend():
    figure = draw([1000, 2000])
    legends = legend_texts(figure.axes[1])
    assert ["κ = 0.5"] in legends
    assert ["GAMP, N = 1000", "GAMP, N = 2000", "started near the teacher", "from a random vector"] in legends
    assert legend_texts(figure.axes[0]) == [["κ = 0.5"]]


def test_without_message_passing_points_there_is_no_marker_legend():
    assert legend_texts(draw([]).axes[1]) == [["κ = 0.5"]]


def test_two_sizes_at_one_beta_are_drawn_apart_and_in_order():
    figure = draw([1000, 2000])
    xs = sorted(
        {
            round(float(x), 6)
            for line in figure.axes[0].lines
            for x in line.get_xdata()
            if line.get_marker() in ("o", "s")
        }
    )
    assert len(xs) == 2 * len(BETAS)  # every β appears twice, once per size
    offsets = size_offsets([1000, 2000])
    assert offsets[1000] < 1 < offsets[2000]
    assert offsets[2000] / offsets[1000] == pytest.approx(10**0.03)
    assert size_offsets([500]) == {500: 1.0}
