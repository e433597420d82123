"""O3 of the okatani2013 talk (seed 001): Gibbs samples of the RBM and the DBMs, judged by a CNN,
and each model's AIS test log-likelihood beside the paper's.

Kept apart from :mod:`deepinside.steps.okatani2013` (which trains the models) so that
a change to how samples are judged or likelihoods measured re-runs only this step.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import torch

from deepinside.core.checkpointing import for_run
from deepinside.core.device import generator, select_device
from deepinside.data import mnist as mnist_data
from deepinside.measures import ais, rbm_likelihood
from deepinside.models import binary_sampling, dbm, dbn, digit_judge, networks
from deepinside.models.evaluation import predict_probabilities

# Salakhutdinov & Hinton 2009, Table 1: AIS estimates of the variational lower bound on the
# MNIST test log-probability (nats per digit) of the DBMs O3's slide shows.
PAPER_LOG_LIKELIHOOD = {"2-layer DBM": -84.62, "3-layer DBM": -85.18}
TEST_BINARISATION_SEED = 30  # the reference code binarises the test digits once, with a fixed seed
LOWER_BOUND_DRAWS = 5  # posterior samples per test digit whose states bound log Z from below


def chain_generator(seed: int, model: str, device: torch.device) -> torch.Generator:
    """The random stream of one model's chains: drawn from ``seed`` and the model's name, so that
    how long one model's chains run (its coverage steps) leaves every other model's samples as
    they are."""
    return generator(int(np.random.SeedSequence([seed, *model.encode()]).generate_state(1)[0]), device)


def _say(message: str) -> None:
    """A progress line in the job's log (the console shows the latest once a minute)."""
    print(f"[O3] {message}", file=sys.stderr, flush=True)


