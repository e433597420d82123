"""An ensemble of small fully connected networks trained as one batched program.

Shwartz-Ziv & Tishby 2017 average the information plane over many random
initialisations of a 12-10-7-5-4-3-2 network. Here the E networks are stacked: the
weights of layer l are one (E, n_in, n_out) tensor and every forward pass is a batched
matrix product, so one Adam step updates all networks at once. Member e has its own
random generator (seed + e) for its initial weights, its training subset and its
mini-batch order, and the loss is the sum of the members' mean cross-entropies, so the
gradient of each member's parameters is exactly its own — Adam is elementwise, hence
member e follows the same trajectory as the same network trained alone
(:func:`train_single`, the reference implementation used by tests and ``bench/``).

Per epoch the trainer records each layer's gradient signal and noise (Shwartz-Ziv &
Tishby 2017, Fig. 4): over the epoch's mini-batches, m = ‖mean of ∂E/∂W‖_F and
s = ‖per-weight standard deviation of ∂E/∂W‖_F. At the requested epochs it records the
activity of every layer for all inputs, and the train / test loss and accuracy.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


def member_generator(seed: int, member: int, device) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(int(seed) + int(member))


def initial_layer(
    fan_in: int, fan_out: int, generator: torch.Generator, device, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor]:
    """W ~ N(0, 1/fan_in) truncated at two standard deviations, b = 0 (as the original code)."""
    std = 1.0 / np.sqrt(fan_in)
    weight = torch.empty(fan_in, fan_out, device=device, dtype=dtype)
    torch.nn.init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std, generator=generator)
    return weight, torch.zeros(fan_out, device=device, dtype=dtype)


def training_subset(n_patterns: int, fraction: float, generator: torch.Generator) -> torch.Tensor:
    """Sorted indices of the member's training patterns (the rest is its test set)."""
    n_train = int(round(fraction * n_patterns))
    if not 1 <= n_train < n_patterns:
        raise ValueError(f"train fraction {fraction} leaves no training or no test patterns")
    return torch.randperm(n_patterns, generator=generator, device=generator.device)[:n_train].sort().values


def forward(params: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor, activation: str) -> list[torch.Tensor]:
    """Activities of every layer (hidden ones through ``activation``, the last = logits).

    ``x`` is (E, B, n_in); weights (E, n_in, n_out); biases (E, n_out).
    """
    act = ACTIVATIONS[activation]
    out = []
    for i, (weight, bias) in enumerate(params):
        x = torch.baddbmm(bias[:, None, :], x, weight)
        if i < len(params) - 1:
            x = act(x)
        out.append(x)
    return out


