"""Steps of the okatani2013 talk (seed 001): RBMs, DBN pre-training and fine-tuning, DBMs, CNN.

The pre-trained RBM stack and the fine-tuned network made here are also the models the
mototake2015 steps analyse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from deepinside.data import mnist as mnist_data
from deepinside.measures import rbm_likelihood, receptive_fields
from deepinside.models import dbm, dbn, digit_judge, networks
from deepinside.models.classifier_training import Phase, epochs_for, train_classifier, validation_split
from deepinside.models.rbm import train_rbm
from deepinside.pipeline import claims
from deepinside.pipeline.checkpointing import for_run
from deepinside.pipeline.device import generator, select_device

TALK = "okatani2013"
N_CLASSES = 10


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
        checkpoint=for_run(checkpoint, __name__, data=data, n_hidden=n_hidden, seed=seed, **training),
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
    :func:`deepinside.models.networks.random_mlp`); ``n_train`` is a number of labelled examples
    or ``all``. Of those, ``validation_fraction`` is held out; the net trains with
    ``optimiser`` until the held-out error has not improved for ``patience`` epochs and
    keeps its best weights (early stopping); stopping may not come before ``min_updates``
    updates (small sets), and there are at most ``epochs`` epochs (more when small sets
    need them). Both inits get exactly the same data, optimiser, schedule and seed, so
    each is compared at its own convergence. The training and test sets are evaluated
    once, for the selected weights (O4 reads only those).
    """
    if init not in ("pretrained", "random"):
        raise ValueError(f"init must be 'pretrained' or 'random', got {init!r}")
    x, y = mnist["x_train"], mnist["y_train"]
    n = len(y) if n_train == "all" else int(n_train)
    x, y = mnist_data.subsample(x, y, n, seed)
    x = mnist_data.to_unit_interval(x)
    fit, held_out = validation_split(n, training["validation_fraction"], seed)
    gen = generator(seed, torch.device("cpu"))
    if init == "pretrained":
        if [rbms[0]["W"].shape[0]] + [p["W"].shape[1] for p in rbms] != list(sizes):
            raise ValueError(f"pre-trained RBMs do not match the layer sizes {sizes}")
        model = networks.mlp_from_rbms(rbms, N_CLASSES, gen)
    else:
        model = networks.random_mlp(list(sizes) + [N_CLASSES], gen, random_init)
    batch_size = min(training["batch_size"], len(fit))
    at_least = epochs_for(len(fit), batch_size, 1, training["min_updates"])  # small sets: min_updates before stopping
    epochs = max(training["epochs"], at_least + training["patience"])
    phases = [
        Phase("early stopping", epochs, training["learning_rate"], patience=training["patience"], min_epochs=at_least)
    ]
    history = train_classifier(
        model,
        x[fit],
        y[fit],
        mnist_data.to_unit_interval(mnist["x_test"]),
        mnist["y_test"],
        phases=phases,
        batch_size=batch_size,
        seed=seed,
        device=select_device(device),
        run_name=f"fine-tune {init} n={n}",
        optimiser=training["optimiser"],
        weight_decay=training["weight_decay"],
        x_val=x[held_out],
        y_val=y[held_out],
        test_every_epoch=False,
        train_every_epoch=False,
        checkpoint=for_run(
            checkpoint,
            __name__,
            **training,
            epochs_run=epochs,
            x=x,
            y=y,
            init=init,
            sizes=sizes,
            random_init=random_init,
            seed=seed,
            start=[p["W"] for p in rbms] if init == "pretrained" else None,
        ),
    )
    history.insert(0, "n_train", n)
    history.insert(0, "init", init)
    return {"model": {k: v.cpu() for k, v in model.state_dict().items()}, "history": history}


TRAINED = 0.2  # a net whose train error stays above this never left its plateau


