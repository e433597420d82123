"""The paper preset's cost, projected from one short slice of each of its heavy steps.

Each slice runs the package's own kernel at the paper preset's sizes on synthetic data
of the right shape (timing does not depend on the values), for a few units of work:
RBM / DBM updates, fine-tuning and CNN updates, one ensemble epoch, GAMP iterations,
AIS steps, Gibbs sweeps, Jacobian spectra, AlexNet passes. The projection is seconds per
unit × the units the paper preset runs (read from config.yaml, per seed), printed per
step, per talk and in total, beside the quick preset's units of the same step.

    python bench/paper_cost.py [--device cpu|cuda] [--threads 1] [--out bench/out/paper_cost.csv]

On one CPU thread the projection is CPU-hours of one job at a time; on a GPU it is the
GPU time. Steps not timed here (t-SNE: openTSNE runs on the CPU only, see bench/tsne.py;
the exact likelihood of O2, the data and figure steps) are listed with their
unit counts and no time. A projection is a lower bound where a step does more than its
kernel (evaluations, checkpoints), and where early stopping may end it sooner it is an
upper bound: both are said in the table's `note`.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from deepinside.measures import ais, jacobian
from deepinside.models import dbm, ensemble, networks, rbm
from deepinside.pipeline.grids import log_grid
from deepinside.pipeline.presets import expanded

REPO = Path(__file__).resolve().parents[1]
MNIST_TRAIN = 60_000  # paper preset: full MNIST


def seconds_per(function, units: int, warmup: int = 1) -> float:
    """Seconds per unit of ``function(units)``, after a warm-up call."""
    function(warmup)
    sync()
    started = time.perf_counter()
    function(units)
    sync()
    return (time.perf_counter() - started) / units


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def rbm_update(device, n_visible, n_hidden, batch=100, k=1, persistent=False):
    g = torch.Generator(device=device).manual_seed(0)
    v = (torch.rand(batch, n_visible, generator=g, device=device) < 0.3).float()
    params = {
        "W": torch.randn(n_visible, n_hidden, generator=g, device=device) * 0.01,
        "b": torch.zeros(n_visible, device=device),
        "c": torch.zeros(n_hidden, device=device),
    }
    velocity = {name: torch.zeros_like(value) for name, value in params.items()}
    chain = v.clone() if persistent else None

    def run(units):
        nonlocal chain
        for _ in range(units):
            gradient, model = rbm.contrastive_divergence(v, params, k, g, chain)
            chain = model if persistent else None
            rbm.momentum_step(params, velocity, gradient, 0.9, 0.01, 2e-4)

    return run


def dbm_update(device, hidden, settings, batch=100):
    g = torch.Generator(device=device).manual_seed(0)
    sizes = [784, *hidden]
    params = {"b0": torch.zeros(784, device=device)}
    for layer, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = torch.randn(a, b, generator=g, device=device) * 0.01
        params[f"b{layer}"] = torch.zeros(b, device=device)
    velocity = {k: torch.zeros_like(v) for k, v in params.items()}
    v = torch.rand(batch, 784, generator=g, device=device)
    fantasy = dbm.data_states((v[: settings["particles"]] < 0.5).float(), params, g)
    targets = dbm.layer_targets(settings["sparsity_targets"], len(hidden))
    running = [torch.full((s,), t, device=device) for s, t in zip(hidden, targets)]

    def run(units):
        nonlocal fantasy, running
        for _ in range(units):
            with torch.no_grad():
                fantasy, running, _ = dbm.joint_update(
                    v,
                    params,
                    velocity,
                    fantasy,
                    running,
                    g,
                    rate=1e-3,
                    momentum=0.9,
                    weight_cost=settings["weight_cost"],
                    targets=targets,
                    sparsity_cost=settings["sparsity_cost"],
                    sparsity_damping=settings["sparsity_damping"],
                    gibbs_steps=settings["gibbs_steps"],
                    mean_field_iterations=settings["mean_field_iterations"],
                    sampled_inputs=settings["sampled_inputs"],
                    negative_statistics=settings["negative_statistics"],
                )

    return run, params


def classifier_update(device, model, shape, batch=100):
    model = model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, *shape, device=device)
    y = torch.randint(0, 10, (batch,), device=device)

    def run(units):
        for _ in range(units):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

    return run


def ensemble_epoch(device, settings, depth_sizes):
    x = (torch.rand(4096, 12) < 0.5).float().numpy()
    y = torch.randint(0, 2, (4096,)).numpy()

    def run(units):
        ensemble.train_ensemble(
            x,
            y,
            depth_sizes,
            "tanh",
            settings["members"],
            0.85,
            units,
            settings["learning_rate"],
            settings["batch_size"],
            [],
            0,
            torch.device(device),
        )

    return run


def gamp_iteration(n, alpha, beta, kappa=0.25):
    from deepinside.theory import margin_gamp

    rng = torch.Generator().manual_seed(0)
    x = torch.randn(int((alpha + beta) * n), n, generator=rng, dtype=torch.float64).numpy()
    y = torch.sign(torch.randn(int(alpha * n), generator=rng, dtype=torch.float64)).numpy()
    state = margin_gamp.State(torch.randn(n, dtype=torch.float64).numpy() * 1e-3, 1.0)

    def run(units):
        margin_gamp.iterate(state, x, kappa, y, int(beta * n), units, 0.5, 0.0)

    return run


def gamp_cost_model(n, units, low=(1.0, 4.0), high=(1.0, 30.0)):
    """Seconds of one GAMP iteration on ``rows`` factors of N = ``n``: timed at (α, β) = ``low`` and
    ``high`` (rows (α + β)N), linear in between and beyond."""
    timed = [((alpha + beta) * n, seconds_per(gamp_iteration(n, alpha, beta), units)) for alpha, beta in (low, high)]
    (r0, t0), (r1, t1) = timed
    slope = (t1 - t0) / (r1 - r0)
    return lambda rows: max(t0 + slope * (rows - r0), t0 * rows / r0)  # below the timed rows: proportional


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "paper_cost.csv")
    parser.add_argument("--units", type=int, default=5, help="units of work per slice (more: steadier)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = args.device
    presets = expanded(yaml.safe_load((REPO / "config.yaml").read_text())["presets"])
    paper, quick = presets["paper"], presets["quick"]
    n = args.units
    rows = []

    def add(talk, step, unit, seconds, paper_units, quick_units, note=""):
        rows.append(
            {
                "talk": talk,
                "step": step,
                "unit": unit,
                "seconds_per_unit": seconds,
                "paper_units": paper_units,
                "quick_units": quick_units,
                "paper_hours": seconds * paper_units / 3600 if seconds == seconds else float("nan"),
                "note": note,
            }
        )
        print(
            f"{talk:13} {step:34} {seconds * 1e3:10.2f} ms/{unit:18} × {paper_units:>12,} "
            f"= {seconds * paper_units / 3600:8.2f} h",
            flush=True,
        )

    def updates(section, n_train=MNIST_TRAIN):
        return section["epochs"] * (n_train // section["batch_size"])

    ok, oq = paper["okatani2013"], quick["okatani2013"]
    quick_train = 4000
    sizes = ok["dbn"]["sizes"]
    for layer, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        add(
            "okatani2013",
            f"DBN RBM layer {layer} ({a}-{b})",
            "CD-1 update",
            seconds_per(rbm_update(device, a, b), n),
            updates(ok["dbn"]["rbm"]),
            updates(oq["dbn"]["rbm"], quick_train),
        )
    ft = ok["finetune"]
    mlp = networks.random_mlp([*sizes, 10], torch.Generator().manual_seed(0))
    fine = seconds_per(classifier_update(device, mlp, (784,)), n)
    for size in ft["train_sizes"]:
        n_fit = int((MNIST_TRAIN if size == "all" else size) * (1 - ft["validation_fraction"]))
        most = max(ft["min_updates"], ft["epochs"] * math.ceil(n_fit / ft["batch_size"]))
        add(
            "okatani2013",
            f"fine-tune n={size} (×2 inits)",
            "Adam update",
            fine,
            2 * most,
            0,
            "at most: early stopping may end it sooner",
        )
    lk = ok["likelihood"]
    for method, k in (("cd1", 1), ("cdk", lk["cd_k"]), ("pcd", 1)):
        add(
            "okatani2013",
            f"O2 RBM {method} (784-{lk['n_hidden']})",
            f"CD-{k} update",
            seconds_per(rbm_update(device, 784, lk["n_hidden"], lk["batch_size"], k, method == "pcd"), n),
            updates(lk),
            updates(oq["likelihood"], quick_train),
            "plus the exact likelihood per epoch (not timed)",
        )
    lenet = seconds_per(classifier_update(device, networks.lenet(torch.Generator().manual_seed(0)), (1, 28, 28)), n)
    add("okatani2013", "O5 LeNet", "SGD update", lenet, updates(ok["cnn"]), updates(oq["cnn"], quick_train), "at most")
    add(
        "okatani2013", "O3 digit judge", "SGD update", lenet, 2 * updates(ok["judge"]), 0, "digits + as many non-digits"
    )
    sm = ok["samples"]
    add(
        "okatani2013",
        f"O3 RBM PCD (784-{sm['rbm']['n_hidden']})",
        "PCD update",
        seconds_per(rbm_update(device, 784, sm["rbm"]["n_hidden"], persistent=True), n),
        updates(sm["rbm"]),
        updates(oq["samples"]["rbm"], quick_train),
    )
    for hidden in sm["dbm"]["architectures"]:
        name = "-".join(map(str, [784, *hidden]))
        pre = sm["dbm"]["pretraining"]
        pre_seconds = sum(seconds_per(rbm_update(device, a, b), n) for a, b in zip([784, *hidden[:-1]], hidden))
        add(
            "okatani2013",
            f"O3 DBM {name} pre-training",
            "CD update (all RBMs)",
            pre_seconds,
            updates(pre),
            updates(oq["samples"]["dbm"]["pretraining"], quick_train),
        )
        joint, params = dbm_update(device, hidden, sm["dbm"])
        add(
            "okatani2013",
            f"O3 DBM {name} joint",
            "joint update",
            seconds_per(joint, n),
            updates(sm["dbm"]),
            updates(oq["samples"]["dbm"], quick_train),
        )
        g = torch.Generator(device=device).manual_seed(0)
        p64 = {k: v.double() for k, v in params.items()}

        def ais_run(units, p64=p64, g=g):
            ais.log_partition(p64, ais.schedule(units + 3).to(device), sm["ais"]["runs"], g)

        add(
            "okatani2013",
            f"O3 DBM {name} AIS",
            "β step × runs",
            seconds_per(ais_run, 20),
            sm["ais"]["betas"],
            oq["samples"]["ais"]["betas"],
            f"{sm['ais']['runs']} runs",
        )

        def gibbs(units, params=params, g=g):
            dbm.sample(params, sm["n_samples"], units, g)

        add(
            "okatani2013",
            f"O3 DBM {name} Gibbs",
            "sweep of the chains",
            seconds_per(gibbs, 20),
            max(sm["coverage_steps"]),
            max(oq["samples"]["coverage_steps"]),
            f"{sm['n_samples']} chains",
        )

    mt = paper["mototake2015"]
    layers = [
        (torch.randn(b, a, device=device) * 0.05, torch.zeros(b, device=device)) for a, b in zip(sizes[:-1], sizes[1:])
    ]

    def spectra(units):
        x = torch.rand(units, 784, device=device)
        for jac in jacobian.input_jacobians(layers, x):
            jacobian.singular_decomposition(jac)

    images, noise = mt["jacobian"]["n_images"], len(mt["jacobian"]["noise_levels"])
    add(
        "mototake2015",
        "DBN Jacobian spectra",
        "image (3 layers)",
        seconds_per(spectra, 5),
        2 * images * noise,
        0,
        "pre-trained and fine-tuned, every noise level",
    )
    try:
        from torchvision.models import alexnet

        net = alexnet().to(device).eval()
        picture = torch.rand(1, 3, mt["alexnet"]["side"], mt["alexnet"]["side"], device=device, requires_grad=True)

        def passes(units):
            for _ in range(units):
                net(picture).sum().backward()

        power = mt["alexnet"]["top_k"] + mt["alexnet"]["oversample"]
        units = mt["alexnet"]["n_pictures"] * 7 * power * (2 * mt["alexnet"]["power_iterations"] + 2) * 2
        add(
            "mototake2015",
            "M6/M7 AlexNet 224 Jacobian spectra",
            "forward+backward",
            seconds_per(passes, 3),
            units,
            0,
            "randomised SVD of 7 layer maps per picture, trained net and untrained twin",
        )
    except Exception as error:  # torchvision missing or out of memory: say so
        add("mototake2015", "M6/M7 AlexNet Jacobian spectra", "forward+backward", float("nan"), 0, 0, str(error)[:80])
    add(
        "mototake2015",
        f"M1 t-SNE ({mt['tsne']['n_points']} points)",
        "run",
        float("nan"),
        7,
        7,
        "openTSNE on the CPU: see bench/tsne.py",
    )

    tb = paper["tishby2017"]
    base = [12, 10, 7, 5, 4, 3, 2]
    tr = tb["training"]
    epoch = seconds_per(ensemble_epoch(device, tr, base), 3)
    runs = len(tb["fractions"]) + len(tb["architectures"]) + 1
    add(
        "tishby2017",
        f"ensemble of {tr['members']} nets",
        "epoch",
        epoch,
        runs * tr["epochs"],
        runs * quick["tishby2017"]["training"]["epochs"],
        "fractions, depths and ReLU runs; deeper nets cost more",
    )

    oz = paper["ohzeki2015"]
    gp = oz["gamp"]
    p2 = oz["p2"]
    betas = log_grid(gp["beta_grid"])
    p2_alphas = log_grid(p2["alpha_grid"])
    for size in gp["sizes"]:
        # an iteration's cost grows with the factors (rows) it runs over: timed at two row counts,
        # interpolated for every run; each run is a pre-training stage on βN rows and a
        # fine-tuning stage on (α + β)N rows, each for at most `iterations` iterations
        per_iteration = gamp_cost_model(size, n)
        p1_runs = [(alpha, beta) for alpha in oz["alphas"] for beta in betas]
        p1 = sum(per_iteration(beta * size) + per_iteration((alpha + beta) * size) for alpha, beta in p1_runs)
        p1_count = len(p1_runs) * gp["instances"] * len(gp["kappas"]) * 2  # two starts
        add(
            "ohzeki2015",
            f"GAMP N={size} (P1 sweeps)",
            "run of 2 stages",
            p1 / len(p1_runs) * gp["iterations"],
            p1_count,
            0,
            f"at most (every stage to its {gp['iterations']} iterations); converged runs stop sooner",
        )
        p2_runs = [(alpha, b) for b in (0.0, p2["beta"]) for alpha in p2_alphas]
        p2_cost = sum(per_iteration(b * size) * (b > 0) + per_iteration((alpha + b) * size) for alpha, b in p2_runs)
        add(
            "ohzeki2015",
            f"GAMP N={size} (P2 sweep)",
            "run of 2 stages",
            p2_cost / len(p2_runs) * gp["iterations"],
            len(p2_runs) * gp["instances"],
            0,
            f"at most (every stage to its {gp['iterations']} iterations); converged runs stop sooner",
        )

    table = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print()
    print(f"projected paper preset, per seed, on {device} ({args.threads} thread(s)): hours of each talk")
    print(table.groupby("talk", sort=False)["paper_hours"].sum().round(2).to_string())
    print(f"total: {table['paper_hours'].sum():.1f} h per seed (okatani2013 and mototake2015 run 3 seeds)")


if __name__ == "__main__":
    main()
