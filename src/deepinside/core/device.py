"""Choosing where torch computes: one decision, made once per job and recorded."""

from __future__ import annotations

import torch


def select_device(request: str = "auto") -> torch.device:
    """``auto``: CUDA when a GPU is visible, else the CPU; ``cpu``; ``cuda`` (fails without a GPU)."""
    if request == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if request == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config asks for device 'cuda' but torch sees no GPU; use 'auto' or 'cpu'")
    if request not in ("cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {request!r}")
    return torch.device(request)


def describe(device: torch.device) -> str:
    """A short record of the device for logs and tables, e.g. ``cuda (NVIDIA H100)``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def generator(seed: int, device: torch.device) -> torch.Generator:
    """A seeded random generator living on ``device``."""
    return torch.Generator(device=device).manual_seed(int(seed))