def gibbs_samples(
    rbm: dict,
    dbms: list[dict],
    dbn_stack: list[dict],
    judge: dict,
    mnist: dict,
    n_samples: int,
    gibbs_steps: int,
    coverage_steps: list[int],
    ais_betas: int,
    ais_runs: int,
    dbm_sampled_inputs: bool,
    confidence: float,
    seed: int,
    device: str,
    checkpoint: str | None = None,
) -> dict:
    """O3: Gibbs samples of the RBM (PCD) and of each DBM, and of the DBN for comparison, judged by a CNN,
    with each model's AIS test log-likelihood.

    Every chain starts from independent random binary states (each model's chains from a random
    stream of their own, :func:`chain_generator`); a sample is shown as
    p(v = 1 | h¹) of its state after ``gibbs_steps`` block-Gibbs steps, and the same
    chains are judged after each number of steps in ``coverage_steps`` (how coverage of
    the classes grows with mixing). The judge (:mod:`deepinside.models.digit_judge`) labels each
    sample; a model passes when most of its samples are confident digits *and* they cover
    the classes. Controls: real test digits, fresh uniform noise, and each model's samples
    with their pixels shuffled. Likelihood (:mod:`deepinside.measures.ais`, ``ais_betas``
    intermediate distributions, ``ais_runs`` runs, base-rate model of the training
    digits): exact test log-likelihood of the RBM given its log Z, variational lower bound
    of each DBM, on the test digits binarised once — the paper's measure.

    With a ``checkpoint`` the step saves its results after each model's chains and after each
    model's AIS (with the state of the generator that shuffles pixels), and a killed job resumes after the last
    one saved, with the numbers of an uninterrupted run: under the paper preset a model's
    100,000 sweeps or 20,000 AIS distributions take minutes, the whole step most of an hour.
    """
    dev = select_device(device)
    model = networks.LeNet(digit_judge.NOT_A_DIGIT + 1)
    model.load_state_dict(judge)
    model.to(dev)
    to_dev = lambda params: {k: v.to(dev) for k, v in params.items()}
    rng = np.random.default_rng(seed)

    def judged(images: np.ndarray) -> np.ndarray:
        return predict_probabilities(model, torch.as_tensor(images, device=dev)).cpu().numpy()

    steps = sorted(set(coverage_steps) | {gibbs_steps})
    as_dbm = {"RBM (PCD)": ais.as_layers(rbm)}
    as_dbm.update({f"{dbm.depth(params)}-layer DBM": params for params in dbms})
    models = {
        name: (
            lambda params=params, name=name: dbm.sample_at(
                {k: v.float() for k, v in to_dev(params).items()}, n_samples, steps, chain_generator(seed, name, dev)
            )
        )
        for name, params in as_dbm.items()
    }
    stack = [to_dev(p) for p in dbn_stack]
    dbn_name = f"{len(stack)}-layer DBN"
    dbn_gen = chain_generator(seed, dbn_name, dev)
    models[dbn_name] = lambda: {
        gibbs_steps: dbn.sample(
            stack,
            binary_sampling.sample(torch.full((n_samples, stack[-1]["W"].shape[0]), 0.5, device=dev), dbn_gen),
            gibbs_steps,
            dbn_gen,
        )
    }
    settings = dict(n_samples=n_samples, steps=steps, ais_betas=ais_betas, ais_runs=ais_runs, seed=seed)
    settings.update(dbm_sampled_inputs=dbm_sampled_inputs, confidence=confidence, device=str(dev))
    data = {"x_train": mnist["x_train"], "x_test": mnist["x_test"]}
    saved = for_run(checkpoint, __name__, **settings, **_flat(rbm=rbm, dbms=dbms, dbn=dbn_stack, judge=judge, **data))
    state = saved.load() if saved is not None else None
    drawn = dict(state["drawn"]) if state else {}  # model -> its samples, judgements, summary and coverage rows
    likelihoods = dict(state["likelihoods"]) if state else {}  # model -> its likelihood row
    if state:
        rng.bit_generator.state = state["rng"]
        _say(f"resumed after {', '.join(list(drawn) + [f'AIS of {name}' for name in likelihoods])}")

    def save() -> None:  # after every model: a killed job loses one model's chains or AIS at most
        if saved is not None:
            parts = {"drawn": drawn, "likelihoods": likelihoods, "rng": rng.bit_generator.state}
            saved.save({"epoch": len(drawn) + len(likelihoods), **parts})

    with torch.no_grad():
        real = mnist_data.to_unit_interval(mnist["x_test"][:n_samples])
        for name, draw in [("real digits", lambda: {gibbs_steps: torch.as_tensor(real)})] + list(models.items()):
            if name in drawn:
                continue
            started = time.perf_counter()
            by_steps = {k: v.cpu().numpy() for k, v in draw().items()}
            if name != "real digits":
                _say(
                    f"{name}: {max(by_steps):,} Gibbs sweeps of {n_samples} chains in {time.perf_counter() - started:.0f} s"
                )
            coverage = []
            for k, images_k in by_steps.items():
                if name in as_dbm:  # the chains run step by step (the DBN's comparison row: its shown samples only)
                    labels_k = digit_judge.confident_labels(judged(images_k), confidence)
                    coverage.append(
                        {
                            "model": name,
                            "gibbs_steps": k,
                            "classes": len(np.unique(labels_k)),
                            "digit_fraction": len(labels_k) / len(images_k),
                        }
                    )
            images = by_steps[gibbs_steps]
            probabilities = judged(images)
            labels = digit_judge.confident_labels(probabilities, confidence)
            shuffled = judged(np.stack([rng.permutation(row) for row in images]))
            summary = {
                "model": name,
                "digit_fraction": len(labels) / len(images),
                "classes": len(np.unique(labels)),
                "label_entropy_bits": digit_judge.label_entropy(labels),
                "shuffled_digit_fraction": digit_judge.digit_fraction(shuffled, confidence),
            }
            drawn[name] = {
                "images": torch.as_tensor(images),
                "probabilities": torch.as_tensor(probabilities),
                "summary": _plain(summary),
                "coverage": [_plain(row) for row in coverage],
            }
            save()
        likelihood = model_likelihoods(
            as_dbm, mnist, ais_betas, ais_runs, seed, dbm_sampled_inputs, dev, done=likelihoods, after_each=save
        )
        noise_fraction = digit_judge.digit_fraction(judged(rng.random(real.shape).astype(np.float32)), confidence)
    order = ["real digits"] + list(models)
    table = pd.DataFrame([drawn[name]["summary"] for name in order]).merge(likelihood, on="model", how="left")
    table["role"] = [
        "control" if m == "real digits" else "comparison (not on the slide)" if "DBN" in m else "claim"
        for m in table["model"]
    ]
    out = {
        "names": table["model"].to_numpy(dtype=str),
        "images": np.stack([drawn[name]["images"].numpy() for name in order]),
        "probabilities": np.stack([drawn[name]["probabilities"].numpy() for name in order]),
    }
    table["noise_digit_fraction"] = noise_fraction
    coverage = pd.DataFrame([row for name in order for row in drawn[name]["coverage"]])
    return {"samples": out, "summary": table, "coverage": coverage}


def _plain(row: dict) -> dict:
    """Numpy and torch scalars as Python numbers (what a checkpoint may hold)."""
    return {key: value.item() if isinstance(value, (np.generic, torch.Tensor)) else value for key, value in row.items()}


