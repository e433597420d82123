"""O3: a likelihood AIS cannot certify is drawn grey and named so, beside the paper's; the figure is compact."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from claim_rows import claim_row, claim_table
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.text import Text

from deepinside.plots.okatani2013 import gibbs_samples

NAMES = ["real digits", "RBM (PCD)", "2-layer DBM", "3-layer DBM", "3-layer DBN"]


def o3_claims():
    """A one-row claims table of O3, made by the claims code itself."""
    return claim_table([claim_row("okatani2013", "O3", "a claim", 1.0, ">", 0.0)])


def inputs(two_layer=(-74.58, -77.46, 2.87), three_layer=(-137.43, -138.2, 0.0)):
    """Samples, summary and coverage of the five rows; (estimate, cautious value, AIS short by) per DBM."""
    rng = np.random.default_rng(0)
    samples = {
        "names": np.array(NAMES),
        "images": rng.random((len(NAMES), 20, 784)).astype(np.float32),
        "probabilities": rng.dirichlet(np.ones(11), size=(len(NAMES), 20)),
    }
    (e2, low2, short2), (e3, low3, short3) = two_layer, three_layer
    summary = pd.DataFrame(
        {
            "model": NAMES,
            "digit_fraction": [0.96, 0.25, 0.01, 0.84, 0.76],
            "classes": [10, 2, 1, 6, 8],
            "log_z_se": [np.nan, 0.5, 0.86, 0.37, np.nan],
            "ais_short_by_at_least": [np.nan, 0.0, short2, short3, np.nan],
            "test_log_likelihood": [np.nan, -158.6, e2, e3, np.nan],
            "test_log_likelihood_low": [np.nan, -160.1, low2, low3, np.nan],
            "paper_log_likelihood": [np.nan, np.nan, -84.62, -85.18, np.nan],
            "role": ["control", "claim", "claim", "claim", "comparison (not on the slide)"],
        }
    )
    coverage = pd.DataFrame(
        [
            {"model": model, "gibbs_steps": steps, "classes": 2, "digit_fraction": 0.5}
            for model in NAMES[1:4]
            for steps in (10, 100, 1000)
        ]
    )
    return samples, summary, coverage


def likelihood_axes(figure):
    (ax,) = [ax for ax in figure.axes if ax.get_title().startswith("likelihood")]
    return ax


def lines_at(ax, x):
    return [line for line in ax.lines if np.any(np.isclose(np.asarray(line.get_xdata(), dtype=float), x))]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_an_estimate_ais_cannot_certify_is_grey_and_named():
    figure = gibbs_samples(*inputs(), o3_claims())["figure"]
    ax = likelihood_axes(figure)
    drawn = lines_at(ax, -74.58)  # the 2-layer DBM's estimate: AIS fell 2.87 nats below a certain bound of log Z
    assert drawn
    for line in drawn:
        assert to_rgba(line.get_color())[:3] == to_rgba("0.6")[:3]
        assert line.get_markerfacecolor() == "none" or line.get_marker() in ("None", "", None)
    assert any("not certified by AIS" in text for text in legend_texts(ax))
    assert any(t.get_text().startswith("not certified by AIS") for t in ax.texts)
    assert lines_at(ax, -84.62)  # the paper's value stays
    certified = lines_at(ax, -137.43)  # the 3-layer DBM's: drawn in its colour
    assert certified and all(to_rgba(line.get_color())[:3] != to_rgba("0.6")[:3] for line in certified)


def test_a_missing_estimate_keeps_the_papers_value():
    figure = gibbs_samples(*inputs(three_layer=(np.nan, np.nan, np.nan)), o3_claims())["figure"]
    ax = likelihood_axes(figure)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["RBM (PCD)", "2-layer DBM", "3-layer DBM"]
    assert lines_at(ax, -85.18)  # the paper's value of the 3-layer DBM
    assert any("no estimate, not certified by AIS" in t.get_text() for t in ax.texts)


def test_the_figure_is_compact_with_legends_outside_the_axes():
    figure = gibbs_samples(*inputs(), o3_claims())["figure"]
    assert figure.get_figheight() * 150 < 1600  # pixels as the workflow saves it (was 2,715 before the caption)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    for ax in figure.axes:
        if ax.get_legend() is not None:
            assert not ax.get_legend().get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


@pytest.mark.parametrize("updates", [None, 800, 180_000])
def test_an_updates_note_goes_under_the_title_where_the_dbms_made_fewer_updates_than_the_reference(updates):
    scale = None if updates is None else pd.DataFrame([{"updates": updates, "reference_updates": 180_000}])
    kwargs = {} if scale is None else {"scale": scale}
    figure = gibbs_samples(*inputs(), o3_claims(), **kwargs)["figure"]
    texts = [t.get_text() for t in figure.findobj(Text)]
    note = [t for t in texts if t.startswith("These DBMs made")]
    assert bool(note) == (updates == 800)
    if note:
        assert note[0].startswith("These DBMs made 800 of the reference's 180,000 joint updates")
        renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
        (header,) = [t for t in figure.findobj(Text) if t.get_text() == note[0]]
        title = figure.get_suptitle()
        (suptitle,) = [t for t in figure.findobj(Text) if t.get_text() == title]
        below_title = header.get_window_extent(renderer).y1 <= suptitle.get_window_extent(renderer).y0
        above_rows = all(
            header.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1 for ax in figure.axes
        )
        assert below_title and above_rows
