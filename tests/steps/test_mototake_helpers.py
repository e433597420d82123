"""t-SNE/kNN separation, perturbation agreement and manifold directions, AlexNet layer maps, object masks,
vector and spectrum measures, code fingerprints."""

import numpy as np
import pandas as pd
import pytest
import torch
from claim_rows import judged

from deepinside.claims import values
from deepinside.core import code_version
from deepinside.data import images
from deepinside.measures import embedding, manifold_directions, object_mask, perturbation, spectrum_measures
from deepinside.models import alexnet
from deepinside.steps import mototake2015_claims

from conftest import rbm_stack


def test_knn_accuracy_separates_clusters_from_noise():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 50)
    clustered = rng.normal(size=(200, 3)) * 0.1 + labels[:, None] * 5.0
    shuffled = rng.normal(size=(200, 3))
    assert embedding.knn_accuracy(clustered, labels) == pytest.approx(1.0)
    assert embedding.knn_accuracy(shuffled, labels) < 0.5


def test_tsne_3d_is_deterministic_and_keeps_clusters():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 40)
    data = rng.normal(size=(120, 20)) + labels[:, None] * 6.0
    a = embedding.tsne_3d(data, seed=0, perplexity=10)
    b = embedding.tsne_3d(data, seed=0, perplexity=10)
    assert a.shape == (120, 3)
    np.testing.assert_allclose(a, b)
    assert embedding.knn_accuracy(a, labels) > 0.95


def test_agreement_by_hand():
    # predictor: class = sign of the first coordinate
    predict = lambda x: torch.stack([x[..., 0], -x[..., 0]], dim=-1)
    x = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    directions = torch.tensor([[[-1.0, 0.0], [0.0, 3.0]], [[-1.0, 0.0], [0.0, 1.0]]])
    agree = perturbation.agreement(predict, x, directions, torch.tensor([0.0, 1.5, 3.0]))
    expected = torch.tensor([[[True, False, False], [True, True, True]], [[True, True, False], [True, True, True]]])
    assert torch.equal(agree, expected)


def test_alexnet_layer_maps_have_the_layer_shapes():
    from torchvision.models import alexnet as torchvision_alexnet

    state = {k: v for k, v in torchvision_alexnet(weights=None).state_dict().items()}
    model = alexnet.build({"architecture": {"kind": "imagenet"}, "state": state}, torch.device("cpu"))
    x = torch.rand(3, 63, 63)
    shapes = [tuple(alexnet.layer_function(model, t)(x).shape) for t in range(1, 8)]
    assert shapes[0][0] == 64 and shapes[4][0] == 256 and shapes[5] == (4096,) and shapes[6] == (4096,)
    with pytest.raises(ValueError):
        alexnet.layer_function(model, 8)


def test_digit_alexnet_has_alexnets_layers_on_digit_pixels():
    net = alexnet.digit_network(0.25, 64, torch.Generator().manual_seed(0))
    weights = {"architecture": {"kind": "mnist", "width": 0.25, "side": 64}, "state": net.state_dict()}
    model = alexnet.build(weights, torch.device("cpu"))
    x = torch.rand(784)
    shapes = [tuple(alexnet.layer_function(model, t)(x).shape) for t in range(1, 8)]
    assert [s[0] for s in shapes] == [16, 48, 96, 64, 64, 1024, 1024]
    assert model(x[None]).shape == (1, 10)
    # the stem: a constant digit becomes a constant ImageNet-normalised picture
    picture = model.stem(torch.full((1, 784), 0.5))
    assert picture.shape == (1, 3, 64, 64)
    torch.testing.assert_close(
        picture[0, :, 10, 10], (0.5 - torch.tensor(alexnet.IMAGENET_MEAN)) / torch.tensor(alexnet.IMAGENET_STD)
    )
    again = alexnet.digit_network(0.25, 64, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))


def test_object_masks_come_from_the_image():
    digit = np.zeros(784)
    digit[300:310] = 0.9
    assert object_mask.digit_mask(digit).sum() == 10
    picture = np.full((40, 40, 3), 0.8)
    yy, xx = np.mgrid[:40, :40]
    disk = (yy - 20) ** 2 + (xx - 22) ** 2 < 64
    picture[disk] = [0.2, 0.3, 0.9]
    mask = object_mask.picture_mask(picture)
    assert (mask & disk).sum() / disk.sum() > 0.9 and (mask & ~disk).sum() / (~disk).sum() < 0.05
    assert not object_mask.picture_mask(np.full((20, 20, 3), 0.5)).any()


