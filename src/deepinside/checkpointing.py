"""Epoch checkpoints: a killed training job resumes from its last complete epoch.

A checkpoint is a private file of one training run, beside (not among) the rule's
outputs. It is written atomically at an epoch boundary and stamped with a fingerprint of
everything that determines the run (hyper-parameters, data, seed); a checkpoint whose
fingerprint differs is ignored, so a changed knob restarts cleanly instead of resuming
someone else's run. The rule's real outputs are only written when training finishes,
so downstream rules never see a half-trained model.

A checkpoint holds the complete state of the loop, so resuming from any epoch gives the
same numbers as an uninterrupted run; how often it is written only decides how much work
a killed job loses. The workflow's runs (:func:`for_run`) save at the first epoch
boundary after every :data:`SAVE_INTERVAL_S` seconds of training: saving the 45 MB state of
a 784-1000-1000-1000-10 net (weights, Adam moments, best weights so far) after every epoch
made an epoch on 80 digits take about three times as long as with no checkpoint
(``python bench/checkpoint_interval.py`` prints the three settings side by side).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .io import atomic_output

SAVE_INTERVAL_S = 30.0  # the workflow's runs lose at most about this much training when killed


def fingerprint(**parts: Any) -> str:
    """A stable hash of hyper-parameters and data (arrays are hashed by content)."""
    digest = hashlib.sha256()
    for key in sorted(parts):
        value = parts[key]
        digest.update(key.encode())
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        if isinstance(value, np.ndarray):
            digest.update(str(value.dtype).encode() + str(value.shape).encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class EpochCheckpoint:
    """Save and restore the full state of a training loop at epoch boundaries.

    ``min_interval``: seconds of training between saves (0: after every epoch). A loop
    asks :meth:`due` at each epoch boundary and builds and saves its state only then.
    ``clock`` returns seconds (monotonic); tests pass their own.
    """

    def __init__(self, path: str | os.PathLike, fingerprint: str, min_interval: float = 0.0, clock=time.monotonic):
        if min_interval < 0:
            raise ValueError(f"checkpoint {path}: min_interval must be >= 0 seconds, got {min_interval}")
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.min_interval = float(min_interval)
        self.clock = clock
        self.last_saved = clock()  # the run's start: the first save comes after min_interval of training

    def due(self) -> bool:
        """Whether the loop should save now: ``min_interval`` seconds have passed since the last save (or the start)."""
        return self.clock() - self.last_saved >= self.min_interval

    def load(self) -> dict | None:
        """The saved state if it exists and belongs to this run, else None."""
        if not self.path.exists():
            return None
        import torch

        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as error:  # unreadable: treat as absent, say so
            print(f"[checkpoint] ignoring unreadable {self.path}: {error}", file=sys.stderr)
            return None
        if state.get("fingerprint") != self.fingerprint:
            print(f"[checkpoint] ignoring {self.path}: it belongs to other settings", file=sys.stderr)
            return None
        print(f"[checkpoint] resuming from {self.path} after epoch {state['epoch']}", file=sys.stderr)
        return state

    def save(self, state: dict) -> None:
        import torch

        with atomic_output(self.path) as tmp:
            torch.save({**state, "fingerprint": self.fingerprint}, tmp)
        self.last_saved = self.clock()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def for_run(path: str | os.PathLike | None, **parts: Any) -> EpochCheckpoint | None:
    """The checkpoint of a workflow run, saved every :data:`SAVE_INTERVAL_S` seconds and stamped
    with the fingerprint of ``parts``; None without a path."""
    return None if path is None else EpochCheckpoint(path, fingerprint(**parts), min_interval=SAVE_INTERVAL_S)
