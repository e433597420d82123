"""Parameter grids named in the config as ``{min, max, count}``."""

from __future__ import annotations

import math


def log_grid(grid: dict) -> list[float]:
    """``count`` log-spaced values from ``min`` to ``max`` (a config section {min, max, count})."""
    low, high, count = math.log10(grid["min"]), math.log10(grid["max"]), grid["count"]
    return [10 ** (low + i * (high - low) / (count - 1)) for i in range(count)]
