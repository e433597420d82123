"""Evaluating classifiers: loss, error rate, class probabilities, confident labels."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def predict_probabilities(model: nn.Module, x: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """Softmax class probabilities of ``model`` for the rows of ``x`` (evaluation mode)."""
    was_training = model.training
    model.eval()
    out = torch.cat([torch.softmax(model(x[i : i + batch_size]), dim=1) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 2048) -> tuple[float, float]:
    """Mean cross-entropy (nats) and error rate of ``model`` on (x, y)."""
    probabilities = predict_probabilities(model, x, batch_size)
    loss = float(-torch.log(probabilities[torch.arange(len(y)), y].clamp_min(1e-12)).mean())
    return loss, float((probabilities.argmax(1) != y).float().mean())
