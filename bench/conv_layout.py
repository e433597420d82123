"""One SGD training step of the pipeline's two conv nets, weights in the default (NCHW) layout vs channels-last.

The LeNet (O3's judge, O5) and the AlexNet-shaped digit network (M6–M9) are built with
channels-last convolution weights, oneDNN's fast path on the CPU. This prints, side by
side in one run, the seconds per training step (batch of 64, SGD with momentum) of each
net in both layouts, and the largest difference of their outputs (the same function).

    python bench/conv_layout.py [--threads 2] [--steps 30]
"""

from __future__ import annotations

import argparse
import time

import torch

from deepinside.models.alexnet import digit_network
from deepinside.models.networks import lenet

NETS = {
    "LeNet (O3 judge, O5)": lambda: lenet(torch.Generator().manual_seed(0)),
    "AlexNet-shaped ×0.25, 64 px (M6-M9)": lambda: digit_network(0.25, 64, torch.Generator().manual_seed(0)),
}


def seconds_per_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimiser.step()

    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = torch.rand(64, 784, generator=torch.Generator().manual_seed(1)), torch.arange(64) % 10
    print(f"{'network':>36} {'NCHW s/step':>12} {'channels-last':>14} {'ratio':>6}  max |Δ output|")
    for name, build in NETS.items():
        fast = build().eval()
        plain = build().to(memory_format=torch.contiguous_format).eval()
        with torch.no_grad():
            difference = float((fast(x) - plain(x)).abs().max())
        fast.train(), plain.train()
        t_plain = seconds_per_step(plain, x, y, args.steps)
        t_fast = seconds_per_step(fast, x, y, args.steps)
        print(f"{name:>36} {t_plain:12.4f} {t_fast:14.4f} {t_plain / t_fast:5.1f}x  {difference:.1e}")


if __name__ == "__main__":
    main()