def _flat(**groups) -> dict:
    """Tensors and arrays of nested dicts and lists as one flat mapping (``rbm.W``, ``dbms.0.W1``), for a
    checkpoint's fingerprint, which hashes arrays by content."""
    flat = {}
    for key, value in groups.items():
        if isinstance(value, dict):
            flat.update(_flat(**{f"{key}.{k}": v for k, v in value.items()}))
        elif isinstance(value, (list, tuple)):
            flat.update(_flat(**{f"{key}.{i}": v for i, v in enumerate(value)}))
        else:
            flat[key] = value
    return flat


def model_likelihoods(
    models: dict,
    mnist: dict,
    betas: int,
    runs: int,
    seed: int,
    dbm_sampled_inputs: bool,
    device: torch.device | None = None,
    done: dict | None = None,
    after_each=None,
) -> pd.DataFrame:
    """AIS log Z of each model (an RBM as a 1-layer DBM) and its mean test log-likelihood
    (exact for the RBM, the variational lower bound for a DBM), with log Z's standard error.

    Each model is scored on test digits binarised as its training digits were: the PCD RBM
    (and DBMs trained with ``sampled_inputs`` off) on digits thresholded at ½, the
    reference-protocol DBMs on digits drawn once from their grey levels (fixed seed, as
    the reference code does). ``test_log_likelihood_low`` uses the upper end of log Z
    (mean weight + 3 standard errors): AIS's log Ẑ errs low with too few intermediate
    distributions or runs, which would flatter the likelihood; it is also never taken below
    the certain lower bound on log Z from states near the test digits
    (:func:`deepinside.measures.ais.log_partition_lower_bound`), and ``ais_short_by_at_least`` says
    by how much AIS fell below that bound.

    ``done``: rows already measured (model -> row), kept and filled in place; ``after_each()`` is
    called after each new row (the step's checkpoint). Each model's AIS draws from its own
    generator (``seed``), so a row does not depend on which rows came before it.
    """
    dev = device or torch.device("cpu")
    grey_test = mnist_data.to_unit_interval(mnist["x_test"])
    tests = {
        "sampled once": ais.binarize_once(grey_test, TEST_BINARISATION_SEED).to(dev),
        "thresholded at ½": torch.as_tensor(mnist_data.binarize(mnist["x_test"]), dtype=torch.float64, device=dev),
    }
    base = ais.visible_base(mnist_data.to_unit_interval(mnist["x_train"])).to(dev)
    done = {} if done is None else done
    for name, params in models.items():
        if name in done:
            continue
        params = {k: v.to(dev, torch.float64) for k, v in params.items()}
        binarised = "sampled once" if dbm.depth(params) > 1 and dbm_sampled_inputs else "thresholded at ½"
        test = tests[binarised]
        _say(f"{name}: AIS with {betas:,} intermediate distributions and {runs} runs …")
        started = time.perf_counter()
        z = ais.log_partition(params, ais.schedule(betas), runs, generator(seed, dev), base)
        _say(f"{name}: log Z = {z['log_z']:.2f} ± {z['log_z_se']:.2f} in {time.perf_counter() - started:.0f} s")
        # a certain lower bound on log Z from states near the test digits: AIS's estimate may not fall below it
        lower = ais.log_partition_lower_bound(
            params, ais.states_near_data(params, test, LOWER_BOUND_DRAWS, generator(seed, dev))
        )
        if dbm.depth(params) == 1:
            rbm_form = {"W": params["W1"], "b": params["b0"], "c": params["b1"]}
            value, kind = rbm_likelihood.mean_log_likelihood(test, rbm_form, z["log_z"]), "exact given log Z"
        else:
            value, kind = ais.dbm_log_likelihood_bound(test, params, z["log_z"]), "variational lower bound"
        cautious = max(z["log_z_high"], lower)
        done[name] = _plain(
            {
                "model": name,
                "log_z": z["log_z"],
                "log_z_se": z["log_z_se"],
                "log_z_lower_bound": lower,
                "ais_short_by_at_least": max(0.0, lower - z["log_z"]),
                "test_log_likelihood": value,
                "test_log_likelihood_low": value - (cautious - z["log_z"]),
                "likelihood_kind": kind,
                "test_binarisation": binarised,
                "paper_log_likelihood": PAPER_LOG_LIKELIHOOD.get(name, np.nan),
                "test_digits": len(test),
            }
        )
        if after_each is not None:
            after_each()
    return pd.DataFrame([done[name] for name in models])
