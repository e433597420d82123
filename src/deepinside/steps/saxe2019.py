"""Steps of the saxe2019 talk (seed 004): semantic development in deep linear networks.

Each function is one rule of ``workflow/rules/saxe2019.smk``: it takes arrays and
parameters and returns a dict of outputs (tables, arrays and the figure's claim rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepinside.data import hierarchy
from deepinside.data.images import to_grey
from deepinside.measures import representation_similarity
from deepinside.measures.curves import half_rise_times
from deepinside.pipeline import claims
from deepinside.theory import linear_dynamics, svd_modes

TALK = "saxe2019"


def hierarchy_svd() -> dict:
    """S1: SVD of Σyx for the four-item, seven-property world; modes vs hierarchy levels."""
    sigma_yx = hierarchy.item_property_matrix()
    u, s, vt = svd_modes.ordered_svd(sigma_yx)
    groups = svd_modes.group_degenerate(s)
    levels = hierarchy.hierarchy_levels_four_items()
    if len(groups) != len(levels):
        raise ValueError(f"expected {len(levels)} distinct singular values, found groups {groups}")
    alignment = [svd_modes.subspace_alignment(vt[g], basis) for g, basis in zip(groups, levels)]
    note = "alignment per level (living thing, animal/plant, items): " + ", ".join(f"{a:.4f}" for a in alignment)
    rows = [
        claims.claim(
            TALK,
            "S1",
            "the modes of Σyx are the levels of the hierarchy (min. cosine between each mode's item vectors and its level)",
            min(alignment),
            ">=",
            0.99,
            note + "; a check: the world is built from the hierarchy, so its SVD returns the levels by construction",
            kind="check",
        )
    ]
    return {
        "modes": {
            "sigma_yx": sigma_yx,
            "u": u,
            "s": s,
            "vt": vt,
            "items": np.array(hierarchy.ITEMS),
            "properties": np.array(hierarchy.PROPERTIES),
        },
        "claims": claims.table(rows),
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


def _matches_theory_claim(
    figure: str, simulated: np.ndarray, theory: np.ndarray, s: np.ndarray, how: str, kind: str = "claim", why: str = ""
) -> dict:
    error = np.abs(simulated - theory).max()
    return claims.claim(
        TALK,
        figure,
        f"simulation matches the {how} closed form (max |a_sim − a_theory| / s₁)",
        error / s.max(),
        "<=",
        0.05,
        f"max abs error {error:.3g}" + (f"; {why}" if why else ""),
        kind,
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
    t_half = half_rise_times(times, simulated)
    ordered = _fraction_ordered(s, t_half)
    rows = [
        _matches_theory_claim("S2", simulated, theory, s, "sigmoidal (deep)"),
        claims.claim(
            TALK,
            "S2",
            "stage-like learning: modes with larger singular value are learned first (fraction of mode pairs in order)",
            ordered,
            ">=",
            1.0,
            "half-learning times " + ", ".join(f"t{a + 1}={v:.2f}" for a, v in enumerate(t_half)),
        ),
    ]
    return {"trajectory": _trajectory_table(times, s, simulated, theory), "claims": claims.table(rows)}


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
    t_half = half_rise_times(times, simulated)
    rows = [
        _matches_theory_claim(
            "S3",
            simulated,
            theory,
            s,
            "exponential (shallow)",
            kind="check",
            why="a check: the closed form solves the very ODE the simulation integrates, for any start",
        ),
        claims.claim(
            TALK,
            "S3",
            "all modes start at once (latest / earliest half-learning time)",
            np.nanmax(t_half) / np.nanmin(t_half),
            "<=",
            1.1,
            "half-learning times "
            + ", ".join(f"t{a + 1}={v:.2f}" for a, v in enumerate(t_half))
            + "; a check: from small weights every mode of the shallow closed form rises as 1 − e^(−t/τ), "
            "so its half-time is τ ln 2 for every mode",
            kind="check",
        ),
    ]
    return {"trajectory": _trajectory_table(times, s, simulated, theory), "claims": claims.table(rows)}


def _fraction_ordered(s: np.ndarray, t_half: np.ndarray) -> float:
    """Fraction of mode pairs with s_α > s_β (strictly) whose half-times satisfy t_α < t_β."""
    pairs = [(a, b) for a in range(len(s)) for b in range(len(s)) if s[a] > s[b] * (1 + 1e-9)]
    if not pairs:
        raise ValueError("no two distinct singular values to order")
    return float(np.mean([t_half[a] < t_half[b] for a, b in pairs]))


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
    steps = np.diff(errors)
    rows = [
        claims.claim(
            TALK,
            "S4",
            "the approximation error falls with every added rank (largest rise of the error from rank r to r+1)",
            steps.max() if len(steps) else 0.0,
            "<=",
            0.0,
            "a check: the error of the best rank-r approximation is the tail sum of the squared singular values (Eckart–Young)",
            kind="check",
        ),
        claims.claim(
            TALK,
            "S4",
            f"rank {max_rank} error relative to rank 1 error",
            errors[-1] / errors[0],
            "<",
            1.0,
            f"relative Frobenius error {errors[0]:.3f} at rank 1, {errors[-1]:.3f} at rank {max_rank}; "
            "a check: true for any picture of rank above 1",
            kind="check",
        ),
    ]
    approximations = np.stack([svd_modes.low_rank_approximation(u, s, vt, r) for r in grid_ranks])
    return {
        "approximations": {"ranks": np.array(grid_ranks), "images": approximations, "original": grey},
        "errors": pd.DataFrame({"rank": ranks, "relative_error": errors, "singular_value": s[:max_rank]}),
        "claims": claims.table(rows),
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
    finite = t_half[np.isfinite(t_half)]
    in_order = len(finite) == len(t_half) and bool(np.all(np.diff(t_half) > 0))
    snapshot_times = np.concatenate([[0.0], np.where(np.isfinite(t_half), t_half, times[-1]), [times[-1]]])
    snapshot_index = np.searchsorted(times, snapshot_times).clip(0, len(times) - 1)
    rows = [
        claims.claim(
            TALK,
            "S5",
            "broad distinctions are learned before fine ones (levels whose half-learning time is later than the level above, fraction)",
            float(np.mean(np.diff(t_half) > 0)) if len(t_half) > 1 else float("nan"),
            ">=",
            1.0,
            ("in order" if in_order else "out of order")
            + ": "
            + ", ".join(f"depth {k} split at t={v:.2f}" for k, v in enumerate(t_half)),
        )
    ]
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
        "claims": claims.table(rows),
    }