def pretraining_benefit(histories: list[pd.DataFrame]) -> dict:
    """O4: test error of pre-trained vs random init at each net's early-stopping epoch, per training-set size."""
    chosen = []
    for history in histories:
        row = history[history["selected"]].iloc[-1]
        chosen.append(
            {
                "init": row["init"],
                "n_train": int(row["n_train"]),
                "epoch": int(row["epoch"]),
                "epochs_run": int(history["epoch"].max()),
                "train_error": row["train_error"],
                "validation_error": row["validation_error"],
                "test_error": row["test_error"],
            }
        )
    table = pd.DataFrame(chosen).sort_values(["n_train", "init"]).reset_index(drop=True)
    pivot = table.pivot(index="n_train", columns="init", values="test_error")
    if not {"pretrained", "random"} <= set(pivot.columns):
        raise ValueError("O4 needs fine-tuning runs of both inits")
    benefit = (pivot["random"] - pivot["pretrained"]).sort_index()
    per_size = ", ".join(f"n={n}: {100 * b:+.1f} pt" for n, b in benefit.items())
    worst = table.loc[table["train_error"].idxmax()]
    rows = [
        claims.claim(
            TALK,
            "O4",
            f"pre-training lowers the test error with the fewest labels (random − pre-trained error at n={benefit.index[0]}, %-points)",
            100 * benefit.iloc[0],
            ">",
            0.0,
            per_size + "; both nets at their early-stopping epoch",
        ),
        claims.claim(
            TALK,
            "O4",
            "the benefit is largest with little data (benefit at the smallest n − at the largest n, %-points)",
            100 * (benefit.iloc[0] - benefit.iloc[-1]),
            ">",
            0.0,
            per_size,
        ),
        claims.claim(
            TALK,
            "O4",
            "both nets trained at every size (largest train error at the selected epoch, %; a net on its plateau would be near 90 %)",
            100 * table["train_error"].max(),
            "<",
            100 * TRAINED,
            f"worst: {worst['init']} at n={worst['n_train']} ({100 * worst['train_error']:.1f} %)",
            kind="check",
        ),
    ]
    return {"errors": table, "claims": claims.table(rows)}


