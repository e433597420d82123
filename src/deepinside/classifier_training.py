"""Supervised training by back-propagation: mini-batch SGD with momentum on cross-entropy.

Used for the fine-tuning of pre-trained DBNs, their randomly initialised twins and the
CNN (Okatani & Saito 2013, "NNの学習": Δw(t) = α Δw(t−1) − ε ∂C/∂w, C = −Σ d_j log p_j).
Every epoch logs train/test loss and error; with an :class:`EpochCheckpoint` the run
resumes after a kill with identical numbers; a NaN loss stops it with an error that
names the run.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from .checkpointing import EpochCheckpoint
from .device import describe, generator as make_generator
from .evaluation import evaluate


def epochs_for(n_examples: int, batch_size: int, epochs: int, min_updates: int) -> int:
    """Epochs to run so that small training sets still get ``min_updates`` parameter updates."""
    batches = max(1, math.ceil(n_examples / batch_size))
    return max(epochs, math.ceil(min_updates / batches))


def train_classifier(
    model: nn.Module,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    epochs: int,
    learning_rate: float,
    momentum: float,
    batch_size: int,
    weight_decay: float,
    seed: int,
    device: torch.device,
    run_name: str,
    checkpoint: EpochCheckpoint | None = None,
) -> pd.DataFrame:
    """Train ``model`` in place; return one history row per epoch (epoch 0 = before training)."""
    model.to(device)
    x = torch.as_tensor(np.asarray(x_train, dtype=np.float32), device=device)
    y = torch.as_tensor(np.asarray(y_train, dtype=np.int64), device=device)
    x_eval = torch.as_tensor(np.asarray(x_test, dtype=np.float32), device=device)
    y_eval = torch.as_tensor(np.asarray(y_test, dtype=np.int64), device=device)
    gen = make_generator(seed, device)
    optimiser = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum, weight_decay=weight_decay)
    where = describe(device)
    history: list[dict] = []
    start_epoch = 0
    if checkpoint is not None and (state := checkpoint.load()) is not None:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        gen.set_state(state["generator"])
        history = [dict(row) for row in state["history"]]
        start_epoch = state["epoch"]
    if start_epoch == 0:
        history.append(_row(model, x, y, x_eval, y_eval, 0, float("nan"), 0.0, where))
    n = len(y)
    for epoch in range(start_epoch + 1, epochs + 1):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=gen, device=device)
        total, seen = 0.0, 0
        batches = range(0, n, batch_size)
        for first in tqdm(batches, desc=f"{run_name} epoch {epoch}/{epochs}", file=sys.stderr, leave=False):
            index = order[first : first + batch_size]
            loss = nn.functional.cross_entropy(model(x[index]), y[index])
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"{run_name}: training loss became {float(loss.detach())} in epoch {epoch} (batch starting at "
                    f"example {first}); lower the learning rate"
                )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(index)
            seen += len(index)
        row = _row(model, x, y, x_eval, y_eval, epoch, total / seen, time.perf_counter() - started, where)
        history.append(row)
        print(
            f"[{run_name}] epoch {epoch}/{epochs}: loss {row['batch_loss']:.4f}, train error {row['train_error']:.4f},"
            f" test error {row['test_error']:.4f} ({row['seconds']:.1f} s, {where})",
            file=sys.stderr,
            flush=True,
        )
        if checkpoint is not None:
            checkpoint.save(
                {
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "generator": gen.get_state(),
                    "history": history,
                }
            )
    model.eval()
    if checkpoint is not None:  # finished: a later run (e.g. after a code change) starts afresh
        checkpoint.clear()
    return pd.DataFrame(history)


def _row(model, x, y, x_eval, y_eval, epoch, batch_loss, seconds, where) -> dict:
    train_loss, train_error = evaluate(model, x, y)
    test_loss, test_error = evaluate(model, x_eval, y_eval)
    return {
        "epoch": epoch,
        "batch_loss": batch_loss,
        "train_loss": train_loss,
        "train_error": train_error,
        "test_loss": test_loss,
        "test_error": test_error,
        "seconds": seconds,
        "device": where,
    }
