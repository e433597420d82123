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

The batched trainer does not use autograd or ``torch.optim``: for this tiny MLP the
per-step cost is the launch overhead of many small kernels, not arithmetic. All
parameters live in one flat buffer (each layer's stacked weights and biases are views of
it), the backward pass is written out (δ = softmax − one-hot over the batch size;
∂W = hᵀδ; δ ← δWᵀ ⊙ act′), and one Adam update with exactly torch.optim.Adam's
arithmetic runs over the whole buffer: a step is about 6 kernels per layer plus a
handful for Adam and the gradient statistics, whatever the depth.

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

from deepinside.models.training import TrainingRun

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}
MINUS_ONE = torch.tensor(-1.0)  # a 0-d constant: torch.add(MINUS_ONE, s, alpha=2) is 2s − 1 in one pass


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
    """Activities of every layer (hidden ones through ``activation``, the last = logits),
    each laid out units × batch: (E, units, B).

    ``x`` is (E, B, n_in); weights (E, n_in, n_out); biases (E, n_out). With the batch as
    the long, contiguous axis, the batched products of these tiny matrices and the
    softmax over the few output units run 3–10× faster than in the (E, B, units) layout.
    tanh is computed as 2σ(2z) − 1, the 2z from the product itself: the same function,
    three times faster than torch.tanh on this CPU build (float32 results differ by about
    one rounding unit).
    """
    out, h = [], x.transpose(1, 2)
    last = len(params) - 1
    for i, (weight, bias) in enumerate(params):
        if i < last and activation == "tanh":
            h = torch.baddbmm(bias[:, :, None], weight.transpose(1, 2), h, beta=2.0, alpha=2.0).sigmoid_()
            torch.add(MINUS_ONE, h, alpha=2.0, out=h)
        else:
            h = torch.baddbmm(bias[:, :, None], weight.transpose(1, 2), h)
            if i < last:
                h.relu_()
        out.append(h)
    return out


