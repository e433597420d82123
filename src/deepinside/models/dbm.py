"""Deep Boltzmann machines, trained as Salakhutdinov & Hinton 2009 describe.

A DBM with layers s_0 = v, s_1 = h¹, …, s_L = h^L of binary units and connections only
between neighbouring layers has the energy (Salakhutdinov & Hinton 2009, eq. 1, with
biases)

    E(s) = − Σ_l s_{l−1}ᵀ W_l s_l − Σ_l b_lᵀ s_l,

so that every layer is conditionally independent given its two neighbours:

    p(s_l = 1 | s_{l−1}, s_{l+1}) = σ(s_{l−1}ᵀ W_l + W_{l+1} s_{l+1} + b_l).

Unlike a DBN, all connections are undirected; a hidden layer hears from above and below.

**Learning** (S&H 2009, Algorithm 1): the gradient of the log-likelihood,
⟨s_{l−1} s_lᵀ⟩_data − ⟨s_{l−1} s_lᵀ⟩_model, is estimated with

* a mean-field posterior for the data term: q(h | v) = Π μ_j^{h_j}(1−μ_j)^{1−h_j}, whose
  fixed point μ_l = σ(μ_{l−1}ᵀ W_l + W_{l+1} μ_{l+1} + b_l) maximises the variational
  lower bound on log p(v) (:func:`mean_field`, started from a bottom-up recognition pass
  with doubled weights, :func:`recognition_pass`);
* persistent Gibbs chains ("fantasy particles") for the model term (:func:`gibbs_sweep`:
  odd layers given even ones, then even given odd).

**Pre-training** (S&H 2009, §3.1): a stack of modified RBMs whose inputs are doubled
where the DBM layer will hear from two sides: the bottom RBM sees 2·(vᵀW + c) on the way
up, the top RBM 2·(W h + b) on the way down, a middle RBM both (:func:`pretraining_scales`).
Each RBM thus models one half of a shared layer's input, bias included, and
:func:`compose` reads the DBM off the stack as Salakhutdinov's reference code does
(``dbm_mf.m``): each W as trained, the visible biases of the bottom RBM, the hidden
biases of the top RBM, and for a hidden layer shared by two RBMs the *sum* of the two
biases each RBM learned for it.

**The reference protocol** (Salakhutdinov's public MATLAB code, ``rbm.m``, ``rbm_l2.m``,
``dbm_mf.m``), each item a setting of :func:`train_dbm`: every mini-batch drawn afresh as
binary images from the grey levels; the RBMs above the first trained on sampled states
of the one below, with k rising with the epoch; joint training at a rate that falls by a
factor ``rate_decay`` per update to a floor, momentum switched after a number of
*updates*; sparsity targets on the hidden layers' mean activities; the model statistics
taken from the chains' conditional probabilities (:func:`chain_statistics_states`).

Parameters are a dict ``{"W1": (n_0, n_1), …, "WL": …, "b0": (n_0,), …, "bL": …}``.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import torch

from deepinside.core.checkpointing import EpochCheckpoint, remove
from deepinside.core.device import describe
from deepinside.core.device import generator as make_generator
from deepinside.models import binary_sampling
from deepinside.models.rbm import hidden_probabilities, momentum_step, train_rbm
from deepinside.models.training import TrainingRun


def depth(params: dict) -> int:
    """Number of hidden layers L."""
    return sum(1 for key in params if key.startswith("W"))


def sizes(params: dict) -> list[int]:
    """[n_0, n_1, …, n_L]."""
    return [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, depth(params) + 1)]


def bottom_up_input(states: list[torch.Tensor], params: dict, layer: int) -> torch.Tensor:
    """The bias and the input from below of layer ``layer``: b_l + s_{l−1}ᵀ W_l (b_0 for the visible layer)."""
    if layer == 0:
        return params["b0"]
    return torch.addmm(params[f"b{layer}"], states[layer - 1], params[f"W{layer}"])  # the bias added in the product


def layer_input(
    states: list[torch.Tensor], params: dict, layer: int, bottom_up: torch.Tensor | None = None
) -> torch.Tensor:
    """Total input to layer ``layer`` from its neighbours: s_{l−1}ᵀ W_l + W_{l+1} s_{l+1} + b_l.

    ``bottom_up``: :func:`bottom_up_input` of this layer when the caller already has it
    (the same numbers, bit for bit: the sum is formed in the same order).
    """
    total = bottom_up_input(states, params, layer) if bottom_up is None else bottom_up
    if layer < depth(params):
        total = torch.addmm(total, states[layer + 1], params[f"W{layer + 1}"].T)
    return total


def layer_probabilities(
    states: list[torch.Tensor], params: dict, layer: int, bottom_up: torch.Tensor | None = None
) -> torch.Tensor:
    """p(s_l = 1 | s_{l−1}, s_{l+1}) for every row."""
    total = layer_input(states, params, layer, bottom_up)
    return torch.sigmoid(total) if total is bottom_up else total.sigmoid_()  # in place on a fresh sum only


def recognition_pass(v: torch.Tensor, params: dict) -> list[torch.Tensor]:
    """Bottom-up initialisation of the mean field (S&H 2009): weights doubled for every
    hidden layer but the top one, which would also hear from the layer above."""
    top = depth(params)
    mus, below = [], v
    for layer in range(1, top + 1):
        scale = 1.0 if layer == top else 2.0
        below = torch.sigmoid(torch.addmm(params[f"b{layer}"], below, params[f"W{layer}"], alpha=scale))
        mus.append(below)
    return mus


def mean_field(
    v: torch.Tensor, params: dict, iterations: int = 10, tolerance: float | None = 1e-6
) -> tuple[list[torch.Tensor], int]:
    """Mean-field posterior (μ_1, …, μ_L) of the hidden layers given v, and the sweeps used.

    Layers are updated one after another (each update is the exact maximiser of the
    variational bound over that layer given the others, so the bound never decreases),
    until no μ moves by more than ``tolerance`` or ``iterations`` sweeps are done;
    ``tolerance=None`` runs exactly ``iterations`` sweeps, with no test (and so no host
    synchronisation) between them. The visible layer is clamped, so the first hidden
    layer's input from below, b_1 + vᵀW_1, is computed once, not once per sweep.
    """
    states = [v] + recognition_pass(v, params)
    clamped = bottom_up_input(states, params, 1)
    for sweep in range(1, iterations + 1):
        change = 0.0
        for layer in range(1, depth(params) + 1):
            new = layer_probabilities(states, params, layer, clamped if layer == 1 else None)
            if tolerance is not None:
                change = max(change, float((new - states[layer]).abs().max()))
            states[layer] = new
        if tolerance is not None and change < tolerance:
            return states[1:], sweep
    return states[1:], iterations


def variational_bound(v: torch.Tensor, mus: list[torch.Tensor], params: dict) -> torch.Tensor:
    """−E_q[E(v, h)] + H(q) for each row: log p(v) + log Z ≥ this, with equality iff q is the posterior."""
    states = [v] + list(mus)
    bound = v @ params["b0"]
    for layer in range(1, depth(params) + 1):
        mu = states[layer]
        bound = bound + ((states[layer - 1] @ params[f"W{layer}"]) * mu).sum(-1) + mu @ params[f"b{layer}"]
        clipped = mu.clamp(1e-12, 1 - 1e-12)
        bound = bound - (clipped * clipped.log() + (1 - clipped) * (1 - clipped).log()).sum(-1)
    return bound


def gibbs_sweep(states: list[torch.Tensor], params: dict, generator: torch.Generator) -> list[torch.Tensor]:
    """One block-Gibbs sweep: sample the odd layers given the even ones, then the even layers."""
    states = list(states)
    top = depth(params)
    for parity in (1, 0):
        for layer in range(parity, top + 1, 2):
            states[layer] = binary_sampling.sample(layer_probabilities(states, params, layer), generator)
    return states


def random_states(params: dict, n: int, generator: torch.Generator) -> list[torch.Tensor]:
    """n independent states with every unit on with probability ½."""
    device, dtype = params["W1"].device, params["W1"].dtype
    return [
        binary_sampling.sample(torch.full((n, size), 0.5, device=device, dtype=dtype), generator)
        for size in sizes(params)
    ]


def data_states(v: torch.Tensor, params: dict, generator: torch.Generator) -> list[torch.Tensor]:
    """States to start persistent chains from: the given visible rows (sampled if grey) and
    hidden states sampled from the recognition pass — near the data, as PCD starts its chains."""
    hidden = [binary_sampling.sample(mu, generator) for mu in recognition_pass(v, params)]
    return [binary_sampling.sample(v, generator)] + hidden


def statistics(states: list[torch.Tensor], weights: torch.Tensor | None = None) -> dict:
    """Sufficient statistics Σ_n w_n s_{l−1,n} s_{l,n}ᵀ and Σ_n w_n s_{l,n} (uniform weights by default)."""
    n = states[0].shape[0]
    w = torch.full((n,), 1.0 / n, device=states[0].device, dtype=states[0].dtype) if weights is None else weights
    out = {f"b{layer}": w @ state for layer, state in enumerate(states)}
    for layer in range(1, len(states)):
        out[f"W{layer}"] = (states[layer - 1] * w[:, None]).T @ states[layer]
    return out


def gradient(data: dict, model: dict) -> dict:
    """Ascent direction of the log-likelihood: data statistics − model statistics."""
    return {key: data[key] - model[key] for key in data}


def statistics_difference(data: list[torch.Tensor], model: list[torch.Tensor]) -> dict:
    """:func:`gradient` of the uniform :func:`statistics` of ``data`` and ``model`` states, each weight
    matrix formed by two products and no other pass over it (the model's product subtracted in place)."""
    n, m = data[0].shape[0], model[0].shape[0]
    out = {f"b{layer}": data[layer].mean(0) - model[layer].mean(0) for layer in range(len(data))}
    for layer in range(1, len(data)):
        zero = data[layer].new_zeros(())  # beta = 0: the product alone, scaled in the same pass
        pair = torch.addmm(zero, data[layer - 1].T, data[layer], beta=0.0, alpha=1.0 / n)
        out[f"W{layer}"] = pair.addmm_(model[layer - 1].T, model[layer], alpha=-1.0 / m)
    return out


def pretraining_scales(layer: int, n_layers: int) -> tuple[float, float]:
    """(up_scale, down_scale) of the modified RBM that pre-trains DBM layer ``layer`` (1…L)."""
    if n_layers == 1:
        return 1.0, 1.0
    up = 2.0 if layer < n_layers else 1.0  # the DBM layer above will also feed this hidden layer
    down = 2.0 if layer > 1 else 1.0  # the DBM layer below this RBM's visible layer feeds it too
    return up, down


def compose(rbms: list[dict]) -> dict:
    """The DBM read off a stack of pre-trained modified RBMs (see the module docstring)."""
    n_layers = len(rbms)
    params = {"b0": rbms[0]["b"].clone()}
    for layer, rbm in enumerate(rbms, start=1):
        params[f"W{layer}"] = rbm["W"].clone()
        params[f"b{layer}"] = rbm["c"].clone() if layer == n_layers else rbm["c"] + rbms[layer]["b"]
    return params


def chain_statistics_states(states: list[torch.Tensor], params: dict) -> list[torch.Tensor]:
    """What the model statistics are taken from, as the reference code does: the visible
    layer's binary states, each odd hidden layer's probability given its neighbours' binary
    states, then each even hidden layer's probability given those probabilities (for a
    2-layer DBM: v, p(h¹ | v, h²), σ(p(h¹)ᵀW₂ + b₂)). Less noisy than the binary states."""
    out = list(states)
    top = depth(params)
    for layer in range(1, top + 1, 2):
        out[layer] = layer_probabilities(states, params, layer)
    for layer in range(2, top + 1, 2):
        out[layer] = layer_probabilities(out, params, layer)
    return out


def sparsity_penalty(
    states: list[torch.Tensor], running_means: list[torch.Tensor], targets: list[float], cost: float
) -> dict:
    """The reference code's sparsity term (``dbm_mf.m``), to *subtract* from the ascent direction.

    ``states`` = [v, μ¹, …, μᴸ] of the data's positive phase. With g_l = cost · (running
    mean of layer l's activity − target_l) (g_0 = 0 for the visible layer), each hidden
    layer's total input is pushed towards its target through its bias and the weights on
    both its sides: Δb_l = g_l, ΔW_l = mean(s_{l−1}) g_lᵀ + g_{l−1} mean(s_l)ᵀ.
    """
    means = [state.mean(0) for state in states]
    g = [torch.zeros_like(means[0])] + [cost * (running_means[i] - targets[i]) for i in range(len(states) - 1)]
    out = {}
    for layer in range(1, len(states)):
        out[f"b{layer}"] = g[layer]
        out[f"W{layer}"] = torch.outer(means[layer - 1], g[layer]) + torch.outer(g[layer - 1], means[layer])
    return out


def subtract_sparsity_penalty(
    step: dict, states: list[torch.Tensor], running_means: list[torch.Tensor], targets: list[float], cost: float
) -> None:
    """``step`` minus :func:`sparsity_penalty`, in place: the weights' outer products added as rank-one updates."""
    means = [state.mean(0) for state in states]
    g = [None] + [cost * (running_means[i] - targets[i]) for i in range(len(states) - 1)]
    for layer in range(1, len(states)):
        step[f"b{layer}"] = step[f"b{layer}"] - g[layer]
        step[f"W{layer}"].addr_(means[layer - 1], g[layer], alpha=-1.0)
        if layer > 1:
            step[f"W{layer}"].addr_(g[layer - 1], means[layer], alpha=-1.0)


def layer_targets(targets: list[float], n_layers: int) -> list[float]:
    """One sparsity target per hidden layer: the given ones, the last repeated for deeper layers
    (the reference code has two layers: 0.2 and 0.1)."""
    if not targets:
        raise ValueError("sparsity targets: give at least one (or set the cost to 0)")
    return [targets[min(i, len(targets) - 1)] for i in range(n_layers)]


def sample(params: dict, n_samples: int, gibbs_steps: int, generator: torch.Generator) -> torch.Tensor:
    """Visible samples: ``gibbs_steps`` sweeps of chains started at random states, shown as p(v = 1 | h¹)."""
    return sample_at(params, n_samples, [gibbs_steps], generator)[gibbs_steps]


def sample_at(params: dict, n_samples: int, steps: list[int], generator: torch.Generator) -> dict[int, torch.Tensor]:
    """The same chains (started at random states) seen after each number of sweeps in ``steps``:
    {steps: p(v = 1 | h¹) of every chain}. An RBM is the 1-layer case ({"W1", "b0", "b1"})."""
    states = random_states(params, n_samples, generator)
    out, done = {}, 0
    for target in sorted(set(steps)):
        for _ in range(target - done):
            states = gibbs_sweep(states, params, generator)
        done = target
        out[target] = layer_probabilities(states, params, 0)
    return out


def pretrain(
    data: np.ndarray,
    hidden_sizes: list[int],
    rbm_training: dict,
    seed: int,
    device: torch.device,
    run_name: str = "DBM",
    checkpoint: EpochCheckpoint | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Greedy pre-training with the modified RBMs, composed into a DBM; per-epoch history of each RBM.

    Each RBM is trained (CD-k, settings ``rbm_training``) on the up-pass probabilities of
    the one below, computed with that RBM's own doubled bottom-up input. With
    ``sampled_states`` (the reference code) every mini-batch is a binary draw from those
    probabilities (from the grey levels for the first RBM) and reconstructions are
    sampled; ``k_rise_epochs`` raises k with the epoch for the RBMs above the first.

    With a ``checkpoint`` (the DBM's) pre-training resumes too: the RBM in training saves its
    state beside it (:func:`pretraining_checkpoint`, ``rbm<layer>``) when due, and each finished
    RBM is saved at once (``pretrained``), so a restarted job goes on inside the RBM it was
    training, with identical numbers. :func:`train_dbm` removes these files once its joint phase ends.
    """
    settings = dict(rbm_training)
    sampled = bool(settings.pop("sampled_states", False))
    k_rise = int(settings.pop("k_rise_epochs", 0))
    below = np.asarray(data, dtype=np.float32)
    rbms, histories = [], []
    finished = pretraining_checkpoint(checkpoint, "pretrained")
    saved = finished.load() if finished is not None else None
    for layer, n_hidden in enumerate(hidden_sizes, start=1):
        up, down = pretraining_scales(layer, len(hidden_sizes))
        if saved is not None and layer <= len(saved["rbms"]):  # trained before the restart
            params, history = saved["rbms"][layer - 1], pd.DataFrame(saved["histories"][layer - 1])
            remove(pretraining_checkpoint(checkpoint, f"rbm{layer}").path)  # left if killed between save and remove
            below = _up_pass(below, params, up, device)
            rbms.append(params)
            histories.append(history)
            continue
        in_training = pretraining_checkpoint(checkpoint, f"rbm{layer}")
        params, history = train_rbm(
            below,
            n_hidden=n_hidden,
            seed=seed + layer,
            device=device,
            run_name=f"{run_name} pre-training RBM {layer}",
            persistent=False,
            sample_visible=sampled,
            sampled_inputs=sampled,
            k_rise_epochs=k_rise if layer > 1 else 0,
            up_scale=up,
            down_scale=down,
            checkpoint=in_training,
            **settings,
        )
        history.insert(0, "layer", layer)
        histories.append(history)
        rbms.append(params)
        if finished is not None:  # saved before the RBM's own checkpoint goes: a kill in between loses nothing
            finished.save(
                {
                    "rbms": [{k: v.cpu() for k, v in rbm.items()} for rbm in rbms],
                    "histories": [h.to_dict("records") for h in histories],
                    "epoch": layer,
                    "history": [],
                }
            )
            remove(in_training.path)
        below = _up_pass(below, params, up, device)
    return compose(rbms), pd.concat(histories, ignore_index=True)


def _up_pass(below: np.ndarray, params: dict, up: float, device: torch.device) -> np.ndarray:
    """The next RBM's training data: the hidden probabilities of ``params`` given ``below``."""
    with torch.no_grad():
        return (
            hidden_probabilities(
                torch.as_tensor(below, device=device), {k: v.to(device) for k, v in params.items()}, up
            )
            .cpu()
            .numpy()
        )


def pretraining_checkpoint(checkpoint: EpochCheckpoint | None, part: str) -> EpochCheckpoint | None:
    """A checkpoint of one part of a DBM's pre-training, beside the DBM's own
    (``<name>.<part>.pt``), stamped with its fingerprint and code; None without one."""
    if checkpoint is None:
        return None
    return EpochCheckpoint(
        checkpoint.path.with_name(f"{checkpoint.path.stem}.{part}{checkpoint.path.suffix}"),
        f"{checkpoint.fingerprint} {part}",
        min_interval=checkpoint.min_interval,
        clock=checkpoint.clock,
        code=checkpoint.code,
        clear_on_finish=False,
    )


def learning_rate_at(update: int, learning_rate: float, rate_decay: float, min_learning_rate: float) -> float:
    """The reference code's rate for update ``update`` (0, 1, …): ε / decay^(update+1), not below the floor."""
    return max(learning_rate / rate_decay ** (update + 1), min_learning_rate)


def joint_update(
    v: torch.Tensor,
    params: dict,
    velocity: dict,
    fantasy: list[torch.Tensor],
    running: list[torch.Tensor],
    generator: torch.Generator,
    *,
    rate: float,
    momentum: float,
    weight_cost: float,
    targets: list[float],
    sparsity_cost: float,
    sparsity_damping: float,
    gibbs_steps: int,
    mean_field_iterations: int,
    sampled_inputs: bool,
    negative_statistics: str,
) -> tuple[list[torch.Tensor], list[torch.Tensor], int]:
    """One joint-training update of :func:`train_dbm` on the mini-batch ``v``, parameters and
    velocities changed in place; returns the chains' new states, the new running means of
    the hidden activities and the mean-field sweeps used."""
    if sampled_inputs:
        v = binary_sampling.sample(v, generator)
    # a fixed number of sweeps, untested: a training model's mean field uses all of them (measured: 10.0 of 10
    # in every epoch of the quick preset's runs), and the test cost a host synchronisation per layer and sweep
    mus, used = mean_field(v, params, mean_field_iterations, tolerance=None)
    for _ in range(gibbs_steps):
        fantasy = gibbs_sweep(fantasy, params, generator)
    negative = chain_statistics_states(fantasy, params) if negative_statistics == "probabilities" else fantasy
    step = statistics_difference([v] + mus, negative)
    if sparsity_cost > 0:
        running = [sparsity_damping * m + (1 - sparsity_damping) * mu.mean(0) for m, mu in zip(running, mus)]
        subtract_sparsity_penalty(step, [v] + mus, running, targets, sparsity_cost)
    momentum_step(params, velocity, step, momentum, rate, weight_cost)
    return fantasy, running, used


def train_dbm(
    data: np.ndarray,
    hidden_sizes: list[int],
    pretraining: dict,
    epochs: int,
    learning_rate: float,
    rate_decay: float,
    min_learning_rate: float,
    initial_momentum: float,
    final_momentum: float,
    momentum_switch_update: int,
    weight_cost: float,
    sparsity_targets: list[float],
    sparsity_cost: float,
    sparsity_damping: float,
    batch_size: int,
    particles: int,
    gibbs_steps: int,
    mean_field_iterations: int,
    sampled_inputs: bool,
    negative_statistics: str,
    seed: int,
    device: torch.device,
    run_name: str = "DBM",
    checkpoint: EpochCheckpoint | None = None,
    on_epoch=None,
) -> tuple[dict, pd.DataFrame]:
    """Pre-train a DBM (:func:`pretrain`) and train it jointly (S&H 2009, Algorithm 1), as
    Salakhutdinov's reference code (``dbm_mf.m``) does.

    ``data``: grey levels in [0, 1]. Per mini-batch: the batch (a fresh binary draw when
    ``sampled_inputs``), its mean-field posterior, ``gibbs_steps`` sweeps of the
    ``particles`` persistent chains, and a momentum step on data − model statistics
    (model statistics from the chains' probabilities when ``negative_statistics`` is
    ``probabilities``, from their binary states when ``states``) with L2 weight cost on
    the W and the sparsity penalty (:func:`sparsity_penalty`; running means start at the
    targets). The rate of update u is :func:`learning_rate_at`; momentum switches after
    ``momentum_switch_update`` updates. Returns the parameters and one history row per
    epoch (pre-training RBMs first, ``phase`` says which). ``on_epoch(epoch, params)``
    is called after pre-training (epoch 0) and after every joint epoch (snapshots, for long runs).

    With a ``checkpoint`` the joint phase saves its full state when the checkpoint is due; a
    restarted job resumes there with identical numbers and skips pre-training (whose
    result is part of that state). Pre-training resumes as well (:func:`pretrain`).
    """
    if negative_statistics not in ("probabilities", "states"):
        raise ValueError(
            f"{run_name}: negative_statistics must be 'probabilities' or 'states', got {negative_statistics!r}"
        )
    x = torch.as_tensor(np.asarray(data, dtype=np.float32), device=device)
    n = x.shape[0]
    if batch_size > n:
        raise ValueError(f"{run_name}: batch_size {batch_size} exceeds the {n} training examples")
    targets = layer_targets(sparsity_targets, len(hidden_sizes))
    gen = make_generator(seed, device)
    run = TrainingRun(run_name, checkpoint)
    state = run.resume()
    if state is None:
        params, pre_history = pretrain(data, hidden_sizes, pretraining, seed, device, run_name, checkpoint)
        params = {k: v.to(device) for k, v in params.items()}
        pre_history = pre_history.assign(phase="pre-training")
        velocity = {k: torch.zeros_like(v) for k, v in params.items()}
        fantasy = data_states(x[torch.randperm(n, generator=gen, device=device)[:particles]], params, gen)
        running = [torch.full((size,), target, device=device) for size, target in zip(hidden_sizes, targets)]
        run.history = pre_history.to_dict("records")
    else:
        params = {k: v.to(device) for k, v in state["params"].items()}
        velocity = {k: v.to(device) for k, v in state["velocity"].items()}
        fantasy = [s.to(device) for s in state["fantasy"]]
        running = [m.to(device) for m in state["running_means"]]
        gen.set_state(state["generator"])
    where = describe(device)
    n_batches = n // batch_size
    if on_epoch is not None and run.start_epoch == 0:
        on_epoch(0, {k: v.cpu() for k, v in params.items()})
    for epoch in run.epochs(epochs):
        started = time.perf_counter()
        order = torch.randperm(n, generator=gen, device=device)
        sweeps_used = 0
        for batch in run.batches(n_batches, f"epoch {epoch}/{epochs}"):
            update = (epoch - 1) * n_batches + batch
            rate = learning_rate_at(update, learning_rate, rate_decay, min_learning_rate)
            momentum = initial_momentum if update < momentum_switch_update else final_momentum
            v = x[order[batch * batch_size : (batch + 1) * batch_size]]
            with torch.no_grad():
                fantasy, running, used = joint_update(
                    v,
                    params,
                    velocity,
                    fantasy,
                    running,
                    gen,
                    rate=rate,
                    momentum=momentum,
                    weight_cost=weight_cost,
                    targets=targets,
                    sparsity_cost=sparsity_cost,
                    sparsity_damping=sparsity_damping,
                    gibbs_steps=gibbs_steps,
                    mean_field_iterations=mean_field_iterations,
                    sampled_inputs=sampled_inputs,
                    negative_statistics=negative_statistics,
                )
                sweeps_used += used
        run.check_finite(params.values(), f"epoch {epoch}")  # once per epoch: a NaN stays a NaN until then
        with torch.no_grad():
            monitor = x[:1000]
            mus, _ = mean_field(monitor, params, mean_field_iterations)
            reconstruction = torch.sigmoid(mus[0] @ params["W1"].T + params["b0"])
            error = float(((monitor - reconstruction) ** 2).sum(1).mean())
        row = {
            "phase": "joint",
            "layer": depth(params),
            "epoch": epoch,
            "reconstruction_error": error,
            "momentum": momentum,
            "learning_rate": rate,
            "mean_field_sweeps": sweeps_used / n_batches,
            **{f"mean_activity_h{l}": float(mu.mean()) for l, mu in enumerate(mus, start=1)},
            "seconds": time.perf_counter() - started,
            "device": where,
        }
        if on_epoch is not None:
            on_epoch(epoch, {k: v.cpu() for k, v in params.items()})
        run.record(
            row,
            f"joint epoch {epoch}/{epochs}: reconstruction error {error:.4f}, mean-field sweeps "
            f"{row['mean_field_sweeps']:.1f}, rate {rate:.2e}, momentum {momentum} ({row['seconds']:.2f} s, {where})",
            lambda fantasy=fantasy, running=running: {
                "params": {k: v.cpu() for k, v in params.items()},
                "velocity": {k: v.cpu() for k, v in velocity.items()},
                "fantasy": [s.cpu() for s in fantasy],
                "running_means": [m.cpu() for m in running],
                "generator": gen.get_state(),
            },
        )
    finished = pretraining_checkpoint(checkpoint, "pretrained")
    if finished is not None:  # the joint state now holds what pre-training made
        remove(finished.path)
    return {k: v.cpu() for k, v in params.items()}, run.finish()


# ---------------------------------------------------------------- brute force, for tests on tiny DBMs


def all_states(layer_sizes: list[int], dtype=torch.float64) -> list[torch.Tensor]:
    """Every joint configuration of layers of the given sizes, as one tensor per layer (rows aligned)."""
    total = sum(layer_sizes)
    if total > 22:
        raise ValueError(f"enumerating 2^{total} states is too many (tiny DBMs only)")
    bits = torch.tensor(list(itertools.product((0.0, 1.0), repeat=total)), dtype=dtype)
    return list(torch.split(bits, layer_sizes, dim=1))


def energy(states: list[torch.Tensor], params: dict) -> torch.Tensor:
    """E(s) for each row."""
    out = -(states[0] @ params["b0"])
    for layer in range(1, depth(params) + 1):
        out = (
            out
            - ((states[layer - 1] @ params[f"W{layer}"]) * states[layer]).sum(-1)
            - states[layer] @ params[f"b{layer}"]
        )
    return out
