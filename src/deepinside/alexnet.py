"""AlexNet (Krizhevsky et al. 2012) as torchvision builds it, read as seven layer maps.

Mototake 2015 numbers AlexNet's layers 1–7 as in DeCAF: the five convolution stages and
the two hidden fully connected layers. Here layer t is the output of the ReLU after
conv t (t = 1…5) and after fc6 / fc7 (t = 6, 7); the map input → layer t includes the
pooling between stages. Dropout is off (evaluation mode).

Weights are either ImageNet's (torchvision's ``IMAGENET1K_V1``, downloaded by torchvision
with its hash checked) or a seeded random initialisation — the offline control.
"""

from __future__ import annotations

import os
from typing import Callable

import torch

# torchvision is imported inside the functions: it costs seconds at start-up, and the
# pipeline's summary and plotting steps import this package without needing it.

LAYER_NAMES = ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7")
_FEATURE_RELU = {1: 1, 2: 4, 3: 7, 4: 9, 5: 11}  # index of the ReLU after conv t in model.features
_CLASSIFIER_RELU = {6: 2, 7: 5}


def random_state(seed: int) -> dict:
    """State dict of a freshly initialised AlexNet (torchvision's init), reproducible from ``seed``."""
    from torchvision.models import alexnet

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = alexnet(weights=None)
    return {k: v.clone() for k, v in model.state_dict().items()}


def imagenet_state(download_dir: str | os.PathLike) -> dict:
    """ImageNet weights, downloaded by torchvision into ``download_dir`` and hash-checked."""
    from torchvision.models import AlexNet_Weights

    return torch.hub.load_state_dict_from_url(
        AlexNet_Weights.IMAGENET1K_V1.url, model_dir=os.fspath(download_dir), progress=True, check_hash=True, map_location="cpu"
    )


def categories() -> list[str]:
    """The 1,000 ImageNet class names (shipped with torchvision, no download)."""
    from torchvision.models import AlexNet_Weights

    return list(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def build(state: dict, device: torch.device) -> torch.nn.Module:
    """AlexNet with ``state`` loaded, in evaluation mode, ReLUs not in place (for torch.func)."""
    from torchvision.models import alexnet

    model = alexnet(weights=None)
    model.load_state_dict(state)
    for module in model.modules():
        if hasattr(module, "inplace"):
            module.inplace = False
    return model.eval().to(device)


def layer_function(model: torch.nn.Module, layer: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """x (3, H, W) → activity of layer ``layer`` (1…7), for one unbatched image."""
    if layer in _FEATURE_RELU:
        stop = _FEATURE_RELU[layer] + 1
        return lambda x: model.features[:stop](x[None])[0]
    if layer in _CLASSIFIER_RELU:
        stop = _CLASSIFIER_RELU[layer] + 1
        return lambda x: model.classifier[:stop](torch.flatten(model.avgpool(model.features(x[None])), 1))[0]
    raise ValueError(f"AlexNet layers are numbered 1-7, got {layer}")
