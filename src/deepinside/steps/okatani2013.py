"""Steps of the okatani2013 talk (seed 001): RBMs, DBN pre-training and fine-tuning, DBMs, CNN.

The pre-trained RBM stack and the fine-tuned network made here are also the models the
mototake2015 steps analyse.
"""

from __future__ import annotations

import numpy as np
import torch

from deepinside.core.checkpointing import for_run
from deepinside.core.device import generator, select_device
from deepinside.data import mnist as mnist_data
from deepinside.measures import rbm_likelihood
from deepinside.models import dbm, dbn, digit_judge, networks
from deepinside.models.classifier_training import Phase, epochs_for, train_classifier, validation_split
from deepinside.models.rbm import train_rbm

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
    return {
        "model": {k: v.cpu() for k, v in model.state_dict().items()},
        "history": history,
    }
