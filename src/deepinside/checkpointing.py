"""Epoch checkpoints: a killed training job resumes from its last complete epoch.

A checkpoint is a private file of one training run, beside (not among) the rule's
outputs. It is written atomically after every epoch and stamped with a fingerprint of
everything that determines the run (hyper-parameters, data, seed); a checkpoint whose
fingerprint differs is ignored, so a changed knob restarts cleanly instead of resuming
someone else's run. The rule's real outputs are only written when training finishes,
so downstream rules never see a half-trained model.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .io import atomic_output


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
    """Save and restore the full state of a training loop at epoch boundaries."""

    def __init__(self, path: str | os.PathLike, fingerprint: str):
        self.path = Path(path)
        self.fingerprint = fingerprint

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

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def for_run(path: str | os.PathLike | None, **parts: Any) -> EpochCheckpoint | None:
    """The checkpoint of a training run stamped with the fingerprint of ``parts``; None without a path."""
    return None if path is None else EpochCheckpoint(path, fingerprint(**parts))
