"""A 2-layer DBM (784-500-1000) trained with the reference protocol on all 60,000 MNIST
digits, for as long as a CPU session allows, with the paper's measures along the way.

Not a test and not part of the workflow: a long run whose results go into the docs
(``docs/dbm_full_mnist.md``). Two steps, so the measuring can run after (or beside) the
training:

    python bench/dbm_full_mnist.py train --mnist ~/data/MNIST/raw --out runs/dbm_full \\
        --epochs 30 --pretraining-epochs 20 --every 5
    python bench/dbm_full_mnist.py measure --mnist ~/data/MNIST/raw --out runs/dbm_full \\
        --judge results/quick/seed0/okatani2013/samples/digit_judge.pt

``train`` reads the four IDX files through the pipeline's local source (MD5-checked),
trains with ``config.yaml``'s quick DBM settings (the reference protocol) but for
``--epochs`` joint and ``--pretraining-epochs`` pre-training epochs, and saves the
parameters after pre-training and every ``--every`` joint epochs (``snapshot_<epoch>.pt``)
and the history. ``measure`` gives each snapshot an AIS log Z (Salakhutdinov & Murray's
14,500-β schedule, 100 runs unless told), the variational lower bound on the test
log-likelihood (10,000 test digits, binarised once) at that estimate and at the cautious
log Z (the upper 3-s.e. end or the certain lower bound from states near the test digits,
whichever is larger), and the class coverage of 100
chains from random states after 10, 100, 1,000 and 10,000 Gibbs steps, judged by O3's
digit judge; it writes ``measures.csv`` (``--csv``), one row per snapshot.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from deepinside.core import files
from deepinside.data import mnist
from deepinside.measures import ais  # noqa: E402
from deepinside.models import dbm, digit_judge, networks
from deepinside.models.evaluation import predict_probabilities  # noqa: E402


def settings() -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    return config["presets"]["quick"]["okatani2013"]["samples"]["dbm"]


def train(args) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = mnist.read_local_folder(args.mnist)
    x = mnist.to_unit_interval(data["x_train"])
    dbm_settings = {k: v for k, v in settings().items() if k != "architectures"}
    dbm_settings["epochs"] = args.epochs
    dbm_settings["pretraining"] = {**dbm_settings["pretraining"], "epochs": args.pretraining_epochs}
    print(f"training 784-500-1000 on {len(x)} digits: {dbm_settings}", flush=True)

    def snapshot(epoch: int, params: dict) -> None:
        if epoch % args.every == 0 or epoch == args.epochs:
            torch.save(params, out / f"snapshot_{epoch:03d}.pt")
            print(f"snapshot after joint epoch {epoch} ({time.strftime('%H:%M:%S')})", flush=True)

    started = time.perf_counter()
    _, history = dbm.train_dbm(
        x,
        [500, 1000],
        seed=args.seed,
        device=torch.device("cpu"),
        run_name="DBM 784-500-1000 full MNIST",
        on_epoch=snapshot,
        **dbm_settings,
    )
    history.to_csv(out / "history.csv", index=False)
    print(f"done in {time.perf_counter() - started:.0f} s", flush=True)


def coverage(params: dict, judge, steps: list[int], chains: int, seed: int, confidence: float) -> dict:
    gen = torch.Generator().manual_seed(seed)
    states = dbm.random_states(params, chains, gen)
    out, done = {}, 0
    for target in sorted(steps):
        for _ in range(target - done):
            states = dbm.gibbs_sweep(states, params, gen)
        done = target
        images = dbm.layer_probabilities(states, params, 0).numpy()
        labels = digit_judge.confident_labels(predict_probabilities(judge, torch.as_tensor(images)).numpy(), confidence)
        out[target] = (len(np.unique(labels)), len(labels) / chains)
    return out


def measure(args) -> None:
    out = Path(args.out)
    data = mnist.read_local_folder(args.mnist)
    test = ais.binarize_once(mnist.to_unit_interval(data["x_test"]), seed=30)
    base = ais.visible_base(mnist.to_unit_interval(data["x_train"]))
    judge = networks.LeNet(digit_judge.NOT_A_DIGIT + 1)
    judge.load_state_dict(files.read(args.judge))
    judge.eval()
    table = out / args.csv
    rows = []
    done = set(pd.read_csv(table)["epoch"]) if table.exists() and not args.redo else set()
    if done:
        rows = pd.read_csv(table).to_dict("records")
    for path in sorted(out.glob("snapshot_*.pt")):
        epoch = int(path.stem.split("_")[1])
        if epoch in done or (args.epochs and epoch not in args.epochs):
            continue
        params = torch.load(path, weights_only=True)
        started = time.perf_counter()
        z = ais.log_partition(
            params, ais.schedule(args.betas), args.runs, torch.Generator().manual_seed(args.seed), base
        )
        bound = ais.dbm_log_likelihood_bound(test, params, z["log_z"])
        lower = ais.log_partition_lower_bound(
            params, ais.states_near_data(params, test, 2, torch.Generator().manual_seed(args.seed))
        )
        cautious = max(z["log_z_high"], lower)
        ais_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cover = coverage(params, judge, [10, 100, 1000, 10000], 100, args.seed, 0.9)
        row = {
            "epoch": epoch,
            "updates": epoch * 600,
            "betas": args.betas,
            "runs": args.runs,
            "log_z": z["log_z"],
            "log_z_se": z["log_z_se"],
            "test_log_likelihood_bound": bound,
            "log_z_lower_bound": lower,
            "test_log_likelihood_bound_low": bound - (cautious - z["log_z"]),
            "ais_seconds": ais_seconds,
            "coverage_seconds": time.perf_counter() - started,
            **{f"classes_{s}": c for s, (c, _) in cover.items()},
            **{f"digit_fraction_{s}": f for s, (_, f) in cover.items()},
        }
        rows.append(row)
        print(row, flush=True)
        pd.DataFrame(rows).sort_values("epoch").to_csv(table, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    m = sub.add_parser("measure")
    for p in (t, m):
        p.add_argument("--mnist", required=True, help="folder with the four MNIST IDX files")
        p.add_argument("--out", required=True)
        p.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--pretraining-epochs", type=int, default=20)
    t.add_argument("--every", type=int, default=5)
    m.add_argument(
        "--judge", required=True, help="O3's digit judge (results/<preset>/seed0/okatani2013/samples/digit_judge.pt)"
    )
    m.add_argument("--betas", type=int, default=14500)
    m.add_argument("--runs", type=int, default=100)
    m.add_argument("--redo", action="store_true")
    m.add_argument("--csv", default="measures.csv", help="table to write under --out")
    m.add_argument("--epochs", type=int, nargs="*", help="only these snapshots (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    {"train": train, "measure": measure}[args.command](args)


if __name__ == "__main__":
    main()
