"""Mutual-information estimators against hand-computed cases and limits; the sphere task; the batched ensemble."""


import numpy as np
import pytest
import torch

from deepinside import ensemble, mutual_information as mi, sphere_task
from deepinside.experiments import tishby2017, tishby2017_claims

PATTERNS = sphere_task.all_patterns()
EDGES = mi.bin_edges(-1.0, 1.0, 30)


def test_bijection_carries_all_12_bits_and_all_label_information():
    labels = np.random.default_rng(0).integers(0, 2, len(PATTERNS))
    i_xt, i_ty = mi.binned_information(PATTERNS * 0.9, labels, EDGES)
    assert i_xt == pytest.approx(12.0)
    p = labels.mean()
    assert i_ty == pytest.approx(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)))  # = H(Y)


def test_constant_layer_carries_nothing():
    labels = PATTERNS[:, 0].astype(int)
    assert mi.binned_information(np.full((4096, 3), 0.2), labels, EDGES) == (0.0, 0.0)


def test_label_independent_layer_has_zero_label_information():
    # T = first bit, Y = second bit: independent and balanced over the 4,096 patterns
    i_xt, i_ty = mi.binned_information(PATTERNS[:, :1] * 0.9, PATTERNS[:, 1].astype(int), EDGES)
    assert i_xt == pytest.approx(1.0)
    assert i_ty == pytest.approx(0.0, abs=1e-12)


def test_small_case_by_hand():
    activity = np.array([[0.1], [0.1], [0.9], [0.9]])
    assert mi.binned_information(activity, np.array([0, 0, 1, 1]), EDGES) == pytest.approx((1.0, 1.0))
    assert mi.binned_information(activity, np.array([0, 1, 0, 1]), EDGES) == pytest.approx((1.0, 0.0))
    # values in the same bin merge: 0.1 and 0.12 share a bin of width 1/15
    assert mi.binned_information(np.array([[0.1], [0.12], [0.9], [0.9]]), np.array([0, 1, 0, 1]), EDGES)[0] == pytest.approx(1.0)


def test_kde_bound_limits():
    rng = np.random.default_rng(0)
    activity = rng.normal(size=(512, 3))
    labels = rng.integers(0, 2, 512)
    p = np.bincount(labels) / len(labels)
    h_y = -(p * np.log2(p)).sum()
    tiny_noise = mi.kde_information(activity, labels, variance=1e-6)
    assert tiny_noise[0] == pytest.approx(np.log2(512), abs=1e-6)  # distinct points: log P
    assert tiny_noise[1] == pytest.approx(h_y, abs=1e-6)
    huge_noise = mi.kde_information(activity, labels, variance=1e6)
    assert huge_noise[0] == pytest.approx(0.0, abs=1e-4) and huge_noise[1] == pytest.approx(0.0, abs=1e-4)
    middle = mi.kde_information(activity, labels, variance=0.1)
    assert 0 < middle[0] < np.log2(512) and 0 <= middle[1] <= h_y


def test_icosahedron_geometry():
    v = sphere_task.icosahedron_vertices()
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0)
    cos = v @ v.T
    nearest = np.isclose(cos, np.max(cos - 2 * np.eye(12), axis=1, keepdims=True))
    assert (nearest.sum(1) == 5).all()  # five neighbours each, all at the same distance


def test_rule_is_invariant_under_symmetries_of_the_icosahedron():
    v = sphere_task.icosahedron_vertices()
    # a rotation about a vertex axis by 72 degrees permutes the vertices
    axis = v[0]
    angle = 2 * np.pi / 5
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
    permutation = [int(np.argmin(np.linalg.norm(v - r, axis=1))) for r in v @ rotation.T]
    assert sorted(permutation) == list(range(12)) and permutation != list(range(12))
    p = sphere_task.label_probability(PATTERNS, 50.0)
    permuted = np.zeros_like(PATTERNS)
    permuted[:, permutation] = PATTERNS
    np.testing.assert_allclose(sphere_task.label_probability(permuted, 50.0), p)


