"""Deep Boltzmann machines against brute force on models small enough to enumerate."""

import numpy as np
import pandas as pd
import pytest
import torch

from deepinside.models import dbm

import oracles
from conftest import rbm_stack

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
    _, log_z = oracles.brute_force_model_statistics(params)
    for i in range(len(v)):
        # brute force over the whole factorised family: maximise the bound over all logits
        def negative(logits):
            m = torch.sigmoid(torch.tensor(logits, dtype=torch.float64))
            return -float(dbm.variational_bound(v[i : i + 1], [m[None, :3], m[None, 3:]], params))

        best = min(
            (minimize(negative, np.random.default_rng(k).normal(0, 3, 5), method="BFGS") for k in range(20)),
            key=lambda r: r.fun,
        )
        assert float(bound[i]) == pytest.approx(-best.fun, abs=1e-6)
        _, log_p = oracles.brute_force_data_statistics(v[i : i + 1], params)
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
    data, _ = oracles.brute_force_data_statistics(v, params)
    model, _ = oracles.brute_force_model_statistics(params)
    exact = dbm.gradient(data, model)
    likelihood = lambda p: float(oracles.brute_force_data_statistics(v, p)[1])
    for key, index in [("W1", (0, 1)), ("W1", (3, 2)), ("W2", (1, 0)), ("b0", (2,)), ("b1", (1,)), ("b2", (0,))]:
        assert float(exact[key][index]) == pytest.approx(_finite_difference(likelihood, params, key, index), abs=1e-6)


def test_mean_field_learning_rule_is_the_gradient_of_the_variational_bound():
    # Salakhutdinov & Hinton's data term uses the mean-field μ: it is the exact gradient of
    # mean_v [bound(v, μ*) − log Z] (μ* stationary, so its own change does not count)
    params = tiny(seed=7)
    v = torch.tensor([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]], dtype=torch.float64)

    def objective(p):
        mus, _ = dbm.mean_field(v, p, iterations=1000, tolerance=1e-14)
        return float(dbm.variational_bound(v, mus, p).mean() - oracles.brute_force_model_statistics(p)[1])

    mus, _ = dbm.mean_field(v, params, iterations=1000, tolerance=1e-14)
    rule = dbm.gradient(dbm.statistics([v] + mus), oracles.brute_force_model_statistics(params)[0])
    for key, index in [("W1", (2, 0)), ("W2", (2, 1)), ("b1", (2,)), ("b2", (1,))]:
        assert float(rule[key][index]) == pytest.approx(_finite_difference(objective, params, key, index), abs=1e-5)


def test_gibbs_sampling_reproduces_the_exact_marginals():
    params = tiny(seed=11)
    model, _ = oracles.brute_force_model_statistics(params)
    generator = torch.Generator().manual_seed(0)
    chains = 20000
    states = dbm.random_states(params, chains, generator)
    for _ in range(60):
        states = dbm.gibbs_sweep(states, params, generator)
    for layer, state in enumerate(states):
        empirical = state.mean(0)
        standard_error = torch.sqrt(model[f"b{layer}"] * (1 - model[f"b{layer}"]) / chains)
        assert (torch.abs(empirical - model[f"b{layer}"]) < 5 * standard_error + 1e-3).all(), (
            layer,
            empirical,
            model[f"b{layer}"],
        )
    pair = dbm.statistics(states)["W1"]
    assert torch.allclose(pair, model["W1"], atol=0.015)


def test_sample_returns_visible_probabilities_of_the_chain():
    params = tiny(seed=2)
    samples = dbm.sample(params, 5000, 50, torch.Generator().manual_seed(3))
    model, _ = oracles.brute_force_model_statistics(params)
    assert samples.shape == (5000, 4) and ((samples > 0) & (samples < 1)).all()
    torch.testing.assert_close(samples.mean(0), model["b0"], atol=0.03, rtol=0)


def test_pretraining_scales_double_where_a_layer_hears_from_both_sides():
    assert [dbm.pretraining_scales(l, 2) for l in (1, 2)] == [(2.0, 1.0), (1.0, 2.0)]
    assert [dbm.pretraining_scales(l, 3) for l in (1, 2, 3)] == [(2.0, 1.0), (2.0, 2.0), (1.0, 2.0)]
    assert dbm.pretraining_scales(1, 1) == (1.0, 1.0)


