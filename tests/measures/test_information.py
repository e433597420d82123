"""Mutual-information estimators against hand-computed cases and limits; the sphere task; the batched ensemble."""

import numpy as np
import pandas as pd
import pytest
import torch
from claim_rows import judged

from deepinside.data import sphere_task
from deepinside.measures import mutual_information as mi
from deepinside.models import ensemble
from deepinside.steps import tishby2017, tishby2017_claims

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
    assert mi.binned_information(np.array([[0.1], [0.12], [0.9], [0.9]]), np.array([0, 1, 0, 1]), EDGES)[
        0
    ] == pytest.approx(1.0)


def test_batched_binning_equals_one_at_a_time_and_falls_back_when_codes_overflow():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, 500)  # three classes, unequal shares
    stack = np.tanh(rng.normal(size=(6, 500, 4)) * np.array([0.01, 0.3, 1.0, 3.0, 10.0, 1.0])[:, None, None])
    stack[5] = 0.2  # a constant layer: both informations are 0
    stack[4, ::2] = stack[4, 1::2]  # pairs of identical rows
    batched = mi.binned_information_batch(stack, labels, EDGES)
    for member in range(6):
        np.testing.assert_allclose(
            batched[member], mi.binned_information(stack[member], labels, EDGES), rtol=0, atol=1e-12
        )
    assert batched[5].tolist() == [0.0, 0.0]
    # 30 bins × 14 units need more than 63 bits of mixed-radix code: the per-member path
    wide = np.tanh(rng.normal(size=(2, 200, 14)))
    np.testing.assert_allclose(
        mi.binned_information_batch(wide, labels[:200], EDGES),
        [mi.binned_information(w, labels[:200], EDGES) for w in wide],
        atol=1e-12,
    )
    # a bijection carries all 12 bits in every member of the stack
    assert mi.binned_information_batch(np.stack([PATTERNS * 0.9] * 2), PATTERNS[:, 0].astype(int), EDGES)[
        :, 0
    ] == pytest.approx([12.0, 12.0])
    with pytest.raises(ValueError, match="patterns, units"):
        mi.binned_information_batch(stack[0], labels, EDGES)


def kde_reference_bits(activity, labels, variance):
    """Saxe et al.'s bound term by term, in float64 with scipy's logsumexp (the definition)."""
    from scipy.special import logsumexp

    def bound(h):
        squared = ((h[:, None, :] - h[None, :, :]) ** 2).sum(-1)
        return -np.mean(logsumexp(-squared / (2 * variance), axis=1) - np.log(len(h)))

    h = np.asarray(activity, dtype=np.float64)
    whole = bound(h)
    within = sum(np.mean(labels == y) * bound(h[labels == y]) for y in np.unique(labels))
    return np.array([whole, whole - within]) / np.log(2)


def test_batched_kde_equals_the_definition_for_every_member_of_the_stack():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 300)
    stack = np.tanh(rng.normal(size=(4, 300, 5)) * np.array([0.1, 1.0, 3.0, 10.0])[:, None, None]).astype(np.float32)
    stack[3, :150] = stack[3, 0]  # many identical rows: the kernel's diagonal and ties
    batched = mi.kde_information_batch(stack, labels, variance=0.1)
    for member in range(4):
        np.testing.assert_allclose(
            batched[member], kde_reference_bits(stack[member], labels, 0.1), rtol=1e-5, atol=1e-5
        )
        np.testing.assert_allclose(
            mi.kde_information(stack[member], labels, 0.1), batched[member], rtol=1e-6, atol=1e-6
        )
    with pytest.raises(ValueError, match="patterns, units"):
        mi.kde_information_batch(stack[0], labels)


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
    v = sphere_task.bit_directions()
    # a rotation about a vertex axis by 72 degrees permutes the vertices, hence the bits
    axis = v[0]
    angle = 2 * np.pi / 5
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
    permutation = [int(np.argmin(np.linalg.norm(v - r, axis=1))) for r in v @ rotation.T]
    assert sorted(permutation) == list(range(12)) and permutation != list(range(12))
    permuted = np.zeros_like(PATTERNS)
    permuted[:, permutation] = PATTERNS
    np.testing.assert_array_equal(sphere_task.labels(permuted), sphere_task.labels(PATTERNS))