def test_generated_task_statistics_follow_the_published_ones():
    data = sphere_task.generate(seed=0)
    stats = sphere_task.statistics(data["x"], data["y"])
    assert sphere_task.information(data["p_y1"]) == pytest.approx(0.99, abs=1e-6)
    assert stats["p_y1"] == pytest.approx(sphere_task.PUBLISHED["p_y1"], abs=0.015)
    for k in range(5):
        assert stats["fraction_by_active"][k] == 0.0
    for k in range(8, 13):
        assert stats["fraction_by_active"][k] == 1.0
    for k, published in sphere_task.PUBLISHED["fraction_by_active"].items():
        assert stats["fraction_by_active"][k] == pytest.approx(published, abs=0.05)
    again = sphere_task.generate(seed=0)
    np.testing.assert_array_equal(again["y"], data["y"])


def test_original_mat_file_is_read(tmp_path):
    from scipy.io import savemat

    y = (PATTERNS.sum(1) > 6).astype(int)
    savemat(tmp_path / "var_u.mat", {"F": PATTERNS, "y": y[None, :]})
    out = tishby2017.dataset("mat", 0.99, 0, mat_path=str(tmp_path / "var_u.mat"))["data"]
    np.testing.assert_array_equal(out["y"], y)
    savemat(tmp_path / "bad.mat", {"X": PATTERNS})
    with pytest.raises(KeyError, match="'F'"):
        sphere_task.load_mat(tmp_path / "bad.mat")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_batched_ensemble_equals_networks_trained_alone(activation):
    data = sphere_task.generate(0)
    sizes = [12, 6, 4, 2]
    common = dict(sizes=sizes, activation=activation, fraction=0.3, epochs=15, learning_rate=1e-3, batch_size=256, seed=4, device=torch.device("cpu"))
    batched = ensemble.train_ensemble(data["x"], data["y"], n_members=3, record_epochs=[0, 15], **common)
    for member in range(3):
        alone = ensemble.train_single(data["x"], data["y"], member=member, **common)
        for (w, b), (w1, b1) in zip(batched["params"], alone):
            torch.testing.assert_close(w[member], w1, atol=1e-6, rtol=1e-5)
            torch.testing.assert_close(b[member], b1, atol=1e-6, rtol=1e-5)
    assert not torch.equal(batched["params"][0][0][0], batched["params"][0][0][1])  # members differ
    assert batched["train_masks"].sum(1).tolist() == [1229] * 3
    assert len(batched["activity"]) == 2 and batched["activity"][0][0].shape == (3, 4096, 6)


def test_gradient_noise_is_zero_with_one_full_batch():
    data = sphere_task.generate(0)
    result = ensemble.train_ensemble(data["x"], data["y"], [12, 4, 2], "tanh", 2, 0.05, 3, 1e-3, 512, [], 0, torch.device("cpu"))
    assert (result["gradients"]["std_norm"] < 1e-6).all() and (result["gradients"]["mean_norm"] > 0).all()


def test_phases_are_read_off_the_fitting_curve():
    import pandas as pd

    epochs = [0, 1, 10, 100]
    rows = []
    for member, shift in enumerate((0.0, 0.1)):
        i_ty = [0.1, 0.5, 0.92 + shift / 10, 0.95]
        i_xt = [8.0, 9.0, 9.0 + shift, 6.0]
        rows += [{"member": member, "epoch": e, "layer": 1, "estimator": "binning", "I_XT": x, "I_TY": y} for e, x, y in zip(epochs, i_xt, i_ty)]
    p = tishby2017_claims.phases(pd.DataFrame(rows), layer=1)
    assert p["t_fit"] == 10  # first epoch with 95 % of the rise 0.1 → 0.95
    np.testing.assert_allclose(p["compression"].to_numpy(), [3.0, 3.1])
    np.testing.assert_allclose(p["overfitting"].to_numpy(), [-0.03, -0.02])
