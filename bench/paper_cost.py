"""The paper preset's cost, projected from one short slice of each of its heavy steps.

Each slice runs the package's own kernel at the paper preset's sizes on synthetic data
of the right shape (timing does not depend on the values), for a few units of work:
RBM / DBM updates, fine-tuning and CNN updates, one ensemble epoch, GAMP iterations,
AIS steps, Gibbs sweeps, Jacobian spectra, AlexNet passes. The projection is seconds per
unit × the units the paper preset runs (read from config.yaml, per seed), printed per
step, per talk and in total, beside the quick preset's units of the same step.

    python bench/paper_cost.py [--device cpu|cuda] [--threads 1] [--out bench/out/paper_cost.csv]
    python bench/paper_cost.py --out docs/paper_cost.csv      # the table the paper preset's dry run prints from

On one CPU thread the projection is CPU-hours of one job at a time; on a GPU it is the
GPU time. Each row is the median of ``--samples`` timed calls (3). The DBMs' joint updates run
their trained sweep count (10 mean-field sweeps, no early stop), the DBMs' upper pre-training
RBMs the reference's rising CD-k; O2's exact likelihood and M1's t-SNE (openTSNE, CPU only) are
timed too; only the data and figure steps (seconds) are not. A projection is a lower bound where a step does more than its
kernel (evaluations, checkpoints), and where early stopping may end it sooner it is an
upper bound: both are said in the table's `note`.
"""

from __future__ import annotations

import argparse
import datetime
import math
import statistics
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from deepinside.measures import ais, jacobian
from deepinside.models import dbm, ensemble, networks, rbm
from deepinside.pipeline.presets import expanded
from deepinside.theory.grids import log_grid

REPO = Path(__file__).resolve().parents[1]
MNIST_TRAIN = 60_000  # paper preset: full MNIST


SAMPLES = 3  # each row: the median of this many timed calls (set by --samples)


def seconds_per(function, units: int, warmup: int = 1, samples: int | None = None) -> float:
    """Seconds per unit of ``function(units)``: the median of ``samples`` timed calls, after a warm-up call."""
    function(warmup)
    sync()
    times = []
    for _ in range(samples or SAMPLES):
        started = time.perf_counter()
        function(units)
        sync()
        times.append((time.perf_counter() - started) / units)
    return statistics.median(times)


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


def cd_schedule_seconds(device, n_visible, n_hidden, settings, rising: bool, units: int) -> float:
    """Seconds of an average update over the epochs of ``settings``: CD-k at the k of each epoch
    (rising with the epoch where ``rising`` and ``k_rise_epochs`` say so), each k timed once."""
    ks = [
        rbm.rising_k(settings["k"], epoch, settings.get("k_rise_epochs", 0) if rising else 0)
        for epoch in range(1, settings["epochs"] + 1)
    ]
    timed = {k: seconds_per(rbm_update(device, n_visible, n_hidden, settings["batch_size"], k), units) for k in set(ks)}
    return sum(timed[k] for k in ks) / len(ks)


def exact_likelihood(device, n_hidden, n_eval):
    """O2's evaluation after each epoch: log Z by enumerating 2^H hidden states, then the mean
    log-likelihood of ``n_eval`` training and ``n_eval`` test digits."""
    from deepinside.measures import rbm_likelihood

    g = torch.Generator(device=device).manual_seed(0)
    params = {
        "W": torch.randn(784, n_hidden, generator=g, device=device) * 0.01,
        "b": torch.zeros(784, device=device),
        "c": torch.zeros(n_hidden, device=device),
    }
    v = (torch.rand(n_eval, 784, generator=g, device=device) < 0.2).float()

    def run(units):
        for _ in range(units):
            log_z = rbm_likelihood.log_partition(params)
            for _ in range(2):
                rbm_likelihood.mean_log_likelihood(v, params, log_z)

    return run