def test_generated_task_has_the_original_labels_exactly():
    import hashlib

    data = sphere_task.generate()
    stats = sphere_task.statistics(data["x"], data["y"])
    # counts of patterns, not fractions within a tolerance: 2118 / 4096 = 0.5171
    assert stats["positives"] == 2118
    assert stats["positives_by_active"] == {
        0: 0,
        1: 0,
        2: 0,
        3: 0,
        4: 0,
        5: 60,
        6: 532,
        7: 732,
        8: 495,
        9: 220,
        10: 66,
        11: 12,
        12: 1,
    }
    assert [round(100 * stats["fraction_by_active"][k], 2) for k in (5, 6, 7)] == [7.58, 57.58, 92.42]
    assert round(stats["p_y1"], 4) == 0.5171
    # the label vector itself is the original var_u.mat's (its SHA-256, patterns in binary-counting order)
    assert hashlib.sha256(data["y"].astype(np.uint8).tobytes()).hexdigest() == sphere_task.ORIGINAL_LABELS_SHA256
    p = 2118 / 4096
    assert sphere_task.information(data["p_y1"]) == pytest.approx(
        -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    )  # H(Y): deterministic


def test_rule_is_robust_in_its_weight_and_the_squared_resultant_cannot_match():
    reference = sphere_task.labels(PATTERNS)
    for weight in (0.9, 1.1, 1.2):
        scores = sphere_task.score(PATTERNS, weight)
        # a threshold exists that reproduces the labels: every positive scores above every negative
        assert scores[reference == 1].min() > scores[reference == 0].max()
    # the old rule, k + λ‖Σ x_i n_i‖², gives some other count of positive 6-bit patterns for every λ
    active, resultant = sphere_task.invariants(PATTERNS)
    six = active == 6
    for weight in np.linspace(-1, 1, 201):
        squared = active + weight * resultant**2
        for theta in np.unique(np.round(squared, 9)):
            labels = squared > theta + 1e-9
            if labels[active <= 4].any() or not labels[active >= 8].all():
                continue
            assert labels[six].sum() != 532 or labels[active == 5].sum() != 60 or labels[active == 7].sum() != 732


def test_fixed_width_bins_follow_floor_of_activity_over_width():
    edges = mi.fixed_width_edges(0.0, 1.0, 0.07)
    activity = np.array([0.0, 0.069, 0.07, 0.5, 1.0])
    np.testing.assert_array_equal(mi.discretise(activity, edges), np.floor(activity / 0.07).astype(int))
    assert edges[0] <= 0.0 and edges[-1] > 1.0
    tanh_edges = mi.fixed_width_edges(-1.0, 1.0, 0.07)
    values = np.linspace(-1, 1, 101)
    codes = mi.discretise(values, tanh_edges)
    np.testing.assert_array_equal(codes - codes.min(), np.floor(values / 0.07) - np.floor(-1 / 0.07))
    # a growing ReLU layer gets more bins, not coarser ones
    assert len(mi.fixed_width_edges(0.0, 10.0, 0.07)) > len(edges)


def test_original_mat_file_is_read(tmp_path):
    from scipy.io import savemat

    y = (PATTERNS.sum(1) > 6).astype(int)
    savemat(tmp_path / "var_u.mat", {"F": PATTERNS, "y": y[None, :]})
    out = tishby2017.dataset("mat", mat_path=str(tmp_path / "var_u.mat"))
    np.testing.assert_array_equal(out["data"]["y"], y)
    assert out["statistics"].set_index("quantity").loc["patterns labelled 1", "positives"] == y.sum()
    savemat(tmp_path / "bad.mat", {"X": PATTERNS})
    with pytest.raises(KeyError, match="'F'"):
        sphere_task.load_mat(tmp_path / "bad.mat")
    with pytest.raises(ValueError, match="mat_path"):
        tishby2017.dataset("mat")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_batched_ensemble_equals_networks_trained_alone(activation):
    data = sphere_task.generate()
    sizes = [12, 6, 4, 2]
    # float64: in float32 a rounding flip at a ReLU kink can turn 1e-8 into 1e-5 (see train_ensemble)
    common = dict(
        sizes=sizes,
        activation=activation,
        fraction=0.3,
        epochs=15,
        learning_rate=1e-3,
        batch_size=256,
        seed=4,
        device=torch.device("cpu"),
        dtype=torch.float64,
    )
    batched = ensemble.train_ensemble(data["x"], data["y"], n_members=3, record_epochs=[0, 15], **common)
    for member in range(3):
        alone = ensemble.train_single(data["x"], data["y"], member=member, **common)
        for (w, b), (w1, b1) in zip(batched["params"], alone):
            torch.testing.assert_close(w[member], w1, atol=1e-10, rtol=1e-9)
            torch.testing.assert_close(b[member], b1, atol=1e-10, rtol=1e-9)
    assert not torch.equal(batched["params"][0][0][0], batched["params"][0][0][1])  # members differ
    assert batched["train_masks"].sum(1).tolist() == [1229] * 3
    assert len(batched["activity"]) == 2 and batched["activity"][0][0].shape == (3, 4096, 6)