def test_local_pca_tangents_span_the_manifold_and_normals_are_orthogonal_to_it():
    rng = np.random.default_rng(0)
    plane = np.linalg.qr(rng.standard_normal((20, 2)))[0].T  # a 2-d plane in 20-d
    pool = rng.standard_normal((300, 2)) @ plane
    x = pool[0]
    tangent, normal, spread = manifold_directions.tangent_and_normal(x, pool, 30, 2, 2, rng)
    assert (
        0.1 < spread < 3.0
    )  # the patch's standard deviation along its first direction (unit-variance plane, 30 nearest)
    # tangents lie in the plane, normals have no component in it
    np.testing.assert_allclose(np.linalg.norm(tangent @ plane.T, axis=1), 1.0, atol=1e-10)
    np.testing.assert_allclose(normal @ plane.T, 0.0, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(normal, axis=1), 1.0)
    assert 0 not in manifold_directions.nearest_neighbours(x, pool, 5)  # x itself is not its own neighbour
    with pytest.raises(ValueError):
        manifold_directions.tangent_and_normal(x, pool, 30, 2, 3, rng)


def test_robustness_claim_comes_out_either_way():
    """Points on a plane in 20-d; the tangent/normal test must name whichever the classifier ignores."""
    rng = np.random.default_rng(1)
    plane = np.linalg.qr(rng.standard_normal((20, 2)))[0].T
    pool = torch.as_tensor(rng.standard_normal((400, 2)) @ plane)
    x = pool[:12]
    directions = [manifold_directions.tangent_and_normal(xi.numpy(), pool.numpy(), 40, 2, 2, rng) for xi in x]
    tangent = torch.as_tensor(np.stack([t for t, _, _ in directions]))
    normal = torch.as_tensor(np.stack([n for _, n, _ in directions]))
    sizes = torch.linspace(0, 3, 7, dtype=torch.float64)

    def table(predict, network):
        rows = []
        for kind, d in (("tangent", tangent), ("normal", normal)):
            agree = perturbation.agreement(predict, x, d, sizes).numpy()
            rows += [
                {
                    "network": network,
                    "direction": kind,
                    "image": i,
                    "index": j,
                    "magnitude": float(m),
                    "agree": bool(agree[i, j, k]),
                }
                for i in range(agree.shape[0])
                for j in range(agree.shape[1])
                for k, m in enumerate(sizes)
            ]
        return pd.DataFrame(rows)

    in_plane = lambda z: torch.stack(
        [z @ torch.as_tensor(plane[0]) - 0.1, 0.1 - z @ torch.as_tensor(plane[0])], -1
    )  # reads the manifold
    projector = torch.as_tensor(plane.T @ plane)

    def across(z):  # reads only the normal space: is the point more than 0.5 off the plane?
        distance = (z - z @ projector).norm(dim=-1)
        return torch.stack([0.5 - distance, distance - 0.5], -1)

    # "dbn" reads the manifold, "conv" only the normal space
    result = mototake2015_claims.perturbation_robustness([table(in_plane, "dbn"), table(across, "conv")])
    rows = judged("mototake2015", "M8", result["claims"])
    manifold, normal_space = rows.loc["tangent_robust"], rows.loc["conv_tangent_robust"]
    assert manifold["verdict"] == "fails" and "more robust: normal" in manifold["note"]
    assert normal_space["verdict"] == "holds" and "more robust: tangent" in normal_space["note"]
    assert "the report's reading (normal more robust) holds" in manifold["note"]
    # a classifier both kinds leave alone: the difference is inside its band, not established
    alike = mototake2015_claims.perturbation_robustness(
        [table(lambda z: torch.stack([z[:, 0] * 0 + 1, z[:, 0] * 0], -1), "dbn")]
    )
    assert judged("mototake2015", "M8", alike["claims"]).loc["tangent_robust", "verdict"] == "not established"


def test_normal_directions_stay_on_the_pixels_that_vary_and_sizes_can_differ_per_image():
    rng = np.random.default_rng(2)
    images = rng.random((200, 30))
    images[:, :6] = 0.0  # a border that is blank in every image
    mask = manifold_directions.varying_pixels(images)
    assert not mask[:6].any() and mask[6:].all()
    tangent, normal, spread = manifold_directions.tangent_and_normal(images[0], images, 40, 5, 3, rng, mask)
    np.testing.assert_allclose(normal[:, :6], 0.0, atol=1e-12)
    np.testing.assert_allclose(normal @ tangent.T, 0.0, atol=1e-10)
    x = torch.zeros(2, 3, dtype=torch.float64)
    d = torch.tensor([[[1.0, 0, 0]], [[1.0, 0, 0]]], dtype=torch.float64)
    reads_first = lambda z: torch.stack(
        [z[:, 0] - 0.5, 0.5 - z[:, 0]], -1
    )  # class flips once the first input passes 0.5
    agree = perturbation.agreement(reads_first, x, d, torch.tensor([[0.0, 0.4], [0.0, 0.6]], dtype=torch.float64))
    assert agree[:, 0].tolist() == [[True, True], [True, False]]  # image 2's larger sizes pass the boundary


