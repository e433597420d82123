"""Steps of the tishby2017 talk (seed 002): training ensembles and measuring their information plane."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from deepinside.core.device import describe, select_device
from deepinside.data import sphere_task
from deepinside.measures import mutual_information as mi
from deepinside.models.ensemble import train_ensemble


def dataset(source: str, mat_path: str | None = None) -> dict:
    """The 4,096-pattern task: the original labelling rebuilt by :mod:`deepinside.data.sphere_task`
    (``generated``) or read from the original ``var_u.mat`` (``mat``).

    The statistics table gives, for every number of active bits, the patterns and how
    many of them are labelled 1, beside the counts of the original file.
    """
    if source == "generated":
        data = sphere_task.generate()
    elif source == "mat":
        if not mat_path:
            raise ValueError("tishby2017 data source 'mat' needs mat_path (the original var_u.mat)")
        data = sphere_task.load_mat(mat_path)
    else:
        raise ValueError(f"tishby2017 data source must be 'generated' or 'mat', got {source!r}")
    stats = sphere_task.statistics(data["x"], data["y"])
    original = sphere_task.ORIGINAL_COUNTS
    rows = [
        {
            "quantity": "patterns labelled 1",
            "active_bits": "all",
            "patterns": sphere_task.PATTERNS,
            "positives": stats["positives"],
            "fraction_y1": stats["p_y1"],
            "original_positives": original["positives"],
        },
        {
            "quantity": "I(X;Y) bits",
            "active_bits": "all",
            "patterns": sphere_task.PATTERNS,
            "positives": stats["positives"],
            "fraction_y1": sphere_task.information(data["p_y1"]),
            "original_positives": original["positives"],
        },
    ] + [
        {
            "quantity": "by active bits",
            "active_bits": str(k),
            "patterns": stats["patterns_by_active"][k],
            "positives": stats["positives_by_active"][k],
            "fraction_y1": stats["fraction_by_active"][k],
            "original_positives": original["by_active"].get(k, stats["patterns_by_active"][k] if k >= 8 else 0),
        }
        for k in range(sphere_task.N_BITS + 1)
    ]
    return {"data": {k: np.asarray(v) for k, v in data.items()}, "statistics": pd.DataFrame(rows)}


def record_epochs(epochs: int, n_records: int) -> list[int]:
    """Epoch 0 and about ``n_records`` log-spaced epochs up to ``epochs``."""
    spaced = np.unique(np.round(np.logspace(0, np.log10(epochs), n_records)).astype(int))
    return [0] + [int(e) for e in spaced if 1 <= e <= epochs]


def information_plane(
    activity: list[list[np.ndarray]],
    labels: np.ndarray,
    activation: str,
    epochs_recorded: list[int],
    bins: int,
    bin_width: float,
    kde_members: int,
    kde_variance: float,
) -> pd.DataFrame:
    """(I(X;T), I(T;Y)) of every member, recorded epoch and layer, by each estimator.

    ``activity`` is :func:`~deepinside.models.ensemble.train_ensemble`'s: per recorded epoch, per
    hidden layer, an (E, patterns, units) array. Each member's epochs are binned at once
    (:func:`~deepinside.measures.mutual_information.binned_information_batch`), and so are its KDE
    bounds (:func:`~deepinside.measures.mutual_information.kde_information_batch`).
    """
    rows = []
    for layer in range(len(activity[0])):
        stacked = np.stack([snapshot[layer] for snapshot in activity]).astype(np.float32)  # (T, E, P, units)
        for member in range(stacked.shape[1]):
            low, high = (-1.0, 1.0) if activation == "tanh" else (0.0, max(float(stacked[:, member].max()), 1e-6))
            binnings = {
                "binning": mi.bin_edges(low, high, bins),
                "binning_fixed": mi.fixed_width_edges(low, high, bin_width),
            }
            for estimator, edges in binnings.items():  # all recorded epochs of the member at once
                planes = mi.binned_information_batch(stacked[:, member], labels, edges)
                for epoch, (i_xt, i_ty) in zip(epochs_recorded, planes):
                    rows.append(
                        {
                            "member": member,
                            "epoch": epoch,
                            "layer": layer + 1,
                            "estimator": estimator,
                            "I_XT": float(i_xt),
                            "I_TY": float(i_ty),
                        }
                    )
            if member < kde_members:  # all recorded epochs of the member at once, the kernel in blocks of rows
                bounds = mi.kde_information_batch(stacked[:, member], labels, kde_variance)
                for epoch, (k_xt, k_ty) in zip(epochs_recorded, bounds):
                    rows.append(
                        {
                            "member": member,
                            "epoch": epoch,
                            "layer": layer + 1,
                            "estimator": "kde",
                            "I_XT": float(k_xt),
                            "I_TY": float(k_ty),
                        }
                    )
    return pd.DataFrame(rows)


def train_run(
    data: dict,
    activation: str,
    fraction: float,
    hidden: list[int],
    members: int,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    records: int,
    bins: int,
    bin_width: float,
    kde_members: int,
    kde_variance: float,
    seed: int,
    device: str,
) -> dict:
    """Train an ensemble; return its information plane, gradient statistics and losses.

    Two binnings, both scale-dependent:

    * ``binning`` (Shwartz-Ziv & Tishby): ``bins`` equal bins over [−1, 1] for tanh; for
      ReLU over [0, the largest activity of that layer seen in training], per network
      and layer;
    * ``binning_fixed`` (Saxe et al. 2018): bins of a fixed width ``bin_width`` for
      both activations, so the resolution does not shrink as ReLU activity grows.

    The KDE bound is computed for the first ``kde_members`` networks (it costs a
    4,096 × 4,096 kernel per layer and epoch).
    """
    dev = select_device(device)
    sizes = [data["x"].shape[1], *hidden, 2]
    epochs_recorded = record_epochs(epochs, records)
    run = f"{activation} {len(hidden)} hidden, train {fraction:.0%}"
    result = train_ensemble(
        data["x"],
        data["y"],
        sizes,
        activation,
        members,
        fraction,
        epochs,
        learning_rate,
        batch_size,
        epochs_recorded,
        seed,
        dev,
        run_name=run,
    )
    started = time.perf_counter()
    rows = information_plane(
        result["activity"],
        np.asarray(data["y"]),
        activation,
        epochs_recorded,
        bins,
        bin_width,
        kde_members,
        kde_variance,
    )
    print(f"[{run}] information plane in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    tag = {"activation": activation, "fraction": fraction, "depth": len(hidden), "device": describe(dev)}
    return {
        "information": rows.assign(**tag),
        "gradients": result["gradients"].assign(**tag),
        "losses": result["losses"].assign(**tag),
    }
