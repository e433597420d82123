"""Steps of the okatani2013 talk (seed 001): RBMs, DBN pre-training and fine-tuning, CNN.

The pre-trained RBM stack and the fine-tuned network made here are also the models the
mototake2015 steps analyse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .. import claims, dbn, digit_judge, mnist as mnist_data, networks, receptive_fields, rbm_likelihood
from ..checkpointing import EpochCheckpoint, fingerprint
from ..classifier_training import epochs_for, train_classifier
from ..device import generator, select_device
from ..evaluation import predict_probabilities
from ..rbm import train_rbm

TALK = "okatani2013"
N_CLASSES = 10


def _checkpoint(path: str | None, **parts) -> EpochCheckpoint | None:
    return None if path is None else EpochCheckpoint(path, fingerprint(**parts))


def pretrain_layer(
    mnist: dict,
    n_hidden: int,
    training: dict,
    seed: int,
    device: str,
    previous: list[dict] = (),
    checkpoint: str | None = None,
) -> dict:
    """Greedy pre-training of one DBN layer: an RBM on the activities of the layers below.

    The training data of layer l are the mean-field activities q(h^{l−1} | x) of the
    training images under the already trained RBMs ``previous`` (Hinton &
    Salakhutdinov 2006 train each layer on the probabilities of the layer below).
    """
    dev = select_device(device)
    x = torch.as_tensor(mnist_data.to_unit_interval(mnist["x_train"]), device=dev)
    with torch.no_grad():
        data = dbn.propagate_up(x, [{k: v.to(dev) for k, v in p.items()} for p in previous]).cpu().numpy()
    layer = len(previous) + 1
    params, history = train_rbm(
        data,
        n_hidden=n_hidden,
        seed=seed + layer,
        device=dev,
        run_name=f"RBM layer {layer}",
        checkpoint=_checkpoint(checkpoint, data=data, n_hidden=n_hidden, seed=seed, **training),
        persistent=False,
        sample_visible=False,
        **training,
    )
    history.insert(0, "layer", layer)
    return {"rbm": params, "history": history}


def finetune(
    mnist: dict,
    init: str,
    n_train: str,
    sizes: list[int],
    training: dict,
    random_init: str,
    seed: int,
    device: str,
    rbms: list[dict] = (),
    checkpoint: str | None = None,
) -> dict:
    """Back-prop fine-tuning of the 784-…-10 sigmoid net, from the RBM stack or at random.

    ``init`` is ``pretrained`` (hidden layers from ``rbms``, output layer random) or
    ``random`` (the twin, initialised by ``random_init``: ``xavier`` or ``lecun``, see
    :func:`deepinside.networks.random_mlp`); ``n_train`` is a number of labelled examples
    or ``all``. Both inits get exactly the same data, schedule and seed.
    """
    if init not in ("pretrained", "random"):
        raise ValueError(f"init must be 'pretrained' or 'random', got {init!r}")
    x, y = mnist["x_train"], mnist["y_train"]
    n = len(y) if n_train == "all" else int(n_train)
    x, y = mnist_data.subsample(x, y, n, seed)
    x = mnist_data.to_unit_interval(x)
    gen = generator(seed, torch.device("cpu"))
    if init == "pretrained":
        if [rbms[0]["W"].shape[0]] + [p["W"].shape[1] for p in rbms] != list(sizes):
            raise ValueError(f"pre-trained RBMs do not match the layer sizes {sizes}")
        model = networks.mlp_from_rbms(rbms, N_CLASSES, gen)
    else:
        model = networks.random_mlp(list(sizes) + [N_CLASSES], gen, random_init)
    settings = dict(training)
    epochs = epochs_for(n, settings["batch_size"], settings.pop("epochs"), settings.pop("min_updates"))
    history = train_classifier(
        model,
        x,
        y,
        mnist_data.to_unit_interval(mnist["x_test"]),
        mnist["y_test"],
        epochs=epochs,
        seed=seed,
        device=select_device(device),
        run_name=f"fine-tune {init} n={n}",
        checkpoint=_checkpoint(
            checkpoint,
            **{**training, "epochs": epochs},
            x=x,
            y=y,
            init=init,
            sizes=sizes,
            random_init=random_init,
            seed=seed,
            start=[p["W"] for p in rbms] if init == "pretrained" else None,
        ),
        **settings,
    )
    history.insert(0, "n_train", n)
    history.insert(0, "init", init)
    return {"model": {k: v.cpu() for k, v in model.state_dict().items()}, "history": history}


def pretraining_benefit(histories: list[pd.DataFrame]) -> dict:
    """O4: final test error of pre-trained vs random init for every training-set size."""
    last = pd.concat([h[h["epoch"] == h["epoch"].max()] for h in histories], ignore_index=True)
    table = last[["init", "n_train", "epoch", "train_error", "test_error"]].sort_values(["n_train", "init"])
    pivot = table.pivot(index="n_train", columns="init", values="test_error")
    if not {"pretrained", "random"} <= set(pivot.columns):
        raise ValueError("O4 needs fine-tuning runs of both inits")
    benefit = (pivot["random"] - pivot["pretrained"]).sort_index()
    random_train = table[table["init"] == "random"].set_index("n_train")["train_error"].sort_index()
    per_size = ", ".join(f"n={n}: {100 * b:+.1f} pt" for n, b in benefit.items())
    plateau = f"the random twin's final train error is {100 * random_train.iloc[-1]:.0f} % at n={random_train.index[-1]}" + (
        " — it never left its initial plateau (vanishing gradients: the talk's 'gradients diffuse' slide)"
        if random_train.max() > 0.5
        else ""
    )
    rows = [
        claims.claim(
            TALK,
            "O4",
            f"pre-training lowers the test error with the fewest labels (random − pre-trained error at n={benefit.index[0]}, %-points)",
            100 * benefit.iloc[0],
            ">",
            0.0,
            per_size,
        ),
        claims.claim(
            TALK,
            "O4",
            "the benefit is largest with little data (benefit at the smallest n − at the largest n, %-points)",
            100 * (benefit.iloc[0] - benefit.iloc[-1]),
            ">",
            0.0,
            plateau,
        ),
    ]
    return {"errors": table.reset_index(drop=True), "claims": claims.table(rows)}


def filters(rbm: dict, mnist: dict, window: int, n_show: int, seed: int) -> dict:
    """O1: first-layer RBM filters and how local they are (window energy share)."""
    weights = rbm["W"].T.numpy().reshape(-1, mnist_data.IMAGE_SIDE, mnist_data.IMAGE_SIDE)
    share = receptive_fields.window_energy_share(weights, window)
    null = receptive_fields.window_energy_share(receptive_fields.permuted(weights, seed), window)
    spread = np.sqrt(mnist_data.to_unit_interval(mnist["x_train"]).var(0)).reshape(1, 28, 28)
    digit_wide = float(receptive_fields.window_energy_share(spread, window)[0])
    rows = [
        claims.claim(
            TALK,
            "O1",
            f"filters are structured, not noise (mean share of energy in the best {window}×{window} window, vs the same filters with shuffled pixels)",
            share.mean(),
            ">",
            round(float(null.mean()), 4),
        ),
        claims.claim(
            TALK,
            "O1",
            f"filters are localized stroke detectors (mean {window}×{window} energy share, vs a filter spread like the digits' pixel variance)",
            share.mean(),
            ">",
            round(digit_wide, 4),
            f"median {np.median(share):.3f}; {np.mean(share > digit_wide):.0%} of filters above the digit-wide reference",
        ),
    ]
    return {
        "filters": {"weights": weights[:n_show], "share": share[:n_show], "all_shares": share, "window": np.array(window)},
        "claims": claims.table(rows),
    }


LIKELIHOOD_METHODS = ("cd1", "cdk", "pcd")


def likelihood_run(
    mnist: dict,
    method: str,
    n_hidden: int,
    epochs: int,
    learning_rate: float,
    momentum: float,
    batch_size: int,
    cd_k: int,
    init_scale: float,
    n_eval: int,
    seed: int,
    device: str,
) -> dict:
    """O2: train a small RBM on binarised digits by CD-1, CD-k or PCD; exact log-likelihood per epoch.

    All three methods start from the same initial weights (same seed) and see the same
    mini-batches; only the negative phase differs.
    """
    settings = {"cd1": (1, False, "CD-1"), "cdk": (cd_k, False, f"CD-{cd_k}"), "pcd": (1, True, "PCD")}
    if method not in settings:
        raise ValueError(f"method must be one of {LIKELIHOOD_METHODS}, got {method!r}")
    k, persistent, label = settings[method]
    dev = select_device(device)
    x_train = mnist_data.binarize(mnist["x_train"])
    train_eval = torch.as_tensor(x_train[:n_eval], device=dev)
    test_eval = torch.as_tensor(mnist_data.binarize(mnist["x_test"])[:n_eval], device=dev)

    def exact(epoch, params):
        log_z = rbm_likelihood.log_partition(params)
        return {
            "log_z": float(log_z),
            "train_log_likelihood": rbm_likelihood.mean_log_likelihood(train_eval, params, log_z),
            "test_log_likelihood": rbm_likelihood.mean_log_likelihood(test_eval, params, log_z),
        }

    _, history = train_rbm(
        x_train,
        n_hidden=n_hidden,
        epochs=epochs,
        learning_rate=learning_rate,
        initial_momentum=momentum,
        final_momentum=momentum,
        momentum_switch_epoch=0,
        weight_cost=0.0,
        batch_size=batch_size,
        k=k,
        persistent=persistent,
        sample_visible=True,
        init_scale=init_scale,
        seed=seed,
        device=dev,
        run_name=f"O2 {label}",
        on_epoch=exact,
    )
    history.insert(0, "method", label)
    return {"history": history}


def likelihood_comparison(histories: list[pd.DataFrame]) -> dict:
    """O2 claims: CD-1 gets most of CD-k's gain; PCD ends higher than CD-1 (exact test log-likelihood)."""
    table = pd.concat(histories, ignore_index=True)
    final = table[table["epoch"] == table["epoch"].max()].set_index("method")["test_log_likelihood"]
    start = table[table["epoch"] == 0]["test_log_likelihood"].iloc[0]
    cdk = next(m for m in final.index if m.startswith("CD-") and m != "CD-1")
    gain_ratio = (final["CD-1"] - start) / (final[cdk] - start)
    rows = [
        claims.claim(
            TALK,
            "O2",
            f"RBM learns well even with T = 1 (CD-1's gain in exact test log-likelihood as a fraction of {cdk}'s)",
            gain_ratio,
            ">=",
            0.9,
            f"nats/image: start {start:.1f}, CD-1 {final['CD-1']:.1f}, {cdk} {final[cdk]:.1f}, PCD {final['PCD']:.1f}",
        ),
        claims.claim(
            TALK,
            "O2",
            "PCD reaches a higher likelihood than CD-1 (final exact test log-likelihood, PCD − CD-1, nats/image)",
            final["PCD"] - final["CD-1"],
            ">",
            0.0,
        ),
    ]
    return {"likelihood": table, "claims": claims.table(rows)}


