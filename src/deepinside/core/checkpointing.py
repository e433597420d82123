"""Epoch checkpoints: a killed training job resumes from its last complete epoch.

A checkpoint is a private file of one training run, beside (not among) the rule's
outputs. It is written atomically at an epoch boundary (with its SHA-256, see
:mod:`deepinside.core.files`) and stamped with a fingerprint of everything that determines the
run (hyper-parameters, data, seed) and with the fingerprint of the code that wrote it
(:mod:`deepinside.core.code_version`). A checkpoint whose settings differ is ignored, so a
changed knob restarts cleanly instead of resuming someone else's run; one written by
other code is discarded, so an edit to, say, ``rbm.py`` between a killed run and its
re-run never gives a model half trained by the old code and half by the new. The rule's real outputs are only written when training finishes,
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

from deepinside.core import files

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

    def __init__(
        self,
        path: str | os.PathLike,
        fingerprint: str,
        min_interval: float = 0.0,
        clock=time.monotonic,
        code: str = "",
        clear_on_finish: bool = True,
    ):
        if min_interval < 0:
            raise ValueError(f"checkpoint {path}: min_interval must be >= 0 seconds, got {min_interval}")
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.code = code  # fingerprint of the training code (deepinside.core.code_version)
        self.min_interval = float(min_interval)
        self.clock = clock
        self.last_saved = clock()  # the run's start: the first save comes after min_interval of training
        # False for the workflow's runs: the step adapter removes the checkpoint only once every
        # output is written and verified, so a failed write (a full disk) does not lose the training
        self.clear_on_finish = clear_on_finish

    def due(self) -> bool:
        """Whether the loop should save now: ``min_interval`` seconds have passed since the last save (or the start)."""
        return self.clock() - self.last_saved >= self.min_interval

    def load(self) -> dict | None:
        """The saved state if it exists and belongs to this run, else None."""
        if not self.path.exists():
            return None
        try:
            state = files.read(self.path, digest_required=True)
        except Exception as error:  # unreadable or corrupt: treat as absent, say so
            print(f"[checkpoint] ignoring unreadable {self.path}: {error}", file=sys.stderr)
            return None
        if not isinstance(state, dict):
            print(f"[checkpoint] ignoring {self.path}: not a checkpoint", file=sys.stderr)
            return None
        if state.get("code", "") != self.code:
            print(
                f"[checkpoint] discarding {self.path}: written by other code (code {state.get('code') or 'unknown'},"
                f" now {self.code or 'unknown'}); training starts afresh",
                file=sys.stderr,
            )
            self.clear()
            return None
        if state.get("fingerprint") != self.fingerprint:
            print(f"[checkpoint] ignoring {self.path}: it belongs to other settings", file=sys.stderr)
            return None
        print(f"[checkpoint] resuming from {self.path} after epoch {state['epoch']}", file=sys.stderr)
        return state

    def save(self, state: dict) -> None:
        files.write({**state, "fingerprint": self.fingerprint, "code": self.code}, self.path)
        self.last_saved = self.clock()

    def clear(self) -> None:
        remove(self.path)


def for_run(path: str | os.PathLike | None, code_of: str, **parts: Any) -> EpochCheckpoint | None:
    """The checkpoint of a workflow run, saved every :data:`SAVE_INTERVAL_S` seconds, stamped with
    the fingerprint of ``parts`` and with that of the code of module ``code_of`` (the step's
    module, ``__name__``, with every package module it imports) and the torch and numpy
    versions; None without a path. It outlives the end of training: the step adapter
    (:func:`deepinside.pipeline.step.run`) removes it after the job's outputs are written."""
    if path is None:
        return None
    import torch

    from deepinside.core import code_version

    code = f"{code_version.running_fingerprint(code_of)} torch {torch.__version__} numpy {np.__version__}"
    return EpochCheckpoint(path, fingerprint(**parts), min_interval=SAVE_INTERVAL_S, code=code, clear_on_finish=False)


def remove(path: str | os.PathLike) -> None:
    """Remove a checkpoint and its digest (nothing where there is none)."""
    Path(path).unlink(missing_ok=True)
    files.digest_path(path).unlink(missing_ok=True)
