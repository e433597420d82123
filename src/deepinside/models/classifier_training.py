"""Supervised training by back-propagation on cross-entropy, in phases, with early stopping.

Used for the fine-tuning of pre-trained DBNs and their randomly initialised twins, the
CNN and the digit judge (Okatani & Saito 2013, "NNの学習": Δw(t) = α Δw(t−1) − ε ∂C/∂w,
C = −Σ d_j log p_j).

A run is a list of :class:`Phase` objects, trained one after another with one optimiser
(SGD with momentum, or Adam). A phase trains either on the training examples alone or
on the training and the validation examples together (``all_data``), at its own
learning rate, for at most ``epochs`` epochs; with ``patience`` it stops once the
validation error has not improved for that many epochs (but not before ``min_epochs``)
and goes back to the weights of its best validation epoch (early stopping). The recipe of the talk's cuda-convnet
practice section is two such phases: hold one training batch out and train until its
error stops falling, then train on all batches at a lower learning rate for about ten
epochs.

Every epoch logs the mean loss of its mini-batches, the validation loss and error, and
its phase; and, unless told to evaluate them once at the end (each costs a forward pass
over its whole set every epoch: for the conv nets here, about a third of the job), the
train and test loss and error. With an
:class:`EpochCheckpoint` a killed run resumes with identical numbers; a NaN loss stops
it with an error that names the run. Randomness comes from the seed only: batch order
from an explicit generator, and what modules draw from torch's global generator
(dropout) from a forked stream seeded by the run, saved in every checkpoint.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from deepinside.core.checkpointing import EpochCheckpoint
from deepinside.core.device import describe
from deepinside.core.device import generator as make_generator
from deepinside.models.evaluation import evaluate
from deepinside.models.training import TrainingRun

OPTIMISERS = ("sgd", "adam")


@dataclass(frozen=True)
class Phase:
    """One stage of a training run (see the module docstring)."""

    name: str
    epochs: int
    learning_rate: float
    patience: int | None = None
    all_data: bool = False
    min_epochs: int = 0  # early stopping may not end the phase before this many epochs


def early_stopping_fired(phase: Phase, progress: dict) -> bool:
    """Whether ``phase`` ends now: under early stopping, ``patience`` epochs without a better
    held-out score, and at least ``min_epochs`` of the phase done. Read from the loop's
    saved state, so a run resumed from the epoch that fired does not train that phase on."""
    return (
        phase.patience is not None
        and progress["phase_epoch"] > 0
        and progress["since_best"] >= phase.patience
        and progress["phase_epoch"] >= phase.min_epochs
    )


def epochs_for(n_examples: int, batch_size: int, epochs: int, min_updates: int) -> int:
    """Epochs to run so that small training sets still get ``min_updates`` parameter updates."""
    batches = max(1, math.ceil(n_examples / batch_size))
    return max(epochs, math.ceil(min_updates / batches))


def validation_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) of a seeded random split holding out ``fraction`` (at least one example)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must lie in (0, 1), got {fraction}")
    n_val = max(1, int(round(fraction * n)))
    if n_val >= n:
        raise ValueError(f"{n} examples are too few to hold {fraction:.0%} out for validation")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _optimiser(model: nn.Module, kind: str, learning_rate: float, momentum: float, weight_decay: float):
    if kind == "sgd":
        return torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum, weight_decay=weight_decay)
    if kind == "adam":
        return torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    raise ValueError(f"optimiser must be one of {OPTIMISERS}, got {kind!r}")


def train_classifier(
    model: nn.Module,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    phases: list[Phase],
    batch_size: int,
    seed: int,
    device: torch.device,
    run_name: str,
    optimiser: str = "sgd",
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    checkpoint: EpochCheckpoint | None = None,
    test_every_epoch: bool = True,
    train_every_epoch: bool = True,
) -> pd.DataFrame:
    """Train ``model`` in place through ``phases``; return one history row per epoch (epoch 0 = before training).

    The history's ``selected`` column marks, per phase, the epoch whose weights the phase
    ended with (its last epoch, or its best validation epoch under early stopping). With
    ``test_every_epoch`` (``train_every_epoch``) off, the test set (the training
    examples) is evaluated once, for the final model, and its numbers go into the last
    selected row (the others hold NaN): the same numbers as evaluating every epoch would
    give that row, since the final model has that row's weights. Training is unchanged.
    """
    if any(p.patience is not None or p.all_data for p in phases) and x_val is None:
        raise ValueError(f"{run_name}: early stopping and all-data phases need validation examples")
    model.to(device)
    as_x = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32), device=device)
    as_y = lambda a: torch.as_tensor(np.asarray(a, dtype=np.int64), device=device)
    x, y, x_eval, y_eval = as_x(x_train), as_y(y_train), as_x(x_test), as_y(y_test)
    validation = (as_x(x_val), as_y(y_val)) if x_val is not None else None
    x_all = torch.cat([x, validation[0]]) if validation is not None else x
    y_all = torch.cat([y, validation[1]]) if validation is not None else y
    gen = make_generator(seed, device)
    opt = _optimiser(model, optimiser, phases[0].learning_rate, momentum, weight_decay)
    where = describe(device)
    # Modules that draw from torch's global generator (dropout) draw from a stream of the run's own seed,
    # in a forked generator: the caller's state is left as it was, and checkpoints save the stream.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(int(np.random.SeedSequence([seed, 1]).generate_state(1)[0]))
        run = TrainingRun(run_name, checkpoint)
        progress = {
            "phase": 0,
            "epoch": 0,
            "phase_epoch": 0,
            "best": None,
            "since_best": 0,
            "best_state": None,
            "selected": [],
        }
        if (state := run.resume()) is not None:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimiser"])
            gen.set_state(state["generator"])
            _set_global_state(state["global_generator"], device)
            progress = state["progress"]
        if progress["epoch"] == 0 and not run.history:
            run.history.append(
                _row(
                    model,
                    x,
                    y,
                    validation,
                    x_eval,
                    y_eval,
                    0,
                    "start",
                    float("nan"),
                    0.0,
                    where,
                    test_every_epoch,
                    train_every_epoch,
                )
            )
        for index in range(progress["phase"], len(phases)):
            phase = phases[index]
            for group in opt.param_groups:
                group["lr"] = phase.learning_rate
            inputs, targets = (x_all, y_all) if phase.all_data else (x, y)
            stop = early_stopping_fired(phase, progress)  # True only when resumed at the epoch that ended the phase
            while progress["phase_epoch"] < phase.epochs and not stop:
                progress["epoch"] += 1
                progress["phase_epoch"] += 1
                epoch = progress["epoch"]
                started = time.perf_counter()
                loss = _one_epoch(model, opt, inputs, targets, batch_size, gen, run, f"{phase.name} epoch {epoch}")
                row = _row(
                    model,
                    x,
                    y,
                    validation,
                    x_eval,
                    y_eval,
                    epoch,
                    phase.name,
                    loss,
                    time.perf_counter() - started,
                    where,
                    test_every_epoch,
                    train_every_epoch,
                )
                if phase.patience is not None:
                    score = (row["validation_error"], row["validation_loss"])
                    if progress["best"] is None or score < tuple(progress["best"]):
                        progress.update(
                            best=list(score),
                            since_best=0,
                            best_state=copy.deepcopy(model.state_dict()),
                            best_epoch=epoch,
                        )
                    else:
                        progress["since_best"] += 1
                stop = early_stopping_fired(phase, progress)
                run.record(
                    row,
                    f"{phase.name} epoch {epoch}: loss {row['batch_loss']:.4f}"
                    + (f", train error {row['train_error']:.4f}" if train_every_epoch else "")
                    + (f", validation error {row['validation_error']:.4f}" if validation is not None else "")
                    + (f", test error {row['test_error']:.4f}" if test_every_epoch else "")
                    + f" ({row['seconds']:.1f} s, {where})",
                    lambda: {
                        "model": model.state_dict(),
                        "optimiser": opt.state_dict(),
                        "generator": gen.get_state(),
                        "global_generator": _global_state(device),
                        "progress": progress,
                    },
                )
            selected = progress["epoch"]
            if phase.patience is not None and progress["best_state"] is not None:
                model.load_state_dict(progress["best_state"])
                selected = progress["best_epoch"]
            progress["selected"].append(selected)
            progress.update(phase=index + 1, phase_epoch=0, best=None, since_best=0, best_state=None)
        model.eval()
        frame = run.finish()
        frame["selected"] = frame["epoch"].isin(progress["selected"])
        last = frame.index[frame["selected"]][-1]
        if not train_every_epoch:
            frame.loc[last, ["train_loss", "train_error"]] = evaluate(model, x, y)
        if not test_every_epoch:
            frame.loc[last, ["test_loss", "test_error"]] = evaluate(model, x_eval, y_eval)
        return frame


def _global_state(device: torch.device) -> dict:
    """torch's global generator states the run uses (the CPU one, and the GPU's on a GPU)."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_global_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def _one_epoch(model, opt, x, y, batch_size, gen, run: TrainingRun, label: str) -> float:
    model.train()
    order = torch.randperm(len(y), generator=gen, device=x.device)
    total, seen = 0.0, 0
    for batch in run.batches(-(-len(y) // batch_size), label):
        first = batch * batch_size
        index = order[first : first + batch_size]
        loss = nn.functional.cross_entropy(model(x[index]), y[index])
        run.check_finite([loss.detach()], f"{label} (batch starting at example {first})", what="training loss")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * len(index)
        seen += len(index)
    return total / seen


def _row(
    model, x, y, validation, x_eval, y_eval, epoch, phase, batch_loss, seconds, where, with_test=True, with_train=True
) -> dict:
    train_loss, train_error = evaluate(model, x, y) if with_train else (float("nan"), float("nan"))
    test_loss, test_error = evaluate(model, x_eval, y_eval) if with_test else (float("nan"), float("nan"))
    val_loss, val_error = evaluate(model, *validation) if validation is not None else (float("nan"), float("nan"))
    return {
        "epoch": epoch,
        "phase": phase,
        "batch_loss": batch_loss,
        "train_loss": train_loss,
        "train_error": train_error,
        "validation_loss": val_loss,
        "validation_error": val_error,
        "test_loss": test_loss,
        "test_error": test_error,
        "seconds": seconds,
        "device": where,
    }
