"""Object regions made from an input alone, with no network involved (M7).

Mototake 2015 (result 2-2) shows that the top singular vectors of AlexNet's deep layers
concentrate on the object in each picture. To measure that without circularity, the
object region must not come from the network whose vectors are scored (a gradient
saliency map of that network lies, by construction, close to the span of its own top
singular vectors).

* :func:`digit_mask` — a digit's own pixels (above half intensity);
* :func:`picture_mask` — pixels whose colour is far from the picture's border colour:
  the distance to the median border colour, Gaussian-smoothed and thresholded by Otsu's
  method (a foreground estimate that needs no saliency model).
"""

from __future__ import annotations

import numpy as np


def digit_mask(pixels: np.ndarray, side: int = 28, threshold: float = 0.5) -> np.ndarray:
    """Boolean (side, side) mask of the pixels of a digit (values in [0, 1]) above ``threshold``."""
    return (np.asarray(pixels) > threshold).reshape(side, side)


def picture_mask(rgb: np.ndarray, smoothing: float = 2.0) -> np.ndarray:
    """Boolean (H, W) mask of the pixels far from the border's colour; ``rgb`` is (H, W, 3) in [0, 1]."""
    from scipy.ndimage import gaussian_filter
    from skimage.filters import threshold_otsu

    rgb = np.asarray(rgb, dtype=float)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    distance = gaussian_filter(np.linalg.norm(rgb - np.median(border, axis=0), axis=-1), smoothing)
    if np.ptp(distance) == 0:
        return np.zeros(distance.shape, dtype=bool)
    return distance > threshold_otsu(distance)
