"""The feed-forward networks of the talks, as torch modules with explicit seeded initialisation.

* :class:`SigmoidMLP` — the fully connected net of Hinton & Salakhutdinov 2006 /
  Mototake 2015 (784-1000-1000-1000-10): logistic hidden units h(t+1) = σ(W(t) h(t) + B(t)),
  a linear output layer read through a softmax. It can be initialised from a stack of
  RBMs (pre-training) or at random.
* :class:`LeNet` — a LeNet-style CNN for MNIST (conv 5×5×20, max-pool, conv 5×5×50,
  max-pool, fully connected 500, ReLU, 10), the practice section of Okatani & Saito 2013.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def init_uniform_(layer: nn.Module, generator: torch.Generator) -> None:
    """Weights and biases ~ U(±1/√fan_in): LeCun's rule, also PyTorch's default, made seedable."""
    fan_in = layer.weight[0].numel()
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


class SigmoidMLP(nn.Module):
    """Fully connected net with logistic hidden layers and a linear (softmax) output."""

    def __init__(self, sizes: list[int]):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least input and output sizes, got {sizes}")
        self.sizes = list(sizes)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Activities of every hidden layer h(1), …, h(L−1)."""
        out = []
        for layer in self.layers[:-1]:
            x = torch.sigmoid(layer(x))
            out.append(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = torch.sigmoid(layer(x))
        return self.layers[-1](x)


def init_xavier_(layer: nn.Linear, generator: torch.Generator) -> None:
    """W ~ U(±√(6 / (fan_in + fan_out))), b = 0: Glorot & Bengio 2010 (eq. 16), the
    "normalised initialisation" designed for deep sigmoid/tanh nets."""
    bound = math.sqrt(6.0 / (layer.in_features + layer.out_features))
    with torch.no_grad():
        nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
        layer.bias.zero_()


RANDOM_INITS = {"xavier": init_xavier_, "lecun": init_uniform_}


def random_mlp(sizes: list[int], generator: torch.Generator, scheme: str = "xavier") -> SigmoidMLP:
    """A randomly initialised :class:`SigmoidMLP`: ``xavier`` (Glorot & Bengio 2010) or
    ``lecun`` (U(±1/√fan_in)). Deep sigmoid nets from ``lecun`` start on a long plateau."""
    if scheme not in RANDOM_INITS:
        raise ValueError(f"random init must be one of {sorted(RANDOM_INITS)}, got {scheme!r}")
    model = SigmoidMLP(sizes)
    for layer in model.layers:
        RANDOM_INITS[scheme](layer, generator)
    return model


def mlp_from_rbms(rbms: list[dict], n_classes: int, generator: torch.Generator) -> SigmoidMLP:
    """Hidden layers copied from pre-trained RBMs (W → weight, c → bias), output layer random."""
    sizes = [rbms[0]["W"].shape[0]] + [params["W"].shape[1] for params in rbms] + [n_classes]
    model = SigmoidMLP(sizes)
    with torch.no_grad():
        for layer, params in zip(model.layers, rbms):
            if layer.weight.shape != params["W"].T.shape:
                raise ValueError(
                    f"RBM of shape {tuple(params['W'].shape)} does not fit layer {tuple(layer.weight.shape)}"
                )
            layer.weight.copy_(params["W"].T)
            layer.bias.copy_(params["c"])
    init_uniform_(model.layers[-1], generator)
    return model


class LeNet(nn.Module):
    """LeNet-style CNN for 28×28 grey images."""

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, n_classes)
        # channels-last convolution weights: oneDNN's fast path on the CPU (a training step
        # of a batch of 64 takes half the time of the default layout); the same function
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, 1, 28, 28)
        x = nn.functional.max_pool2d(self.conv1(x), 2)
        x = nn.functional.max_pool2d(self.conv2(x), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def lenet(generator: torch.Generator, n_classes: int = 10) -> LeNet:
    model = LeNet(n_classes)
    for layer in (model.conv1, model.conv2, model.fc1, model.fc2):
        init_uniform_(layer, generator)
    return model
