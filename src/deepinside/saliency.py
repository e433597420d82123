"""Input saliency: where in the image a network's output is sensitive (Simonyan et al. 2014).

The saliency of pixel (i, j) for a scalar output y is max over colour channels of
|∂y/∂x_{c,i,j}|. Raw gradients are speckled from pixel to pixel, so the map is smoothed
with a Gaussian before the salient region — the given fraction of pixels with the
largest saliency — is taken.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch


def gradient_saliency(scalar: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> np.ndarray:
    """(H, W) map of max_c |∂ scalar(x) / ∂x_c| for an image x of shape (C, H, W)."""
    gradient = torch.func.grad(scalar)(x)
    return gradient.abs().amax(0).detach().cpu().numpy()


def smooth(saliency: np.ndarray, sigma: float) -> np.ndarray:
    """The saliency map blurred by a Gaussian of standard deviation ``sigma`` pixels."""
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(np.asarray(saliency, dtype=float), sigma=sigma)


def top_fraction_mask(saliency: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask of the ``fraction`` most salient pixels."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    threshold = np.quantile(saliency, 1.0 - fraction)
    return saliency >= threshold
