"""Steps of the tishby2017 talk (seed 002): training ensembles and measuring their information plane."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from .. import mutual_information as mi
from .. import sphere_task
from ..device import describe, select_device
from ..ensemble import train_ensemble


def dataset(source: str, information_bits: float, seed: int, mat_path: str | None = None) -> dict:
    """The 4,096-pattern task: generated (:mod:`deepinside.sphere_task`) or the original ``var_u.mat``."""
    if source == "generated":
        data = sphere_task.generate(seed, information_bits)
    elif source == "mat":
        if not mat_path:
            raise ValueError("tishby2017 data source 'mat' needs mat_path (the original var_u.mat)")
        data = sphere_task.load_mat(mat_path)
    else:
        raise ValueError(f"tishby2017 data source must be 'generated' or 'mat', got {source!r}")
    stats = sphere_task.statistics(data["x"], data["y"])
    rows = [{"active_bits": k, "patterns": int((data["x"].sum(1) == k).sum()), "fraction_y1": v} for k, v in stats["fraction_by_active"].items()]
    table = pd.DataFrame(rows)
    summary = pd.DataFrame(
        [
            {"quantity": "p(y=1)", "value": stats["p_y1"], "published": sphere_task.PUBLISHED["p_y1"]},
            {"quantity": "I(X;Y) bits", "value": sphere_task.information(data["p_y1"]), "published": 0.99},
        ]
        + [
            {"quantity": f"fraction of 1s with {k} active bits", "value": stats["fraction_by_active"][k], "published": v}
            for k, v in sphere_task.PUBLISHED["fraction_by_active"].items()
        ]
    )
    return {"data": {k: np.asarray(v) for k, v in data.items()}, "statistics": pd.concat([summary, table.assign(quantity="by active bits")], ignore_index=True)}


def record_epochs(epochs: int, n_records: int) -> list[int]:
    """Epoch 0 and about ``n_records`` log-spaced epochs up to ``epochs``."""
    spaced = np.unique(np.round(np.logspace(0, np.log10(epochs), n_records)).astype(int))
    return [0] + [int(e) for e in spaced if 1 <= e <= epochs]


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
    kde_members: int,
    kde_variance: float,
    seed: int,
    device: str,
) -> dict:
    """Train an ensemble; return its information plane, gradient statistics and losses.

    Binning (Shwartz-Ziv & Tishby): ``bins`` equal bins over [−1, 1] for tanh; for ReLU
    over [0, the largest activity of that layer seen in training] (Saxe et al. 2018),
    per network and layer. The KDE bound is computed for the first ``kde_members``
    networks (it costs a 4,096 × 4,096 kernel per layer and epoch).
    """
    dev = select_device(device)
    sizes = [data["x"].shape[1], *hidden, 2]
    epochs_recorded = record_epochs(epochs, records)
    run = f"{activation} {len(hidden)} hidden, train {fraction:.0%}"
    result = train_ensemble(
        data["x"], data["y"], sizes, activation, members, fraction, epochs, learning_rate, batch_size,
        epochs_recorded, seed, dev, run_name=run,
    )
    labels = np.asarray(data["y"])
    started = time.perf_counter()
    rows = []
    for layer in range(len(hidden)):
        stacked = np.stack([snapshot[layer] for snapshot in result["activity"]]).astype(np.float32)  # (T, E, P, units)
        for member in range(members):
            if activation == "tanh":
                edges = mi.bin_edges(-1.0, 1.0, bins)
            else:
                edges = mi.bin_edges(0.0, max(float(stacked[:, member].max()), 1e-6), bins)
            for t, epoch in enumerate(epochs_recorded):
                activity = stacked[t, member]
                i_xt, i_ty = mi.binned_information(activity, labels, edges)
                rows.append({"member": member, "epoch": epoch, "layer": layer + 1, "estimator": "binning", "I_XT": i_xt, "I_TY": i_ty})
                if member < kde_members:
                    k_xt, k_ty = mi.kde_information(activity, labels, kde_variance)
                    rows.append({"member": member, "epoch": epoch, "layer": layer + 1, "estimator": "kde", "I_XT": k_xt, "I_TY": k_ty})
    print(f"[{run}] information plane in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    tag = {"activation": activation, "fraction": fraction, "depth": len(hidden), "device": describe(dev)}
    return {
        "information": pd.DataFrame(rows).assign(**tag),
        "gradients": result["gradients"].assign(**tag),
        "losses": result["losses"].assign(**tag),
    }
