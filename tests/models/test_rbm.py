"""RBM: exact likelihood vs brute force, CD-k/PCD against the true gradient, determinism, resume."""

import itertools

import numpy as np
import pytest
import torch

from deepinside.core.checkpointing import EpochCheckpoint, fingerprint
from deepinside.measures import rbm_likelihood
from deepinside.models import rbm

import oracles

CPU = torch.device("cpu")


def tiny_rbm(n_visible=6, n_hidden=4, seed=0, scale=0.7):
    g = torch.Generator().manual_seed(seed)
    return {
        "W": torch.randn(n_visible, n_hidden, generator=g, dtype=torch.float64) * scale,
        "b": torch.randn(n_visible, generator=g, dtype=torch.float64) * 0.3,
        "c": torch.randn(n_hidden, generator=g, dtype=torch.float64) * 0.3,
    }


def all_visible(n_visible):
    return torch.tensor(list(itertools.product((0.0, 1.0), repeat=n_visible)), dtype=torch.float64)


def exact_gradient(params, data):
    """<v h^T>_data - <v h^T>_model by enumerating every visible state."""
    v_all = all_visible(params["W"].shape[0])
    p_v = torch.softmax(-rbm.free_energy(v_all, params), dim=0)
    ph_all = rbm.hidden_probabilities(v_all, params)
    ph_data = rbm.hidden_probabilities(data, params)
    return {
        "W": data.T @ ph_data / len(data) - (v_all * p_v[:, None]).T @ ph_all,
        "b": data.mean(0) - p_v @ v_all,
        "c": ph_data.mean(0) - p_v @ ph_all,
    }


def test_log_partition_by_hidden_enumeration_equals_brute_force():
    params = tiny_rbm()
    assert float(rbm_likelihood.log_partition(params)) == pytest.approx(
        float(oracles.brute_force_log_partition(params)), abs=1e-10
    )


def test_exact_likelihood_sums_to_one_over_all_visible_states():
    params = tiny_rbm(5, 3)
    v_all = all_visible(5)
    log_p = -rbm.free_energy(v_all, params) - rbm_likelihood.log_partition(params)
    assert float(torch.exp(log_p).sum()) == pytest.approx(1.0, abs=1e-12)
    assert rbm_likelihood.mean_log_likelihood(v_all[:3], params) == pytest.approx(float(log_p[:3].mean()), abs=1e-12)


def test_autograd_of_exact_likelihood_is_the_data_minus_model_gradient():
    params = {k: v.clone().requires_grad_(True) for k, v in tiny_rbm().items()}
    data = all_visible(6)[torch.tensor([3, 17, 40, 63, 21])]
    log_likelihood = (-rbm.free_energy(data, params) - rbm_likelihood.log_partition(params)).mean()
    log_likelihood.backward()
    expected = exact_gradient({k: v.detach() for k, v in params.items()}, data)
    for name in ("W", "b", "c"):
        np.testing.assert_allclose(params[name].grad.numpy(), expected[name].numpy(), atol=1e-10)


def test_cd_with_long_chains_estimates_the_true_gradient():
    params = {k: v.float() for k, v in tiny_rbm(scale=0.4).items()}
    data = all_visible(6)[torch.tensor([3, 17, 40, 63, 21])].float()
    # many chains, each started at a data vector, run long enough to mix
    batch = data.repeat(4000, 1)
    g = torch.Generator().manual_seed(1)
    gradient, chain = rbm.contrastive_divergence(batch, params, k=200, generator=g, sample_visible=True)
    expected = exact_gradient({k: v.double() for k, v in params.items()}, data.double())
    for name in ("W", "b", "c"):
        np.testing.assert_allclose(gradient[name].numpy(), expected[name].numpy(), atol=0.02)
    assert chain.shape == batch.shape and set(np.unique(chain.numpy())) <= {0.0, 1.0}


def test_cd1_shapes_and_ascent_direction():
    params = {k: v.float() for k, v in tiny_rbm().items()}
    data = all_visible(6)[torch.tensor([3, 17, 40, 63, 21])].float()
    g = torch.Generator().manual_seed(0)
    gradient, reconstruction = rbm.contrastive_divergence(data, params, k=1, generator=g)
    assert {k: tuple(v.shape) for k, v in gradient.items()} == {"W": (6, 4), "b": (6,), "c": (4,)}
    assert reconstruction.shape == data.shape
    assert ((reconstruction > 0) & (reconstruction < 1)).all()  # mean-field reconstruction
    # a small step along the averaged CD-1 direction raises the exact log-likelihood
    before = rbm_likelihood.mean_log_likelihood(data, params)
    average = {k: torch.zeros_like(v) for k, v in params.items()}
    for _ in range(200):
        step, _ = rbm.contrastive_divergence(data, params, k=1, generator=g)
        average = {k: average[k] + step[k] / 200 for k in average}
    after = rbm_likelihood.mean_log_likelihood(data, {k: params[k] + 0.05 * average[k] for k in params})
    assert after > before
    with pytest.raises(ValueError):
        rbm.contrastive_divergence(data, params, k=0, generator=g)


def test_pcd_chain_persists_with_its_own_batch_size():
    params = {k: v.float() for k, v in tiny_rbm().items()}
    data = torch.bernoulli(torch.full((8, 6), 0.5), generator=torch.Generator().manual_seed(0))
    chain = torch.zeros(3, 6)
    gradient, new_chain = rbm.contrastive_divergence(
        data, params, 1, torch.Generator().manual_seed(2), chain=chain, sample_visible=True
    )
    assert new_chain.shape == (3, 6) and gradient["W"].shape == (6, 4)


