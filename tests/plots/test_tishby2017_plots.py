"""T3: single-dot planes are named and the epochs are drawn on an honest axis; T1/T4: layer labels stay clear of the titles."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from claim_rows import claim_row, claim_table
from matplotlib.backends.backend_agg import FigureCanvasAgg

from deepinside.plots.tishby2017 import depth_sweep, information_planes, relu_and_kde

EPOCHS = [0, 10, 100, 1000]


def figure_claims(figure):
    """A one-row claims table of ``figure``, made by the claims code itself."""
    return claim_table([claim_row("tishby2017", figure, "a claim", 1.0, ">", 0.0)])


def information(depth, activation="tanh", estimators=("binning",), still=False):
    """Two networks' information planes; every layer ends at I(T;Y) = 1 bit (at the top of the axes).
    ``still``: every epoch of every layer at the same place, as for the 1- and 2-layer networks."""
    rows = []
    for member in range(2):
        for layer in range(1, depth + 1):
            for k, epoch in enumerate(EPOCHS):
                f = k / (len(EPOCHS) - 1)
                for estimator in estimators:
                    if still:
                        i_xt, i_ty = 12.0 - 0.001 * layer, 1.0
                    else:
                        i_xt, i_ty = 12.0 - 1.5 * (layer - 1) - 0.5 * layer * f, 0.3 + 0.7 * f
                    rows.append(
                        {
                            "member": member,
                            "epoch": epoch,
                            "layer": layer,
                            "estimator": estimator,
                            "I_XT": i_xt,
                            "I_TY": i_ty,
                        }
                    )
    return pd.DataFrame(rows).assign(activation=activation, fraction=0.85, depth=depth, device="cpu")


def t3():
    runs = [information(1, still=True), information(2, still=True), information(3), information(4)]
    epochs = pd.DataFrame(
        {"depth": [1, 2, 3, 4], "median_epochs": [190.0, 109.0, 63.0, np.inf], "reached": [1.0, 1.0, 1.0, 0.0]}
    )
    return depth_sweep(runs, epochs, figure_claims("T3"), 0.35)["figure"]


def test_t3_epochs_on_a_linear_axis_from_zero():
    figure = t3()
    (bars,) = [ax for ax in figure.axes if ax.patches]
    assert bars.get_yscale() == "linear"  # a log axis starting at 60 made 63 vs 83 look like 1 vs 10
    assert bars.get_ylim()[0] == 0
    (not_reached,) = [t for t in bars.texts if t.get_text() == "not reached"]
    low, high = bars.get_xlim()
    assert low < not_reached.get_position()[0] < high  # the depth without a bar is still on the axis


def caption(figure):
    return " ".join(" ".join(t.get_text() for t in figure.texts).split())  # the caption is wrapped


def test_t3_single_dot_planes_are_named():
    figure = t3()
    planes = {ax.get_title(): ax for ax in figure.axes if ax.get_title()}
    for title, name in (("1 hidden layer(s)", "L1: one dot"), ("2 hidden layer(s)", "L1, L2: one dot")):
        assert [t.get_text() for t in planes[title].texts if "dot" in t.get_text()] == [name]
    assert "1 hidden layer(s): L1 at I(X;T) ≈ 12.00, I(T;Y) ≈ 1.00" in caption(figure)
    assert "2 hidden layer(s): L1 at I(X;T) ≈ 12.00, I(T;Y) ≈ 1.00; L2 at" in caption(figure)
    for title in ("3 hidden layer(s)", "4 hidden layer(s)"):  # moving layers are not called dots
        assert not [t for t in planes[title].texts if "dot" in t.get_text()]


def test_t3_the_note_on_still_layers_covers_no_curve():
    deep = information(5)
    deep.loc[deep["layer"] <= 2, ["I_XT", "I_TY"]] = [12.0, 1.0]  # the first layers still, as measured
    deep.loc[deep["layer"] >= 3, "I_TY"] -= 0.25  # the deep layers start low, in the lower left
    epochs = pd.DataFrame({"depth": [5], "median_epochs": [55.0], "reached": [1.0]})
    figure = depth_sweep([deep], epochs, figure_claims("T3"), 0.35)["figure"]
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    (plane,) = [ax for ax in figure.axes if ax.get_title()]
    (note,) = [t for t in plane.texts if "dot" in t.get_text()]
    box = note.get_bbox_patch().get_window_extent(renderer)
    points = plane.transData.transform(deep[deep["layer"] >= 3][["I_XT", "I_TY"]].to_numpy())
    assert not any(box.contains(x, y) for x, y in points)


def assert_labels_clear_of_titles(figure, planes, n_layers):
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    titles = [ax.title.get_window_extent(renderer) for ax in planes]
    for ax in planes:
        frame = ax.get_window_extent(renderer)
        labels = [t for t in ax.texts if t.get_text().startswith("L")]
        assert len(labels) == n_layers
        for label in labels:
            box = label.get_window_extent(renderer)
            assert not any(box.overlaps(title) for title in titles), label.get_text()
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def test_t4_layer_labels_stay_clear_of_the_titles():
    estimators = ("binning", "binning_fixed", "kde")
    figure = relu_and_kde(information(5, "tanh", estimators), information(5, "relu", estimators), figure_claims("T4"))[
        "figure"
    ]
    planes = [ax for ax in figure.axes if ax.get_title()]
    assert len(planes) == 6
    assert_labels_clear_of_titles(figure, planes, 5)


def test_t1_layer_labels_stay_clear_of_the_titles():
    runs = [information(6).assign(fraction=fraction) for fraction in (0.05, 0.45, 0.85)]
    figure = information_planes(runs, figure_claims("T1"))["figure"]
    planes = [ax for ax in figure.axes if ax.get_title()]
    assert len(planes) == 3
    assert_labels_clear_of_titles(figure, planes, 6)