def gibbs_samples(
    rbms: list[dict],
    judge: dict,
    mnist: dict,
    n_samples: int,
    gibbs_steps: int,
    chain_start: str,
    confidence: float,
    seed: int,
    device: str,
) -> dict:
    """O3: samples of the 1-, 2- and 3-layer DBN, judged by a digit / not-a-digit CNN.

    Chains of the top RBM start from random binary states (``chain_start: random``) or
    from the up-propagated representation of random training digits (``data``), and run
    ``gibbs_steps`` steps before the ancestral pass down. The judge
    (:mod:`deepinside.digit_judge`) is also shown controls: real test digits, fresh
    uniform noise, and each model's samples with their pixels shuffled.
    """
    if chain_start not in ("random", "data"):
        raise ValueError(f"chain_start must be 'random' or 'data', got {chain_start!r}")
    dev = select_device(device)
    gen = generator(seed, dev)
    model = networks.LeNet(digit_judge.NOT_A_DIGIT + 1)
    model.load_state_dict(judge)
    model.to(dev)

    def digit_share(images: np.ndarray) -> tuple[float, np.ndarray]:
        probabilities = predict_probabilities(model, torch.as_tensor(images, device=dev)).cpu().numpy()
        return digit_judge.digit_fraction(probabilities, confidence), probabilities

    stack = [{k: v.to(dev) for k, v in p.items()} for p in rbms]
    rng = np.random.default_rng(seed)
    x_train = torch.as_tensor(mnist_data.to_unit_interval(mnist["x_train"]), device=dev)
    out, fractions, shuffled = {}, {}, {}
    with torch.no_grad():
        for depth in range(1, len(stack) + 1):
            layers = stack[:depth]
            width = layers[-1]["W"].shape[0]
            if chain_start == "data":
                picked = x_train[torch.as_tensor(rng.choice(len(x_train), n_samples, replace=False), device=dev)]
                start = torch.bernoulli(dbn.propagate_up(picked, layers[:-1]), generator=gen)
            else:
                start = torch.bernoulli(torch.full((n_samples, width), 0.5, device=dev), generator=gen)
            samples = dbn.sample(layers, start, gibbs_steps, gen).cpu().numpy()
            fractions[depth], out[f"probabilities_{depth}"] = digit_share(samples)
            shuffled[depth], _ = digit_share(np.stack([rng.permutation(row) for row in samples]))
            out[f"samples_{depth}"] = samples
        real = mnist_data.to_unit_interval(mnist["x_test"][:n_samples])
        real_fraction, out["probabilities_real"] = digit_share(real)
        noise_fraction, _ = digit_share(rng.random(real.shape).astype(np.float32))
    out["real"] = real
    rows = []
    for depth, fraction in fractions.items():
        name = "RBM" if depth == 1 else f"{depth}-layer DBN"
        rows.append(
            claims.claim(
                TALK,
                "O3",
                f"samples of the {name} look like digits (fraction a digit / not-a-digit CNN calls a digit with confidence > {confidence})",
                fraction,
                ">=",
                0.5,
                f"controls: real test digits {real_fraction:.0%}, uniform noise {noise_fraction:.0%}, "
                f"these samples pixel-shuffled {shuffled[depth]:.0%}; chains start {chain_start}, {gibbs_steps} Gibbs steps",
            )
        )
    return {"samples": out, "claims": claims.table(rows)}


