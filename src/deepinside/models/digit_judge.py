"""A judge of whether an image is a digit: a classifier with a tenth-plus-one "not a digit" class.

A classifier trained only on the ten digits labels anything — uniform noise included —
with a confident digit (softmax over ten classes has no way to say "none"). To check the
talk's claim that samples of an RBM / DBN "look like digits", the judge is trained on
real digits (classes 0–9) and on images that are not digits (class 10):

* uniform noise,
* training digits with their pixels shuffled (the grey-level statistics of digits
  without their shape),
* smooth random blobs (Gaussian-filtered noise, thresholded softly), which resemble the
  blurry patches a poorly trained generative model produces without being strokes.

An image counts as a digit when the judge gives one of the classes 0–9 a probability
above the confidence threshold.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

NOT_A_DIGIT = 10


def non_digit_images(digits: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` images (n, 784) in [0, 1], a third of each kind listed in the module docstring."""
    rng = np.random.default_rng(seed)
    digits = np.asarray(digits, dtype=np.float32).reshape(len(digits), -1)
    kinds = rng.integers(0, 3, size=n)
    out = np.empty((n, digits.shape[1]), dtype=np.float32)
    side = int(round(np.sqrt(digits.shape[1])))
    for i, kind in enumerate(kinds):
        if kind == 0:
            out[i] = rng.random(digits.shape[1])
        elif kind == 1:
            out[i] = rng.permutation(digits[rng.integers(len(digits))])
        else:
            field = gaussian_filter(rng.standard_normal((side, side)), sigma=rng.uniform(1.5, 4.0))
            field = (field - field.mean()) / (field.std() + 1e-12)
            out[i] = (1.0 / (1.0 + np.exp(-3.0 * (field - rng.uniform(0.0, 1.5))))).ravel()
    return out


def digit_fraction(probabilities: np.ndarray, confidence: float) -> float:
    """Fraction of images the judge calls a digit (0–9) with probability above ``confidence``."""
    return len(confident_labels(probabilities, confidence)) / len(probabilities)


def confident_labels(probabilities: np.ndarray, confidence: float) -> np.ndarray:
    """Labels (0–9) of the images the judge calls a digit with probability above ``confidence``."""
    probabilities = np.asarray(probabilities)
    labels = probabilities.argmax(axis=1)
    return labels[(labels != NOT_A_DIGIT) & (probabilities.max(axis=1) > confidence)]


def label_entropy(labels: np.ndarray, n_classes: int = NOT_A_DIGIT) -> float:
    """Entropy in bits of the label histogram (log2 10 = 3.32 for evenly covered digits, 0 for one digit)."""
    counts = np.bincount(np.asarray(labels, dtype=int), minlength=n_classes)
    if counts.sum() == 0:
        return 0.0
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())