def test_vector_measures_tell_strokes_from_washes_and_noise():
    rng = np.random.default_rng(0)
    stroke = np.zeros((28, 28))
    stroke[6:22, 12:15] = 1.0  # a vertical bar, on the digit support
    wash = np.full((28, 28), 0.3) + 1e-3 * rng.standard_normal((28, 28))
    noise = rng.standard_normal((28, 28))
    support = np.zeros((28, 28), dtype=bool)
    support[4:24, 6:22] = True
    vectors = np.stack([stroke, wash, noise]).reshape(3, -1)
    smooth = spectrum_measures.lag1_autocorrelation(vectors.reshape(3, 28, 28))
    assert smooth[0] > 0.6 and abs(smooth[2]) < 0.1
    share = spectrum_measures.mean_removed_share(vectors)
    assert share[1] < 1e-3 and share[0] > 0.9 and share[2] > 0.99
    stroke_share = spectrum_measures.stroke_share(vectors, support)
    area = support.mean()
    assert stroke_share[0] > 0.6 and abs(stroke_share[2] - area) < 0.1 and abs(stroke_share[1] - area) < 0.15
    # the old measure scored the wash as well as a stroke
    assert spectrum_measures.energy_in_mask(vectors[1], support) == pytest.approx(area, abs=0.01)


def test_noise_claim_reads_the_paired_drop_in_log_volume_and_can_fail():
    def spectra(scale_at_noise):
        rows = []
        for noise, scale in scale_at_noise.items():
            for image in range(5):
                for index in range(1, 11):
                    rows.append(
                        {
                            "stage": "pretrained",
                            "noise": noise,
                            "map": "input→h1",
                            "layer": 1,
                            "image": image,
                            "index": index,
                            "singular_value": scale * (1 + 0.01 * image) / index,
                        }
                    )
        return pd.DataFrame(rows)

    alex = spectra({0.0: 1.0, 1.0: 0.5}).drop(columns=["stage", "map"])
    rows = lambda dbn, alexnet=alex, layers=(1,): judged(
        "mototake2015", "M9", mototake2015_claims.noise_information([dbn], [1], list(layers), [alexnet])["claims"]
    )
    shrinking = rows(spectra({0.0: 1.0, 1.0: 0.5}))
    assert shrinking.loc["dbn_transfer[1]", "verdict"] == "holds"
    assert shrinking.loc["dbn_transfer[1]", "measured"] == pytest.approx(10 * np.log10(2))  # top 10 values, each halved
    assert rows(spectra({0.0: 1.0, 1.0: 2.0})).loc["dbn_transfer[1]", "verdict"] == "fails"
    # a fall that is not monotone over the noise levels: its rising step fails it
    bumpy = rows(spectra({0.0: 1.0, 0.5: 0.4, 1.0: 0.5}))
    assert bumpy.loc["dbn_transfer[1]", "verdict"] == "fails" and "step 0.5 → 1" in bumpy.loc["dbn_transfer[1]", "note"]
    # every AlexNet layer shown is a row of its own, none reported aside
    both = rows(spectra({0.0: 1.0, 1.0: 0.5}), pd.concat([alex, alex.assign(layer=5)]), (1, 5))
    assert {"alexnet_transfer[1]", "alexnet_transfer[5]"} <= set(both.index)
    # no AlexNet layers and no AlexNet tables (its ImageNet pictures absent): the DBN's rows alone
    # (the workflow passes no `alexnet` input then: the adapter drops an input that resolves to no files)
    from deepinside.pipeline import step

    alone = step.call(
        "deepinside.steps.mototake2015_claims:noise_information",
        {"dbn": [spectra({0.0: 1.0, 1.0: 0.5})]},
        {"dbn_layers_shown": [1], "alexnet_layers_shown": []},
    )
    assert list(alone["claims"]["id"]) == ["dbn_transfer"] and set(alone["spectra"]["network"]) == {"DBN"}
    with pytest.raises(ValueError, match="give both or neither"):
        mototake2015_claims.noise_information([spectra({0.0: 1.0, 1.0: 0.5})], [1], [1, 5])


