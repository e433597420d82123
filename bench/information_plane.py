"""Seconds for one run's information plane: one estimate at a time (before) vs batched (now).

One ensemble of the talk's 12-10-7-5-4-3-2 tanh network is trained on the sphere task
(the quick preset's members, records and KDE settings; fewer epochs, which do not change
the information plane's cost: that depends on the recorded epochs). Its recorded
activities are then measured twice, side by side:

* before: one call per member, recorded epoch, layer and estimator — np.unique of the
  bin codes for the binning, and for the KDE bound one kernel per layer and epoch plus
  one per class, each reduced by a log-sum-exp (the implementation this replaced);
* now: ``deepinside.steps.tishby2017.information_plane``, which the pipeline runs —
  all recorded epochs of a member binned at once (sorted mixed-radix codes), KDE kernels
  for several epochs in one batched product and one exponential per pair.

The largest difference between the two tables is printed too (they estimate the same
numbers; float32 kernels differ in the last digits).

    python bench/information_plane.py [--members 10] [--epochs 300] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from deepinside.data import sphere_task
from deepinside.measures import mutual_information as mi
from deepinside.models.ensemble import train_ensemble
from deepinside.steps.tishby2017 import information_plane, record_epochs


def kde_bound_nats_one_at_a_time(activity: np.ndarray, variance: float) -> float:
    """The former KDE bound: one float32 kernel, reduced by a log-sum-exp."""
    h = torch.as_tensor(np.asarray(activity, dtype=np.float32))
    norms = (h * h).sum(1)
    squared = (norms[:, None] + norms[None, :] - 2.0 * (h @ h.T)).clamp_min_(0.0)
    squared.fill_diagonal_(0.0)
    log_mean = torch.logsumexp(squared.mul_(-1.0 / (2.0 * variance)), dim=1) - np.log(len(h))
    return float(-log_mean.double().mean())


def information_plane_one_at_a_time(
    activity, labels, activation, epochs, bins, bin_width, kde_members, variance
) -> pd.DataFrame:
    rows = []
    for layer in range(len(activity[0])):
        stacked = np.stack([snapshot[layer] for snapshot in activity]).astype(np.float32)
        for member in range(stacked.shape[1]):
            low, high = (-1.0, 1.0) if activation == "tanh" else (0.0, max(float(stacked[:, member].max()), 1e-6))
            binnings = {
                "binning": mi.bin_edges(low, high, bins),
                "binning_fixed": mi.fixed_width_edges(low, high, bin_width),
            }
            for t, epoch in enumerate(epochs):
                h = stacked[t, member]
                for estimator, edges in binnings.items():
                    i_xt, i_ty = mi.binned_information(h, labels, edges)
                    rows.append(
                        {
                            "member": member,
                            "epoch": epoch,
                            "layer": layer + 1,
                            "estimator": estimator,
                            "I_XT": i_xt,
                            "I_TY": i_ty,
                        }
                    )
                if member < kde_members:
                    whole = kde_bound_nats_one_at_a_time(h, variance)
                    within = sum(
                        np.mean(labels == y) * kde_bound_nats_one_at_a_time(h[labels == y], variance)
                        for y in np.unique(labels)
                    )
                    rows.append(
                        {
                            "member": member,
                            "epoch": epoch,
                            "layer": layer + 1,
                            "estimator": "kde",
                            "I_XT": whole / np.log(2),
                            "I_TY": (whole - within) / np.log(2),
                        }
                    )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--kde-members", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="1: as the pipeline's tishby2017 jobs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = sphere_task.generate()
    epochs = record_epochs(args.epochs, args.records)
    result = train_ensemble(
        data["x"],
        data["y"],
        [12, 10, 7, 5, 4, 3, 2],
        "tanh",
        args.members,
        0.85,
        args.epochs,
        4e-4,
        512,
        epochs,
        0,
        torch.device("cpu"),
        run_name="bench",
    )
    labels = np.asarray(data["y"])
    common = (result["activity"], labels, "tanh", epochs, 30, 0.07, args.kde_members, 0.1)
    started = time.perf_counter()
    before = information_plane_one_at_a_time(*common)
    t_before = time.perf_counter() - started
    started = time.perf_counter()
    now = information_plane(*common)
    t_now = time.perf_counter() - started
    keys = ["member", "epoch", "layer", "estimator"]
    merged = before.merge(now, on=keys, suffixes=("_before", "_now"), validate="one_to_one")
    assert len(merged) == len(before) == len(now)
    print(
        f"{len(now)} estimates ({args.members} members, {len(epochs)} recorded epochs, 5 layers; KDE for {args.kde_members} members)"
    )
    print(f"{'estimator':>14} {'max |Δ| bits':>13}")
    for estimator, group in merged.groupby("estimator"):
        delta = max(
            (group["I_XT_before"] - group["I_XT_now"]).abs().max(),
            (group["I_TY_before"] - group["I_TY_now"]).abs().max(),
        )
        print(f"{estimator:>14} {delta:13.1e}")
    print(f"one at a time: {t_before:.1f} s   batched: {t_now:.1f} s   ratio: {t_before / t_now:.1f}x")


if __name__ == "__main__":
    main()