class FlatParameters:
    """The stacked weights (E, n_in, n_out) and biases (E, n_out) of every layer as views
    of one flat buffer, with a gradient buffer of the same layout."""

    def __init__(self, layers: list[tuple[torch.Tensor, torch.Tensor]]):
        self.shapes = [(weight.shape, bias.shape) for weight, bias in layers]
        self.data = torch.cat([t.reshape(-1) for pair in layers for t in pair])
        self.grad = torch.zeros_like(self.data)
        self.params = self.views(self.data)
        self.grads = self.views(self.grad)

    def views(self, buffer: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(weight, bias) of each layer as views of a buffer laid out like ``data``."""
        out, offset = [], 0
        for weight_shape, bias_shape in self.shapes:
            n_weight, n_bias = weight_shape.numel(), bias_shape.numel()
            out.append(
                (
                    buffer[offset : offset + n_weight].view(weight_shape),
                    buffer[offset + n_weight : offset + n_weight + n_bias].view(bias_shape),
                )
            )
            offset += n_weight + n_bias
        if offset != buffer.numel():
            raise ValueError(f"buffer of {buffer.numel()} values, the layers hold {offset}")
        return out


class FlatAdam:
    """torch.optim.Adam (no weight decay, no amsgrad) on one flat buffer, same arithmetic."""

    def __init__(self, flat: FlatParameters, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.flat, self.lr, self.betas, self.eps = flat, lr, betas, eps
        self.exp_avg = torch.zeros_like(flat.data)
        self.exp_avg_sq = torch.zeros_like(flat.data)
        self.denom = torch.empty_like(flat.data)
        self.steps = 0

    def step(self) -> None:
        beta1, beta2 = self.betas
        grad = self.flat.grad
        self.steps += 1
        self.exp_avg.lerp_(grad, 1 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step_size = self.lr / (1 - beta1**self.steps)
        torch.sqrt(self.exp_avg_sq, out=self.denom)
        self.denom.div_((1 - beta2**self.steps) ** 0.5).add_(self.eps)
        self.flat.data.addcdiv_(self.exp_avg, self.denom, value=-step_size)


def forward_backward(flat: FlatParameters, x: torch.Tensor, targets: torch.Tensor, activation: str) -> None:
    """Fill ``flat.grad`` with ∂/∂θ of Σ_e mean_b cross-entropy, for x (E, B, n_in), targets (E, B).

    The activities are :func:`forward`'s (units × batch); the input stays (E, B, n_in), its
    rows picked per batch, so its weight gradient is computed as (δ x)ᵀ, the product MKL
    runs fast for that layout.
    """
    activities = [x] + forward(flat.params, x, activation)
    last = len(flat.params) - 1
    delta = torch.softmax(activities[-1], dim=1)
    delta.scatter_add_(1, targets[:, None, :], torch.full_like(delta[:, :1, :], -1.0))
    delta.div_(x.shape[1])
    for i in range(last, -1, -1):
        below = activities[i]
        grad_w, grad_b = flat.grads[i]
        if i:
            torch.bmm(below, delta.transpose(1, 2), out=grad_w)
        else:
            grad_w.copy_(torch.bmm(delta, below).transpose(1, 2))
        torch.sum(delta, dim=2, out=grad_b)
        if i:
            delta = torch.bmm(flat.params[i][0], delta)
            if activation == "tanh":  # δ ⊙ (1 − h²) = δ − (δ ⊙ h) ⊙ h
                delta.addcmul_(delta * below, below, value=-1.0)
            else:
                delta.mul_(below > 0)


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
    flat = FlatParameters(
        [
            (
                torch.stack([layers[e * n_layers + l][0] for e in range(n_members)]),
                torch.stack([layers[e * n_layers + l][1] for e in range(n_members)]),
            )
            for l in range(n_layers)
        ]
    )
    params = flat.params
    subsets = torch.stack([training_subset(n_patterns, fraction, g) for g in generators])  # (E, n_train)
    masks = torch.zeros(n_members, n_patterns, dtype=torch.bool, device=device)
    masks.scatter_(1, subsets, True)
    optimiser = FlatAdam(flat, learning_rate)
    n_train = subsets.shape[1]
    batch = min(batch_size, n_train)
    record = set(int(e) for e in record_epochs)
    activity, losses, gradients = [], [], []
    members = torch.arange(n_members, device=device)

    def snapshot(epoch: int) -> None:
        with torch.no_grad():
            outs = forward(params, inputs.expand(n_members, -1, -1), activation)  # (E, units, P)
            activity.append([o.transpose(1, 2).to(torch.float16).cpu().numpy() for o in outs[:-1]])
            per_pattern = torch.nn.functional.cross_entropy(outs[-1], targets.expand(n_members, -1), reduction="none")
            correct = (outs[-1].argmax(1) == targets).float()
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
    run = TrainingRun(run_name)  # no checkpoint: a whole run takes minutes
    for epoch in run.epoch_bar(epochs):
        orders = torch.stack([torch.randperm(n_train, generator=g, device=device) for g in generators])
        order = torch.gather(subsets, 1, orders)
        grad_sum = torch.zeros_like(flat.grad)  # the layers' weight gradients are views of these
        grad_squares = torch.zeros_like(flat.grad)
        n_batches = 0
        flat_order = order.reshape(-1)
        epoch_inputs = inputs.index_select(0, flat_order).view(n_members, n_train, -1)  # this epoch's order
        epoch_targets = targets.index_select(0, flat_order).view(n_members, n_train)
        for first in range(0, n_train, batch):
            forward_backward(
                flat, epoch_inputs[:, first : first + batch], epoch_targets[:, first : first + batch], activation
            )
            grad_sum.add_(flat.grad)
            grad_squares.addcmul_(flat.grad, flat.grad)
            optimiser.step()
            n_batches += 1
        run.check_finite([flat.data], f"epoch {epoch}")
        sums = [w for w, _ in flat.views(grad_sum)]
        squares = [w for w, _ in flat.views(grad_squares)]
        for l in range(n_layers):
            mean = sums[l] / n_batches
            std = (squares[l] / n_batches - mean**2).clamp_min(0).sqrt()
            mean_norm = mean.flatten(1).norm(dim=1).cpu().numpy()
            std_norm = std.flatten(1).norm(dim=1).cpu().numpy()
            gradients.extend(
                {
                    "member": e,
                    "epoch": epoch,
                    "layer": l + 1,
                    "mean_norm": float(mean_norm[e]),
                    "std_norm": float(std_norm[e]),
                }
                for e in members.tolist()
            )
        if epoch in record:
            snapshot(epoch)
    print(
        f"[{run_name}] {n_members} networks × {epochs} epochs in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )
    return {
        "params": [(w.clone().cpu(), b.clone().cpu()) for w, b in params],
        "train_masks": masks.cpu().numpy(),
        "activity": activity,
        "losses": pd.DataFrame(losses),
        "gradients": pd.DataFrame(gradients),
    }


def train_single(
    x: np.ndarray,
    y: np.ndarray,
    sizes: list[int],
    activation: str,
    fraction: float,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    seed: int,
    member: int,
    device: torch.device,
    dtype: torch.dtype = torch.float32,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Reference: train member ``member`` of the ensemble alone, with plain tensors and its own Adam."""
    act = ACTIVATIONS[activation]
    inputs = torch.as_tensor(np.asarray(x), device=device, dtype=dtype)
    targets = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    g = member_generator(seed, member, device)
    params = [
        tuple(t.requires_grad_(True) for t in initial_layer(a, b, g, device, dtype))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
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