def test_imagenet_input_round_trip():
    image = np.random.default_rng(0).random((40, 60, 3))
    x = images.imagenet_input(image, 32)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    shown = images.from_imagenet_input(x)
    assert shown.shape == (32, 32, 3) and 0 <= shown.min() and shown.max() <= 1


def test_paired_difference():
    mean, two_se = values.paired_difference([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])
    assert mean == pytest.approx(2.0) and two_se == pytest.approx(2 * 1.0 / np.sqrt(3))


def test_code_fingerprint_follows_imports(tmp_path, monkeypatch):
    deps = {p.name for p in code_version.dependencies("deepinside.steps.okatani2013")}
    assert {"okatani2013.py", "rbm.py", "checkpointing.py", "files.py"} <= deps
    assert "linear_dynamics.py" not in deps
    # a copy of the package where one numerics file changes: only steps using it change
    import shutil

    copy = tmp_path / "deepinside"
    shutil.copytree(code_version.ROOT, copy)
    monkeypatch.setattr(code_version, "ROOT", copy)
    code_version.dependencies.cache_clear()
    rbm_step, saxe_step = "deepinside.steps.okatani2013:filters", "deepinside.steps.saxe2019:deep_dynamics"
    before = code_version.fingerprint(rbm_step), code_version.fingerprint(saxe_step)
    (copy / "models/rbm.py").write_text((copy / "models/rbm.py").read_text() + "\n# edited\n")
    code_version.dependencies.cache_clear()
    after = code_version.fingerprint(rbm_step), code_version.fingerprint(saxe_step)
    code_version.dependencies.cache_clear()
    assert after[0] != before[0] and after[1] == before[1]


def _tiny_dbn_inputs(seed=0):
    rbms = rbm_stack([784, 12, 10, 8], seed, scale=0.3)
    rng = np.random.default_rng(seed)
    mnist = {"x_test": rng.integers(0, 256, size=(60, 784)).astype(np.uint8), "y_test": np.repeat(np.arange(10), 6)}
    return rbms, mnist


def test_noise_spectra_are_the_full_steps_singular_values_of_the_asked_layers():
    from deepinside.steps import mototake2015

    rbms, mnist = _tiny_dbn_inputs()
    full = mototake2015.dbn_spectra(mnist, "pretrained", n_images=5, noise=0.5, seed=0, device="cpu", rbms=rbms)[
        "spectra"
    ]
    noisy = mototake2015.dbn_noise_spectra(
        mnist, "pretrained", n_images=5, noise=0.5, layers=[3, 1], seed=0, device="cpu", rbms=rbms
    )["spectra"]
    assert sorted(noisy["map"].unique()) == ["input→h1", "input→h3"]
    keys = ["stage", "noise", "map", "layer", "image", "index"]
    merged = noisy.merge(full, on=keys, suffixes=("", "_full"), validate="one_to_one")
    assert len(merged) == len(noisy) == 5 * (12 + 8)  # min(d_t, 784) values per image: 12 at h1, 8 at h3
    np.testing.assert_allclose(merged["singular_value"], merged["singular_value_full"], rtol=1e-10, atol=1e-300)
    with pytest.raises(ValueError, match="layers must lie in"):
        mototake2015.dbn_noise_spectra(
            mnist, "pretrained", n_images=5, noise=0.5, layers=[4], seed=0, device="cpu", rbms=rbms
        )


def test_alexnet_spectra_of_a_layer_do_not_depend_on_the_other_layers_of_the_job():
    from deepinside.steps import mototake2015

    net = alexnet.digit_network(0.25, 64, torch.Generator().manual_seed(0))
    weights = {"architecture": {"kind": "mnist", "width": 0.25, "side": 64}, "state": net.state_dict()}
    pictures = {"images": np.random.default_rng(0).random((2, 784)).astype(np.float32)}
    settings = dict(top_k=3, oversample=2, power_iterations=1, noise=0.5, seed=1, device="cpu")
    both = mototake2015.alexnet_spectra(weights, pictures, layers=[1, 5], **settings)["spectra"]
    alone = mototake2015.alexnet_spectra(weights, pictures, layers=[5], **settings)["spectra"]
    assert sorted(both["layer"].unique()) == [1, 5] and len(both) == 2 * 2 * 3
    columns = ["noise", "image", "map", "layer", "index", "singular_value"]
    pd.testing.assert_frame_equal(both[both["layer"] == 5][columns].reset_index(drop=True), alone[columns])


def _spectra(per_image_values: dict) -> pd.DataFrame:
    """A spectra table: {layer: (images, k) singular values}."""
    rows = []
    for layer, per_layer in per_image_values.items():
        for image, row in enumerate(per_layer):
            rows += [
                {"noise": 0.0, "layer": layer, "image": image, "index": j + 1, "singular_value": v}
                for j, v in enumerate(row)
            ]
    return pd.DataFrame(rows)


