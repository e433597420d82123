"""t-SNE/kNN separation, perturbation agreement, AlexNet layer maps, saliency, code fingerprints."""

import numpy as np
import pytest
import torch

from deepinside import alexnet, claims, code_version, embedding, images, perturbation, saliency


def test_knn_accuracy_separates_clusters_from_noise():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 50)
    clustered = rng.normal(size=(200, 3)) * 0.1 + labels[:, None] * 5.0
    shuffled = rng.normal(size=(200, 3))
    assert embedding.knn_accuracy(clustered, labels) == pytest.approx(1.0)
    assert embedding.knn_accuracy(shuffled, labels) < 0.5


def test_tsne_3d_is_deterministic_and_keeps_clusters():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 40)
    data = rng.normal(size=(120, 20)) + labels[:, None] * 6.0
    a = embedding.tsne_3d(data, seed=0, perplexity=10)
    b = embedding.tsne_3d(data, seed=0, perplexity=10)
    assert a.shape == (120, 3)
    np.testing.assert_allclose(a, b)
    assert embedding.knn_accuracy(a, labels) > 0.95


def test_agreement_by_hand():
    # predictor: class = sign of the first coordinate
    predict = lambda x: torch.stack([x[..., 0], -x[..., 0]], dim=-1)
    x = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    directions = torch.tensor([[[-1.0, 0.0], [0.0, 3.0]], [[-1.0, 0.0], [0.0, 1.0]]])
    agree = perturbation.agreement(predict, x, directions, torch.tensor([0.0, 1.5, 3.0]))
    expected = torch.tensor([[[True, False, False], [True, True, True]], [[True, True, False], [True, True, True]]])
    assert torch.equal(agree, expected)


def test_alexnet_layer_maps_have_the_layer_shapes():
    model = alexnet.build(alexnet.random_state(0), torch.device("cpu"))
    x = torch.rand(3, 63, 63)
    shapes = [tuple(alexnet.layer_function(model, t)(x).shape) for t in range(1, 8)]
    assert shapes[0][0] == 64 and shapes[4][0] == 256 and shapes[5] == (4096,) and shapes[6] == (4096,)
    with pytest.raises(ValueError):
        alexnet.layer_function(model, 8)


def test_alexnet_random_state_is_seeded_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = alexnet.random_state(5)
    after = torch.rand(1)
    b = alexnet.random_state(5)
    assert torch.equal(before, after)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_imagenet_input_round_trip():
    image = np.random.default_rng(0).random((40, 60, 3))
    x = images.imagenet_input(image, 32)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    shown = images.from_imagenet_input(x)
    assert shown.shape == (32, 32, 3) and 0 <= shown.min() and shown.max() <= 1


def test_saliency_of_a_linear_function():
    weights = torch.zeros(3, 4, 4)
    weights[1, 2, 3] = 5.0
    weights[0, 0, 0] = -1.0
    sal = saliency.gradient_saliency(lambda x: (weights * x).sum(), torch.rand(3, 4, 4))
    assert sal[2, 3] == 5.0 and sal[0, 0] == 1.0 and sal[1, 1] == 0.0
    mask = saliency.top_fraction_mask(sal, 2 / 16)
    assert mask.sum() == 2 and mask[2, 3] and mask[0, 0]
    blurred = saliency.smooth(sal, sigma=1.0)
    assert blurred.sum() == pytest.approx(sal.sum(), rel=0.05) and blurred[2, 2] > 0  # spread to neighbours


def test_paired_difference():
    mean, two_se = claims.paired_difference([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])
    assert mean == pytest.approx(2.0) and two_se == pytest.approx(2 * 1.0 / np.sqrt(3))


def test_code_fingerprint_follows_imports(tmp_path, monkeypatch):
    deps = {p.name for p in code_version.dependencies("deepinside.experiments.okatani2013")}
    assert {"okatani2013.py", "rbm.py", "checkpointing.py", "io.py"} <= deps
    assert "linear_dynamics.py" not in deps
    # a copy of the package where one numerics file changes: only steps using it change
    import shutil

    copy = tmp_path / "deepinside"
    shutil.copytree(code_version.ROOT, copy)
    monkeypatch.setattr(code_version, "ROOT", copy)
    code_version.dependencies.cache_clear()
    rbm_step, saxe_step = "deepinside.experiments.okatani2013:filters", "deepinside.experiments.saxe2019:deep_dynamics"
    before = code_version.fingerprint(rbm_step), code_version.fingerprint(saxe_step)
    (copy / "rbm.py").write_text((copy / "rbm.py").read_text() + "\n# edited\n")
    code_version.dependencies.cache_clear()
    after = code_version.fingerprint(rbm_step), code_version.fingerprint(saxe_step)
    code_version.dependencies.cache_clear()
    assert after[0] != before[0] and after[1] == before[1]
