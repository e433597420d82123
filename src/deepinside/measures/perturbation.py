"""Output agreement under input perturbations along chosen directions (Mototake 2015, result 3).

Each image x is moved to x + ε d for unit directions d and growing sizes ε; the
agreement is whether the predicted class stays the one predicted for x. The directions
come from the data (:mod:`deepinside.measures.manifold_directions`).
"""

from __future__ import annotations

from typing import Callable

import torch


def agreement(
    predict: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    directions: torch.Tensor,
    magnitudes: torch.Tensor,
) -> torch.Tensor:
    """(N, D, M) booleans: does argmax predict(x_n + ε_m d_{n,d}) equal argmax predict(x_n)?

    ``x`` is (N, n_in), ``directions`` (N, D, n_in) (normalised here), ``magnitudes`` (M,)
    shared by every image or (N, M), one row of sizes per image.
    """
    unit = directions / directions.norm(dim=-1, keepdim=True)
    sizes = magnitudes[None, None, :, None] if magnitudes.dim() == 1 else magnitudes[:, None, :, None]
    with torch.no_grad():
        reference = predict(x).argmax(-1)  # N
        moved = x[:, None, None, :] + sizes * unit[:, :, None, :]
        n, d, m, n_in = moved.shape
        predicted = predict(moved.reshape(-1, n_in)).argmax(-1).reshape(n, d, m)
    return predicted == reference[:, None, None]
