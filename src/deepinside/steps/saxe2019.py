"""Steps of the saxe2019 talk (Saxe, McClelland & Ganguli 2019): semantic development in deep linear networks.

Each function is one step of a saxe2019 figure's spec in ``workflow/figures.yaml``: it takes arrays and
parameters and returns a dict of outputs (tables and arrays). The claims are measured
from these outputs by :mod:`deepinside.steps.saxe2019_claims`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepinside.data import hierarchy
from deepinside.data.images import to_grey
from deepinside.measures import representation_similarity
from deepinside.measures.curves import half_rise_times
from deepinside.theory import linear_dynamics, svd_modes


def hierarchy_svd() -> dict:
    """S1: SVD of Σyx for the four-item, seven-property world; modes vs hierarchy levels."""
    sigma_yx = hierarchy.item_property_matrix()
    u, s, vt = svd_modes.ordered_svd(sigma_yx)
    groups = svd_modes.group_degenerate(s)
    if len(groups) != len(hierarchy.hierarchy_levels_four_items()):
        raise ValueError(f"expected one group of singular values per hierarchy level, found groups {groups}")
    return {
        "modes": {
            "sigma_yx": sigma_yx,
            "u": u,
            "s": s,
            "vt": vt,
            "items": np.array(hierarchy.ITEMS),
            "properties": np.array(hierarchy.PROPERTIES),
        }
    }


def _trajectory_table(times: np.ndarray, s: np.ndarray, simulated: np.ndarray, theory: np.ndarray) -> pd.DataFrame:
    n_times, n_modes = simulated.shape
    return pd.DataFrame(
        {
            "t": np.repeat(times, n_modes),
            "mode": np.tile(np.arange(1, n_modes + 1), n_times),
            "singular_value": np.tile(s, n_times),
            "simulation": simulated.ravel(),
            "theory": theory.ravel(),
        }
    )


def deep_dynamics(
    hidden_units: int, init_scale: float, tau: float, dt: float, t_max: float, record_every: int, seed: int
) -> dict:
    """S2: deep linear network from small random weights vs the sigmoidal closed form."""
    sigma_yx = hierarchy.item_property_matrix()
    n_out, n_in = sigma_yx.shape
    u, s, vt = svd_modes.ordered_svd(sigma_yx)
    rng = np.random.default_rng(seed)
    w1 = linear_dynamics.random_weights((hidden_units, n_in), init_scale, rng)
    w2 = linear_dynamics.random_weights((n_out, hidden_units), init_scale, rng)
    a0 = linear_dynamics.effective_initial_strength(w1, w2, u, vt)
    times, w1_t, w2_t = linear_dynamics.integrate_deep(
        sigma_yx, np.eye(n_in), w1, w2, tau, dt, int(round(t_max / dt)), record_every
    )
    simulated = linear_dynamics.mode_strengths(w2_t @ w1_t, u, vt)
    theory = linear_dynamics.deep_theory(s, a0, times, tau)
    return {"trajectory": _trajectory_table(times, s, simulated, theory)}


def shallow_dynamics(init_scale: float, tau: float, dt: float, t_max: float, record_every: int, seed: int) -> dict:
    """S3: shallow linear network vs the exponential closed form; all modes start at once."""
    sigma_yx = hierarchy.item_property_matrix()
    u, s, vt = svd_modes.ordered_svd(sigma_yx)
    rng = np.random.default_rng(seed)
    w = linear_dynamics.random_weights(sigma_yx.shape, init_scale, rng)
    a0 = linear_dynamics.mode_strengths(w[None], u, vt)[0]
    times, w_t = linear_dynamics.integrate_shallow(
        sigma_yx, np.eye(sigma_yx.shape[1]), w, tau, dt, int(round(t_max / dt)), record_every
    )
    simulated = linear_dynamics.mode_strengths(w_t, u, vt)
    theory = linear_dynamics.shallow_theory(s, a0, times, tau)
    return {"trajectory": _trajectory_table(times, s, simulated, theory)}


def low_rank(image: np.ndarray, max_rank: int, grid_ranks: list[int]) -> dict:
    """S4: rank-r SVD approximations of a picture and their relative Frobenius error."""
    grey = to_grey(image)
    if max_rank > min(grey.shape):
        raise ValueError(f"max_rank {max_rank} exceeds the image's smaller side {min(grey.shape)}")
    bad = [r for r in grid_ranks if not 1 <= r <= max_rank]
    if bad:
        raise ValueError(f"grid_ranks {bad} outside 1..max_rank={max_rank}")
    u, s, vt = svd_modes.ordered_svd(grey)
    errors = svd_modes.relative_error_by_rank(s, max_rank)
    ranks = np.arange(1, max_rank + 1)
    approximations = np.stack([svd_modes.low_rank_approximation(u, s, vt, r) for r in grid_ranks])
    return {
        "approximations": {"ranks": np.array(grid_ranks), "images": approximations, "original": grey},
        "errors": pd.DataFrame({"rank": ranks, "relative_error": errors, "singular_value": s[:max_rank]}),
    }


def branching_dataset(depth: int, branching: int, n_features: int, flip_prob: float, seed: int) -> dict:
    """S5 data: item features from a branching diffusion down a tree."""
    features = hierarchy.branching_diffusion(depth, branching, n_features, flip_prob, seed)
    return {"dataset": {"features": features, "lca_depth": hierarchy.tree_lca_depth(depth, branching)}}


def progressive_differentiation(
    dataset: dict,
    hidden_units: int,
    init_scale: float,
    tau: float,
    dt: float,
    t_max: float,
    record_every: int,
    seed: int,
) -> dict:
    """S5: train a deep linear net on the tree data; when does each level's distinction appear?

    Σx = I (one-hot items) and Σyx = features / √n_features, so the singular values stay
    of order one whatever the number of features.
    """
    features, lca = dataset["features"], dataset["lca_depth"]
    sigma_yx = features / np.sqrt(features.shape[0])
    n_out, n_items = sigma_yx.shape
    rng = np.random.default_rng(seed)
    w1 = linear_dynamics.random_weights((hidden_units, n_items), init_scale, rng)
    w2 = linear_dynamics.random_weights((n_out, hidden_units), init_scale, rng)
    times, w1_t, _ = linear_dynamics.integrate_deep(
        sigma_yx, np.eye(n_items), w1, w2, tau, dt, int(round(t_max / dt)), record_every
    )
    distinctions = representation_similarity.level_distinctions(w1_t, lca)
    t_half = half_rise_times(times, distinctions)
    snapshot_times = np.concatenate([[0.0], np.where(np.isfinite(t_half), t_half, times[-1]), [times[-1]]])
    snapshot_index = np.searchsorted(times, snapshot_times).clip(0, len(times) - 1)
    n_levels = distinctions.shape[1]
    table = pd.DataFrame(
        {
            "t": np.repeat(times, n_levels),
            "level": np.tile(np.arange(n_levels), len(times)),
            "distance": distinctions.ravel(),
            "half_time": np.tile(t_half, len(times)),
        }
    )
    return {
        "rsa": {
            "times": times[snapshot_index],
            "similarity": representation_similarity.similarity_matrix(w1_t[snapshot_index]),
            "lca_depth": lca,
        },
        "distinctions": table,
    }
