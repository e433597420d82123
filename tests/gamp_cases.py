"""Problem instances of the margin model and batched GAMP on them, shared by the GAMP tests."""

import numpy as np
import torch

from deepinside.data import gap_data
from deepinside.theory import margin_gamp


def instance(rng: np.random.Generator, size: int, kappa: float, unlabelled: int, labelled: int):
    """A teacher, a pool of unlabelled inputs, labelled inputs and their labels (drawn in that order)."""
    teacher = gap_data.teacher(size, rng)
    pool = gap_data.inputs(unlabelled, teacher, kappa, rng)
    x = gap_data.inputs(labelled, teacher, kappa, rng)
    return teacher, pool, x, gap_data.labels(x, teacher)


def batch(pool, labelled, y, kappa, n_u, n_l, starts, teacher, device="cpu", **settings):
    """``margin_gamp.run_batch`` on numpy arrays, as float64 tensors on ``device``."""
    t = lambda a: torch.as_tensor(np.asarray(a, dtype=float), device=device)
    return margin_gamp.run_batch(t(pool), t(labelled), t(y), kappa, n_u, n_l, t(starts), t(teacher), **settings)
