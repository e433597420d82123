"""Deep Boltzmann machines against brute force on models small enough to enumerate."""

import numpy as np
import pytest
import torch

from conftest import rbm_stack
from deepinside import dbm

SIZES = [4, 3, 2]  # v, h1, h2: 2^9 joint states


def tiny(sizes=SIZES, scale=1.0, seed=0) -> dict:
    g = torch.Generator().manual_seed(seed)
    params = {f"b{l}": scale * 0.5 * torch.randn(n, generator=g, dtype=torch.float64) for l, n in enumerate(sizes)}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = scale * torch.randn(sizes[l - 1], sizes[l], generator=g, dtype=torch.float64)
    return params


def test_mean_field_reaches_the_best_factorised_posterior():
    from scipy.optimize import minimize

    params = tiny()
    v = torch.tensor([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]], dtype=torch.float64)
    mus, sweeps = dbm.mean_field(v, params, iterations=500, tolerance=1e-12)
    assert sweeps < 500
    states = [v] + mus
    for layer in (1, 2):  # a fixed point of the mean-field equations
        torch.testing.assert_close(dbm.layer_probabilities(states, params, layer), mus[layer - 1], atol=1e-10, rtol=0)
    bound = dbm.variational_bound(v, mus, params)
    _, log_z = dbm.brute_force_model_statistics(params)
    for i in range(len(v)):
        # brute force over the whole factorised family: maximise the bound over all logits
        def negative(logits):
            m = torch.sigmoid(torch.tensor(logits, dtype=torch.float64))
            return -float(dbm.variational_bound(v[i : i + 1], [m[None, :3], m[None, 3:]], params))

        best = min((minimize(negative, np.random.default_rng(k).normal(0, 3, 5), method="BFGS") for k in range(20)), key=lambda r: r.fun)
        assert float(bound[i]) == pytest.approx(-best.fun, abs=1e-6)
        _, log_p = dbm.brute_force_data_statistics(v[i : i + 1], params)
        assert float(bound[i] - log_z) <= float(log_p) + 1e-12  # a lower bound on log p(v)


def test_mean_field_never_lowers_the_bound():
    params = tiny(scale=2.0, seed=3)
    v = torch.bernoulli(torch.full((5, 4), 0.5, dtype=torch.float64), generator=torch.Generator().manual_seed(1))
    previous = None
    for sweeps in range(1, 8):
        mus, _ = dbm.mean_field(v, params, iterations=sweeps, tolerance=0.0)
        bound = dbm.variational_bound(v, mus, params)
        if previous is not None:
            assert (bound >= previous - 1e-12).all()
        previous = bound


def _finite_difference(function, params, key, index, eps=1e-6):
    plus = {k: t.clone() for k, t in params.items()}
    minus = {k: t.clone() for k, t in params.items()}
    plus[key][index] += eps
    minus[key][index] -= eps
    return (function(plus) - function(minus)) / (2 * eps)


def test_gradient_is_data_minus_model_statistics_of_the_exact_likelihood():
    params = tiny(seed=5)
    v = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]], dtype=torch.float64)
    data, _ = dbm.brute_force_data_statistics(v, params)
    model, _ = dbm.brute_force_model_statistics(params)
    exact = dbm.gradient(data, model)
    likelihood = lambda p: float(dbm.brute_force_data_statistics(v, p)[1])
    for key, index in [("W1", (0, 1)), ("W1", (3, 2)), ("W2", (1, 0)), ("b0", (2,)), ("b1", (1,)), ("b2", (0,))]:
        assert float(exact[key][index]) == pytest.approx(_finite_difference(likelihood, params, key, index), abs=1e-6)


def test_mean_field_learning_rule_is_the_gradient_of_the_variational_bound():
    # Salakhutdinov & Hinton's data term uses the mean-field μ: it is the exact gradient of
    # mean_v [bound(v, μ*) − log Z] (μ* stationary, so its own change does not count)
    params = tiny(seed=7)
    v = torch.tensor([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]], dtype=torch.float64)

    def objective(p):
        mus, _ = dbm.mean_field(v, p, iterations=1000, tolerance=1e-14)
        return float(dbm.variational_bound(v, mus, p).mean() - dbm.brute_force_model_statistics(p)[1])

    mus, _ = dbm.mean_field(v, params, iterations=1000, tolerance=1e-14)
    rule = dbm.gradient(dbm.statistics([v] + mus), dbm.brute_force_model_statistics(params)[0])
    for key, index in [("W1", (2, 0)), ("W2", (2, 1)), ("b1", (2,)), ("b2", (1,))]:
        assert float(rule[key][index]) == pytest.approx(_finite_difference(objective, params, key, index), abs=1e-5)


