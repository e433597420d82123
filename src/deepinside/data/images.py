"""Natural images: the pictures bundled with scikit-image and scikit-learn, or a file.

The bundled pictures ship inside the installed packages, so they are the offline
default of every step that needs photographs (the low-rank figure of saxe2019, the
AlexNet inputs of mototake2015 in the quick preset). Images are returned as float
arrays in [0, 1]: (H, W) for grey, (H, W, 3) for colour.
"""

from __future__ import annotations

import os

import numpy as np

# Pictures that load without a network (checked on scikit-image 0.26 / scikit-learn 1.9).
SKIMAGE_PICTURES = (
    "astronaut",
    "brick",
    "camera",
    "cat",
    "chelsea",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "retina",
    "rocket",
    "page",
    "clock",
    "text",
)
SKLEARN_PICTURES = ("china", "flower")
BUNDLED = SKIMAGE_PICTURES + SKLEARN_PICTURES

# Channel statistics of ImageNet, with which torchvision's pretrained networks normalise inputs.
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])


def bundled_image(name: str) -> np.ndarray:
    """Load a picture shipped inside scikit-image or scikit-learn, as floats in [0, 1]."""
    if name in SKLEARN_PICTURES:
        from sklearn.datasets import load_sample_image

        return _as_float(load_sample_image(f"{name}.jpg"))
    if name in SKIMAGE_PICTURES:
        import skimage.data

        return _as_float(getattr(skimage.data, name)())
    raise ValueError(f"unknown bundled picture {name!r}; choose one of {', '.join(BUNDLED)}")


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Decode an image file (PNG, JPEG, TIFF, ...) to floats in [0, 1]."""
    import skimage.io

    try:
        return _as_float(skimage.io.imread(os.fspath(path)))
    except Exception as error:  # decoders raise many types; name the file
        raise ValueError(f"{path}: not a readable image ({error})") from error


def to_grey(image: np.ndarray) -> np.ndarray:
    """Luminance of a colour image (ITU-R 601 weights); grey images pass through."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] in (3, 4):
        return image[..., :3] @ np.array([0.299, 0.587, 0.114])
    raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {image.shape}")


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Three-channel version of an image (grey is repeated, alpha dropped)."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    return image[..., :3]


def _as_float(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == bool:
        return image.astype(float)
    if np.issubdtype(image.dtype, np.integer):
        return image.astype(float) / np.iinfo(image.dtype).max
    image = image.astype(float)
    return np.clip(image, 0.0, 1.0)


def imagenet_input(image: np.ndarray, side: int) -> np.ndarray:
    """Centre-crop to a square, resize to side × side, normalise with ImageNet's statistics.

    ``image`` is (H, W, 3) in [0, 1]; returns (3, side, side) float32.
    """
    from skimage.transform import resize

    h, w = image.shape[:2]
    edge = min(h, w)
    top, left = (h - edge) // 2, (w - edge) // 2
    square = resize(image[top : top + edge, left : left + edge], (side, side), anti_aliasing=True)
    return ((square - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1).astype(np.float32)


def from_imagenet_input(normalised: np.ndarray) -> np.ndarray:
    """Undo :func:`imagenet_input`'s normalisation: (3, H, W) → (H, W, 3) in [0, 1]."""
    return np.clip(normalised.transpose(1, 2, 0) * IMAGENET_STD + IMAGENET_MEAN, 0.0, 1.0)
