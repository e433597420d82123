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

from .. import alexnet as alexnet_model
from .. import claims, embedding, jacobian, mnist as mnist_data, perturbation, saliency
from ..device import describe, generator, select_device

TALK = "mototake2015"
STAGES = ("pretrained", "finetuned")


# ---------------------------------------------------------------- the DBN as layer maps


def dbn_layers(stage: str, rbms: list[dict] | None = None, model: dict | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Hidden layers of the DBN as (weight, bias) pairs: h(t+1) = σ(W(t) h(t) + B(t)).

    ``pretrained``: from the RBM stack (W = Wᵀ_RBM, B = hidden bias). ``finetuned``: the
    hidden layers of the fine-tuned network's state dict (the softmax output layer is
    not a hidden layer and is left out).
    """
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


def dbn_spectra(
    mnist: dict,
    stage: str,
    n_images: int,
    noise: float,
    seed: int,
    device: str,
    rbms: list[dict] | None = None,
    model: dict | None = None,
) -> dict:
    """Singular values of input → h(t) and h(t) → h(t+1) Jacobians for n test images (float64).

    Also keeps, for every input → h(t) map, the right singular vectors of the 1st, 2nd
    and last singular value of each image (28×28 images in input space).
    """
    dev = select_device(device)
    # float64: the spectra span ten decades; in float32 everything below ~1e-7 σ1 is rounding noise
    layers = [(w.to(dev, torch.float64), b.to(dev, torch.float64)) for w, b in dbn_layers(stage, rbms, model)]
    x, labels = _test_images(mnist, n_images, seed)
    x = torch.as_tensor(_noisy(x, noise, seed), device=dev, dtype=torch.float64)
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
    print(f"[{stage}, noise {noise}] Jacobians and SVDs of {n_images} images in {seconds:.1f} s on {describe(dev)}", file=sys.stderr)
    spectra = pd.concat(tables, ignore_index=True)
    spectra.insert(0, "noise", noise)
    spectra.insert(0, "stage", stage)
    spectra["device"] = describe(dev)
    spectra["seconds"] = seconds
    return {"spectra": spectra, "vectors": vectors}


# ---------------------------------------------------------------- t-SNE (M1)


def tsne_features(
    mnist: dict, features: str, n_points: int, perplexity: float, seed: int, threads: int,
    rbms: list[dict] | None = None, model: dict | None = None,
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
    print(f"[t-SNE {features}] {n_points} points in {time.perf_counter() - started:.1f} s, 10-NN accuracy {accuracy:.3f}", file=sys.stderr)
    return {"embedding": {"points": points, "labels": labels, "knn_accuracy": np.array(accuracy), "features": np.array(features)}}


# ---------------------------------------------------------------- perturbations (M8)


def perturbation_robustness(
    mnist: dict, model: dict, n_images: int, n_directions: int, max_magnitude: float, n_magnitudes: int, seed: int, device: str
) -> dict:
    """M8: does the fine-tuned DBN's prediction survive moving the input along tangent vs normal directions?

    Tangent directions: right singular vectors of the 1st … n-th largest singular values
    of the input → top hidden layer Jacobian at each image; normal: those of the n
    smallest. Agreement is computed for every image, direction and size.
    """
    dev = select_device(device)
    layers = [(w.to(dev), b.to(dev)) for w, b in dbn_layers("finetuned", model=model)]
    w_out, b_out = (t.to(dev) for t in _output_layer(model))
    x, _ = _test_images(mnist, n_images, seed + 1)
    x = torch.as_tensor(x, device=dev)
    with torch.no_grad():
        _, vh = jacobian.singular_decomposition(jacobian.input_jacobians(layers, x)[-1])

    def predict(inputs):
        return jacobian.hidden_states(layers, inputs)[-1] @ w_out.T + b_out

    magnitudes = torch.linspace(0.0, max_magnitude, n_magnitudes, device=dev)
    rows = []
    for kind, directions in (("tangent", vh[:, :n_directions]), ("normal", vh[:, -n_directions:])):
        agree = perturbation.agreement(predict, x, directions, magnitudes).cpu().numpy()
        for i in range(agree.shape[0]):
            for d in range(agree.shape[1]):
                for m, eps in enumerate(magnitudes.cpu().numpy()):
                    rows.append({"direction": kind, "image": i, "index": d + 1, "magnitude": float(eps), "agree": bool(agree[i, d, m])})
    table = pd.DataFrame(rows)
    area = table.groupby("direction")["agree"].mean()
    more_robust = "tangent" if area["tangent"] > area["normal"] else "normal" if area["normal"] > area["tangent"] else "neither"
    claim_rows = [
        claims.claim(
            TALK,
            "M8",
            "the output is more robust to tangent (top singular) than to normal (bottom singular) perturbations "
            "(mean agreement over sizes, tangent − normal)",
            area["tangent"] - area["normal"],
            ">",
            0.0,
            f"mean agreement: tangent {area['tangent']:.3f}, normal {area['normal']:.3f} → more robust: {more_robust}; "
            f"N = {n_images}×{n_directions} per kind, sizes 0…{max_magnitude:g} (L2, pixel units)",
        )
    ]
    return {"agreement": table, "claims": claims.table(claim_rows)}


# ---------------------------------------------------------------- AlexNet (M6, M7, M9)


def alexnet_weights(source: str, seed: int, download_dir: str = "resources/downloads/torch") -> dict:
    """``imagenet``: torchvision's pretrained weights (downloaded, hash-checked); ``random``: seeded init."""
    if source == "imagenet":
        return {"weights": alexnet_model.imagenet_state(download_dir)}
    if source == "random":
        return {"weights": alexnet_model.random_state(seed)}
    raise ValueError(f"AlexNet weights must be 'imagenet' or 'random', got {source!r}")