def filters(rbm: dict, mnist: dict, window: int, n_show: int, seed: int) -> dict:
    """O1: first-layer RBM filters and how local they are (window energy share)."""
    weights = rbm["W"].T.numpy().reshape(-1, mnist_data.IMAGE_SIDE, mnist_data.IMAGE_SIDE)
    share = receptive_fields.window_energy_share(weights, window)
    null = receptive_fields.window_energy_share(receptive_fields.permuted(weights, seed), window)
    templates = receptive_fields.class_templates(mnist_data.to_unit_interval(mnist["x_train"]), mnist["y_train"])
    template_shares = receptive_fields.window_energy_share(
        templates.reshape(-1, mnist_data.IMAGE_SIDE, mnist_data.IMAGE_SIDE), window
    )
    digit_wide = float(template_shares.mean())
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
            f"filters are localized stroke detectors (mean {window}×{window} energy share, vs whole-digit templates: "
            "the ten class means, less the mean digit)",
            share.mean(),
            ">",
            round(digit_wide, 4),
            f"median {np.median(share):.3f}; {np.mean(share > digit_wide):.0%} of filters above the templates' mean; "
            f"templates {template_shares.min():.3f}–{template_shares.max():.3f} (a global template scores this high, so only "
            "a higher share shows locality)",
        ),
    ]
    return {
        "filters": {
            "weights": weights[:n_show],
            "share": share[:n_show],
            "all_shares": share,
            "window": np.array(window),
        },
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


def train_generative_rbm(
    mnist: dict, n_hidden: int, seed: int, device: str, checkpoint: str | None = None, **training
) -> dict:
    """O3's RBM: trained by persistent CD (Tieleman 2008), the variant the talk's slides cover, on binarised digits."""
    data = mnist_data.binarize(mnist["x_train"])
    params, history = train_rbm(
        data,
        n_hidden=n_hidden,
        seed=seed,
        device=select_device(device),
        run_name="O3 RBM (PCD)",
        checkpoint=for_run(checkpoint, __name__, data=data, n_hidden=n_hidden, seed=seed, **training),
        persistent=True,
        sample_visible=True,
        **training,
    )
    return {"rbm": params, "history": history}


def train_deep_boltzmann(
    mnist: dict, hidden_sizes: list[int], seed: int, device: str, checkpoint: str | None = None, **training
) -> dict:
    """O3's Deep Boltzmann Machines (Salakhutdinov & Hinton 2009) on binarised digits:
    greedy pre-training with the modified RBMs, then joint training (:func:`deepinside.models.dbm.train_dbm`)."""
    # the reference protocol draws every mini-batch from the grey levels; otherwise digits binarised once at ½
    data = (
        mnist_data.to_unit_interval(mnist["x_train"])
        if training.get("sampled_inputs")
        else mnist_data.binarize(mnist["x_train"])
    )
    params, history = dbm.train_dbm(
        data,
        hidden_sizes,
        seed=seed,
        device=select_device(device),
        run_name=f"DBM {'-'.join(map(str, [data.shape[1], *hidden_sizes]))}",
        checkpoint=for_run(checkpoint, __name__, data=data, hidden_sizes=hidden_sizes, seed=seed, **training),
        **training,
    )
    return {"dbm": params, "history": history}


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
    model = networks.lenet(generator(seed, torch.device("cpu")), n_classes=digit_judge.NOT_A_DIGIT + 1)
    history = train_classifier(
        model,
        x,
        y,
        x_test,
        y_test,
        phases=[Phase("fixed epochs", epochs, learning_rate)],
        batch_size=batch_size,
        seed=seed,
        device=select_device(device),
        run_name="digit judge",
        momentum=momentum,
        weight_decay=weight_decay,
        train_every_epoch=False,
        test_every_epoch=False,  # nothing reads the judge's curves; its final errors are kept
        checkpoint=for_run(
            checkpoint,
            __name__,
            x=x,
            y=y,
            seed=seed,
            epochs=epochs,
            learning_rate=learning_rate,
            momentum=momentum,
            batch_size=batch_size,
            weight_decay=weight_decay,
        ),
    )
    return {"model": {k: v.cpu() for k, v in model.state_dict().items()}, "history": history}


def train_cnn(
    mnist: dict,
    epochs: int,
    learning_rate: float,
    momentum: float,
    batch_size: int,
    weight_decay: float,
    patience: int,
    validation_fraction: float,
    final_epochs: int,
    final_learning_rate_factor: float,
    seed: int,
    device: str,
    checkpoint: str | None = None,
) -> dict:
    """O5: LeNet-style CNN on MNIST with the talk's cuda-convnet recipe (seed 001, "実践編").

    1. hold one training batch out (``validation_fraction``; the talk: one of six) and
       train on the rest until its error has not fallen for ``patience`` epochs (at most
       ``epochs``), keeping the best weights;
    2. train on all training batches at the learning rate × ``final_learning_rate_factor``
       for ``final_epochs`` epochs (the talk: about ten).
    """
    x, y = mnist_data.to_unit_interval(mnist["x_train"]), mnist["y_train"]
    fit, held_out = validation_split(len(y), validation_fraction, seed)
    phases = [
        Phase("held-out batch", epochs, learning_rate, patience=patience),
        Phase("all batches, lower rate", final_epochs, learning_rate * final_learning_rate_factor, all_data=True),
    ]
    model = networks.lenet(generator(seed, torch.device("cpu")))
    settings = dict(
        epochs=epochs,
        learning_rate=learning_rate,
        momentum=momentum,
        batch_size=batch_size,
        weight_decay=weight_decay,
        patience=patience,
        validation_fraction=validation_fraction,
        final_epochs=final_epochs,
        final_learning_rate_factor=final_learning_rate_factor,
    )
    history = train_classifier(
        model,
        x[fit],
        y[fit],
        mnist_data.to_unit_interval(mnist["x_test"]),
        mnist["y_test"],
        phases=phases,
        batch_size=batch_size,
        seed=seed,
        device=select_device(device),
        run_name="LeNet",
        momentum=momentum,
        weight_decay=weight_decay,
        x_val=x[held_out],
        y_val=y[held_out],
        checkpoint=for_run(checkpoint, __name__, x=x, y=y, seed=seed, **settings),
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
            f"trained on {len(y)} images ({len(held_out)} held out in phase 1), tested on {len(mnist['y_test'])} ({source} MNIST)"
            + ("; the quick preset's 4,000 training images are too few for 1 %" if source == "embedded" else ""),
        )
    ]
    return {
        "model": {k: v.cpu() for k, v in model.state_dict().items()},
        "history": history,
        "claims": claims.table(rows),
    }
