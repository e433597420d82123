"""M2/M4: the few σ > 1 can be read; M7: every input fits in one compact, legible figure;
M2/M6/M7: the untrained twin, the claims' null, is drawn when given."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from claim_rows import claim_row, claim_table
from matplotlib.colors import to_rgb
from matplotlib.image import AxesImage
from matplotlib.text import Text

from deepinside.plots.mototake2015 import alexnet_spectra, alexnet_vectors, noise_spectra, spectra, spectra_before_after


def figure_claims(figure):
    """A one-row claims table of ``figure``, made by the claims code itself."""
    return claim_table([claim_row("mototake2015", figure, "a claim", 1.0, ">", 0.0)])


def spectrum_table(stage, expanded):
    """784 singular values per image and input → layer map, the first ``expanded[t]`` of layer t above 1."""
    rows = []
    index = np.arange(1, 785)
    for layer, above in enumerate(expanded, start=1):
        for image in range(2):
            values = np.where(index <= above, 2.0, 0.5 / index)
            rows.append(
                pd.DataFrame(
                    {"image": image, "map": f"input→h{layer}", "layer": layer, "index": index, "singular_value": values}
                )
            )
    rows.append(
        pd.DataFrame(
            {
                "image": 0,
                "map": "h1→h2",
                "layer": 2,
                "index": np.arange(1, 1001),
                "singular_value": 1.5 / np.arange(1, 1001),
            }
        )
    )
    table = pd.concat(rows, ignore_index=True)
    table.insert(0, "noise", 0.0)
    table.insert(0, "stage", stage)
    table["device"] = "cpu"
    return table


def spectrum_axes(figure):
    return [ax for ax in figure.axes if ax.lines]


def assert_sigma_one_readable(ax):
    assert ax.get_xscale() == "log"  # indices 1…10 get a third of the width, not 1/80 of it
    low, high = ax.get_xlim()
    assert low <= 1 and high >= 784
    # in the left half of the axis: the first 30 indices (of 784)
    assert np.log(30 / low) / np.log(high / low) > 0.45
    assert any(np.allclose(line.get_ydata(), 1.0) for line in ax.lines)  # the σ = 1 line
    assert any(text.get_text() == "σ = 1" for text in ax.texts)


def test_m2_index_axis_is_logarithmic():
    figure = spectra(spectrum_table("pretrained", [30, 10, 4]), figure_claims("M2"), "M2")["figure"]
    axes = spectrum_axes(figure)
    assert len(axes) == 2
    for ax in axes:
        assert_sigma_one_readable(ax)
    legend = [text.get_text() for text in axes[0].get_legend().get_texts()]
    assert legend == [
        "input→h1: 30.0 σ > 1 per image",
        "input→h2: 10.0 σ > 1 per image",
        "input→h3: 4.0 σ > 1 per image",
    ]


def test_m4_index_axis_is_logarithmic():
    tables = [spectrum_table("pretrained", [30, 10, 4]), spectrum_table("finetuned", [31, 12, 5])]
    figure = spectra_before_after(tables, figure_claims("M4"))["figure"]
    axes = spectrum_axes(figure)
    assert len(axes) == 3
    for ax in axes:
        assert_sigma_one_readable(ax)
    legend = [text.get_text() for text in axes[2].get_legend().get_texts()]
    assert legend == ["pretrained: 4.0 σ > 1 per image", "finetuned: 5.0 σ > 1 per image"]


def vectors(n):
    rng = np.random.default_rng(0)
    images = rng.random((n, 1, 28, 28)).astype(np.float32)
    return {
        "vectors": rng.normal(size=(n, 2, 1, 28, 28)).astype(np.float32),
        "masks": images[:, 0] > 0.5,
        "images": images,
        "names": np.array([f"digit {k}" for k in range(n)]),
        "top5": np.array([f"{k} (0.97) | 1 (0.01) | 2 (0.01) | 3 (0.00) | 4 (0.00)" for k in range(n)]),
        "kind": np.array("mnist"),
        "shares": np.full((n, 2), 0.6),
        "areas": np.full(n, 0.2),
        "layer": np.array(5),
    }


@pytest.mark.parametrize("n", [8, 6])
def test_m7_is_compact_and_legible(n):
    figure = alexnet_vectors(vectors(n), figure_claims("M7"), 5)["figure"]
    width, height = figure.get_size_inches()
    assert height <= 6.0 and height < width / 2  # two rows of inputs, not one tall column
    assert len(figure.axes) == 3 * n
    assert all(any(isinstance(a, AxesImage) for a in ax.get_children()) for ax in figure.axes)  # no empty column
    assert min(ax.title.get_fontsize() for ax in figure.axes) >= 8
    texts = [t.get_text() for t in figure.findobj(Text)]
    assert any(t.startswith("top-5: 0 (0.97)") for t in texts)  # the classes are still named


def caption(figure):
    return " ".join(" ".join(t.get_text().split()) for t in figure.texts)


def twin_lines(ax):
    """The lines of ``ax`` drawn as the untrained twin: grey, dashed."""
    return [
        line
        for line in ax.lines
        if line.get_linestyle() == "--" and len(set(np.round(to_rgb(line.get_color()), 6))) == 1
    ]


def assert_twin_drawn(ax, n_lines):
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend.count("untrained twin") == 1  # one entry for all of the twin's lines
    (labelled,) = [line for line in ax.lines if line.get_label() == "untrained twin"]
    lines = twin_lines(ax)
    assert labelled in lines and len(lines) == n_lines  # one grey dashed line per map of the twin


def test_m2_draws_the_untrained_twin():
    trained = spectrum_table("pretrained", [30, 10, 4])
    twin = spectrum_table("untrained", [50, 40, 35])
    figure = spectra(trained, figure_claims("M2"), "M2", twin=twin)["figure"]
    left, right = spectrum_axes(figure)
    assert_twin_drawn(left, 3)  # the input → h(t) maps; not the layer → layer maps
    assert not twin_lines(right)
    names = sorted(t.get_text() for t in left.texts if t.get_text().startswith("twin"))
    assert names == ["twin h1", "twin h2", "twin h3"]
    assert_sigma_one_readable(left)
    legend = [text.get_text() for text in left.get_legend().get_texts()]
    assert legend[:3] == [
        "input→h1: 30.0 σ > 1 per image",
        "input→h2: 10.0 σ > 1 per image",
        "input→h3: 4.0 σ > 1 per image",
    ]  # the trained curves are as without the twin
    assert "effective-rank ratio" in caption(figure) and "untrained twin" in caption(figure)


def test_m2_without_a_twin_draws_none():
    figure = spectra(spectrum_table("pretrained", [30, 10, 4]), figure_claims("M2"), "M2")["figure"]
    for ax in spectrum_axes(figure):
        assert not twin_lines(ax)
        assert "untrained twin" not in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "untrained twin" not in caption(figure)


def alexnet_table(layers, decay):
    index = np.arange(1, 11)
    names = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7"]
    return pd.DataFrame(
        [
            {
                "noise": noise,
                "image": image,
                "map": f"input→{names[layer - 1]}",
                "layer": layer,
                "index": i,
                "singular_value": float((1 + layer) * i ** -(decay * layer)),
            }
            for noise in (0.0,)
            for layer in layers
            for image in range(2)
            for i in index
        ]
    ).assign(device="cpu", seconds=1.0)


def test_m6_draws_the_untrained_twin():
    trained = alexnet_table(range(1, 8), 0.2)
    twin = alexnet_table([1, 5], 0.05)
    figure = alexnet_spectra(trained, figure_claims("M6"), "mnist", twin=twin)["figure"]
    (ax,) = spectrum_axes(figure)
    assert_twin_drawn(ax, 2)  # layer 1 and the steep layer
    names = sorted(t.get_text() for t in ax.texts if t.get_text().startswith("twin"))
    assert names == ["twin conv1", "twin conv5"]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [f"input→{n}" for n in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7")] + [
        "untrained twin"
    ]
    assert "untrained twin" in caption(figure)


def test_m6_without_a_twin_draws_none():
    figure = alexnet_spectra(alexnet_table(range(1, 8), 0.2), figure_claims("M6"), "mnist")["figure"]
    (ax,) = spectrum_axes(figure)
    assert not twin_lines(ax)
    assert "untrained twin" not in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("n", [8, 6])
def test_m7_titles_give_the_twin_share(n):
    trained, twin = vectors(n), vectors(n)
    twin["shares"] = np.tile([0.41, 0.23], (n, 1))
    figure = alexnet_vectors(trained, figure_claims("M7"), 5, twin=twin)["figure"]
    titles = [ax.get_title() for ax in figure.axes if ax.get_title().startswith("v")]
    assert len(titles) == 2 * n
    assert titles[:2] == ["v1: 60% in region\nuntrained twin: 41%", "v2: 60% in region\nuntrained twin: 23%"]
    width, height = figure.get_size_inches()
    assert height <= 6.0 and height < width / 2  # still compact and legible
    assert min(ax.title.get_fontsize() for ax in figure.axes) >= 8
    assert "untrained twin" in caption(figure)


def test_m7_without_a_twin_names_none():
    figure = alexnet_vectors(vectors(8), figure_claims("M7"), 5)["figure"]
    assert not any("twin" in ax.get_title() for ax in figure.axes)
    assert "untrained twin" not in caption(figure)


def test_m9_without_the_alexnet_draws_the_dbn_alone_and_says_why():
    rows = [
        {"network": "DBN", "noise": noise, "layer": layer, "image": 0, "index": index, "singular_value": 1.0 / index}
        for noise in (0.0, 1.0)
        for layer in (1, 3)
        for index in range(1, 31)
    ]
    figure = noise_spectra(pd.DataFrame(rows), figure_claims("M9"), "imagenet")["figure"]
    assert sorted(ax.get_title() for ax in spectrum_axes(figure)) == ["DBN layer 1", "DBN layer 3"]
    assert "noise_layers to []" in caption(figure)
