"""Claim values of the saxe2019 talk, read off the saved modes, trajectories and errors.

Kept apart from :mod:`deepinside.steps.saxe2019` (which integrates the networks) so that
editing how a claim is measured re-runs these light steps only. The statements and
thresholds are in each figure's spec, ``workflow/figures.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepinside.claims import values
from deepinside.data import hierarchy
from deepinside.measures.curves import half_rise_times
from deepinside.theory import svd_modes


def hierarchy_modes(modes: dict) -> dict:
    """S1: the smallest cosine between each group of modes' item vectors and its hierarchy level."""
    groups = svd_modes.group_degenerate(np.asarray(modes["s"]))
    levels = hierarchy.hierarchy_levels_four_items()
    if len(groups) != len(levels):
        raise ValueError(f"expected {len(levels)} distinct singular values, found groups {groups}")
    alignment = [svd_modes.subspace_alignment(np.asarray(modes["vt"])[g], basis) for g, basis in zip(groups, levels)]
    note = "alignment per level (living thing, animal/plant, items): " + ", ".join(f"{a:.4f}" for a in alignment)
    return {"claims": values.table([values.value("levels", min(alignment), note=note)])}


def _curves(trajectory: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Times, singular values, simulated and theoretical mode strengths (times × modes)."""
    sim = trajectory.pivot(index="t", columns="mode", values="simulation").sort_index()
    theory = trajectory.pivot(index="t", columns="mode", values="theory").sort_index()
    s = trajectory.drop_duplicates("mode").sort_values("mode")["singular_value"].to_numpy()
    return sim.index.to_numpy(), s, sim.to_numpy(), theory.to_numpy()


def _theory_match(simulated: np.ndarray, theory: np.ndarray, s: np.ndarray) -> dict:
    error = float(np.abs(simulated - theory).max())
    return values.value("matches_theory", error / s.max(), note=f"max abs error {error:.3g}")


def _half_times(t_half) -> str:
    return ", ".join(f"t{a + 1}={v:.2f}" for a, v in enumerate(t_half))


def deep_modes(trajectory: pd.DataFrame) -> dict:
    """S2: the simulation against the sigmoidal closed form; modes learned in the order of their singular value."""
    times, s, simulated, theory = _curves(trajectory)
    t_half = half_rise_times(times, simulated)
    pairs = [(a, b) for a in range(len(s)) for b in range(len(s)) if s[a] > s[b] * (1 + 1e-9)]
    if not pairs:
        raise ValueError("no two distinct singular values to order")
    ordered = float(np.mean([t_half[a] < t_half[b] for a, b in pairs]))
    # the null: modes learned in an order unrelated to s, i.e. each pair in order with probability 1/2
    rows = [
        _theory_match(simulated, theory, s),
        values.value("stage_like", ordered, null=0.5, note="half-learning times " + _half_times(t_half)),
    ]
    return {"claims": values.table(rows)}


def shallow_modes(trajectory: pd.DataFrame) -> dict:
    """S3: the simulation against the exponential closed form; all modes start at once."""
    times, s, simulated, theory = _curves(trajectory)
    t_half = half_rise_times(times, simulated)
    rows = [
        _theory_match(simulated, theory, s),
        values.value(
            "all_at_once",
            np.nanmax(t_half) / np.nanmin(t_half),
            note="half-learning times " + _half_times(t_half),
        ),
    ]
    return {"claims": values.table(rows)}


def low_rank_errors(errors: pd.DataFrame) -> dict:
    """S4: the error falls with every added rank; the largest rank's error against rank 1's."""
    e = errors.sort_values("rank")["relative_error"].to_numpy()
    max_rank = int(errors["rank"].max())
    steps = np.diff(e)
    rows = [
        values.value("falls", steps.max() if len(steps) else 0.0),
        values.value(
            "last_over_first",
            e[-1] / e[0],
            note=f"relative Frobenius error {e[0]:.3f} at rank 1, {e[-1]:.3f} at rank {max_rank}",
            max_rank=max_rank,
        ),
    ]
    return {"claims": values.table(rows)}


def differentiation_order(distinctions: pd.DataFrame) -> dict:
    """S5: the fraction of tree levels whose distinction appears after the level above it."""
    t_half = distinctions.drop_duplicates("level").sort_values("level")["half_time"].to_numpy()
    finite = np.isfinite(t_half)
    in_order = bool(finite.all() and np.all(np.diff(t_half) > 0))
    fraction = float(np.mean(np.diff(t_half) > 0)) if len(t_half) > 1 else float("nan")
    note = (
        ("in order" if in_order else "out of order")
        + ": "
        + ", ".join(f"depth {k} split at t={v:.2f}" for k, v in enumerate(t_half))
    )
    # the null: levels appearing in random order, each consecutive pair in order with probability 1/2
    return {"claims": values.table([values.value("broad_first", fraction, null=0.5, note=note)])}
