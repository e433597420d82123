"""The scaffold every training loop runs in: resume, progress, NaN guard, history, checkpoints.

The four trainers (:func:`deepinside.models.rbm.train_rbm`, :func:`deepinside.models.dbm.train_dbm`,
:func:`deepinside.models.classifier_training.train_classifier`,
:func:`deepinside.models.ensemble.train_ensemble`) differ in what an update is; what
happens around the updates is the same, and lives here:

- :meth:`TrainingRun.resume` takes over a checkpoint's history and epoch (the trainer
  restores its own tensors from the returned state);
- :meth:`TrainingRun.batches` is the progress bar of an epoch's mini-batches;
- :meth:`TrainingRun.check_finite` stops training with an error naming the run when a
  parameter (or the loss) becomes NaN or infinite;
- :meth:`TrainingRun.record` appends an epoch's history row, prints its progress line and
  saves the trainer's state when the checkpoint is due;
- :meth:`TrainingRun.finish` clears the checkpoint (a later run, e.g. after a code
  change, starts afresh) and returns the history as a table.

Nothing here draws random numbers, so a trainer's numbers do not depend on it.
"""

from __future__ import annotations

import sys
from typing import Callable, Iterable

import pandas as pd
import torch
from tqdm import tqdm

from deepinside.core.checkpointing import EpochCheckpoint


class TrainingRun:
    """The bookkeeping of one training run named ``run_name``, with an optional epoch checkpoint."""

    def __init__(self, run_name: str, checkpoint: EpochCheckpoint | None = None):
        self.run_name = run_name
        self.checkpoint = checkpoint
        self.history: list[dict] = []
        self.start_epoch = 0

    def resume(self) -> dict | None:
        """The checkpoint's saved state (its history and epoch taken over here), or None to start afresh."""
        state = self.checkpoint.load() if self.checkpoint is not None else None
        if state is not None:
            self.history = [dict(row) for row in state["history"]]
            self.start_epoch = int(state["epoch"])
        return state

    def epochs(self, last: int) -> range:
        """The epochs still to run: after the resumed one, up to ``last``."""
        return range(self.start_epoch + 1, last + 1)

    def epoch_bar(self, last: int) -> Iterable[int]:
        """:meth:`epochs` with one progress bar over them (for loops whose epochs take a moment)."""
        return tqdm(self.epochs(last), desc=self.run_name, file=sys.stderr, mininterval=5)

    def batches(self, count: int, label: str) -> Iterable[int]:
        """``range(count)`` with a progress bar on standard error (the job's log)."""
        return tqdm(range(count), desc=f"{self.run_name} {label}", file=sys.stderr, leave=False)

    def check_finite(
        self,
        tensors: Iterable[torch.Tensor],
        where: str,
        what: str = "parameters",
        advice: str = "lower the learning rate",
    ) -> None:
        """Stop with FloatingPointError naming the run and ``where`` if any tensor holds NaN or inf."""
        if not all(bool(torch.isfinite(tensor).all()) for tensor in tensors):
            raise FloatingPointError(f"{self.run_name}: {what} became NaN/inf in {where}; {advice}")

    def record(self, row: dict, message: str, state: Callable[[], dict] | None = None) -> None:
        """Append an epoch's history row, print ``message`` and, when the checkpoint is due, save
        ``state()`` (the trainer's tensors) with the epoch and the history."""
        self.history.append(row)
        print(f"[{self.run_name}] {message}", file=sys.stderr, flush=True)
        if state is not None and self.checkpoint is not None and self.checkpoint.due():
            self.checkpoint.save({**state(), "epoch": row["epoch"], "history": self.history})

    def finish(self) -> pd.DataFrame:
        """Clear the checkpoint (training is done; a workflow run's is cleared by the step adapter
        once the outputs are written) and return the history, one row per epoch."""
        if self.checkpoint is not None and self.checkpoint.clear_on_finish:
            self.checkpoint.clear()
        return pd.DataFrame(self.history)
