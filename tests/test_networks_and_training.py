"""Networks, DBN propagation and sampling, supervised training (determinism, resume, NaN)."""

import numpy as np
import pytest
import torch

from deepinside import dbn, digit_judge, networks, receptive_fields
from deepinside.checkpointing import EpochCheckpoint
from deepinside.classifier_training import epochs_for, train_classifier

CPU = torch.device("cpu")


def rbm_stack(sizes, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        {"W": torch.randn(a, b, generator=g) * 0.1, "b": torch.randn(a, generator=g) * 0.1, "c": torch.randn(b, generator=g) * 0.1}
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


def test_mlp_from_rbms_computes_the_dbn_up_pass():
    stack = rbm_stack([20, 8, 6])
    model = networks.mlp_from_rbms(stack, 3, torch.Generator().manual_seed(0))
    x = torch.rand(5, 20, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(model.hidden(x)[-1], dbn.propagate_up(x, stack))
    assert model.sizes == [20, 8, 6, 3]


def test_random_inits_have_their_documented_ranges():
    g = torch.Generator().manual_seed(0)
    xavier = networks.random_mlp([100, 50, 10], g, "xavier")
    lecun = networks.random_mlp([100, 50, 10], g, "lecun")
    assert xavier.layers[0].weight.abs().max() <= np.sqrt(6 / 150) and torch.all(xavier.layers[0].bias == 0)
    assert lecun.layers[0].weight.abs().max() <= 0.1 and lecun.layers[0].bias.abs().max() > 0
    with pytest.raises(ValueError):
        networks.random_mlp([3, 2], g, "he")


def test_dbn_sample_shapes_and_range():
    stack = rbm_stack([20, 8, 6])
    g = torch.Generator().manual_seed(0)
    for depth in (1, 2, 3 - 1):
        layers = stack[:depth]
        start = torch.bernoulli(torch.full((4, layers[-1]["W"].shape[0]), 0.5), generator=g)
        out = dbn.sample(layers, start, 5, g)
        assert out.shape == (4, 20) and ((out > 0) & (out < 1)).all()


def separable_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 10)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    return x, y


def run(model_seed=0, epochs=10, **kw):
    x, y = separable_data()
    model = networks.random_mlp([10, 16, 2], torch.Generator().manual_seed(model_seed))
    settings = dict(epochs=epochs, learning_rate=0.5, momentum=0.5, batch_size=20, weight_decay=0.0, seed=1, device=CPU, run_name="toy")
    settings.update(kw)
    history = train_classifier(model, x, y, x, y, **settings)
    return model, history


def test_training_learns_and_is_deterministic():
    a, history = run()
    b, _ = run()
    assert history["train_error"].iloc[-1] < history["train_error"].iloc[0]
    assert history["test_error"].iloc[-1] < 0.2
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_killed_training_resumes_identically(tmp_path):
    reference, _ = run(epochs=4)
    path = tmp_path / "c.pt"
    x, y = separable_data()
    model = networks.random_mlp([10, 16, 2], torch.Generator().manual_seed(0))
    settings = dict(learning_rate=0.5, momentum=0.5, batch_size=20, weight_decay=0.0, seed=1, device=CPU, run_name="toy")
    train_classifier(model, x, y, x, y, epochs=2, checkpoint=None, **settings)  # no checkpoint: nothing saved
    assert not path.exists()
    # epochs 1-2 with a checkpoint that is not cleared because training is "killed" (epochs=4 never reached)
    model = networks.random_mlp([10, 16, 2], torch.Generator().manual_seed(0))
    checkpoint = EpochCheckpoint(path, "toy")
    original_clear = checkpoint.clear
    checkpoint.clear = lambda: None
    train_classifier(model, x, y, x, y, epochs=2, checkpoint=checkpoint, **settings)
    checkpoint.clear = original_clear
    assert path.exists()
    fresh = networks.random_mlp([10, 16, 2], torch.Generator().manual_seed(0))
    history = train_classifier(fresh, x, y, x, y, epochs=4, checkpoint=checkpoint, **settings)
    assert list(history["epoch"]) == [0, 1, 2, 3, 4]
    for pa, pb in zip(reference.parameters(), fresh.parameters()):
        assert torch.equal(pa, pb)
    assert not path.exists()


def test_nan_loss_stops_with_the_run_name():
    with pytest.raises(FloatingPointError, match="fine-tune random n=7"):
        run(learning_rate=1e38, run_name="fine-tune random n=7", epochs=3)


def test_epochs_for_small_sets():
    assert epochs_for(4000, 100, 10, 400) == 10
    assert epochs_for(100, 100, 10, 400) == 400
    assert epochs_for(250, 100, 10, 0) == 10


def test_window_energy_share_by_hand():
    point = np.zeros((1, 28, 28))
    point[0, 5, 7] = 3.0
    flat = np.ones((1, 28, 28))
    shares = receptive_fields.window_energy_share(np.concatenate([point, flat]), 10)
    np.testing.assert_allclose(shares, [1.0, 100 / 784])
    filters = np.random.default_rng(0).standard_normal((3, 28, 28))
    shuffled = receptive_fields.permuted(filters, 0)
    np.testing.assert_allclose(np.sort(shuffled.ravel()), np.sort(filters.ravel()))
    with pytest.raises(ValueError):
        receptive_fields.window_energy_share(filters, 29)


def test_digit_judge_helpers():
    p = np.array([[0.95, 0.05] + [0] * 9, [0] * 10 + [1.0], [0.5, 0.5] + [0] * 9])
    assert digit_judge.digit_fraction(p, 0.9) == pytest.approx(1 / 3)
    images = digit_judge.non_digit_images(np.random.default_rng(0).random((5, 784)), 30, seed=0)
    assert images.shape == (30, 784) and images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(images, digit_judge.non_digit_images(np.random.default_rng(0).random((5, 784)), 30, seed=0))
