"""Steps of the mototake2015 talk (seed 000; seed 003 section 3): layer Jacobians of a DBN and AlexNet.

The DBN is okatani2013's: its pre-trained RBM stack ("after pre-training") and the
fine-tuned 784-1000-1000-1000-10 network ("after fine-tuning").
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import torch

from deepinside.core.checkpointing import for_run
from deepinside.core.device import describe, generator, select_device
from deepinside.data import images as image_tools
from deepinside.data import mnist as mnist_data
from deepinside.measures import embedding, jacobian, manifold_directions, object_mask, perturbation
from deepinside.models import alexnet as alexnet_model
from deepinside.models.classifier_training import Phase, train_classifier

TALK = "mototake2015"
STAGES = ("untrained", "pretrained", "finetuned")


# ---------------------------------------------------------------- the DBN as layer maps


def dbn_layers(
    stage: str, rbms: list[dict] | None = None, model: dict | None = None, twin: dict | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Hidden layers of the DBN as (weight, bias) pairs: h(t+1) = σ(W(t) h(t) + B(t)).

    ``pretrained``: from the RBM stack (W = Wᵀ_RBM, B = hidden bias). ``finetuned``: the
    hidden layers of the fine-tuned network's state dict (the softmax output layer is
    not a hidden layer and is left out). ``untrained``: the stack before any learning,
    the RBMs' initial state (Hinton 2010's guide, as :func:`deepinside.models.rbm.initial_parameters`):
    W ~ N(0, init_scale²), hidden biases 0; ``twin`` gives ``sizes``, ``init_scale`` and ``seed``.
    """
    if stage == "untrained":
        if not twin:
            raise ValueError("the untrained twin needs the DBN's sizes, init_scale and seed")
        gen = torch.Generator().manual_seed(int(twin["seed"]))
        sizes = list(twin["sizes"])
        return [
            (torch.randn(n_out, n_in, generator=gen) * float(twin["init_scale"]), torch.zeros(n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])
        ]
    if stage == "pretrained":
        if not rbms:
            raise ValueError("the pre-trained DBN needs its RBM stack")
        return [(p["W"].T.contiguous(), p["c"]) for p in rbms]
    if stage == "finetuned":
        if model is None:
            raise ValueError("the fine-tuned DBN needs its model state")
        n = len([k for k in model if k.endswith(".weight")])
        return [(model[f"layers.{i}.weight"], model[f"layers.{i}.bias"]) for i in range(n - 1)]
    raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")


def _output_layer(model: dict) -> tuple[torch.Tensor, torch.Tensor]:
    n = len([k for k in model if k.endswith(".weight")])
    return model[f"layers.{n - 1}.weight"], model[f"layers.{n - 1}.bias"]


