"""Gradient-flow learning dynamics of deep and shallow linear networks.

Saxe, McClelland & Ganguli 2019 (PNAS), eqs. 4–7 (and Saxe et al. 2014, ICLR):

* deep (one hidden layer, "3-layer") network ŷ = W² W¹ x trained on squared error by
  gradient flow::

      τ dW¹/dt = W²ᵀ (Σyx − W² W¹ Σx)
      τ dW²/dt = (Σyx − W² W¹ Σx) W¹ᵀ

* shallow ("2-layer") network ŷ = Wˢ x::

      τ dWˢ/dt = Σyx − Wˢ Σx

With whitened inputs (Σx = I) and Σyx = U S Vᵀ, the mode strength
a_α(t) = u_αᵀ Ŵ(t) v_α of the network map Ŵ follows, for decoupled initial conditions,

* deep:     a(t) = s e^{2st/τ} / (e^{2st/τ} − 1 + s/a₀)        (sigmoidal, eq. 6)
* shallow:  a(t) = s (1 − e^{−t/τ}) + a₀ e^{−t/τ}                 (exponential, eq. 7)

For small random initial weights the deep solution still describes each mode once a₀
is taken as the mode's *effective* initial strength (:func:`effective_initial_strength`).
Time integration is the classical 4th-order Runge–Kutta scheme.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def _rk4(
    rhs: Callable[[Sequence[np.ndarray]], tuple[np.ndarray, ...]],
    state: Sequence[np.ndarray],
    dt: float,
    n_steps: int,
    record_every: int,
) -> tuple[np.ndarray, list[np.ndarray]]:
    if dt <= 0 or n_steps < 1 or record_every < 1:
        raise ValueError(f"need dt > 0, n_steps >= 1, record_every >= 1 (got {dt}, {n_steps}, {record_every})")
    state = [np.array(x, dtype=float, copy=True) for x in state]
    times, records = [0.0], [[x.copy() for x in state]]
    for step in range(1, n_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            k1 = rhs(state)
            k2 = rhs([x + 0.5 * dt * k for x, k in zip(state, k1)])
            k3 = rhs([x + 0.5 * dt * k for x, k in zip(state, k2)])
            k4 = rhs([x + dt * k for x, k in zip(state, k3)])
            state = [x + dt / 6.0 * (a + 2 * b + 2 * c + d) for x, a, b, c, d in zip(state, k1, k2, k3, k4)]
        if not all(np.isfinite(x).all() for x in state):
            raise FloatingPointError(f"gradient flow diverged at step {step} (t = {step * dt:g}); lower dt")
        if step % record_every == 0:
            times.append(step * dt)
            records.append([x.copy() for x in state])
    stacked = [np.stack([r[i] for r in records]) for i in range(len(state))]
    return np.asarray(times), stacked


def integrate_deep(
    sigma_yx: np.ndarray,
    sigma_x: np.ndarray,
    w1: np.ndarray,
    w2: np.ndarray,
    tau: float,
    dt: float,
    n_steps: int,
    record_every: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integrate the deep-network gradient flow; return (times, W¹(t), W²(t)) stacks."""

    def rhs(state):
        a, b = state
        error = sigma_yx - b @ a @ sigma_x
        return (b.T @ error) / tau, (error @ a.T) / tau

    times, (w1_t, w2_t) = _rk4(rhs, [w1, w2], dt, n_steps, record_every)
    return times, w1_t, w2_t


def integrate_shallow(
    sigma_yx: np.ndarray,
    sigma_x: np.ndarray,
    w: np.ndarray,
    tau: float,
    dt: float,
    n_steps: int,
    record_every: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate the shallow-network gradient flow; return (times, Wˢ(t))."""

    def rhs(state):
        (a,) = state
        return ((sigma_yx - a @ sigma_x) / tau,)

    times, (w_t,) = _rk4(rhs, [w], dt, n_steps, record_every)
    return times, w_t


def mode_strengths(maps: np.ndarray, u: np.ndarray, vt: np.ndarray) -> np.ndarray:
    """a_α(t) = u_αᵀ Ŵ(t) v_α for a stack of maps Ŵ (T × out × in); returns T × modes."""
    return np.einsum("ma,tmn,an->ta", u, np.asarray(maps), vt)


def deep_theory(s: np.ndarray, a0: np.ndarray, t: np.ndarray, tau: float) -> np.ndarray:
    """Closed-form deep mode strength a(t) (Saxe et al. 2019, eq. 6); returns T × modes.

    Written as s / (1 − e^{−2st/τ} + (s/a₀) e^{−2st/τ}), which equals the paper's form
    and does not overflow at late times. Requires 0 < a₀.
    """
    s = np.asarray(s, dtype=float)[None, :]
    a0 = np.asarray(a0, dtype=float)[None, :]
    if np.any(a0 <= 0):
        raise ValueError("the deep closed form needs positive initial mode strengths a0")
    decay = np.exp(-2.0 * s * np.asarray(t, dtype=float)[:, None] / tau)
    return s / (1.0 - decay + (s / a0) * decay)


def shallow_theory(s: np.ndarray, a0: np.ndarray, t: np.ndarray, tau: float) -> np.ndarray:
    """Closed-form shallow mode strength a(t) = s(1 − e^{−t/τ}) + a₀e^{−t/τ}; T × modes."""
    decay = np.exp(-np.asarray(t, dtype=float)[:, None] / tau)
    return np.asarray(s)[None, :] * (1.0 - decay) + np.asarray(a0)[None, :] * decay


def effective_initial_strength(w1: np.ndarray, w2: np.ndarray, u: np.ndarray, vt: np.ndarray) -> np.ndarray:
    """Effective a₀ of each mode for small random initial weights (Σx = I).

    While the weights are small the cubic term of the flow is negligible and the
    vectors r¹_α = W¹v_α and r²_α = W²ᵀu_α obey τ ṙ¹ = s r², τ ṙ² = s r¹ (up to
    couplings between modes): their difference decays and their mean grows as
    e^{st/τ}. Hence a_α = r²·r¹ ≈ ‖(r¹_α(0) + r²_α(0))/2‖² e^{2st/τ}, the early-time
    behaviour of the closed form with a₀ = ‖(W¹v_α + W²ᵀu_α)/2‖².
    """
    r1 = w1 @ vt.T  # hidden × modes
    r2 = w2.T @ u  # hidden × modes
    return np.sum(((r1 + r2) / 2.0) ** 2, axis=0)


def random_weights(shape: tuple[int, int], scale: float, rng: np.random.Generator) -> np.ndarray:
    """Small i.i.d. Gaussian initial weights with standard deviation ``scale``."""
    return scale * rng.standard_normal(shape)


def decoupled_weights(
    u: np.ndarray, vt: np.ndarray, a0: np.ndarray, hidden: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Balanced weights aligned with the modes: W¹ = R √A₀ Vᵀ, W² = U √A₀ Rᵀ.

    R is a random (hidden × modes) matrix with orthonormal columns. For such initial
    conditions the deep closed form is the exact solution of the flow.
    """
    n_modes = len(a0)
    if hidden < n_modes:
        raise ValueError(f"hidden layer ({hidden}) narrower than the number of modes ({n_modes})")
    r, _ = np.linalg.qr(rng.standard_normal((hidden, n_modes)))
    root = np.sqrt(np.asarray(a0, dtype=float))
    return (r * root) @ vt[:n_modes], (u[:, :n_modes] * root) @ r.T