def small_training(**overrides):
    rng = np.random.default_rng(0)
    data = (rng.random((200, 16)) < 0.3).astype(np.float32)
    settings = dict(
        n_hidden=5,
        epochs=4,
        learning_rate=0.1,
        initial_momentum=0.5,
        final_momentum=0.9,
        momentum_switch_epoch=2,
        weight_cost=2e-4,
        batch_size=20,
        k=1,
        persistent=False,
        sample_visible=False,
        init_scale=0.01,
        seed=3,
        device=CPU,
    )
    settings.update(overrides)
    return data, settings


def test_training_is_deterministic_in_the_seed():
    data, settings = small_training()
    first, _ = rbm.train_rbm(data, **settings)
    second, _ = rbm.train_rbm(data, **settings)
    other, _ = rbm.train_rbm(data, **{**settings, "seed": 4})
    for name in ("W", "b", "c"):
        assert torch.equal(first[name], second[name])
    assert not torch.equal(first["W"], other["W"])


@pytest.mark.parametrize("persistent", [False, True])
def test_killed_training_resumes_to_identical_weights(tmp_path, persistent):
    data, settings = small_training(persistent=persistent, sample_visible=persistent)
    uninterrupted, history = rbm.train_rbm(data, **settings)

    path = tmp_path / "ckpt.pt"
    stamp = fingerprint(data=data, **{k: v for k, v in settings.items() if k != "device"})

    def kill_after_epoch_two(epoch, params):
        if epoch == 3:
            raise KeyboardInterrupt("simulated kill")
        return {}

    with pytest.raises(KeyboardInterrupt):
        rbm.train_rbm(data, **settings, checkpoint=EpochCheckpoint(path, stamp), on_epoch=kill_after_epoch_two)
    assert path.exists()
    resumed, resumed_history = rbm.train_rbm(data, **settings, checkpoint=EpochCheckpoint(path, stamp))
    for name in ("W", "b", "c"):
        assert torch.equal(uninterrupted[name], resumed[name])
    # the killed run measured per epoch, so its history (carried over) starts at epoch 0
    assert list(resumed_history["epoch"]) == [0, 1, 2, 3, 4]
    assert not path.exists()  # finished runs remove their checkpoint


def test_throttled_checkpoint_saves_once_its_interval_has_passed_and_resumes_to_identical_weights(tmp_path):
    data, settings = small_training()  # 4 epochs
    uninterrupted, _ = rbm.train_rbm(data, **settings)
    now = [0.0]  # a clock the training loop moves: epoch e ends at 10·e seconds

    def ten_seconds_per_epoch_killed_in_four(epoch, params):
        now[0] = 10.0 * epoch
        if epoch == 4:
            raise KeyboardInterrupt("simulated kill")
        return {}

    path = tmp_path / "ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        rbm.train_rbm(
            data,
            **settings,
            on_epoch=ten_seconds_per_epoch_killed_in_four,
            checkpoint=EpochCheckpoint(path, "stamp", min_interval=15, clock=lambda: now[0]),
        )
    # saved at 20 s (epoch 2); at 30 s only 10 s had passed since, so epoch 3 was not saved
    assert torch.load(path, weights_only=True)["epoch"] == 2
    resumed, history = rbm.train_rbm(data, **settings, checkpoint=EpochCheckpoint(path, "stamp"))
    assert list(history["epoch"]) == [0, 1, 2, 3, 4] and not path.exists()
    for name in ("W", "b", "c"):
        assert torch.equal(uninterrupted[name], resumed[name])

    now[0] = 0.0
    with pytest.raises(KeyboardInterrupt):  # an interval longer than the run: nothing is ever written
        rbm.train_rbm(
            data,
            **settings,
            on_epoch=ten_seconds_per_epoch_killed_in_four,
            checkpoint=EpochCheckpoint(path, "stamp", min_interval=100, clock=lambda: now[0]),
        )
    assert not path.exists()
    with pytest.raises(ValueError, match="min_interval"):
        EpochCheckpoint(path, "stamp", min_interval=-1)


def test_checkpoint_of_other_settings_is_ignored(tmp_path):
    data, settings = small_training()
    path = tmp_path / "ckpt.pt"
    EpochCheckpoint(path, "someone else").save({"epoch": 3})
    params, history = rbm.train_rbm(data, **settings, checkpoint=EpochCheckpoint(path, "mine"))
    assert list(history["epoch"]) == [1, 2, 3, 4]


def test_divergence_names_the_run():
    data, settings = small_training(learning_rate=1e30, init_scale=1e10)
    with pytest.raises(FloatingPointError, match="layer 7"):
        rbm.train_rbm(data, **settings, run_name="layer 7")


def test_initial_visible_biases_are_the_log_odds_of_the_data_means():
    # Hinton's practical guide (2010, section 8): b_i = log(p_i / (1 - p_i)), hidden biases 0
    data = torch.tensor([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]])
    params = rbm.initial_parameters(data, 3, 0.01, torch.Generator().manual_seed(0))
    p = torch.tensor([0.75, 0.0, 0.75, 0.25]).clamp(rbm.BIAS_CLIP, 1 - rbm.BIAS_CLIP)
    torch.testing.assert_close(params["b"], torch.log(p / (1 - p)))
    assert params["b"][1] == pytest.approx(np.log(1e-3 / (1 - 1e-3)), rel=1e-5)  # never-lit pixel: clipped, finite
    assert torch.all(params["c"] == 0) and params["W"].shape == (4, 3) and params["W"].std() < 0.05
    # a trained RBM starts there: reconstruction of the mean image before any learning is the data mean
    p_v = torch.sigmoid(params["b"])
    torch.testing.assert_close(p_v, data.mean(0).clamp(rbm.BIAS_CLIP, 1 - rbm.BIAS_CLIP))