def _member_losses(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each member: logits (E, B, 2), targets (E, B) → (E,)."""
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none").mean(1)


def train_ensemble(
    x: np.ndarray,
    y: np.ndarray,
    sizes: list[int],
    activation: str,
    n_members: int,
    fraction: float,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    record_epochs: list[int],
    seed: int,
    device: torch.device,
    run_name: str = "ensemble",
    dtype: torch.dtype = torch.float32,
) -> dict:
    """Train ``n_members`` networks of layer ``sizes`` on their own ``fraction`` of (x, y).

    ``dtype`` is float32 in the pipeline; tests compare with :func:`train_single` in
    float64, where rounding cannot flip a ReLU kink or an Adam step on a near-zero
    gradient (in float32 such a flip turns 1e-8 differences into 1e-5 within epochs).

    Returns ``params`` (final stacked weights), ``train_masks`` (E, P), ``activity``
    (a list over ``record_epochs`` of per-layer (E, P, units) float16 arrays), ``losses``
    (member, epoch, train/test loss and accuracy at ``record_epochs``) and ``gradients``
    (member, epoch, layer, mean_norm, std_norm, every epoch).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    inputs = torch.as_tensor(np.asarray(x), device=device, dtype=dtype)
    targets = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    n_patterns = len(targets)
    generators = [member_generator(seed, e, device) for e in range(n_members)]
    layers = [initial_layer(a, b, g, device, dtype) for g in generators for a, b in zip(sizes[:-1], sizes[1:])]
    n_layers = len(sizes) - 1
    params = [
        (
            torch.stack([layers[e * n_layers + l][0] for e in range(n_members)]).requires_grad_(True),
            torch.stack([layers[e * n_layers + l][1] for e in range(n_members)]).requires_grad_(True),
        )
        for l in range(n_layers)
    ]
    subsets = torch.stack([training_subset(n_patterns, fraction, g) for g in generators])  # (E, n_train)
    masks = torch.zeros(n_members, n_patterns, dtype=torch.bool, device=device)
    masks.scatter_(1, subsets, True)
    optimiser = torch.optim.Adam([t for pair in params for t in pair], lr=learning_rate)
    n_train = subsets.shape[1]
    batch = min(batch_size, n_train)
    record = set(int(e) for e in record_epochs)
    activity, losses, gradients = [], [], []
    members = torch.arange(n_members, device=device)

    def snapshot(epoch: int) -> None:
        with torch.no_grad():
            outs = forward(params, inputs.expand(n_members, -1, -1), activation)
            activity.append([o.to(torch.float16).cpu().numpy() for o in outs[:-1]])
            per_pattern = torch.nn.functional.cross_entropy(outs[-1].transpose(1, 2), targets.expand(n_members, -1), reduction="none")
            correct = (outs[-1].argmax(-1) == targets).float()
            for e in range(n_members):
                train, test = masks[e], ~masks[e]
                losses.append(
                    {
                        "member": e,
                        "epoch": epoch,
                        "train_loss": float(per_pattern[e, train].mean()),
                        "test_loss": float(per_pattern[e, test].mean()),
                        "train_accuracy": float(correct[e, train].mean()),
                        "test_accuracy": float(correct[e, test].mean()),
                    }
                )

    if 0 in record:
        snapshot(0)
    started = time.perf_counter()
    for epoch in tqdm(range(1, epochs + 1), desc=run_name, file=sys.stderr, mininterval=5):
        orders = torch.stack([torch.randperm(n_train, generator=g, device=device) for g in generators])
        order = torch.gather(subsets, 1, orders)
        sums = [torch.zeros_like(w) for w, _ in params]
        squares = [torch.zeros_like(w) for w, _ in params]
        n_batches = 0
        for first in range(0, n_train, batch):
            index = order[:, first : first + batch]  # (E, B)
            logits = forward(params, inputs[index], activation)[-1]
            loss = _member_losses(logits, targets[index]).sum()
            if not torch.isfinite(loss):
                raise FloatingPointError(f"{run_name}: loss became {float(loss.detach())} in epoch {epoch}")
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            for l, (weight, _) in enumerate(params):
                sums[l] += weight.grad
                squares[l] += weight.grad**2
            optimiser.step()
            n_batches += 1
        for l in range(n_layers):
            mean = sums[l] / n_batches
            std = (squares[l] / n_batches - mean**2).clamp_min(0).sqrt()
            mean_norm = mean.flatten(1).norm(dim=1).cpu().numpy()
            std_norm = std.flatten(1).norm(dim=1).cpu().numpy()
            gradients.extend(
                {"member": e, "epoch": epoch, "layer": l + 1, "mean_norm": float(mean_norm[e]), "std_norm": float(std_norm[e])}
                for e in members.tolist()
            )
        if epoch in record:
            snapshot(epoch)
    print(f"[{run_name}] {n_members} networks × {epochs} epochs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return {
        "params": [(w.detach().cpu(), b.detach().cpu()) for w, b in params],
        "train_masks": masks.cpu().numpy(),
        "activity": activity,
        "losses": pd.DataFrame(losses),
        "gradients": pd.DataFrame(gradients),
    }


def train_single(
    x: np.ndarray, y: np.ndarray, sizes: list[int], activation: str, fraction: float, epochs: int,
    learning_rate: float, batch_size: int, seed: int, member: int, device: torch.device,
    dtype: torch.dtype = torch.float32,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Reference: train member ``member`` of the ensemble alone, with plain tensors and its own Adam."""
    act = ACTIVATIONS[activation]
    inputs = torch.as_tensor(np.asarray(x), device=device, dtype=dtype)
    targets = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    g = member_generator(seed, member, device)
    params = [tuple(t.requires_grad_(True) for t in initial_layer(a, b, g, device, dtype)) for a, b in zip(sizes[:-1], sizes[1:])]
    subset = training_subset(len(targets), fraction, g)
    optimiser = torch.optim.Adam([t for pair in params for t in pair], lr=learning_rate)
    batch = min(batch_size, len(subset))
    for _ in range(epochs):
        order = subset[torch.randperm(len(subset), generator=g, device=device)]
        for first in range(0, len(subset), batch):
            index = order[first : first + batch]
            h = inputs[index]
            for i, (weight, bias) in enumerate(params):
                h = h @ weight + bias
                if i < len(params) - 1:
                    h = act(h)
            loss = torch.nn.functional.cross_entropy(h, targets[index])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return [(w.detach().cpu(), b.detach().cpu()) for w, b in params]