def test_compose_takes_weights_as_trained_and_sums_shared_biases():
    rbms = rbm_stack([6, 4, 3, 2], seed=0, scale=1.0)
    params = dbm.compose(rbms)
    assert dbm.sizes(params) == [6, 4, 3, 2] and dbm.depth(params) == 3
    torch.testing.assert_close(params["b0"], rbms[0]["b"])
    torch.testing.assert_close(params["b1"], rbms[0]["c"] + rbms[1]["b"])  # each RBM models one half of the input
    torch.testing.assert_close(params["b2"], rbms[1]["c"] + rbms[2]["b"])
    torch.testing.assert_close(params["b3"], rbms[2]["c"])
    for l in (1, 2, 3):
        torch.testing.assert_close(params[f"W{l}"], rbms[l - 1]["W"])


def two_mode_case(device="cpu", seed=2):
    """Data of two far-apart 6-bit modes and joint-training settings of a 6-5-4 DBM on it
    (also run on CUDA by tests/models/test_cuda.py)."""
    rng = np.random.default_rng(0)
    prototypes = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=np.float32)
    data = prototypes[rng.integers(0, 2, 400)]
    data = np.where(rng.random(data.shape) < 0.05, 1 - data, data).astype(np.float32)
    rbm_training = dict(
        epochs=5,
        learning_rate=0.1,
        initial_momentum=0.5,
        final_momentum=0.9,
        momentum_switch_epoch=2,
        weight_cost=2e-4,
        batch_size=20,
        k=1,
        init_scale=0.01,
        sampled_states=True,
        k_rise_epochs=2,
    )
    # two far-apart modes: the persistent chains need to outnumber the batch, or they sit in one
    # mode and the model swings from mode to mode (measured: 50 chains failed, 400 are stable);
    # at a rate of 0.005 the likelihood swings by a nat from epoch to epoch, at 0.002 it climbs steadily
    settings = dict(
        hidden_sizes=[5, 4],
        pretraining=rbm_training,
        epochs=20,
        learning_rate=0.002,
        rate_decay=1.0005,
        min_learning_rate=0.0005,
        initial_momentum=0.5,
        final_momentum=0.9,
        momentum_switch_update=40,
        weight_cost=2e-4,
        sparsity_targets=[0.2, 0.1],
        sparsity_cost=1e-3,
        sparsity_damping=0.9,
        batch_size=20,
        particles=400,
        gibbs_steps=3,
        mean_field_iterations=10,
        sampled_inputs=True,
        negative_statistics="probabilities",
        seed=seed,
        device=torch.device(device),
    )
    return data, settings


def test_joint_training_raises_the_exact_likelihood_and_resumes_exactly(tmp_path):
    from deepinside.core.checkpointing import EpochCheckpoint

    data, settings = two_mode_case()
    exact = lambda params: float(
        oracles.brute_force_data_statistics(
            torch.as_tensor(data, dtype=torch.float64), {k: v.double() for k, v in params.items()}
        )[1]
    )
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


