"""AIS: log Z of RBMs and DBMs against exact enumeration, a visibly biased control, the schedule."""

import itertools
import math

import numpy as np
import pytest
import torch

from deepinside.measures import ais, rbm_likelihood
from deepinside.models import dbm

import oracles


def random_dbm(sizes, scale, seed=0):
    g = torch.Generator().manual_seed(seed)
    params = {
        f"W{l}": torch.randn(sizes[l - 1], sizes[l], generator=g, dtype=torch.float64) * scale / math.sqrt(sizes[l - 1])
        for l in range(1, len(sizes))
    }
    params.update({f"b{l}": torch.randn(sizes[l], generator=g, dtype=torch.float64) * 0.5 for l in range(len(sizes))})
    return params


def exact_by_odd_layers(params):
    """log Z by enumerating the odd layers only, the even ones summed out (checked against the
    full brute force below); reaches models with large even layers."""
    sizes, top = dbm.sizes(params), dbm.depth(params)
    odd_layers = list(range(1, top + 1, 2))
    bits = torch.tensor(
        list(itertools.product((0.0, 1.0), repeat=sum(sizes[l] for l in odd_layers))), dtype=torch.float64
    )
    odd = dict(zip(odd_layers, torch.split(bits, [sizes[l] for l in odd_layers], 1)))
    return float(torch.logsumexp(ais.log_unnormalised(odd, params, 1.0, torch.zeros(sizes[0], dtype=torch.float64)), 0))


def run(params, n_betas, runs=300, seed=1, base=None):
    return ais.log_partition(params, ais.schedule(n_betas), runs, torch.Generator().manual_seed(seed), base)


@pytest.mark.parametrize("sizes", [[6, 4], [5, 4, 3], [4, 3, 3, 2]])
def test_ais_agrees_with_the_exact_log_partition_of_small_models(sizes):
    params = random_dbm(sizes, scale=3.0)
    exact = float(oracles.brute_force_model_statistics(params)[1])
    assert exact_by_odd_layers(params) == pytest.approx(exact, abs=1e-10)
    estimate = run(params, 1000)
    assert abs(estimate["log_z"] - exact) < 4 * estimate["log_z_se"] + 1e-3
    assert estimate["log_z_low"] < exact < estimate["log_z_high"] + 1e-3


def test_rbm_with_base_rate_model_matches_enumeration_and_gives_the_exact_likelihood():
    g = torch.Generator().manual_seed(3)
    rbm = {
        "W": torch.randn(30, 8, generator=g) * 0.6,
        "b": torch.randn(30, generator=g),
        "c": torch.randn(8, generator=g) * 0.3,
    }
    data = (torch.rand(500, 30, generator=g) < torch.sigmoid(rbm["b"])).double()
    exact = float(rbm_likelihood.log_partition(rbm))
    estimate = run(rbm, 2000, base=ais.base_rate_bias(data))
    assert abs(estimate["log_z"] - exact) < 4 * estimate["log_z_se"] + 1e-3
    # the likelihood through AIS's log Z is the exact one, up to log Z's error
    through_ais = rbm_likelihood.mean_log_likelihood(data, rbm, estimate["log_z"])
    assert abs(through_ais - rbm_likelihood.mean_log_likelihood(data, rbm)) < 4 * estimate["log_z_se"] + 1e-3


def test_too_few_intermediate_distributions_are_visibly_biased_and_enough_are_not():
    """A model far from the base (strong weights, 164 units): log Ẑ of 3 βs falls nats below
    the exact value, far outside its own error bar; 3,000 βs agree within theirs."""
    params = random_dbm([100, 14, 50], scale=8.0)
    exact = exact_by_odd_layers(params)
    few, enough = run(params, 3, runs=100), run(params, 3000, runs=100)
    assert exact - few["log_z"] > 5.0 and exact - few["log_z"] > 5 * few["log_z_se"]
    assert abs(enough["log_z"] - exact) < 4 * enough["log_z_se"] and abs(enough["log_z"] - exact) < 0.5