def alexnet_spectra(
    weights: dict, pictures: dict, layer: int, top_k: int, oversample: int, power_iterations: int,
    noise: float, seed: int, device: str,
) -> dict:
    """Top-k singular values of input → layer t of AlexNet for every picture (matrix-free)."""
    dev = select_device(device)
    model = alexnet_model.build(weights, dev)
    f = alexnet_model.layer_function(model, layer)
    x = torch.as_tensor(_noisy(pictures["images"], noise, seed), device=dev)
    gen = generator(seed, dev)
    started = time.perf_counter()
    values = []
    for i in range(len(x)):
        s, _ = jacobian.randomized_top_singular(f, x[i], top_k, oversample, power_iterations, gen)
        values.append(s.detach().cpu().numpy())
        print(f"[AlexNet layer {layer}, noise {noise}] image {i + 1}/{len(x)}: σ1 = {values[-1][0]:.3g}", file=sys.stderr, flush=True)
    spectra = _spectrum_rows(np.stack(values), f"input→{alexnet_model.LAYER_NAMES[layer - 1]}", layer)
    spectra.insert(0, "noise", noise)
    spectra["device"] = describe(dev)
    spectra["seconds"] = time.perf_counter() - started
    return {"spectra": spectra}


def alexnet_vectors(
    weights: dict, pictures: dict, layer: int, top_k: int, oversample: int, power_iterations: int,
    saliency_fraction: float, weights_source: str, seed: int, device: str,
) -> dict:
    """M7: top-2 right singular vectors of input → layer t per picture, the top-5 classes,
    and how much of the vectors' energy lies in the picture's salient region."""
    dev = select_device(device)
    model = alexnet_model.build(weights, dev)
    f = alexnet_model.layer_function(model, layer)
    gen = generator(seed, dev)
    names = alexnet_model.categories()
    x = torch.as_tensor(pictures["images"], device=dev)
    vectors, masks, shares, top5 = [], [], [], []
    for i in range(len(x)):
        _, vh = jacobian.randomized_top_singular(f, x[i], top_k, oversample, power_iterations, gen)
        v = vh[:2].reshape(2, *x.shape[1:]).detach().cpu().numpy()
        with torch.no_grad():
            logits = model(x[i][None])[0]
        best = int(logits.argmax())
        sal = saliency.gradient_saliency(lambda z, c=best: model(z[None])[0, c], x[i])
        mask = saliency.top_fraction_mask(saliency.smooth(sal, sigma=x.shape[-1] / 32), saliency_fraction)
        per_pixel = (v**2).sum(1).reshape(2, -1)  # energy per pixel, summed over colour channels
        shares.append(per_pixel[:, mask.ravel()].sum(1) / per_pixel.sum(1))
        vectors.append(v)
        masks.append(mask)
        top5.append(" | ".join(names[j] for j in logits.topk(5).indices.cpu().numpy()))
        print(f"[AlexNet vectors layer {layer}] image {i + 1}/{len(x)}: top-1 {names[best]}", file=sys.stderr, flush=True)
    shares = np.array(shares)
    rows = [
        claims.claim(
            TALK,
            "M7",
            f"top singular vectors (layer {layer}) concentrate on the object: energy share of v1, v2 inside the "
            f"most salient {saliency_fraction:.0%} of pixels",
            shares.mean(),
            ">",
            saliency_fraction,
            f"v1 {shares[:, 0].mean():.3f}, v2 {shares[:, 1].mean():.3f}; threshold = the region's share of the image"
            + ("; RANDOM weights: an untrained control" if weights_source == "random" else ""),
        )
    ]
    return {
        "vectors": {
            "vectors": np.stack(vectors),
            "masks": np.stack(masks),
            "images": pictures["images"],
            "names": pictures["names"],
            "top5": np.array(top5),
            "weights_source": np.array(weights_source),
            "shares": shares,
        },
        "claims": claims.table(rows),
    }