def train_judge(
    mnist: dict,
    epochs: int,
    learning_rate: float,
    momentum: float,
    batch_size: int,
    weight_decay: float,
    seed: int,
    device: str,
    checkpoint: str | None = None,
) -> dict:
    """The O3 judge: LeNet trained on real digits (0–9) and non-digit images (class 10)."""
    x, y = mnist_data.to_unit_interval(mnist["x_train"]), mnist["y_train"]
    x_test, y_test = mnist_data.to_unit_interval(mnist["x_test"]), mnist["y_test"]
    x = np.concatenate([x, digit_judge.non_digit_images(x, len(x), seed)])
    y = np.concatenate([y, np.full(len(y), digit_judge.NOT_A_DIGIT)])
    x_test = np.concatenate([x_test, digit_judge.non_digit_images(x_test, len(x_test), seed + 1)])
    y_test = np.concatenate([y_test, np.full(len(y_test), digit_judge.NOT_A_DIGIT)])
    settings = dict(epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size, weight_decay=weight_decay)
    model, history = _train_lenet(x, y, x_test, y_test, digit_judge.NOT_A_DIGIT + 1, settings, seed, device, "digit judge", checkpoint)
    return {"model": model, "history": history}


def _train_lenet(x, y, x_test, y_test, n_classes: int, settings: dict, seed: int, device: str, run_name: str, checkpoint: str | None):
    """A seeded LeNet trained by SGD with momentum; returns (state dict on the CPU, history)."""
    model = networks.lenet(generator(seed, torch.device("cpu")), n_classes=n_classes)
    history = train_classifier(
        model, x, y, x_test, y_test,
        seed=seed,
        device=select_device(device),
        run_name=run_name,
        checkpoint=_checkpoint(checkpoint, x=x, y=y, seed=seed, **settings),
        **settings,
    )
    return {k: v.cpu() for k, v in model.state_dict().items()}, history


