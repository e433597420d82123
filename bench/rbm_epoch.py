"""RBM epoch time: deepinside vs scikit-learn's BernoulliRBM vs the matmul floor, side by side.

Same data (the quick preset's 4,000 MNIST training images, grey levels in [0, 1]), same
size (784 → 1000 hidden units), same mini-batches of 100, one epoch each, on the CPU
with the same number of threads. The "matmul floor" times only the five GEMMs a CD-1
update needs per mini-batch (v·W, h·Wᵀ, v'·W, vᵀ·p(h|v), v'ᵀ·p(h|v')) — no sampling,
no sigmoid, no bookkeeping — so ours / floor is the overhead of everything else.

    python bench/rbm_epoch.py [--threads 2] [--repeats 3] [--hidden 1000]
"""

from __future__ import annotations

import argparse
import time

import torch
from sklearn.neural_network import BernoulliRBM

from deepinside.data import mnist
from deepinside.models.rbm import train_rbm


def best_of(repeats, function):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    x, y = mnist.embedded_subset()
    x_train, _, _, _ = mnist.stratified_split(x, y, 0.2, seed=0)
    data = mnist.to_unit_interval(x_train)
    n, batch = len(data), 100
    settings = dict(
        n_hidden=args.hidden,
        epochs=1,
        learning_rate=0.1,
        initial_momentum=0.5,
        final_momentum=0.9,
        momentum_switch_epoch=5,
        weight_cost=2e-4,
        batch_size=batch,
        k=1,
        persistent=False,
        sample_visible=False,
        init_scale=0.01,
        seed=0,
        device=torch.device("cpu"),
    )

    def ours():
        train_rbm(data, **settings)

    def sklearn():
        BernoulliRBM(n_components=args.hidden, learning_rate=0.1, batch_size=batch, n_iter=1, random_state=0).fit(data)

    xt = torch.as_tensor(data)
    w = torch.randn(784, args.hidden) * 0.01

    def floor():
        for start in range(0, n - batch + 1, batch):
            v = xt[start : start + batch]
            h = v @ w
            v2 = h @ w.T
            h2 = v2 @ w
            _ = v.T @ h
            _ = v2.T @ h2

    for warm_up in (ours, sklearn, floor):
        warm_up()
    t_ours = best_of(args.repeats, ours)
    t_sklearn = best_of(args.repeats, sklearn)
    t_floor = best_of(args.repeats, floor)
    print(f"RBM 784→{args.hidden}, CD-1, {n} images, batch {batch}, {args.threads} threads, best of {args.repeats}")
    print(f"  deepinside.models.rbm.train_rbm      {t_ours:7.3f} s/epoch")
    print(f"  sklearn BernoulliRBM (PCD-1)  {t_sklearn:7.3f} s/epoch")
    print(f"  matmul floor (5 GEMMs/batch)  {t_floor:7.3f} s/epoch")
    print(f"  ratio sklearn / ours          {t_sklearn / t_ours:7.2f}x")
    print(f"  ratio ours / floor            {t_ours / t_floor:7.2f}x")


if __name__ == "__main__":
    main()
