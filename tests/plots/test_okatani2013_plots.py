"""O2's likelihood plot: a start far below the trained models is named, not silently cut off."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from claim_rows import claim_row, claim_table

from deepinside.plots.okatani2013 import likelihood_curves


def curves(start):
    """Two methods' exact log-likelihoods per epoch, both starting at ``start``."""
    rows = []
    for method, trained in (("CD-1", [-170.0, -160.0]), ("PCD", [-165.0, -150.0])):
        for epoch, value in enumerate([start, *trained]):
            rows.append({"method": method, "epoch": epoch, "train_log_likelihood": value, "test_log_likelihood": value})
    return pd.DataFrame(rows)


def texts(figure):
    return [text.get_text() for ax in figure.axes for text in ax.texts]


@pytest.fixture
def o2_claims():
    return claim_table([claim_row("okatani2013", "O2", "PCD beats CD-1", 10.0, ">", 0.0)])


def test_a_start_below_the_axis_is_named_with_its_value(o2_claims):
    figure = likelihood_curves(curves(-206.0), o2_claims)["figure"]
    (ax,) = figure.axes
    assert ax.get_ylim()[0] > -206.0  # the axis zooms on the trained models
    assert texts(figure) == ["epoch 0 (initial weights): -206.0, below the axis"]


def test_a_start_on_the_axis_needs_no_note(o2_claims):
    figure = likelihood_curves(curves(-171.0), o2_claims)["figure"]
    assert figure.axes[0].get_ylim()[0] <= -171.0
    assert texts(figure) == []
