"""How far a preset's DBMs are from the reference's training (O3's header).

Salakhutdinov's reference code (``dbm_mf.m``) trains the DBMs for 300 epochs of 600 mini-batches
of 100 images: 180,000 joint updates. A preset that makes fewer says so on its O3 figure.
"""

from __future__ import annotations

import math

import pandas as pd

REFERENCE_DBM_UPDATES = 300 * 600  # Salakhutdinov's dbm_mf.m: 300 epochs of 600 mini-batches of 100


def dbm_updates(mnist: dict, epochs: int, batch_size: int) -> dict:
    """The joint updates this preset's DBMs make (``epochs`` passes over the MNIST training images in
    mini-batches of ``batch_size``) beside the reference's."""
    images = len(mnist["x_train"])
    updates = epochs * math.ceil(images / batch_size)
    return {
        "scale": pd.DataFrame(
            [
                {
                    "updates": updates,
                    "reference_updates": REFERENCE_DBM_UPDATES,
                    "training_images": images,
                    "epochs": epochs,
                    "batch_size": batch_size,
                }
            ]
        )
    }