def test_m6_holds_only_where_learning_steepens_beyond_the_untrained_twin():
    from deepinside.steps import mototake2015_claims as mc

    rng = np.random.default_rng(0)
    flat = lambda n: np.exp(-0.1 * np.arange(5))[None] * (1 + 0.01 * rng.random((n, 5)))
    steep = lambda n: np.exp(-1.0 * np.arange(5))[None] * (1 + 0.01 * rng.random((n, 5)))
    trained = _spectra({1: flat(12), 5: steep(12)})
    same_as_trained = _spectra({1: flat(12), 5: steep(12)})  # the architecture alone steepens as much: fails
    flat_twin = _spectra({1: flat(12), 5: flat(12)})  # the twin stays flat: learning did it, holds
    verdict = lambda twin: judged("mototake2015", "M6", mc.alexnet_steepness([trained], twin, 5)["claims"]).iloc[0]
    assert verdict(same_as_trained)["verdict"] == "not established"  # the null equals the trained value
    holds = verdict(flat_twin)
    assert holds["verdict"] == "holds" and "untrained twin" in holds["claim"]


def test_m7_compares_the_object_share_with_the_untrained_twins():
    from deepinside.steps import mototake2015_claims as mc

    rng = np.random.default_rng(1)
    vectors = lambda share: {
        "kind": np.array("mnist"),
        "layer": np.array(5),
        "areas": np.full(10, 0.2),
        "shares": share + 0.01 * rng.random((10, 2)),
    }
    on_object, also_on_object = vectors(0.8), vectors(0.8)
    verdict = lambda twin: judged("mototake2015", "M7", mc.object_vectors(on_object, twin)["claims"])["verdict"].iloc[0]
    assert verdict(also_on_object) != "holds"  # the null equals the trained value
    assert verdict(vectors(0.3)) == "holds"


def test_m1_every_layer_rise_must_beat_its_standard_error():
    from deepinside.steps import mototake2015_claims as mc

    def embeddings(path, n=1000):
        names = ["input"] + [f"finetuned_h{t}" for t in range(1, len(path))]
        return [{"features": name, "knn_accuracy": a, "labels": np.zeros(n)} for name, a in zip(names, path)]

    noisy = judged("mototake2015", "M1", mc.digit_separation(embeddings([0.80, 0.88, 0.93, 0.932]))["claims"])
    clear = judged("mototake2015", "M1", mc.digit_separation(embeddings([0.70, 0.80, 0.88, 0.95]))["claims"])
    every = lambda table: table.loc["rises_every_layer"]  # last step of `noisy` +0.002: inside 2 s.e.
    assert every(noisy)["verdict"] == "fails" and every(noisy)["measured"] == pytest.approx(2 / 3)
    assert every(clear)["verdict"] == "holds"
    assert clear.loc["pixels_separate", "kind"] == "check"  # a property of the data, not counted as a claim


def test_m2_compares_the_deepest_layer_with_the_untrained_twin():
    from deepinside.steps import mototake2015_claims as mc

    def spectra(stage, decay_by_layer):
        rows = []
        for layer, decay in decay_by_layer.items():
            for image in range(4):
                for index in range(1, 51):
                    rows.append(
                        {
                            "stage": stage,
                            "noise": 0.0,
                            "map": f"input→h{layer}",
                            "layer": layer,
                            "image": image,
                            "index": index,
                            "singular_value": 3.0 * np.exp(-decay * index) * (1 + 0.01 * image),
                        }
                    )
        return pd.DataFrame(rows)

    trained = spectra("pretrained", {1: 0.01, 2: 0.05, 3: 0.3})
    verdict = lambda twin: judged("mototake2015", "M2", mc.steep_spectrum(trained, twin)["claims"]).loc["steepest"]
    # a twin that steepens with depth as much as the trained stack: the null equals the trained value, it fails
    assert verdict(spectra("untrained", {1: 0.01, 2: 0.05, 3: 0.3}))["verdict"] == "fails"
    assert verdict(spectra("untrained", {1: 0.01, 2: 0.02, 3: 0.03}))["verdict"] == "holds"


def test_class_templates_are_signed_whole_digit_patterns():
    from deepinside.measures import receptive_fields

    rng = np.random.default_rng(0)
    images, labels = rng.random((60, 784)), np.repeat(np.arange(3), 20)
    templates = receptive_fields.class_templates(images, labels)
    assert templates.shape == (3, 784)
    np.testing.assert_allclose(templates.sum(0), 0, atol=1e-12)
