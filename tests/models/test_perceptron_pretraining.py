"""Teacher–student perceptron with PCA pre-training and Hebbian fine-tuning."""

import numpy as np
import pytest

from deepinside.models import perceptron_pretraining as model
from deepinside.steps import ohzeki2015


def test_error_is_arccos_over_pi_for_spherical_inputs():
    r = np.array([-0.5, 0.0, 0.3, 0.9, 1.0])
    np.testing.assert_allclose(model.generalisation_error(r, 0.0), np.arccos(r) / np.pi, atol=1e-6)


def test_error_formula_against_monte_carlo_for_clustered_inputs():
    rng = np.random.default_rng(0)
    n, b, r = 50, 1.2, 0.6
    w_star = model.teacher(n, rng)
    other = model.teacher(n, rng)
    other -= (other @ w_star) * w_star
    other /= np.linalg.norm(other)
    student = r * w_star + np.sqrt(1 - r**2) * other
    x = model.sample_inputs(w_star, 400_000, b, rng)
    empirical = np.mean(np.sign(x @ student) != model.labels(w_star, x))
    assert model.generalisation_error(np.array(r), b) == pytest.approx(empirical, abs=3e-3)


def test_cluster_mean_by_quadrature():
    z = np.random.default_rng(1).standard_normal(1_000_000)
    assert model.cluster_mean(1.3) == pytest.approx(np.mean(np.abs(1.3 + z)), abs=3e-3)


def test_pretraining_recovers_the_cluster_direction_with_much_unlabelled_data():
    rng = np.random.default_rng(2)
    n, b = 200, 1.5
    w_star = model.teacher(n, rng)
    overlaps = []
    for beta in (0.05, 2.0, 50.0):
        direction = model.pretrain(model.sample_inputs(w_star, int(beta * n), b, rng))
        overlaps.append(abs(direction @ w_star))
    assert overlaps[0] < overlaps[1] < overlaps[2]
    assert overlaps[2] > 0.99 and overlaps[2] == pytest.approx(model.pretrained_overlap_theory(50.0, b), abs=0.01)


def test_bbp_transition_of_the_theory():
    b = 1.2
    beta_c = 1 / b**4
    assert model.pretrained_overlap_theory(0.99 * beta_c, b) == 0.0
    assert model.pretrained_overlap_theory(1.01 * beta_c, b) > 0.0
    assert model.pretrained_overlap_theory(1e6, b) == pytest.approx(1.0, abs=1e-5)


def test_theory_matches_a_large_simulation_above_the_transition():
    n, b, beta = 800, 1.2, 2.0
    for alpha in (0.5, 2.0):
        overlaps = []
        for seed in range(4):
            rng = np.random.default_rng(seed)
            w_star = model.teacher(n, rng)
            pretrained = model.pretrain(model.sample_inputs(w_star, int(beta * n), b, rng))
            x = model.sample_inputs(w_star, int(alpha * n), b, rng)
            overlaps.append(model.overlap(model.finetune(pretrained, x, model.labels(w_star, x)), w_star))
        assert np.mean(overlaps) == pytest.approx(
            model.finetuned_overlap_theory(np.array([alpha]), np.array([beta]), b)[0], abs=0.02
        )


def test_analogue_curves_are_the_closed_form():
    table = ohzeki2015.analogue_curves([1.2], [0.5, 1.0], {"min": 0.1, "max": 10.0, "count": 5})["curves"]
    r = model.finetuned_overlap_theory(np.full(5, 0.5), np.geomspace(0.1, 10.0, 5), 1.2)
    np.testing.assert_allclose(table["error"], model.generalisation_error(r, 1.2))