def train_cnn(
    mnist: dict,
    epochs: int,
    learning_rate: float,
    momentum: float,
    batch_size: int,
    weight_decay: float,
    seed: int,
    device: str,
    checkpoint: str | None = None,
) -> dict:
    """O5: LeNet-style CNN on MNIST; train/test error per epoch."""
    settings = dict(epochs=epochs, learning_rate=learning_rate, momentum=momentum, batch_size=batch_size, weight_decay=weight_decay)
    model, history = _train_lenet(
        mnist_data.to_unit_interval(mnist["x_train"]), mnist["y_train"],
        mnist_data.to_unit_interval(mnist["x_test"]), mnist["y_test"],
        N_CLASSES, settings, seed, device, "LeNet", checkpoint,
    )
    final = history.iloc[-1]
    source = str(mnist["source"])
    rows = [
        claims.claim(
            TALK,
            "O5",
            "a CNN reaches about 1 % test error on MNIST (final test error, %; talk: 1.1 % with cuda-convnet)",
            100 * final["test_error"],
            "<=",
            1.5,
            f"trained on {len(mnist['y_train'])} images, tested on {len(mnist['y_test'])} ({source} MNIST)"
            + ("; the quick preset's 4,000 training images are too few for 1 %" if source == "embedded" else ""),
        )
    ]
    return {"model": model, "history": history, "claims": claims.table(rows)}