def tsne_run(points: int, iterations: int):
    """openTSNE as M1 runs it (3-D, Barnes–Hut, PCA start) on ``points`` digits, with ``iterations``
    optimisation steps in all (a third of them exaggerated, as the default's 250 of 750)."""
    import numpy as np
    from openTSNE import TSNE

    from deepinside.data import mnist

    x, _ = mnist.embedded_subset()
    x = mnist.to_unit_interval(x)
    rng = np.random.default_rng(0)
    # the embedded subset has 5,000 digits: more points are jittered copies of them
    reps = -(-points // len(x))
    data = np.concatenate([x + (rng.random(x.shape) * 0.05 if r else 0) for r in range(reps)])[:points]

    def run(units):
        for _ in range(units):
            TSNE(
                n_components=3,
                perplexity=30.0,
                negative_gradient_method="bh",
                initialization="pca",
                random_state=0,
                n_jobs=torch.get_num_threads(),
                early_exaggeration_iter=iterations // 3,
                n_iter=iterations - iterations // 3,
            ).fit(data)

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


def gamp_instance_iteration(n, alpha, betas, kappa=0.25):
    """Per unit, one iteration of each stage for every run of one P1 instance at once
    (``margin_gamp.run_batch``: the β grid × two starts, nested unlabelled sets; pre-training, then
    fine-tuning with the labelled set added), every run active: the cost before any run has
    reached its state."""
    import numpy as np

    from deepinside.data import gap_data
    from deepinside.theory import margin_gamp

    rng = np.random.default_rng(0)
    teacher = gap_data.teacher(n, rng)
    pool = gap_data.inputs(int(round(max(betas) * n)), teacher, kappa, rng)
    labelled = gap_data.inputs(int(round(alpha * n)), teacher, kappa, rng)
    y = gap_data.labels(labelled, teacher)
    n_u = [int(round(b * n)) for b in betas] * 2
    starts = 1e-3 * rng.standard_normal((n, len(n_u)))
    t = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64))

    def run(units):
        # ``units`` iterations of pre-training, then ``units`` of fine-tuning: a unit is one iteration of each stage
        margin_gamp.run_batch(
            t(pool),
            t(labelled),
            t(y),
            kappa,
            n_u,
            [len(y)] * len(n_u),
            t(starts),
            t(teacher),
            iterations=units,
            window=units + 1,
        )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "paper_cost.csv")
    parser.add_argument("--units", type=int, default=5, help="units of work per slice (more: steadier)")
    parser.add_argument("--samples", type=int, default=3, help="timed calls per row; the row is their median")
    args = parser.parse_args()
    global SAMPLES
    SAMPLES = max(1, args.samples)
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
        )
    add(
        "okatani2013",
        f"O2 exact likelihood (2^{lk['n_hidden']} hidden states)",
        "evaluation",
        seconds_per(exact_likelihood(device, lk["n_hidden"], lk["n_eval"]), 1),
        3 * (lk["epochs"] + 1),
        3 * (oq["likelihood"]["epochs"] + 1),
        f"log Z, then {lk['n_eval']:,} training and test digits, before training and after every epoch of the three RBMs",
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
        # the first RBM at CD-k; those above at the reference's rising k (k = ⌈epoch / 20⌉): the mean over epochs
        pre_seconds = sum(
            cd_schedule_seconds(device, a, b, pre, rising=layer > 1, units=n)
            for layer, (a, b) in enumerate(zip([784, *hidden[:-1]], hidden), start=1)
        )
        k_top = rbm.rising_k(pre["k"], pre["epochs"], pre.get("k_rise_epochs", 0))
        add(
            "okatani2013",
            f"O3 DBM {name} pre-training",
            "CD update (all RBMs)",
            pre_seconds,
            updates(pre),
            updates(oq["samples"]["dbm"]["pretraining"], quick_train),
            f"upper RBMs at CD-k, k rising to {k_top} over {pre['epochs']} epochs",
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
    # t-SNE: the affinities once, then iterations of the same cost: timed at 75 and 150 iterations, extrapolated
    # to openTSNE's 750 (250 exaggerated + 500)
    tsne_points = mt["tsne"]["n_points"]
    short, longer = (seconds_per(tsne_run(tsne_points, i), 1) for i in (75, 150))
    per_iteration = max(longer - short, 0.0) / 75
    add(
        "mototake2015",
        f"M1 t-SNE ({tsne_points} points)",
        "run",
        short + per_iteration * (750 - 75),
        7,
        7,
        "openTSNE (CPU only), jittered copies of the embedded digits; 750 iterations from 75 and 150",
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
    inside = gp["inside_spinodal"]
    for size in gp["sizes"]:
        # every run of an instance at once; a bound: every run iterates to the cap in both stages
        # (runs that reach their state leave the products sooner; the measured run says how much sooner)
        for alpha in oz["alphas"]:
            add(
                "ohzeki2015",
                f"GAMP N={size} α={alpha} (P1 sweep)",
                "iteration of both stages",
                # the grid plus the β refined inside the spinodal interval (placed where it usually lies)
                seconds_per(gamp_instance_iteration(size, alpha, betas + [betas[2 * len(betas) // 3]] * inside), 3),
                gp["iterations"] * gp["instances"] * len(gp["kappas"]),
                0,
                f"at most: {2 * (len(betas) + inside)} runs an instance, both stages to the {gp['iterations']}-iteration cap",
            )
        add(
            "ohzeki2015",
            f"GAMP N={size} (P2 sweep)",
            "iteration of both stages",
            seconds_per(gamp_instance_iteration(size, max(p2_alphas), [p2["beta"]] * len(p2_alphas)), 3),
            gp["iterations"] * gp["instances"],
            0,
            "at most (timed with every run at the largest α)",
        )

    table = pd.DataFrame(rows)
    # what the workflow's paper dry run reads (docs/paper_cost.csv when committed): when and where
    table["measured"] = f"{datetime.date.today().isoformat()}, {device}, {args.threads} thread(s)"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print()
    print(f"projected paper preset, per seed, on {device} ({args.threads} thread(s)): hours of each talk")
    print(table.groupby("talk", sort=False)["paper_hours"].sum().round(2).to_string())
    print(f"total: {table['paper_hours'].sum():.1f} h per seed (okatani2013 and mototake2015 run 3 seeds)")


if __name__ == "__main__":
    main()
