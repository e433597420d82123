"""The CUDA code paths agree with the CPU: Jacobian spectra, RBM and DBM training, the ensemble trainer.

Skipped without a CUDA device (marker ``cuda``; ``bench/gpu_run.sh`` runs them on a GPU
machine). Deterministic kernels must agree to float32 rounding. Sampling kernels draw
from a generator on their own device, whose stream differs between CPU and CUDA, so
those are compared by what training reaches: the exact log-likelihood of a small RBM
and DBM, and the loss of an ensemble, within a tolerance that the test states.
"""

import numpy as np
import pytest
import torch
from test_dbm import two_mode_case

from deepinside.measures import jacobian, rbm_likelihood
from deepinside.models import dbm, ensemble, rbm

import oracles

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine"),
]
CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_jacobian_spectra_agree():
    g = torch.Generator().manual_seed(0)
    sizes = [784, 1000, 1000, 1000]
    layers = [
        (torch.randn(b, a, generator=g) * 0.05, torch.randn(b, generator=g) * 0.1)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    x = torch.rand(8, 784, generator=g)
    on_cpu = [jacobian.singular_decomposition(j)[0] for j in jacobian.input_jacobians(layers, x)]
    moved = [(w.to(CUDA), b.to(CUDA)) for w, b in layers]
    on_gpu = [jacobian.singular_decomposition(j)[0].cpu() for j in jacobian.input_jacobians(moved, x.to(CUDA))]
    for a, b in zip(on_cpu, on_gpu):
        torch.testing.assert_close(b, a, rtol=1e-3, atol=1e-5 * float(a.max()))


def test_rbm_deterministic_kernels_agree():
    g = torch.Generator().manual_seed(1)
    params = {
        "W": torch.randn(50, 20, generator=g) * 0.1,
        "b": torch.randn(50, generator=g),
        "c": torch.randn(20, generator=g),
    }
    v = (torch.rand(64, 50, generator=g) < 0.4).float()
    gpu = {k: t.to(CUDA) for k, t in params.items()}
    torch.testing.assert_close(rbm.hidden_probabilities(v.to(CUDA), gpu).cpu(), rbm.hidden_probabilities(v, params))
    torch.testing.assert_close(rbm.free_energy(v.to(CUDA), gpu).cpu(), rbm.free_energy(v, params), rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(
        float(rbm_likelihood.log_partition({k: t.double() for k, t in gpu.items()})),
        float(rbm_likelihood.log_partition({k: t.double() for k, t in params.items()})),
        rtol=1e-9,
        atol=1e-9,
    )


def _rbm_reached(device, seed=0) -> float:
    rng = np.random.default_rng(0)
    prototypes = (rng.random((4, 12)) < 0.5).astype(np.float32)
    data = prototypes[rng.integers(0, 4, 600)]
    data = np.where(rng.random(data.shape) < 0.05, 1 - data, data).astype(np.float32)
    params, _ = rbm.train_rbm(
        data,
        n_hidden=6,
        epochs=30,
        learning_rate=0.1,
        initial_momentum=0.5,
        final_momentum=0.9,
        momentum_switch_epoch=5,
        weight_cost=2e-4,
        batch_size=20,
        k=1,
        persistent=False,
        sample_visible=False,
        init_scale=0.01,
        seed=seed,
        device=device,
    )
    v = torch.as_tensor(data, dtype=torch.float64)
    return rbm_likelihood.mean_log_likelihood(v, {k: t.double() for k, t in params.items()})


def test_rbm_training_reaches_the_same_likelihood_on_cuda():
    cpu, gpu = _rbm_reached(CPU), _rbm_reached(CUDA)
    # another device's sampling stream is like another seed: seeds 0, 1, 2 on the CPU reach
    # -3.94, -4.03, -3.96 nats; three times that spread is allowed
    assert abs(gpu - cpu) < 0.3, (cpu, gpu)


def _dbm_reached(device, seed=2) -> float:
    data, settings = two_mode_case(device, seed)
    params, _ = dbm.train_dbm(data, **settings)
    v = torch.as_tensor(data, dtype=torch.float64)
    return float(oracles.brute_force_data_statistics(v, {k: t.double().cpu() for k, t in params.items()})[1])


def test_dbm_training_reaches_the_same_likelihood_on_cuda():
    cpu, gpu = _dbm_reached(CPU), _dbm_reached(CUDA)
    # another device's sampling stream is like another seed: seeds 2, 3, 4 on the CPU reach
    # -1.96, -2.38, -2.33 nats (after pre-training alone: -2.11, -2.86, -2.15)
    assert abs(gpu - cpu) < 0.6, (cpu, gpu)


def test_ensemble_trainer_reaches_the_same_loss_on_cuda():
    rng = np.random.default_rng(0)
    x = (rng.random((512, 12)) < 0.5).astype(np.float32)
    y = (x[:, :6].sum(1) > x[:, 6:].sum(1)).astype(np.int64)

    def final_loss(device):
        out = ensemble.train_ensemble(x, y, [12, 10, 7, 2], "tanh", 50, 0.8, 30, 4e-3, 64, [30], 0, device)
        losses = out["losses"]
        return float(losses[losses["epoch"] == 30]["train_loss"].mean())

    # mean over 50 nets after 30 epochs: seeds 0, 1, 2 on the CPU give 0.00920, 0.00922, 0.00921
    cpu, gpu = final_loss(CPU), final_loss(CUDA)
    assert abs(gpu - cpu) < 0.05 * cpu, (cpu, gpu)


def test_batched_gamp_agrees():
    """All GAMP runs of one instance at once (float64): the same order parameters on the GPU as on the CPU."""
    from gamp_cases import batch, instance

    rng = np.random.default_rng(0)
    size, kappa = 300, 0.25
    teacher, pool, labelled, y = instance(rng, size, kappa, 10 * size, size // 4)
    n_u, n_l = [300, 1500, 3000, 3000], [75, 75, 75, 75]
    starts = 1e-3 * rng.standard_normal((size, len(n_u)))

    def run(device):
        return batch(pool, labelled, y, kappa, n_u, n_l, starts, teacher, device=device, iterations=200)

    on_cpu, on_gpu = run(CPU), run(CUDA)
    np.testing.assert_allclose(on_gpu["R"], on_cpu["R"], atol=1e-6)
    np.testing.assert_array_equal(on_gpu["stationary_finetuning"], on_cpu["stationary_finetuning"])
