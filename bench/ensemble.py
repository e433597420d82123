"""Time per epoch: E networks trained as one batched program vs a loop of single networks vs the floor.

Same task (the 4,096-pattern sphere task), same 12-10-7-5-4-3-2 tanh networks, same
seeds, same Adam and mini-batches of 512 on 85 % of the patterns: the batched ensemble
(deepinside.models.ensemble.train_ensemble, without the information-plane snapshots) against
deepinside.models.ensemble.train_single called once per network. The final weights of the
first network are compared to show that both do the same work. The floor is the same
epoch's matrix products alone (forward baddbmm Wᵀh, backward hδᵀ and Wδ per layer, on
preallocated tensors of the same shapes, in the trainer's units × batch layout, where
they run 3–8× faster than batch × units): what any implementation must compute.

The batched trainer and the floor are timed in pairs, one right after the other, in
``--trials`` pairs; printed are their medians and the median (and range) of the paired
ratios. This machine's speed drifts by up to 1.7× between minutes, so a ratio of times
taken at different moments (e.g. the fastest of each) can land anywhere in that range.
The loop of single networks runs once.

    python bench/ensemble.py [--members 10 50] [--epochs 100] [--threads 2] [--trials 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from deepinside.data import sphere_task
from deepinside.models.ensemble import train_ensemble, train_single

SIZES = [12, 10, 7, 5, 4, 3, 2]


def matmul_floor(members: int, n_train: int, batch: int, repeats: int = 20) -> float:
    """Seconds per epoch of the epoch's matrix products alone, in the trainer's layout
    (activities units × batch, the layout in which these products run fastest)."""
    sizes = list(zip(SIZES[:-1], SIZES[1:]))
    batches = [min(batch, n_train - first) for first in range(0, n_train, batch)]
    weights = [torch.randn(members, a, b) for a, b in sizes]
    biases = [torch.randn(members, b, 1) for _, b in sizes]
    hs = {b: [torch.randn(members, a, b) for a, _ in sizes] for b in set(batches)}
    ds = {b: [torch.randn(members, c, b) for _, c in sizes] for b in set(batches)}
    outs = {b: [torch.empty(members, c, b) for _, c in sizes] for b in set(batches)}
    grads = [torch.empty(members, a, c) for a, c in sizes]
    backs = {b: [torch.empty(members, a, b) for a, _ in sizes] for b in set(batches)}

    def epoch():
        for b in batches:
            for l in range(len(sizes)):
                torch.baddbmm(biases[l], weights[l].transpose(1, 2), hs[b][l], out=outs[b][l])
                torch.bmm(hs[b][l], ds[b][l].transpose(1, 2), out=grads[l])
                if l:
                    torch.bmm(weights[l], ds[b][l], out=backs[b][l])

    epoch()
    started = time.perf_counter()
    for _ in range(repeats):
        epoch()
    return (time.perf_counter() - started) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--trials", type=int, default=5, help="pairs of (batched trainer, floor) timed back to back")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = sphere_task.generate()
    cpu = torch.device("cpu")
    common = dict(
        sizes=SIZES,
        activation="tanh",
        fraction=0.85,
        epochs=args.epochs,
        learning_rate=4e-4,
        batch_size=512,
        seed=0,
        device=cpu,
    )
    print(
        f"{'networks':>8} {'batched s/epoch':>16} {'loop s/epoch':>13} {'loop/batched':>13} {'floor s/epoch':>14}"
        f" {'batched/floor (range)':>22}  max |Δw| (network 0)"
    )
    for members in args.members:
        times, floors, ratios = [], [], []
        for _ in range(args.trials):  # each pair back to back: both see the machine at the same speed
            started = time.perf_counter()
            batched = train_ensemble(
                data["x"], data["y"], n_members=members, record_epochs=[], run_name="bench", **common
            )
            times.append((time.perf_counter() - started) / args.epochs)
            floors.append(matmul_floor(members, int(batched["train_masks"][0].sum()), common["batch_size"]))
            ratios.append(times[-1] / floors[-1])
        t_batched, floor = statistics.median(times), statistics.median(floors)
        started = time.perf_counter()
        singles = [train_single(data["x"], data["y"], member=e, **common) for e in range(members)]
        t_loop = (time.perf_counter() - started) / args.epochs
        difference = max(
            float((batched["params"][l][0][0] - singles[0][l][0]).abs().max()) for l in range(len(SIZES) - 1)
        )
        spread = f"{statistics.median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f})"
        print(
            f"{members:>8} {t_batched:16.4f} {t_loop:13.4f} {t_loop / t_batched:12.1f}x {floor:14.4f} {spread:>22}"
            f"  {difference:.1e}",
            flush=True,
        )


if __name__ == "__main__":
    main()
