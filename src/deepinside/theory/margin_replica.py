"""Replica-symmetric theory of margin pre-training and fine-tuning (the ohzeki2015 model, a reconstruction).

Model (``docs/talks/ohzeki2015_model.md``; Ohzeki 2015, J. Phys. Soc. Jpn. 84,
034003, whose body could not be consulted): a spherical student w, βN unlabelled inputs
that must fall outside the margin (|λ| ≥ κ, λ = w·x/√N), αN labelled ones that must fall
on their side (yλ ≥ κ), data with a gap κ around the teacher's boundary
(:mod:`deepinside.data.gap_data`). At the Bayes-optimal point (Nishimori) the student–student
overlap q equals the teacher–student overlap R, and with H(a) = ∫ₐ^∞ Dz, s = √(1−q):

    Z_U(t) = [H((κ − √q t)/s) + H((κ + √q t)/s)] / 2H(κ),   Z_L(t, y) = H((κ − y√q t)/s) / 2H(κ),
    φ(q) = ½[q + ln(1−q)] + β ∫Dt Z_U ln Z_U + α Σ_y ∫Dt Z_L ln Z_L              (free entropy)
    q/(1−q) = q̂,   q̂ = (1/q)[β ∫Dt (∂ₜZ_U)²/Z_U + α Σ_y ∫Dt (∂ₜZ_L)²/Z_L]     (fixed point)

and dφ/dq = ½[q̂ − q/(1−q)], so the fixed points are the stationary points of φ. The
equilibrium is the stable fixed point of largest φ; other stable fixed points are
metastable and end at spinodals. The Gibbs student's error on gap data is
ε(R) = H(κ)⁻¹ ∫_κ^∞ Du H(Ru/√(1−R²)) (arccos(R)/π at κ = 0). Without labels q = 0 loses
stability at β_c = 1/c₂², c₂ = κφ(κ)/H(κ).

The four integrals I_U, I_L (in q̂ = β I_U + α I_L) and J_U, J_L (in φ) depend on κ and q
only, so :class:`Channels` computes them once per κ and every (β, α) is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr

T_GRID = np.linspace(-12.0, 12.0, 6001)  # the Gaussian measure Dt on a fine uniform grid (trapezoid weights)
_DT = np.exp(-0.5 * T_GRID**2) / np.sqrt(2 * np.pi) * (T_GRID[1] - T_GRID[0])
_DT[[0, -1]] *= 0.5
Q_GRID = np.unique(np.concatenate([np.geomspace(1e-7, 0.5, 250), 1.0 - np.geomspace(1e-6, 0.5, 250)]))


def log_phi(a: np.ndarray) -> np.ndarray:
    return -0.5 * np.asarray(a) ** 2 - 0.5 * np.log(2 * np.pi)


def log_h(a: np.ndarray) -> np.ndarray:
    """log H(a) = log P(z > a), accurate in the far tail."""
    return log_ndtr(-np.asarray(a, dtype=float))


def c2(kappa: float) -> float:
    """E[u₀²] − 1 on gap data: κφ(κ)/H(κ)."""
    return float(kappa * np.exp(log_phi(kappa) - log_h(kappa)))


def critical_beta(kappa: float) -> float:
    """β_c = 1/c₂²: where q = 0 loses its stability without labels (∞ at κ = 0)."""
    c = c2(kappa)
    return np.inf if c == 0 else 1.0 / c**2


def generalisation_error(r: np.ndarray, kappa: float) -> np.ndarray:
    """ε(R) of a Gibbs student with teacher overlap R on gap data."""
    r = np.clip(np.atleast_1d(np.asarray(r, dtype=float)), -1.0, 1.0)
    u = np.linspace(kappa, kappa + 12.0, 4001)
    weights = np.exp(log_phi(u)) * (u[1] - u[0])
    weights[[0, -1]] *= 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = r[:, None] * u[None, :] / np.sqrt(1.0 - r[:, None] ** 2)
    tails = np.where(np.abs(r[:, None]) >= 1.0, np.where(r[:, None] > 0, 0.0, 1.0), ndtr(-ratio))
    return (tails @ weights) / ndtr(-kappa)


@dataclass(frozen=True)
class Channels:
    """The channel integrals of one gap κ, as functions of q (vectorised over q)."""

    kappa: float

    def _terms(self, q: np.ndarray):
        q = np.atleast_1d(np.asarray(q, dtype=float))[:, None]
        root, s = np.sqrt(q), np.sqrt(1.0 - q)
        t = T_GRID[None, :]
        log_norm = np.log(2.0) + log_h(self.kappa)
        # unlabelled: Z_U and its log-derivative per unit √q, ψ_U = ∂ₜ ln Z_U / √q
        a1, a2 = (self.kappa - root * t) / s, (self.kappa + root * t) / s
        log_sum = np.logaddexp(log_h(a1), log_h(a2))
        log_zu = log_sum - log_norm
        psi_u = (np.exp(log_phi(a1) - log_sum) - np.exp(log_phi(a2) - log_sum)) / s
        # labelled, y = +1 and y = −1 (mirror images in t)
        terms_l = []
        for y in (1.0, -1.0):
            a = (self.kappa - y * root * t) / s
            terms_l.append((log_h(a) - log_norm, y * np.exp(log_phi(a) - log_h(a)) / s))
        return log_zu, psi_u, terms_l

    def integrals(self, q: np.ndarray) -> dict:
        """I_U, I_L (q̂ = β I_U + α I_L) and J_U, J_L (φ = ½[q + ln(1−q)] + β J_U + α J_L) at each q."""
        log_zu, psi_u, terms_l = self._terms(q)
        zu = np.exp(log_zu)
        out = {"I_U": (zu * psi_u**2) @ _DT, "J_U": (zu * log_zu) @ _DT, "I_L": 0.0, "J_L": 0.0}
        for log_zl, psi_l in terms_l:
            zl = np.exp(log_zl)
            out["I_L"] = out["I_L"] + (zl * psi_l**2) @ _DT
            out["J_L"] = out["J_L"] + (zl * log_zl) @ _DT
        return out

    def q_hat(self, q, beta: float, alpha: float) -> np.ndarray:
        i = self.integrals(q)
        return beta * i["I_U"] + alpha * i["I_L"]

    def free_entropy(self, q, beta: float, alpha: float) -> np.ndarray:
        q = np.atleast_1d(np.asarray(q, dtype=float))
        i = self.integrals(q)
        return 0.5 * (q + np.log1p(-q)) + beta * i["J_U"] + alpha * i["J_L"]

    def update(self, q, beta: float, alpha: float) -> np.ndarray:
        """The fixed-point map q ← q̂/(1 + q̂)."""
        hat = self.q_hat(q, beta, alpha)
        return hat / (1.0 + hat)


@dataclass(frozen=True)
class FixedPoint:
    q: float
    stable: bool
    free_entropy: float


def fixed_points(channels: Channels, beta: float, alpha: float, tables: dict | None = None) -> list[FixedPoint]:
    """Every fixed point q* of q ← q̂/(1+q̂) in [0, 1), with its stability and free entropy.

    Roots of F(q) = q̂/(1+q̂) − q are bracketed on :data:`Q_GRID` and refined by Brent's
    method; q = 0 is a fixed point when α = 0 (no labels). Stable: F'(q*) < 0.
    ``tables`` (from :func:`tabulate`) saves recomputing the integrals on the grid.
    """
    tables = tables if tables is not None else tabulate(channels)
    hat = beta * tables["I_U"] + alpha * tables["I_L"]
    f = hat / (1.0 + hat) - Q_GRID
    roots = []
    if alpha == 0.0:
        slope = beta * c2(channels.kappa) ** 2 - 1.0
        roots.append((0.0, slope < 0))
    residual = lambda q: float(channels.update(q, beta, alpha)[0] - q)
    for k in np.flatnonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0):
        q = brentq(residual, Q_GRID[k], Q_GRID[k + 1], xtol=1e-13)
        roots.append((q, bool(f[k] > 0 > f[k + 1])))  # F falls through zero: stable
    return [FixedPoint(q, stable, float(channels.free_entropy(q, beta, alpha)[0])) for q, stable in roots]


def reached_fixed_point(
    channels: Channels, beta: float, alpha: float, q0: float, tables: dict | None = None
) -> FixedPoint:
    """Where state evolution q ← q̂/(1+q̂) started at q0 ends (message passing's branch from that start).

    The map is increasing in q, so the iteration moves monotonically from q0 to the nearest
    fixed point in the direction of F(q0) − q0 (checked against the iteration in the tests).
    """
    points = sorted(fixed_points(channels, beta, alpha, tables), key=lambda p: p.q)
    step = float(channels.update(q0, beta, alpha)[0]) - q0
    if step >= 0:
        above = [p for p in points if p.q >= q0]
        return above[0] if above else points[-1]
    below = [p for p in points if p.q <= q0]
    return below[-1] if below else points[0]


def staged_fixed_point(
    channels: Channels, beta: float, alpha: float, q0: float, tables: dict | None = None
) -> FixedPoint:
    """State evolution of pre-training then fine-tuning, as :func:`deepinside.theory.margin_gamp.pretrain_then_finetune`
    runs them: from q0 on the unlabelled data alone (β, α = 0), then with the labels added (β, α)."""
    if beta > 0 and alpha > 0:  # with no labels, or no unlabelled data, there is one stage only
        q0 = max(reached_fixed_point(channels, beta, 0.0, q0, tables).q, 1e-12)
    return reached_fixed_point(channels, beta, alpha, q0, tables)


def iterate_state_evolution(
    channels: Channels, beta: float, alpha: float, q0: float, steps: int = 20000, tolerance: float = 1e-12
) -> float:
    """q after iterating q ← q̂/(1+q̂) from q0 (slow near a spinodal; for tests of :func:`reached_fixed_point`)."""
    q = q0
    for _ in range(steps):
        new = float(channels.update(q, beta, alpha)[0])
        if abs(new - q) < tolerance:
            return new
        q = new
    return q


def tabulate(channels: Channels) -> dict:
    """The channel integrals on :data:`Q_GRID` (computed in chunks to bound memory)."""
    parts = [channels.integrals(chunk) for chunk in np.array_split(Q_GRID, 10)]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def phase_diagram(kappa: float, alpha: float, betas: np.ndarray) -> list[dict]:
    """For each β: the equilibrium q (stable fixed point of largest φ) and every stable fixed point.

    Rows: beta, q, stable, equilibrium (bool), free_entropy, error (ε of the Gibbs student).
    """
    channels = Channels(kappa)
    tables = tabulate(channels)
    rows = []
    for beta in betas:
        points = [p for p in fixed_points(channels, float(beta), alpha, tables) if p.stable]
        best = max(points, key=lambda p: p.free_entropy)
        for p in points:
            rows.append(
                {
                    "kappa": kappa,
                    "alpha": alpha,
                    "beta": float(beta),
                    "q": p.q,
                    "free_entropy": p.free_entropy,
                    "equilibrium": p is best,
                    "error": float(generalisation_error(p.q, kappa)[0]),
                }
            )
    return rows


def transitions(diagram: list[dict]) -> dict:
    """Spinodals and the thermodynamic transition read off a β sweep of :func:`phase_diagram`.

    ``spinodal_low``/``spinodal_high``: the smallest and largest β with two stable fixed
    points (NaN when there is never more than one: a continuous onset);
    ``beta_transition``: the first β at which the equilibrium jumps to the upper branch,
    and ``jump``: the fall of the equilibrium ε there (0 for a continuous onset: then the
    β of the steepest fall of ε is reported as the transition).
    """
    import pandas as pd

    table = pd.DataFrame(diagram)
    counts = table.groupby("beta")["q"].count()
    coexist = counts[counts > 1].index
    equilibrium = table[table["equilibrium"]].set_index("beta")["q"].sort_index()
    error = table[table["equilibrium"]].set_index("beta")["error"].sort_index()
    steps = np.diff(equilibrium.to_numpy())
    if len(coexist):
        k = int(np.argmax(steps))
        return {
            "spinodal_low": float(coexist.min()),
            "spinodal_high": float(coexist.max()),
            "beta_transition": float(equilibrium.index[k + 1]),
            "jump": float(error.iloc[k] - error.iloc[k + 1]),
            "first_order": True,
        }
    falls = -np.diff(error.to_numpy()) / np.diff(np.log(error.index.to_numpy()))
    k = int(np.argmax(falls))
    return {
        "spinodal_low": float("nan"),
        "spinodal_high": float("nan"),
        "beta_transition": float(np.sqrt(error.index[k] * error.index[k + 1])),
        "jump": 0.0,
        "first_order": False,
    }
