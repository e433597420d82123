"""Two one-thread jobs side by side vs two two-thread jobs in turn, for the workflow's kernels.

The workflow's `threads:` knob (config.yaml) decides how Snakemake fills the cores: with
`--cores 2`, jobs of 2 threads run one at a time, jobs of 1 thread two at a time. Which
finishes a wide DAG sooner depends on how much a second thread speeds one job up. For
each kernel the workflow's long steps spend their time in, this prints, side by side in
one run: seconds of one process at 1 thread and at 2 threads, the speed-up of the second
thread, and the throughput gain of running two 1-thread processes at once over running
two 2-thread processes in turn (> 1: the one-thread setting finishes sooner). Every
process imports and warms up first; then all start their timed loop at the same moment.

    python bench/thread_scaling.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

# each copy limits its threads as a workflow job does (environment, torch, already-loaded BLAS)
SETUP = (
    "import sys, time\n"
    "from deepinside.pipeline.step import limit_threads\n"
    "limit_threads({threads})\n"
    "import torch\n"
    "g = torch.Generator().manual_seed(0)\n"
)

# name -> (setup, one unit of work, units timed); sizes are those of the quick preset's steps
KERNELS = {
    "DBM 784-500-1000: mean field + Gibbs, 100 digits": (
        "from deepinside import dbm\n"
        "s = [784, 500, 1000]\n"
        "p = {f'W{l}': 0.05 * torch.randn(s[l - 1], s[l], generator=g) for l in (1, 2)}\n"
        "p |= {f'b{l}': torch.zeros(n) for l, n in enumerate(s)}\n"
        "v = torch.bernoulli(torch.full((100, 784), 0.2), generator=g)\n"
        "chains = dbm.random_states(p, 100, g)\n",
        "dbm.mean_field(v, p, iterations=10, tolerance=0.0)\nchains = dbm.gibbs_sweep(chains, p, g)\n",
        60,
    ),
    "fine-tuning 784-1000-1000-1000-10, batch 100, Adam": (
        "from deepinside.models.networks import random_mlp\n"
        "net = random_mlp([784, 1000, 1000, 1000, 10], g)\n"
        "opt = torch.optim.Adam(net.parameters(), lr=1e-3)\n"
        "x, y = torch.rand(100, 784, generator=g), torch.arange(100) % 10\n",
        "opt.zero_grad(); torch.nn.functional.cross_entropy(net(x), y).backward(); opt.step()\n",
        100,
    ),
    "AlexNet-shaped x0.25, 64 px, batch 64, SGD": (
        "from deepinside.models.alexnet import digit_network\n"
        "net = digit_network(0.25, 64, g)\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)\n"
        "x, y = torch.rand(64, 784, generator=g), torch.arange(64) % 10\n",
        "opt.zero_grad(); torch.nn.functional.cross_entropy(net(x), y).backward(); opt.step()\n",
        40,
    ),
    "tishby ensemble: 10 nets 12-10-7-5-4-3-2, 20 epochs": (
        "from deepinside import sphere_task\n"
        "from deepinside.models.ensemble import train_ensemble\n"
        "d = sphere_task.generate()\n",
        "train_ensemble(d['x'], d['y'], sizes=[12, 10, 7, 5, 4, 3, 2], activation='tanh', fraction=0.85, epochs=20,"
        " learning_rate=4e-4, batch_size=512, seed=0, device=torch.device('cpu'), n_members=10, record_epochs=[],"
        " run_name='bench')\n",
        15,
    ),
    "singular values of 1000x784 float64 (DBN spectra)": (
        "a = torch.randn(10, 1000, 784, generator=g, dtype=torch.float64)\n",
        "torch.linalg.svdvals(a)\n",
        3,
    ),
}

PROGRAM = """{setup}
for _ in range(2):
{body}
print("ready", flush=True)
sys.stdin.readline()  # "go": every copy is ready
started = time.perf_counter()
for _ in range({units}):
{body}
print(time.perf_counter() - started)
"""


def indent(code: str) -> str:
    return "".join("    " + line + "\n" for line in code.splitlines())


def run_together(kernel: tuple[str, str, int], threads: int, processes: int) -> list[float]:
    """Seconds of the timed loop of each of ``processes`` copies started together."""
    setup, body, units = kernel
    code = PROGRAM.format(setup=SETUP.format(threads=threads) + setup, body=indent(body), units=units)
    jobs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(processes)
    ]
    for job in jobs:  # each has imported and warmed up
        if job.stdout.readline().strip() != "ready":
            raise RuntimeError("a benchmark process failed before its timed loop")
    for job in jobs:
        job.stdin.write("go\n")
        job.stdin.flush()
    outputs = [job.communicate()[0] for job in jobs]
    if any(job.returncode for job in jobs):
        raise RuntimeError(f"a benchmark process failed: {outputs}")
    return [float(out.split()[-1]) for out in outputs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the three measurements; medians are printed")
    args = parser.parse_args()
    print(
        f"{'kernel':52s} {'1 thread s':>10s} {'2 threads s':>11s} {'speed-up':>8s} {'2x1 side by side s':>18s} {'gain':>6s}"
    )
    for name, kernel in KERNELS.items():
        one, two, pair = [], [], []
        for _ in range(args.repeats):  # the three back to back: they see the machine at the same speed
            one.append(run_together(kernel, 1, 1)[0])
            two.append(run_together(kernel, 2, 1)[0])
            pair.append(max(run_together(kernel, 1, 2)))
        t1, t2, t11 = statistics.median(one), statistics.median(two), statistics.median(pair)
        print(f"{name:52s} {t1:10.2f} {t2:11.2f} {t1 / t2:7.2f}x {t11:18.2f} {2 * t2 / t11:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