def test_gradient_noise_is_zero_with_one_full_batch():
    data = sphere_task.generate()
    result = ensemble.train_ensemble(
        data["x"], data["y"], [12, 4, 2], "tanh", 2, 0.05, 3, 1e-3, 512, [], 0, torch.device("cpu")
    )
    assert (result["gradients"]["std_norm"] < 1e-6).all() and (result["gradients"]["mean_norm"] > 0).all()


def test_phases_are_read_off_the_fitting_curve():
    import pandas as pd

    epochs = [0, 1, 10, 100]
    rows = []
    for member, shift in enumerate((0.0, 0.1)):
        i_ty = [0.1, 0.5, 0.92 + shift / 10, 0.95]
        i_xt = [8.0, 9.0, 9.0 + shift, 6.0]
        rows += [
            {"member": member, "epoch": e, "layer": 1, "estimator": "binning", "I_XT": x, "I_TY": y}
            for e, x, y in zip(epochs, i_xt, i_ty)
        ]
    p = tishby2017_claims.phases(pd.DataFrame(rows), layer=1)
    assert p["t_fit"] == 10  # first epoch with 95 % of the rise 0.1 → 0.95
    np.testing.assert_allclose(p["compression"].to_numpy(), [3.0, 3.1])
    np.testing.assert_allclose(p["overfitting"].to_numpy(), [-0.03, -0.02])


def _information_rows(i_xt_by_layer: dict, epochs: list[int]) -> "pd.DataFrame":
    import pandas as pd

    rows = []
    for layer, curve in i_xt_by_layer.items():
        for member, shift in enumerate((0.0, 0.05)):
            rows += [
                {"member": member, "epoch": e, "layer": layer, "estimator": "binning", "I_XT": x + shift, "I_TY": 0.5}
                for e, x in zip(epochs, curve)
            ]
    return pd.DataFrame(rows)


def _gradient_rows(switch_at: dict, epochs: list[int]) -> "pd.DataFrame":
    """Gradient statistics whose signal exceeds the noise until ``switch_at[layer]`` (None: never switches)."""
    import pandas as pd

    rows = []
    for layer, switch in switch_at.items():
        for e in epochs:
            noisy = switch is not None and e >= switch
            rows.append({"member": 0, "epoch": e, "layer": layer, "mean_norm": 0.1 if noisy else 1.0, "std_norm": 0.5})
    return pd.DataFrame(rows)


def test_switch_is_compared_with_the_compression_onset_and_can_fail():
    epochs = [0, 1, 3, 10, 30, 100, 300, 1000, 3000]
    # I(X;T) of the deepest layer (2) peaks at epoch 30: compression starts there
    information = _information_rows(
        {1: [5, 6, 7, 8, 8.5, 8.4, 8.0, 7.5, 7.0], 2: [3, 4, 5, 6, 6.5, 6.0, 5.0, 4.0, 3.5]}, epochs
    )
    assert tishby2017_claims.compression_onset(information, 2) == 30
    near = tishby2017_claims.gradient_phases(_gradient_rows({1: 30, 2: 30, 3: 100}, epochs), information)
    assert list(judged("tishby2017", "T2", near["claims"])["verdict"]) == ["holds", "holds"]
    assert near["switches"].set_index("layer").loc[2, "compression_onset"] == 30
    # switching two decades after the onset fails the second row; a layer that never switches fails the first
    late = tishby2017_claims.gradient_phases(_gradient_rows({1: 3000, 2: 3000, 3: None}, epochs), information)
    assert list(judged("tishby2017", "T2", late["claims"])["verdict"]) == ["fails", "fails"]
    assert late["claims"]["measured"].iloc[0] == pytest.approx(2 / 3)
    assert "L3: no switch" in late["claims"]["note"].iloc[0]
