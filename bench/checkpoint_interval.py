"""Fine-tuning with an epoch checkpoint written after every epoch vs every 30 s (the workflow's setting).

The okatani2013 fine-tuning runs (784-1000-1000-1000-10 sigmoid net, Adam, early
stopping) on 100 labelled digits take one mini-batch per epoch, and their checkpoint
holds the weights, both Adam moments and the best weights so far (about 45 MB). This
prints, side by side in one run, the seconds per epoch without a checkpoint, with one
saved after every epoch, and with :data:`deepinside.core.checkpointing.SAVE_INTERVAL_S`
between saves, and checks that all three end with the same weights.

    python bench/checkpoint_interval.py [--threads 2] [--epochs 60]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import torch

from deepinside.core.checkpointing import SAVE_INTERVAL_S, EpochCheckpoint
from deepinside.models.classifier_training import Phase, train_classifier
from deepinside.models.networks import random_mlp


def run(checkpoint: EpochCheckpoint | None, epochs: int) -> tuple[float, dict]:
    """Seconds per epoch and the final weights of one fine-tuning run on 80 + 20 random digits."""
    generator = torch.Generator().manual_seed(0)
    x, y = torch.rand(100, 784, generator=generator).numpy(), (torch.arange(100) % 10).numpy()
    model = random_mlp([784, 1000, 1000, 1000, 10], torch.Generator().manual_seed(1))
    phases = [Phase("early stopping", epochs, 0.001, patience=epochs, min_epochs=epochs)]
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # the per-epoch log lines
        train_classifier(
            model,
            x[:80],
            y[:80],
            x[80:],
            y[80:],
            phases=phases,
            batch_size=80,
            seed=0,
            device=torch.device("cpu"),
            run_name="bench",
            optimiser="adam",
            x_val=x[80:],
            y_val=y[80:],
            checkpoint=checkpoint,
            test_every_epoch=False,
        )
    return (time.perf_counter() - started) / epochs, model.state_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    run(None, 2)  # warm-up: imports, allocator
    with tempfile.TemporaryDirectory() as folder:
        every_epoch = EpochCheckpoint(Path(folder) / "every.pt", "bench")
        throttled = EpochCheckpoint(Path(folder) / "throttled.pt", "bench", min_interval=SAVE_INTERVAL_S)
        none, w_none = run(None, args.epochs)
        every, w_every = run(every_epoch, args.epochs)
        interval, w_interval = run(throttled, args.epochs)
    same = all(torch.equal(w_none[k], w_every[k]) and torch.equal(w_none[k], w_interval[k]) for k in w_none)
    print(f"{'checkpoint':>28} {'s/epoch':>8} {'vs none':>8}")
    for name, seconds in (("none", none), ("after every epoch", every), (f"every {SAVE_INTERVAL_S:.0f} s", interval)):
        print(f"{name:>28} {seconds:8.4f} {seconds / none:7.2f}x")
    print(f"per-epoch saving / {SAVE_INTERVAL_S:.0f} s saving: {every / interval:.2f}x; same final weights: {same}")


if __name__ == "__main__":
    main()
