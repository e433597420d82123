"""AlexNet (Krizhevsky et al. 2012), read as seven layer maps, on ImageNet or trained offline on digits.

Mototake 2015 numbers AlexNet's layers 1–7 as in DeCAF: the five convolution stages and
the two hidden fully connected layers. Here layer t is the output of the ReLU after
conv t (t = 1…5) and after fc6 / fc7 (t = 6, 7); the map input → layer t includes the
pooling between stages. Dropout is off (evaluation mode).

Two networks of that shape:

* ``imagenet`` — torchvision's AlexNet with its ImageNet weights (``IMAGENET1K_V1``,
  downloaded by torchvision with its hash checked): the talk's network (paper preset);
* ``mnist`` — :class:`DigitAlexNet`, the same layers in the same order at a fraction of
  the widths, trained in the pipeline on the MNIST digits we have offline. A fixed stem
  turns a 28×28 digit into a 3 × side × side input (bilinear upsampling, grey copied to
  three channels, ImageNet normalisation), so its Jacobians, like the DBN's, are taken
  with respect to the 784 pixels.

A weights file is ``{"architecture": {...}, "state": state dict}``; :func:`build` reads it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import torch

from deepinside.data.download import ChecksumError, file_digest

# torchvision is imported inside the functions: it costs seconds at start-up, and the
# pipeline's summary and plotting steps import this package without needing it.

LAYER_NAMES = ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7")
_FEATURE_RELU = {1: 1, 2: 4, 3: 7, 4: 9, 5: 11}  # index of the ReLU after conv t in model.features
_CLASSIFIER_RELU = {6: 2, 7: 5}


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
WIDTHS = (64, 192, 384, 256, 256, 4096)  # AlexNet's conv1-5 channels and fc6/fc7 units


class DigitAlexNet(torch.nn.Module):
    """AlexNet's layers (torchvision's order and indices) at ``width`` × its channels, for 28×28 digits."""

    def __init__(self, width: float = 0.25, side: int = 64, n_classes: int = 10):
        super().__init__()
        from torch import nn

        c1, c2, c3, c4, c5, fc = (max(1, round(n * width)) for n in WIDTHS)
        self.side = side
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, 11, stride=4, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(c1, c2, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(c2, c3, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c3, c4, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c4, c5, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(c5 * 36, fc),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(fc, fc),
            nn.ReLU(),
            nn.Linear(fc, n_classes),
        )
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1))
        self.to(memory_format=torch.channels_last)  # oneDNN's fast convolutions on the CPU (1.4× a training step)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        """Digits (N, 784) or (N, 1, 28, 28) in [0, 1] → (N, 3, side, side), ImageNet-normalised."""
        x = torch.nn.functional.interpolate(
            x.reshape(-1, 1, 28, 28), size=(self.side, self.side), mode="bilinear", align_corners=False
        )
        return (x.expand(-1, 3, -1, -1) - self.mean) / self.std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(self.stem(x))), 1))


def digit_network(width: float, side: int, generator: torch.Generator) -> DigitAlexNet:
    """A :class:`DigitAlexNet` with PyTorch's default initialisation, drawn from ``generator``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
        return DigitAlexNet(width, side)


def imagenet_state(download_dir: str | os.PathLike) -> dict:
    """ImageNet weights, downloaded by torchvision into ``download_dir``, hash-checked, loaded without unpickling code.

    torchvision's file name carries the first hex digits of its SHA-256; torch checks them
    only when it downloads, so a file already in ``download_dir`` is checked here first.
    """
    from torchvision.models import AlexNet_Weights

    url = AlexNet_Weights.IMAGENET1K_V1.url
    cached = Path(download_dir) / Path(urlparse(url).path).name
    if cached.exists():
        prefix = re.search(r"-([0-9a-f]{8,})\.", cached.name).group(1)
        actual = file_digest(cached)
        if not actual.startswith(prefix):
            raise ChecksumError(
                f"{cached}: its SHA-256 is {actual}, but its name says it starts with {prefix}: "
                "a corrupt or foreign file; delete it to download it again"
            )
    state = torch.hub.load_state_dict_from_url(
        url,
        model_dir=os.fspath(download_dir),
        progress=True,
        check_hash=True,
        map_location="cpu",
        weights_only=True,  # a crafted file must not run code when loaded
    )
    return {"architecture": {"kind": "imagenet"}, "state": state}


def categories() -> list[str]:
    """The 1,000 ImageNet class names (shipped with torchvision, no download)."""
    from torchvision.models import AlexNet_Weights

    return list(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def untrained_twin(weights: dict, seed: int) -> dict:
    """A weights file of the same architecture at initialisation: the M6/M7 null (what the
    architecture and the input give without learning). For the MNIST-trained net it is that
    net's own initial state (the same seed's :func:`digit_network`); for ImageNet AlexNet,
    torchvision's initialisation drawn under ``seed``."""
    architecture = dict(weights["architecture"])
    if architecture["kind"] == "mnist":
        model = digit_network(architecture["width"], architecture["side"], torch.Generator().manual_seed(seed))
    elif architecture["kind"] == "imagenet":
        from torchvision.models import alexnet

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = alexnet(weights=None)
    else:
        raise ValueError(f"unknown AlexNet kind {architecture['kind']!r}")
    return {"architecture": architecture, "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}


def build(weights: dict, device: torch.device) -> torch.nn.Module:
    """The network of a weights file (see the module docstring), in evaluation mode, ReLUs not in place (for torch.func)."""
    architecture = weights["architecture"]
    if architecture["kind"] == "imagenet":
        from torchvision.models import alexnet

        model = alexnet(weights=None)
    elif architecture["kind"] == "mnist":
        model = DigitAlexNet(architecture["width"], architecture["side"])
    else:
        raise ValueError(f"unknown AlexNet kind {architecture['kind']!r}")
    model.load_state_dict(weights["state"])
    for module in model.modules():
        if hasattr(module, "inplace"):
            module.inplace = False
    return model.eval().to(device)


def layer_function(model: torch.nn.Module, layer: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """One unbatched input (a (3, H, W) picture, or 784 digit pixels) → activity of layer ``layer`` (1…7)."""
    stem = getattr(model, "stem", lambda z: z)
    if layer in _FEATURE_RELU:
        stop = _FEATURE_RELU[layer] + 1
        return lambda x: model.features[:stop](stem(x[None]))[0]
    if layer in _CLASSIFIER_RELU:
        stop = _CLASSIFIER_RELU[layer] + 1
        return lambda x: model.classifier[:stop](torch.flatten(model.avgpool(model.features(stem(x[None]))), 1))[0]
    raise ValueError(f"AlexNet layers are numbered 1-7, got {layer}")
