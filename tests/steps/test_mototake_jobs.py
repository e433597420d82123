"""The settings each job of mototake2015's shared steps runs with (steps/mototake2015_jobs.py,
evaluated when the workflow is built): what each job is given, and the settings out of range
refused by name before any job."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from deepinside.steps import mototake2015, mototake2015_jobs, mototake2015_pictures

SPECTRA = {"n_images": 4, "vector_layer": 3, "noise_layers": [1, 3], "sizes": [784, 20, 20, 20], "init_scale": 0.01}
ALEXNET = {"top_k": 5, "oversample": 2, "power_iterations": 1}


def test_the_untrained_twin_is_the_dbns_shape_at_its_initial_scale_seeded_by_the_replicate():
    twin = mototake2015_jobs.spectra_settings("untrained", "0.0", seed=2, **SPECTRA)
    assert twin == {
        "stage": "untrained",
        "n_images": 4,
        "noise": 0.0,
        "twin": {"sizes": [784, 20, 20, 20], "init_scale": 0.01, "seed": 2},
    }
    trained = mototake2015_jobs.spectra_settings("pretrained", "0.0", seed=2, **SPECTRA)
    assert trained == {"stage": "pretrained", "n_images": 4, "noise": 0.0}  # no twin: nothing it does not run with
    taken = set(inspect.signature(mototake2015.dbn_spectra).parameters) - {"mnist", "seed", "device", "rbms", "model"}
    assert set(twin) == taken


def test_a_dbn_layer_outside_its_hidden_layers_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match=r"mototake2015.jacobian.vector_layer = 4: .* hidden layers 1-3"):
        mototake2015_jobs.spectra_settings("pretrained", "0.0", seed=0, **{**SPECTRA, "vector_layer": 4})
    with pytest.raises(ValueError, match=r"mototake2015.jacobian.noise_layers = \[0, 3\]"):
        mototake2015_jobs.noise_spectra_settings("pretrained", "0.5", 4, [0, 3], [784, 20, 20, 20])
    with pytest.raises(ValueError, match="mototake2015.alexnet.noise_layers = \\[1, 8\\]: the AlexNet has layers 1-7"):
        mototake2015_jobs.alexnet_spectra_settings("0.5", noise_layers=[1, 8], **ALEXNET)


def test_the_tsne_features_are_the_pixels_or_one_layer_of_one_stage():
    pixels = mototake2015_jobs.tsne_settings(100, 30, threads=2)
    layer = mototake2015_jobs.tsne_settings(100, 30, threads=2, stage="finetuned", layer="3")
    assert pixels == {"n_points": 100, "perplexity": 30, "features": "input", "threads": 2}
    assert layer["features"] == "finetuned_h3"
    taken = set(inspect.signature(mototake2015.tsne_features).parameters) - {"mnist", "seed", "rbms", "model"}
    assert set(layer) == taken


def test_the_alexnet_spectra_are_every_layer_without_noise_and_the_noise_layers_with_it():
    clean = mototake2015_jobs.alexnet_spectra_settings("0.0", noise_layers=[5, 1], **ALEXNET)
    noisy = mototake2015_jobs.alexnet_spectra_settings("0.5", noise_layers=[5, 1], **ALEXNET)
    twin = mototake2015_jobs.untrained_spectra_settings(steep_layer=5, **ALEXNET)
    assert clean["layers"] == [1, 2, 3, 4, 5, 6, 7] and clean["noise"] == 0.0
    assert noisy["layers"] == [1, 5] and noisy["noise"] == 0.5
    assert twin["layers"] == [1, 5] and twin["noise"] == 0.0
    taken = set(inspect.signature(mototake2015.alexnet_spectra).parameters) - {"weights", "pictures", "seed", "device"}
    assert set(clean) == set(twin) == taken


def test_the_pictures_job_holds_only_what_its_source_uses():
    names = ["astronaut", "coffee"]
    digits = mototake2015_jobs.picture_settings("mnist", 2, 112, names, None)
    pictures = mototake2015_jobs.picture_settings("imagenet", 2, 224, names, "resources/imagenet_pictures")
    assert digits == {"source": "mnist", "count": 2}
    assert pictures == {
        "source": "imagenet",
        "count": 2,
        "side": 224,
        "names": names,
        "folder": "resources/imagenet_pictures",
    }


def test_the_pictures_step_gives_digits_for_the_digit_net_and_pictures_otherwise():
    rng = np.random.default_rng(0)
    mnist = {"x_test": rng.integers(0, 256, (40, 784)).astype(np.uint8), "y_test": np.repeat(np.arange(10), 4)}
    digits = mototake2015_pictures.conv_net_inputs("mnist", 10, seed=0, mnist=mnist)["pictures"]
    assert digits["images"].shape == (10, 784) and sorted(digits["labels"]) == list(range(10))
    pictures = mototake2015_pictures.conv_net_inputs("imagenet", 2, seed=0, side=32, names=["astronaut", "coffee"])[
        "pictures"
    ]
    assert pictures["images"].shape == (2, 3, 32, 32) and list(pictures["names"]) == ["astronaut", "coffee"]
    with pytest.raises(ValueError, match="needs mnist"):
        mototake2015_pictures.conv_net_inputs("mnist", 10, seed=0)