def test_pretraining_killed_inside_its_second_rbm_resumes_there_exactly(tmp_path, monkeypatch):
    from deepinside.core.checkpointing import EpochCheckpoint

    data, settings = two_mode_case()
    settings = {**settings, "epochs": 2}
    params, history = dbm.train_dbm(data, **settings)

    class Killed(Exception):
        pass

    real = dbm.train_rbm
    trained = []

    class KillAfterEpochTwo(EpochCheckpoint):
        def save(self, state):
            super().save(state)
            if state["epoch"] == 2:
                raise Killed

    def kill_in_the_second_rbm(*args, **kwargs):
        trained.append(kwargs["run_name"])
        if kwargs["run_name"].endswith("RBM 2"):
            given = kwargs["checkpoint"]
            kwargs["checkpoint"] = KillAfterEpochTwo(given.path, given.fingerprint, code=given.code)
        return real(*args, **kwargs)

    path = tmp_path / "dbm.pt"
    monkeypatch.setattr(dbm, "train_rbm", kill_in_the_second_rbm)
    with pytest.raises(Killed):
        dbm.train_dbm(data, **settings, checkpoint=EpochCheckpoint(path, "fp"))
    assert (tmp_path / "dbm.pretrained.pt").exists() and (tmp_path / "dbm.rbm2.pt").exists()
    assert not (tmp_path / "dbm.rbm1.pt").exists() and not path.exists()

    trained.clear()
    monkeypatch.setattr(dbm, "train_rbm", lambda *a, **k: trained.append(k["run_name"]) or real(*a, **k))
    resumed, resumed_history = dbm.train_dbm(data, **settings, checkpoint=EpochCheckpoint(path, "fp"))
    assert trained == ["DBM pre-training RBM 2"]  # RBM 1 is not trained again
    for key in params:
        torch.testing.assert_close(resumed[key], params[key], atol=0, rtol=0)
    pd.testing.assert_frame_equal(
        resumed_history.drop(columns=["seconds"]), history.drop(columns=["seconds"]), check_dtype=False
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # pre-training's files go with the DBM's


def test_pretraining_checkpoint_of_other_settings_is_not_resumed(tmp_path):
    from deepinside.core.checkpointing import EpochCheckpoint

    data, settings = two_mode_case()
    settings = {**settings, "epochs": 0}
    first = EpochCheckpoint(tmp_path / "dbm.pt", "settings A", clear_on_finish=False)
    dbm.pretraining_checkpoint(first, "pretrained").save({"rbms": [], "histories": [], "epoch": 0, "history": []})
    other = dbm.pretraining_checkpoint(EpochCheckpoint(tmp_path / "dbm.pt", "settings B"), "pretrained")
    assert other.load() is None  # another DBM's pre-training is never taken over


def test_chain_statistics_use_the_chains_probabilities_as_the_reference_code():
    params = tiny()
    g = torch.Generator().manual_seed(0)
    states = dbm.random_states(params, 7, g)
    v, h1, h2 = dbm.chain_statistics_states(states, params)
    torch.testing.assert_close(v, states[0])
    torch.testing.assert_close(h1, torch.sigmoid(states[0] @ params["W1"] + states[2] @ params["W2"].T + params["b1"]))
    torch.testing.assert_close(h2, torch.sigmoid(h1 @ params["W2"] + params["b2"]))


def test_reference_rate_decays_per_update_to_its_floor_and_k_rises_with_the_epoch():
    from deepinside.models.rbm import rising_k

    assert dbm.learning_rate_at(0, 0.001, 1.000015, 1e-4) == pytest.approx(0.001 / 1.000015)
    assert dbm.learning_rate_at(5999, 0.001, 1.000015, 1e-4) == pytest.approx(0.001 / 1.000015**6000)
    assert dbm.learning_rate_at(200_000, 0.001, 1.000015, 1e-4) == 1e-4  # the floor, reached near update 153,500
    assert [rising_k(1, e, 20) for e in (1, 20, 21, 40, 41, 200)] == [1, 1, 2, 2, 3, 10]
    assert rising_k(3, 5, 0) == 3


def test_sparsity_penalty_pushes_each_layer_towards_its_target_through_both_weights():
    g = torch.Generator().manual_seed(0)
    states = [
        torch.rand(8, 5, generator=g, dtype=torch.float64),
        torch.rand(8, 4, generator=g, dtype=torch.float64),
        torch.rand(8, 3, generator=g, dtype=torch.float64),
    ]
    running = [torch.full((4,), 0.5, dtype=torch.float64), torch.full((3,), 0.05, dtype=torch.float64)]
    out = dbm.sparsity_penalty(states, running, [0.2, 0.1], cost=0.01)
    g1, g2 = 0.01 * (0.5 - 0.2), 0.01 * (0.05 - 0.1)
    torch.testing.assert_close(out["b1"], torch.full((4,), g1, dtype=torch.float64))
    torch.testing.assert_close(out["b2"], torch.full((3,), g2, dtype=torch.float64))
    torch.testing.assert_close(out["W1"], torch.outer(states[0].mean(0), torch.full((4,), g1, dtype=torch.float64)))
    expected_w2 = torch.outer(states[1].mean(0), torch.full((3,), g2, dtype=torch.float64)) + torch.outer(
        torch.full((4,), g1, dtype=torch.float64), states[2].mean(0)
    )
    torch.testing.assert_close(out["W2"], expected_w2)
    assert dbm.layer_targets([0.2, 0.1], 3) == [0.2, 0.1, 0.1]


def test_the_fused_gradient_and_penalty_are_the_plain_ones_for_three_layers():
    # joint_update forms the ascent direction with fused products and rank-one updates in place
    g = torch.Generator().manual_seed(1)
    data = [torch.rand(8, n, generator=g, dtype=torch.float64) for n in (6, 5, 4, 3)]
    model = [torch.rand(11, n, generator=g, dtype=torch.float64) for n in (6, 5, 4, 3)]
    running = [torch.rand(n, generator=g, dtype=torch.float64) for n in (5, 4, 3)]
    plain = dbm.gradient(dbm.statistics(data), dbm.statistics(model))
    fused = dbm.statistics_difference(data, model)
    assert fused.keys() == plain.keys()
    for key in plain:
        torch.testing.assert_close(fused[key], plain[key])
    penalty = dbm.sparsity_penalty(data, running, dbm.layer_targets([0.2, 0.1], 3), cost=0.01)
    dbm.subtract_sparsity_penalty(fused, data, running, dbm.layer_targets([0.2, 0.1], 3), cost=0.01)
    for key in plain:
        torch.testing.assert_close(fused[key], plain[key] - penalty.get(key, 0.0))


def test_one_joint_update_is_the_reference_codes_update():
    """One update of ``joint_update`` against the reference code's (``dbm_mf.m`` with ``mf.m``)
    update written out in numpy: doubled-input start of the mean field, 10 sweeps; model
    statistics v × p(h¹ | v, h²) and p(h¹) × σ(p(h¹)W₂ + b₂); sparsity penalty on both weight
    matrices and the hidden biases; weight cost on the W; momentum on every parameter."""
    sig = lambda x: 1 / (1 + np.exp(-x))
    rng = np.random.default_rng(0)
    d, h, p, n = 12, 7, 5, 9
    w1, w2 = rng.normal(0, 0.5, (d, h)), rng.normal(0, 0.5, (h, p))
    b0, b1, b2 = rng.normal(0, 0.5, d), rng.normal(0, 0.5, h), rng.normal(0, 0.5, p)
    data = (rng.random((n, d)) < 0.5).astype(float)
    neg_v, neg_h, neg_p = ((rng.random((n, k)) < 0.5).astype(float) for k in (d, h, p))
    means1, means2 = rng.random(h) * 0.4, rng.random(p) * 0.3
    rate, wc, mom, cost = 0.01, 2e-4, 0.5, 1e-3
    inc = {k: rng.normal(0, 0.01, s) for k, s in dict(W1=(d, h), W2=(h, p), b0=d, b1=h, b2=p).items()}
    mu1 = sig(data @ (2 * w1) + b1)
    mu2 = sig(mu1 @ w2 + b2)
    for _ in range(10):
        mu1 = sig(data @ w1 + b1 + mu2 @ w2.T)
        mu2 = sig(mu1 @ w2 + b2)
    q1 = sig(neg_v @ w1 + b1 + neg_p @ w2.T)
    q2 = sig(q1 @ w2 + b2)
    g1 = cost * (0.9 * means1 + 0.1 * mu1.mean(0) - 0.2)
    g2 = cost * (0.9 * means2 + 0.1 * mu2.mean(0) - 0.1)
    expected = {
        "W1": mom * inc["W1"] + rate * ((data.T @ mu1 - neg_v.T @ q1) / n - wc * w1 - np.outer(data.mean(0), g1)),
        "b0": mom * inc["b0"] + rate * (data.mean(0) - neg_v.mean(0)),
        "b1": mom * inc["b1"] + rate * (mu1.mean(0) - q1.mean(0) - g1),
        "W2": mom * inc["W2"]
        + rate * ((mu1.T @ mu2 - q1.T @ q2) / n - wc * w2 - np.outer(mu1.mean(0), g2) - np.outer(g1, mu2.mean(0))),
        "b2": mom * inc["b2"] + rate * (mu2.mean(0) - q2.mean(0) - g2),
    }
    t = lambda a: torch.tensor(a, dtype=torch.float64)
    params = {"W1": t(w1), "W2": t(w2), "b0": t(b0), "b1": t(b1), "b2": t(b2)}
    before = {k: v.clone() for k, v in params.items()}
    velocity = {k: t(v) for k, v in inc.items()}
    dbm.joint_update(
        t(data),
        params,
        velocity,
        [t(neg_v), t(neg_h), t(neg_p)],
        [t(means1), t(means2)],
        torch.Generator().manual_seed(0),
        rate=rate,
        momentum=mom,
        weight_cost=wc,
        targets=[0.2, 0.1],
        sparsity_cost=cost,
        sparsity_damping=0.9,
        gibbs_steps=0,
        mean_field_iterations=10,
        sampled_inputs=False,
        negative_statistics="probabilities",
    )
    for key, step in expected.items():
        np.testing.assert_allclose((params[key] - before[key]).numpy(), step, atol=1e-9, err_msg=key)


def test_mean_field_without_a_tolerance_runs_every_sweep_untested():
    """Training's mean field runs a fixed number of sweeps with no test between them: the same posterior
    as a test that never stops it early."""
    g = torch.Generator().manual_seed(4)
    params = {"W1": 0.3 * torch.randn(12, 8, generator=g), "W2": 0.3 * torch.randn(8, 6, generator=g)}
    params.update({"b0": torch.zeros(12), "b1": torch.zeros(8), "b2": torch.zeros(6)})
    v = (torch.rand(5, 12, generator=g) < 0.5).float()
    untested, used = dbm.mean_field(v, params, 7, tolerance=None)
    tested, _ = dbm.mean_field(v, params, 7, tolerance=0.0)
    assert used == 7 and all(torch.equal(a, b) for a, b in zip(untested, tested))
    early, sweeps = dbm.mean_field(v, params, 200, tolerance=1e-3)
    assert sweeps < 200  # the tested form still stops when the posterior settles