def test_gibbs_sampling_reproduces_the_exact_marginals():
    params = tiny(seed=11)
    model, _ = dbm.brute_force_model_statistics(params)
    generator = torch.Generator().manual_seed(0)
    chains = 20000
    states = dbm.random_states(params, chains, generator)
    for _ in range(60):
        states = dbm.gibbs_sweep(states, params, generator)
    for layer, state in enumerate(states):
        empirical = state.mean(0)
        standard_error = torch.sqrt(model[f"b{layer}"] * (1 - model[f"b{layer}"]) / chains)
        assert (torch.abs(empirical - model[f"b{layer}"]) < 5 * standard_error + 1e-3).all(), (layer, empirical, model[f"b{layer}"])
    pair = dbm.statistics(states)["W1"]
    assert torch.allclose(pair, model["W1"], atol=0.015)


def test_sample_returns_visible_probabilities_of_the_chain():
    params = tiny(seed=2)
    samples = dbm.sample(params, 5000, 50, torch.Generator().manual_seed(3))
    model, _ = dbm.brute_force_model_statistics(params)
    assert samples.shape == (5000, 4) and ((samples > 0) & (samples < 1)).all()
    torch.testing.assert_close(samples.mean(0), model["b0"], atol=0.03, rtol=0)


def test_pretraining_scales_double_where_a_layer_hears_from_both_sides():
    assert [dbm.pretraining_scales(l, 2) for l in (1, 2)] == [(2.0, 1.0), (1.0, 2.0)]
    assert [dbm.pretraining_scales(l, 3) for l in (1, 2, 3)] == [(2.0, 1.0), (2.0, 2.0), (1.0, 2.0)]
    assert dbm.pretraining_scales(1, 1) == (1.0, 1.0)


def test_compose_takes_weights_as_trained_and_averages_shared_biases():
    rbms = rbm_stack([6, 4, 3, 2], seed=0, scale=1.0)
    params = dbm.compose(rbms)
    assert dbm.sizes(params) == [6, 4, 3, 2] and dbm.depth(params) == 3
    torch.testing.assert_close(params["b0"], rbms[0]["b"])
    torch.testing.assert_close(params["b1"], (rbms[0]["c"] + rbms[1]["b"]) / 2)
    torch.testing.assert_close(params["b2"], (rbms[1]["c"] + rbms[2]["b"]) / 2)
    torch.testing.assert_close(params["b3"], rbms[2]["c"])
    for l in (1, 2, 3):
        torch.testing.assert_close(params[f"W{l}"], rbms[l - 1]["W"])


def test_joint_training_raises_the_exact_likelihood_and_resumes_exactly(tmp_path):
    from deepinside.checkpointing import EpochCheckpoint

    rng = np.random.default_rng(0)
    prototypes = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=np.float32)
    data = prototypes[rng.integers(0, 2, 400)]
    data = np.where(rng.random(data.shape) < 0.05, 1 - data, data).astype(np.float32)
    rbm_training = dict(epochs=5, learning_rate=0.1, initial_momentum=0.5, final_momentum=0.9, momentum_switch_epoch=2,
                        weight_cost=2e-4, batch_size=20, k=1, init_scale=0.01)
    # two far-apart modes: the persistent chains need to outnumber the batch, or they sit in one
    # mode and the model swings from mode to mode (measured: 50 chains failed, 400 are stable)
    settings = dict(hidden_sizes=[5, 4], pretraining=rbm_training, epochs=20, learning_rate=0.005, initial_momentum=0.5,
                    final_momentum=0.9, momentum_switch_epoch=2, weight_cost=2e-4, batch_size=20, particles=400, gibbs_steps=3,
                    mean_field_iterations=10, seed=2, device=torch.device("cpu"))
    exact = lambda params: float(dbm.brute_force_data_statistics(torch.as_tensor(data, dtype=torch.float64),
                                                                 {k: v.double() for k, v in params.items()})[1])
    pretrained, _ = dbm.train_dbm(data, **{**settings, "epochs": 0})
    params, history = dbm.train_dbm(data, **settings)
    assert list(history["phase"].unique()) == ["pre-training", "joint"]
    entropy = np.log(2) + 6 * -(0.05 * np.log(0.05) + 0.95 * np.log(0.95))  # nats per example: the best possible
    assert exact(params) > exact(pretrained) + 0.05
    assert exact(params) > -entropy - 0.2

    # killed after epoch 3, restarted: identical result
    class Killed(Exception):
        pass

    path = tmp_path / "dbm.pt"

    class KillAfter(EpochCheckpoint):
        def save(self, state):
            super().save(state)
            if state["epoch"] == 3:
                raise Killed

    with pytest.raises(Killed):
        dbm.train_dbm(data, **settings, checkpoint=KillAfter(path, "fp"))
    resumed, resumed_history = dbm.train_dbm(data, **settings, checkpoint=EpochCheckpoint(path, "fp"))
    for key in params:
        torch.testing.assert_close(resumed[key], params[key], atol=0, rtol=0)
    assert len(resumed_history) == len(history) and not path.exists()
