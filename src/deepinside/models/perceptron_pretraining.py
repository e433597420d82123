"""Unsupervised pre-training meets supervised fine-tuning in a teacher–student perceptron.

A solvable stand-in for Ohzeki 2015 (J. Phys. Soc. Jpn. 84, 034003; the workshop report's §2): a
simple perceptron learns a teacher on data with an easy-to-separate cluster structure,
after unsupervised pre-training on βN unlabelled examples and with αN labelled ones.

* **Data.** A teacher direction w* (unit vector in R^N). Each input comes from one of two
  clusters along it: x = b s w* + z with s = ±1 equally likely and z ~ N(0, I_N); the
  label is the teacher's, y = sign(w*·x). The cluster strength b sets the difficulty
  (larger b: clusters further apart, easier).
* **Pre-training** (no labels): the student's direction is the leading eigenvector ŵ_p of
  the sample covariance of βN inputs — the fixed point of Oja's Hebbian rule, i.e. what a
  linear / Gaussian-unit RBM with one hidden unit learns by maximum likelihood. The
  covariance is I + b² w* w*ᵀ, a spiked covariance, whose top eigenvector has a true
  phase transition (Baik, Ben Arous & Péché 2005; Paul 2007): for N → ∞

      R_p² = (1 − 1/(β b⁴)) / (1 + 1/(β b²))   if β > β_c = 1/b⁴,   else 0.

* **Fine-tuning** (αN labels): Hebbian learning started from the pre-trained weights —
  w = √N ŵ_p + (1/√N) Σ_μ y_μ x_μ (the sign of ŵ_p, which PCA cannot know, is taken to
  agree with the labelled data). With m = E|b + z| = b(1 − 2Φ(−b)) + 2φ(b), the large-N
  overlap R = w·w*/‖w‖ is

      R = (R_p + α m) / √(1 + 2 α m R_p + α² m² + α).

  Without pre-training ŵ_p is a random unit vector (R_p = 0).
* **Generalisation error** of a student with overlap R, exact for this input law:
  ε(R) = Φ(−b) + Φ(−Rb) − 2 Φ₂(−b, −Rb; R) with Φ₂ the bivariate normal distribution
  function; for b = 0 it is the classical arccos(R)/π.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def teacher(n: int, rng: np.random.Generator) -> np.ndarray:
    w = rng.standard_normal(n)
    return w / np.linalg.norm(w)


def sample_inputs(
    teacher_direction: np.ndarray, n_samples: int, strength: float, rng: np.random.Generator
) -> np.ndarray:
    """x = b s w* + z for ``n_samples`` inputs."""
    signs = rng.choice([-1.0, 1.0], size=n_samples)
    return strength * signs[:, None] * teacher_direction[None, :] + rng.standard_normal(
        (n_samples, len(teacher_direction))
    )


def labels(teacher_direction: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.where(x @ teacher_direction >= 0, 1.0, -1.0)


def pretrain(x: np.ndarray) -> np.ndarray:
    """Leading eigenvector (unit norm, arbitrary sign) of the sample covariance of the rows of x."""
    if len(x) == 0:
        raise ValueError("pre-training needs at least one input")
    covariance = x.T @ x / len(x)
    _, vectors = np.linalg.eigh(covariance)
    return vectors[:, -1]


def finetune(pretrained: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """w = √N ŵ_p + (1/√N) Σ y_μ x_μ, with ŵ_p's sign set to agree with the labelled data."""
    n = len(pretrained)
    hebb = (y[:, None] * x).sum(axis=0) / np.sqrt(n)
    sign = 1.0 if pretrained @ hebb >= 0 else -1.0
    return sign * np.sqrt(n) * pretrained + hebb


def overlap(student: np.ndarray, teacher_direction: np.ndarray) -> float:
    return float(student @ teacher_direction / np.linalg.norm(student))


def cluster_mean(strength: float) -> float:
    """m = E|b + z| for z ~ N(0, 1)."""
    return float(strength * (1 - 2 * norm.cdf(-strength)) + 2 * norm.pdf(strength))


def pretrained_overlap_theory(beta: np.ndarray, strength: float) -> np.ndarray:
    """Large-N overlap of the top principal component with w* (BBP transition at β = 1/b⁴)."""
    beta = np.asarray(beta, dtype=float)
    theta = strength**2
    with np.errstate(divide="ignore", invalid="ignore"):
        squared = (1 - 1 / (beta * theta**2)) / (1 + 1 / (beta * theta))
    return np.sqrt(np.clip(np.where(beta > 0, squared, 0.0), 0.0, None))


def finetuned_overlap_theory(alpha: np.ndarray, beta: np.ndarray, strength: float) -> np.ndarray:
    """Large-N overlap after Hebbian fine-tuning from the pre-trained direction."""
    r_p = pretrained_overlap_theory(beta, strength)
    m = cluster_mean(strength)
    alpha = np.asarray(alpha, dtype=float)
    return (r_p + alpha * m) / np.sqrt(1 + 2 * alpha * m * r_p + alpha**2 * m**2 + alpha)


def generalisation_error(r: np.ndarray, strength: float) -> np.ndarray:
    """ε(R) for the two-cluster inputs, exact.

    In the cluster s = +1 the teacher's field a = w*·x and the student's field g = R a +
    √(1 − R²) ζ are jointly normal with means (b, Rb), unit variances and correlation R,
    so P(sign g ≠ sign a) = Φ(−b) + Φ(−Rb) − 2 Φ₂(−b, −Rb; R) (the other cluster is its
    mirror image). For b = 0 this is arccos(R)/π.
    """
    from scipy.stats import multivariate_normal

    r = np.clip(np.asarray(r, dtype=float), -1.0, 1.0)
    b = float(strength)
    out = np.empty(r.shape)
    flat_r, flat_out = r.ravel(), out.ravel()
    for i, value in enumerate(flat_r):
        if value >= 1.0:
            flat_out[i] = 0.0
        elif value <= -1.0:
            flat_out[i] = 1.0
        else:
            joint = multivariate_normal.cdf([-b, -value * b], mean=[0.0, 0.0], cov=[[1.0, value], [value, 1.0]])
            flat_out[i] = norm.cdf(-b) + norm.cdf(-value * b) - 2.0 * joint
    return flat_out.reshape(r.shape)