def test_schedule_is_salakhutdinov_and_murrays_at_14500():
    betas = ais.schedule(14500).numpy()
    assert betas[0] == 0.0 and betas[-1] == 1.0 and len(betas) == 14501 and np.all(np.diff(betas) > 0)
    steps = np.diff(betas)
    np.testing.assert_allclose(steps[:500], 1 / 1000)
    np.testing.assert_allclose(steps[500:4500], 1 / 10000)
    np.testing.assert_allclose(steps[4500:], 1 / 100000)
    assert len(ais.schedule(100)) == 101
    with pytest.raises(ValueError, match="at least 3"):
        ais.schedule(2)


def test_dbm_bound_lies_below_the_exact_likelihood_and_close_to_it():
    params = random_dbm([6, 4, 3], scale=2.0, seed=4)
    v = torch.tensor(list(itertools.product((0.0, 1.0), repeat=6)), dtype=torch.float64)[::5]
    _, exact_log_likelihood = oracles.brute_force_data_statistics(v, params)
    log_z = float(oracles.brute_force_model_statistics(params)[1])
    bound = ais.dbm_log_likelihood_bound(v, params, log_z)
    assert bound <= float(exact_log_likelihood) + 1e-9
    assert bound > float(exact_log_likelihood) - 0.5


def test_the_lower_bound_from_states_is_certain_and_catches_a_short_ais():
    small = random_dbm([6, 4, 3], scale=3.0)
    exact = float(oracles.brute_force_model_statistics(small)[1])
    some = {
        1: torch.tensor([[1.0, 0, 1, 0], [0, 1, 1, 0], [1.0, 0, 1, 0]], dtype=torch.float64)
    }  # a duplicate counts once
    assert ais.log_partition_lower_bound(small, some) < exact
    every = {1: torch.tensor(list(itertools.product((0.0, 1.0), repeat=4)), dtype=torch.float64)}
    assert ais.log_partition_lower_bound(small, every) == pytest.approx(exact, abs=1e-9)  # all odd states: exact
    # far from the base, 3 βs fall nats short; states near the data show it with certainty
    far = random_dbm([100, 14, 50], scale=8.0)
    g = torch.Generator().manual_seed(0)
    samples = dbm.random_states(far, 200, g)
    for _ in range(200):
        samples = dbm.gibbs_sweep(samples, far, g)
    near = ais.states_near_data(far, samples[0], 3, g)
    bound = ais.log_partition_lower_bound(far, near)
    assert bound <= exact_by_odd_layers(far) + 1e-9
    assert bound > run(far, 3, runs=100)["log_z"] + 1.0


@pytest.mark.parametrize("sizes", [[30, 8, 20], [20, 6, 15, 4]])
def test_chains_in_float32_agree_with_float64_within_the_standard_error(sizes):
    """The products in float32, the log weights summed in float64: the estimate of a 2- and a
    3-layer model agrees with the float64 one (and with the exact value) within its error bar."""
    params = random_dbm(sizes, scale=3.0, seed=7)
    exact = exact_by_odd_layers(params)
    betas = ais.schedule(2000)
    single, double = (
        ais.log_partition(params, betas, 200, torch.Generator().manual_seed(2), dtype=dtype)
        for dtype in (torch.float32, torch.float64)
    )
    both = math.hypot(single["log_z_se"], double["log_z_se"])
    assert abs(single["log_z"] - double["log_z"]) < 3 * both
    assert abs(single["log_z"] - exact) < 3 * single["log_z_se"] + 1e-3
    assert single["log_weights"].dtype == np.float64


def test_log_weights_from_float32_products_keep_float64_digits():
    """One annealing increment from float32 inputs differs from the float64 one by float32's
    rounding of the inputs times the step in β, not by the rounding of two large sums."""
    params = ais.as_layers(random_dbm([200, 50, 100], scale=3.0, seed=8))
    g = torch.Generator().manual_seed(0)
    odd = {1: (torch.rand(64, 50, generator=g) < 0.5).double()}
    base = torch.zeros(200, dtype=torch.float64)
    exact = ais.even_totals(odd, params)
    rounded = ais.even_totals({1: odd[1].float()}, {k: v.float() for k, v in params.items()})
    step = lambda totals: ais.log_increment(odd, totals, params, 0.9001, 0.9, base)
    assert float((step(rounded) - step(exact)).abs().max()) < 1e-6 * float(step(exact).abs().max()) + 1e-9