def _test_images(mnist: dict, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The same n test images (class-balanced, from ``seed``) for every stage and noise level."""
    x, y = mnist_data.subsample(mnist["x_test"], mnist["y_test"], n, seed)
    return mnist_data.to_unit_interval(x), y


def _noisy(x: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """x + noise · N(0, 1), the same noise pattern for a given seed."""
    if noise == 0:
        return x
    return (x + noise * np.random.default_rng(seed + 7919).standard_normal(x.shape)).astype(np.float32)


def _spectrum_rows(values: np.ndarray, map_name: str, layer: int) -> pd.DataFrame:
    n_images, n_values = values.shape
    return pd.DataFrame(
        {
            "image": np.repeat(np.arange(n_images), n_values),
            "map": map_name,
            "layer": layer,
            "index": np.tile(np.arange(1, n_values + 1), n_images),
            "singular_value": values.ravel(),
        }
    )


def _dbn_and_images(
    stage: str,
    rbms: list[dict] | None,
    model: dict | None,
    mnist: dict,
    n_images: int,
    noise: float,
    seed: int,
    dev: torch.device,
    twin: dict | None = None,
) -> tuple[list[tuple[torch.Tensor, torch.Tensor]], torch.Tensor, np.ndarray]:
    """The DBN's hidden layers and the n (noisy) test images, in float64 on ``dev``; and their labels."""
    # float64: the spectra span ten decades; in float32 everything below ~1e-7 σ1 is rounding noise
    layers = [(w.to(dev, torch.float64), b.to(dev, torch.float64)) for w, b in dbn_layers(stage, rbms, model, twin)]
    x, labels = _test_images(mnist, n_images, seed)
    return layers, torch.as_tensor(_noisy(x, noise, seed), device=dev, dtype=torch.float64), labels


def dbn_spectra(
    mnist: dict,
    stage: str,
    n_images: int,
    noise: float,
    seed: int,
    device: str,
    rbms: list[dict] | None = None,
    model: dict | None = None,
    twin: dict | None = None,
) -> dict:
    """Singular values of input → h(t) and h(t) → h(t+1) Jacobians for n test images (float64).

    Also keeps, for every input → h(t) map, the right singular vectors of the 1st, 2nd
    and last singular value of each image (28×28 images in input space). ``twin``: the
    untrained stack's sizes and init scale (stage ``untrained``, M2's null).
    """
    dev = select_device(device)
    layers, x, labels = _dbn_and_images(stage, rbms, model, mnist, n_images, noise, seed, dev, twin)
    started = time.perf_counter()
    with torch.no_grad():
        input_maps = jacobian.input_jacobians(layers, x)
        layer_maps = jacobian.layer_jacobians(layers, x)
    tables, vectors = [], {"images": x.cpu().numpy(), "labels": labels}
    for t, jac in enumerate(input_maps, start=1):
        s, vh = jacobian.singular_decomposition(jac)
        tables.append(_spectrum_rows(s.cpu().numpy(), f"input→h{t}", t))
        vectors[f"layer{t}"] = vh[:, [0, 1, -1], :].cpu().numpy()  # 1st, 2nd, last
        vectors[f"layer{t}_values"] = s[:, [0, 1, -1]].cpu().numpy()
    for t, jac in enumerate(layer_maps, start=1):
        s = torch.linalg.svdvals(jac)
        tables.append(_spectrum_rows(s.cpu().numpy(), f"h{t}→h{t + 1}", t + 1))
    seconds = time.perf_counter() - started
    print(
        f"[{stage}, noise {noise}] Jacobians and SVDs of {n_images} images in {seconds:.1f} s on {describe(dev)}",
        file=sys.stderr,
    )
    return {"spectra": _spectra_table(tables, stage, noise, dev, seconds), "vectors": vectors}


def dbn_noise_spectra(
    mnist: dict,
    stage: str,
    n_images: int,
    noise: float,
    layers: list[int],
    seed: int,
    device: str,
    rbms: list[dict] | None = None,
    model: dict | None = None,
) -> dict:
    """M9: singular values of the input → h(t) maps, t in ``layers``, for n test images with noise added (float64).

    The images, noise and Jacobians of :func:`dbn_spectra`, but only the maps M9 compares
    and only their singular values (``svdvals``): no singular vectors, no h(t) → h(t+1) maps.
    """
    dev = select_device(device)
    net, x, _ = _dbn_and_images(stage, rbms, model, mnist, n_images, noise, seed, dev)
    if not layers or not all(1 <= t <= len(net) for t in layers):
        raise ValueError(f"layers must lie in 1…{len(net)}, got {layers}")
    started = time.perf_counter()
    with torch.no_grad():
        input_maps = jacobian.input_jacobians(net[: max(layers)], x)
        tables = [
            _spectrum_rows(torch.linalg.svdvals(input_maps[t - 1]).cpu().numpy(), f"input→h{t}", t)
            for t in sorted(set(layers))
        ]
    seconds = time.perf_counter() - started
    print(
        f"[{stage}, noise {noise}] Jacobians and singular values of layers {layers}, {n_images} images, in {seconds:.1f} s "
        f"on {describe(dev)}",
        file=sys.stderr,
    )
    return {"spectra": _spectra_table(tables, stage, noise, dev, seconds)}


def _spectra_table(
    tables: list[pd.DataFrame], stage: str, noise: float, dev: torch.device, seconds: float
) -> pd.DataFrame:
    spectra = pd.concat(tables, ignore_index=True)
    spectra.insert(0, "noise", noise)
    spectra.insert(0, "stage", stage)
    spectra["device"] = describe(dev)
    spectra["seconds"] = seconds
    return spectra


# ---------------------------------------------------------------- t-SNE (M1)


def tsne_features(
    mnist: dict,
    features: str,
    n_points: int,
    perplexity: float,
    seed: int,
    threads: int,
    rbms: list[dict] | None = None,
    model: dict | None = None,
) -> dict:
    """3-D t-SNE of test images as pixels (``input``) or as one DBN layer (``<stage>_h<t>``)."""
    x, labels = _test_images(mnist, n_points, seed)
    if features != "input":
        stage, layer = features.rsplit("_h", 1)
        layers = dbn_layers(stage, rbms, model)
        with torch.no_grad():
            x = jacobian.hidden_states(layers, torch.as_tensor(x))[int(layer) - 1].numpy()
    started = time.perf_counter()
    points = embedding.tsne_3d(x, seed=seed, perplexity=perplexity, n_jobs=threads)
    accuracy = embedding.knn_accuracy(points, labels, k=10, seed=seed)
    print(
        f"[t-SNE {features}] {n_points} points in {time.perf_counter() - started:.1f} s, 10-NN accuracy {accuracy:.3f}",
        file=sys.stderr,
    )
    return {
        "embedding": {
            "points": points,
            "labels": labels,
            "knn_accuracy": np.array(accuracy),
            "features": np.array(features),
        }
    }


# ---------------------------------------------------------------- perturbations (M8)


MAX_DOUBLINGS = 6  # M8's largest size: at most 2⁶ × max_spread
HALF_AGREEMENT = 0.5  # M8's sizes reach until one kind of perturbation falls to this agreement


def perturbation_robustness(
    mnist: dict,
    network: str,
    n_images: int,
    n_directions: int,
    neighbours: int,
    tangent_dimension: int,
    max_spread: float,
    n_magnitudes: int,
    seed: int,
    device: str,
    model: dict | None = None,
    weights: dict | None = None,
) -> dict:
    """M8: does a network's prediction survive moving the input along tangent vs normal directions?

    The directions come from the data (:mod:`deepinside.measures.manifold_directions`): at each of
    ``n_images`` test images, the top ``n_directions`` principal directions of its
    ``neighbours`` nearest training images of the same class (tangent), and as many
    random directions orthogonal to their first ``tangent_dimension`` principal
    directions, on the pixels that vary in the training data (normal). Both kinds get
    the same sizes, 0 … ``max_spread`` in units of the patch's spread along its first
    tangent direction (1 = the edge of the data cloud), the range doubled until one kind's
    mean agreement falls to one half (and cut at the first size where it does): inside a
    range where both kinds keep nearly every output the comparison cannot decide. ``network`` is ``dbn`` (the
    fine-tuned DBN, ``model``) or ``conv`` (the AlexNet-shaped net, ``weights``).
    """
    dev = select_device(device)
    if network == "dbn":
        layers = [(w.to(dev), b.to(dev)) for w, b in dbn_layers("finetuned", model=model)]
        w_out, b_out = (t.to(dev) for t in _output_layer(model))
        predict = lambda inputs: jacobian.hidden_states(layers, inputs)[-1] @ w_out.T + b_out
    elif network == "conv":
        net = alexnet_model.build(weights, dev)
        predict = lambda inputs: torch.cat([net(chunk) for chunk in inputs.split(512)])
    else:
        raise ValueError(f"network must be 'dbn' or 'conv', got {network!r}")
    x, labels = _test_images(mnist, n_images, seed + 1)
    pool_x, pool_y = mnist_data.to_unit_interval(mnist["x_train"]), mnist["y_train"]
    rng = np.random.default_rng(seed)
    mask = manifold_directions.varying_pixels(pool_x)
    tangent, normal, spread = zip(
        *(
            manifold_directions.tangent_and_normal(
                image, pool_x[pool_y == label], neighbours, tangent_dimension, n_directions, rng, mask
            )
            for image, label in zip(x, labels)
        )
    )
    x_t = torch.as_tensor(x, device=dev)
    kinds = {"tangent": tangent, "normal": normal}
    directions = {kind: torch.as_tensor(np.stack(d), device=dev, dtype=x_t.dtype) for kind, d in kinds.items()}
    # The sizes reach until one kind of perturbation falls to half agreement, so that the two
    # kinds can differ: the range doubles (at most MAX_DOUBLINGS times) until it does.
    for doubling in range(MAX_DOUBLINGS + 1):
        units = np.linspace(0.0, max_spread * 2**doubling, n_magnitudes)
        sizes = np.asarray(spread)[:, None] * units[None, :]  # per image: multiples of its patch's tangent spread
        size_t = torch.as_tensor(sizes, device=dev, dtype=x_t.dtype)
        agree = {kind: perturbation.agreement(predict, x_t, d, size_t).cpu().numpy() for kind, d in directions.items()}
        lowest = np.min([a.mean(axis=(0, 1)) for a in agree.values()], axis=0)  # per size, the less robust kind
        print(
            f"[M8 {network}] sizes up to {units[-1]:g} spreads: lowest mean agreement {lowest[-1]:.3f}",
            file=sys.stderr,
        )
        if lowest[-1] <= HALF_AGREEMENT:
            break
    last = int(np.argmax(lowest <= HALF_AGREEMENT)) if (lowest <= HALF_AGREEMENT).any() else len(units) - 1
    rows = []
    for kind, a in agree.items():
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                for m, unit in enumerate(units[: last + 1]):
                    rows.append(
                        {
                            "network": network,
                            "direction": kind,
                            "image": i,
                            "index": j + 1,
                            "magnitude": float(unit),
                            "size_l2": float(sizes[i, m]),
                            "agree": bool(a[i, j, m]),
                        }
                    )
    return {"agreement": pd.DataFrame(rows)}


# ---------------------------------------------------------------- AlexNet (M6, M7, M9)


def conv_net_weights(
    source: str,
    seed: int,
    device: str,
    mnist: dict | None = None,
    training: dict | None = None,
    download_dir: str = "resources/downloads/torch",
    checkpoint: str | None = None,
) -> dict:
    """The AlexNet-shaped network M6, M7, M8 and M9 analyse.

    ``imagenet``: torchvision's ImageNet weights (downloaded, hash-checked; the talk's
    network). ``mnist``: :class:`deepinside.models.alexnet.DigitAlexNet` trained here on the
    MNIST training digits (SGD with momentum, ``training``: width, side, epochs,
    learning_rate, momentum, batch_size, weight_decay) — what can be had offline.
    """
    if source == "imagenet":
        return {
            "weights": alexnet_model.imagenet_state(download_dir),
            "history": pd.DataFrame({"epoch": [], "source": []}),
        }
    if source != "mnist":
        raise ValueError(f"AlexNet weights must be 'imagenet' or 'mnist', got {source!r}")
    settings = dict(training)
    width, side = settings.pop("width"), settings.pop("side")
    x, y = mnist_data.to_unit_interval(mnist["x_train"]), mnist["y_train"]
    model = alexnet_model.digit_network(width, side, generator(seed, torch.device("cpu")))
    history = train_classifier(
        model,
        x,
        y,
        mnist_data.to_unit_interval(mnist["x_test"]),
        mnist["y_test"],
        phases=[Phase("fixed epochs", settings["epochs"], settings["learning_rate"])],
        batch_size=settings["batch_size"],
        seed=seed,
        device=select_device(device),
        run_name=f"AlexNet-shaped net ×{width} on MNIST",
        momentum=settings["momentum"],
        weight_decay=settings["weight_decay"],
        train_every_epoch=False,
        test_every_epoch=False,  # nothing reads its curves; its final errors are kept
        checkpoint=for_run(checkpoint, __name__, x=x, y=y, seed=seed, width=width, side=side, **settings),
    )
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    return {
        "weights": {"architecture": {"kind": "mnist", "width": width, "side": side}, "state": state},
        "history": history,
    }


def untrained_conv_net(weights: dict, seed: int) -> dict:
    """M6/M7's null: the AlexNet-shaped net of the same architecture, untrained (for the
    MNIST-trained net, its own initial state; :func:`deepinside.models.alexnet.untrained_twin`)."""
    return {"weights": alexnet_model.untrained_twin(weights, seed)}


def digit_inputs(mnist: dict, count: int, seed: int) -> dict:
    """``count`` class-balanced MNIST test digits (784 pixels in [0, 1]) for the digit-trained AlexNet."""
    x, labels = _test_images(mnist, count, seed)
    return {
        "pictures": {
            "images": x.astype(np.float32),
            "names": np.array([f"digit {d}" for d in labels]),
            "labels": labels,
        }
    }


def alexnet_spectra(
    weights: dict,
    pictures: dict,
    layers: list[int],
    top_k: int,
    oversample: int,
    power_iterations: int,
    noise: float,
    seed: int,
    device: str,
) -> dict:
    """Top-k singular values of input → layer t, for each t in ``layers``, of the AlexNet-shaped net for every input (matrix-free).

    Each layer draws its random test vectors from a generator of its own, seeded by
    ``seed``: a layer's values do not depend on which other layers the job computes.
    """
    dev = select_device(device)
    model = alexnet_model.build(weights, dev)
    x = torch.as_tensor(_noisy(pictures["images"], noise, seed), device=dev)
    tables = []
    for layer in layers:
        f = alexnet_model.layer_function(model, layer)
        gen = generator(seed, dev)
        started = time.perf_counter()
        values = []
        for i in range(len(x)):
            s, _ = jacobian.randomized_top_singular(f, x[i], top_k, oversample, power_iterations, gen)
            values.append(s.detach().cpu().numpy())
            print(
                f"[AlexNet layer {layer}, noise {noise}] input {i + 1}/{len(x)}: σ1 = {values[-1][0]:.3g}",
                file=sys.stderr,
                flush=True,
            )
        table = _spectrum_rows(np.stack(values), f"input→{alexnet_model.LAYER_NAMES[layer - 1]}", layer)
        table.insert(0, "noise", noise)
        table["device"] = describe(dev)
        table["seconds"] = time.perf_counter() - started
        tables.append(table)
    return {"spectra": pd.concat(tables, ignore_index=True)}


def alexnet_vectors(
    weights: dict,
    pictures: dict,
    layer: int,
    top_k: int,
    oversample: int,
    power_iterations: int,
    seed: int,
    device: str,
) -> dict:
    """M7: top-2 right singular vectors of input → layer t per input, the top-5 classes, and the share
    of the vectors' energy inside the object region (made from the image, not from the network).
    The claim, trained against the untrained twin, is :func:`deepinside.steps.mototake2015_claims.object_vectors`."""
    dev = select_device(device)
    model = alexnet_model.build(weights, dev)
    kind = weights["architecture"]["kind"]
    names = alexnet_model.categories() if kind == "imagenet" else [str(d) for d in range(10)]
    f = alexnet_model.layer_function(model, layer)
    gen = generator(seed, dev)
    x = torch.as_tensor(pictures["images"], device=dev)
    vectors, masks, shares, areas, top5 = [], [], [], [], []
    for i in range(len(x)):
        _, vh = jacobian.randomized_top_singular(f, x[i], top_k, oversample, power_iterations, gen)
        v = vh[:2].reshape(2, *x.shape[1:]).detach().cpu().numpy()
        with torch.no_grad():
            probabilities = torch.softmax(model(x[i][None])[0], 0)
        image = pictures["images"][i]
        mask = (
            object_mask.digit_mask(image)
            if kind == "mnist"
            else object_mask.picture_mask(image_tools.from_imagenet_input(image))
        )
        energy = (
            (v**2).reshape(2, -1) if kind == "mnist" else (v**2).sum(1).reshape(2, -1)
        )  # per pixel, channels summed
        shares.append(energy[:, mask.ravel()].sum(1) / energy.sum(1))
        areas.append(mask.mean())
        vectors.append(v)
        masks.append(mask)
        best = probabilities.topk(5)
        top5.append(
            " | ".join(f"{names[j]} ({p:.2f})" for j, p in zip(best.indices.cpu().numpy(), best.values.cpu().numpy()))
        )
        print(
            f"[AlexNet vectors layer {layer}] input {i + 1}/{len(x)}: top-1 {names[int(best.indices[0])]}",
            file=sys.stderr,
            flush=True,
        )
    shares, areas = np.array(shares), np.array(areas)
    return {
        "vectors": {
            "vectors": np.stack(vectors),
            "masks": np.stack(masks),
            "images": pictures["images"],
            "names": pictures["names"],
            "top5": np.array(top5),
            "kind": np.array(kind),
            "shares": shares,
            "areas": areas,
            "layer": np.array(layer),
        },
    }
