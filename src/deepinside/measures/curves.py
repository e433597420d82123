"""Reading times off learning curves."""

from __future__ import annotations

import numpy as np


def half_rise_times(times: np.ndarray, curves: np.ndarray) -> np.ndarray:
    """First time each column of ``curves`` gets half-way from its first to its last value.

    Times between samples are interpolated linearly. Returns NaN for a column that
    never rises (last value not above the first).
    """
    times = np.asarray(times, dtype=float)
    curves = np.asarray(curves, dtype=float)
    out = np.full(curves.shape[1], np.nan)
    for k in range(curves.shape[1]):
        c = curves[:, k]
        target = c[0] + 0.5 * (c[-1] - c[0])
        if not c[-1] > c[0]:
            continue
        above = np.nonzero(c >= target)[0]
        i = above[0]
        if i == 0:
            out[k] = times[0]
        else:
            frac = (target - c[i - 1]) / (c[i] - c[i - 1])
            out[k] = times[i - 1] + frac * (times[i] - times[i - 1])
    return out
