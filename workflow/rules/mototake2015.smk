# mototake2015 (Mototake & Ikegami 2015): layer Jacobians of the DBN trained by
# okatani2013 and of AlexNet; figures M1-M9.

# ---- this talk's settings and the paths other rules and its figures read

MOTOTAKE = PRESET["mototake2015"]
JAC = MOTOTAKE["jacobian"]
ALEX = MOTOTAKE["alexnet"]
DBN_NOISE = [str(float(v)) for v in JAC["noise_levels"]]
ALEX_NOISE = [str(float(v)) for v in ALEX["noise_levels"]]
N_HIDDEN_LAYERS = len(DBN_SIZES) - 1
require(
    1 <= JAC["vector_layer"] <= N_HIDDEN_LAYERS,
    "mototake2015.jacobian.vector_layer",
    f"the DBN has hidden layers 1-{N_HIDDEN_LAYERS}",
)
require(
    all(1 <= t <= N_HIDDEN_LAYERS for t in JAC["noise_layers"]),
    "mototake2015.jacobian.noise_layers",
    f"the DBN has hidden layers 1-{N_HIDDEN_LAYERS}",
)
TSNE_FEATURES = ["input"] + [
    f"{stage}_h{t}"
    for stage in ("pretrained", "finetuned")
    for t in range(1, N_HIDDEN_LAYERS + 1)
]


def dbn_inputs(stage):
    """The model files of one stage of the DBN: the RBM stack or the fine-tuned net."""
    if stage == "pretrained":
        return {"rbms": rbm_stack(), "model": []}
    if stage == "finetuned":
        return {"rbms": [], "model": finetuned("pretrained", "all")}
    return {"rbms": [], "model": []}  # pixels


def dbn_twin(wildcards):
    """The untrained twin's settings (stage `untrained`, M2's null): the DBN's sizes and the
    RBMs' initial weight scale, seeded by the replicate."""
    if wildcards.stage != "untrained":
        return {}
    twin = {"sizes": DBN_SIZES, "init_scale": OKATANI["dbn"]["rbm"]["init_scale"]}
    return {"twin": {**twin, "seed": int(wildcards.seed)}}


def dbn_spectra(stage, noise="0.0"):
    return output_of("mototake2015_dbn_spectra", "spectra", stage=stage, noise=noise)


def dbn_noise_spectra(stage, noise):
    """M9's spectra: singular values of the noise layers' input maps only (rule mototake2015_dbn_noise_spectra)."""
    return output_of(
        "mototake2015_dbn_noise_spectra", "spectra", stage=stage, noise=noise
    )


def dbn_vectors(stage, noise="0.0"):
    return output_of("mototake2015_dbn_spectra", "vectors", stage=stage, noise=noise)


def alexnet_spectra(noise="0.0"):
    """The AlexNet-shaped net's top singular values at one noise level: every layer (M6) at
    no noise, the noise layers (M9) at the others. One job each: a job's start-up (torch,
    torch.func) took longer than one layer's spectra."""
    return output_of("mototake2015_alexnet_spectra", "spectra", noise=noise)


def alexnet_layers(noise):
    """Layers whose spectra the job at this noise level computes."""
    return list(range(1, 8)) if float(noise) == 0 else sorted(ALEX["noise_layers"])


# M8 perturbs the DBN and, where it sees digits, the conv net (the paper preset's ImageNet
# AlexNet has no same-class neighbours to estimate a tangent space from).
PERTURBED_NETWORKS = ["dbn", "conv"] if ALEX["weights"] == "mnist" else ["dbn"]


use rule numerical_step as mototake2015_dbn_spectra with:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: dbn_inputs(wildcards.stage)["rbms"],
        model=lambda wildcards: dbn_inputs(wildcards.stage)["model"],
    output:
        **with_digests(
            spectra=run_path("mototake2015/dbn_spectra/{stage}_noise{noise}.csv"),
            vectors=run_path(
                "mototake2015/dbn_spectra/{stage}_noise{noise}_vectors.npz"
            ),
        ),
    log:
        log_path("seed{seed}/mototake2015_dbn_spectra/{stage}_noise{noise}.log"),
    cache: CACHE
    resources:
        **numerical(mem_mb=6000, runtime=30),
    params:
        step=versioned("deepinside.steps.mototake2015:dbn_spectra"),
        kwargs=lambda wildcards: {
            "stage": wildcards.stage,
            "n_images": JAC["n_images"],
            "noise": float(wildcards.noise),
            **dbn_twin(wildcards),
        },


use rule numerical_step as mototake2015_dbn_noise_spectra with:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: dbn_inputs(wildcards.stage)["rbms"],
        model=lambda wildcards: dbn_inputs(wildcards.stage)["model"],
    output:
        **with_digests(
            spectra=run_path("mototake2015/dbn_noise/{stage}_noise{noise}.csv"),
        ),
    log:
        log_path("seed{seed}/mototake2015_dbn_noise_spectra/{stage}_noise{noise}.log"),
    cache: CACHE
    resources:
        **numerical(runtime=15),
    params:
        step=versioned("deepinside.steps.mototake2015:dbn_noise_spectra"),
        kwargs=lambda wildcards: {
            "stage": wildcards.stage,
            "n_images": JAC["n_images"],
            "noise": float(wildcards.noise),
            "layers": JAC["noise_layers"],
        },


use rule step as mototake2015_steep_spectrum with:
    input:
        spectra=dbn_spectra("pretrained"),
        twin=dbn_spectra("untrained"),
    output:
        summary=run_path("mototake2015/dbn_spectra/pretrained_summary.csv"),
        claims=claims_of("mototake2015", "M2"),
    log:
        log_path("seed{seed}/mototake2015_steep_spectrum.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:steep_spectrum"),


use rule step as mototake2015_vector_localisation with:
    input:
        vectors=dbn_vectors("pretrained"),
        mnist=rules.mnist.output.mnist,
    output:
        energy=run_path("mototake2015/dbn_spectra/pretrained_vector_energy.csv"),
        claims=claims_of("mototake2015", "M3"),
    log:
        log_path("seed{seed}/mototake2015_vector_localisation.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:vector_localisation"),
        kwargs={"layer": JAC["vector_layer"]},


use rule step as mototake2015_finetuning_expansion with:
    input:
        pretrained=dbn_spectra("pretrained"),
        finetuned=dbn_spectra("finetuned"),
    output:
        summary=run_path("mototake2015/dbn_spectra/stage_summary.csv"),
        claims=claims_of("mototake2015", "M4"),
    log:
        log_path("seed{seed}/mototake2015_finetuning_expansion.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:finetuning_expansion"),


use rule step as mototake2015_vector_blurring with:
    input:
        pretrained=dbn_vectors("pretrained"),
        finetuned=dbn_vectors("finetuned"),
        mnist=rules.mnist.output.mnist,
    output:
        energy=run_path("mototake2015/dbn_spectra/finetuned_vector_energy.csv"),
        claims=claims_of("mototake2015", "M5"),
    log:
        log_path("seed{seed}/mototake2015_vector_blurring.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:vector_blurring"),
        kwargs={"layer": JAC["vector_layer"]},


use rule numerical_step as mototake2015_tsne with:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: dbn_inputs(wildcards.features.split("_")[0])["rbms"],
        model=lambda wildcards: dbn_inputs(wildcards.features.split("_")[0])["model"],
    output:
        **with_digests(
            embedding=run_path("mototake2015/tsne/{features}.npz"),
        ),
    log:
        log_path("seed{seed}/mototake2015_tsne/{features}.log"),
    cache: CACHE
    resources:
        **numerical(runtime=60, gpu=0),
    params:
        step=versioned("deepinside.steps.mototake2015:tsne_features"),
        kwargs=lambda wildcards, threads: {
            **MOTOTAKE["tsne"],
            "features": wildcards.features,
            "threads": threads,
        },


use rule step as mototake2015_digit_separation with:
    input:
        embeddings=expand(
            rules.mototake2015_tsne.output.embedding,
            allow_missing=True,
            features=TSNE_FEATURES,
        ),
    output:
        accuracy=run_path("mototake2015/tsne/knn_accuracy.csv"),
        claims=claims_of("mototake2015", "M1"),
    log:
        log_path("seed{seed}/mototake2015_digit_separation.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:digit_separation"),


use rule numerical_step as mototake2015_perturbation with:
    input:
        mnist=rules.mnist.output.mnist,
        model=lambda wildcards: (
            finetuned("pretrained", "all") if wildcards.network == "dbn" else []
        ),
        weights=lambda wildcards: (
            rules.mototake2015_conv_net.output.weights
            if wildcards.network == "conv"
            else []
        ),
    output:
        **with_digests(
            agreement=run_path("mototake2015/perturbation/{network}_agreement.csv"),
        ),
    log:
        log_path("seed{seed}/mototake2015_perturbation/{network}.log"),
    cache: CACHE
    resources:
        **numerical(runtime=30),
    params:
        step=versioned("deepinside.steps.mototake2015:perturbation_robustness"),
        kwargs=lambda wildcards: {
            **MOTOTAKE["perturbation"],
            "network": wildcards.network,
        },


use rule step as mototake2015_perturbation_claims with:
    input:
        agreements=expand(
            run_path("mototake2015/perturbation/{network}_agreement.csv"),
            allow_missing=True,
            network=PERTURBED_NETWORKS,
        ),
    output:
        agreement=run_path("mototake2015/perturbation/agreement.csv"),
        claims=claims_of("mototake2015", "M8"),
    log:
        log_path("seed{seed}/mototake2015_perturbation_claims.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:perturbation_robustness"),


use rule numerical_step as mototake2015_conv_net with:
    input:
        mnist=rules.mnist.output.mnist if ALEX["weights"] == "mnist" else [],
    output:
        **with_digests(
            # the AlexNet-shaped network: trained here on MNIST (offline) or ImageNet's (downloaded)
            weights=run_path(f"mototake2015/conv_net/{ALEX['weights']}.pt"),
            history=run_path(f"mototake2015/conv_net/{ALEX['weights']}_history.csv"),
        ),
    log:
        log_path("seed{seed}/mototake2015_conv_net.log"),
    cache: CACHE
    priority: LONG_JOB_PRIORITY
    resources:
        **numerical(runtime=120),
    params:
        step=versioned("deepinside.steps.mototake2015:conv_net_weights"),
        kwargs=lambda wildcards: {
            "source": ALEX["weights"],
            "training": ALEX["training"],
            "download_dir": "resources/downloads/torch",
        },


use rule step as mototake2015_pictures with:
    input:
        mnist=rules.mnist.output.mnist if ALEX["weights"] == "mnist" else [],
        # a prerequisite only (a leading underscore: the step is not given it): a missing folder of
        # pictures stops the run when the DAG is built, naming the folder, before any job
        _pictures=(
            ALEX["picture_folder"]
            if ALEX["weights"] != "mnist" and ALEX["picture_folder"]
            else []
        ),
    output:
        pictures=f"{RUN}/mototake2015/pictures_{ALEX['weights']}.npz",
    log:
        log_path("seed{seed}/mototake2015_pictures.log"),
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        step=versioned(
            "deepinside.steps.mototake2015:digit_inputs"
            if ALEX["weights"] == "mnist"
            else "deepinside.steps.data:pictures"
        ),
        kwargs=lambda wildcards: (
            {"count": ALEX["n_pictures"]}
            if ALEX["weights"] == "mnist"
            else {
                "count": ALEX["n_pictures"],
                "side": ALEX["side"],
                "names": ALEX["pictures"],
                "folder": ALEX["picture_folder"],
            }
        ),


use rule numerical_step as mototake2015_alexnet_spectra with:
    input:
        weights=rules.mototake2015_conv_net.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        **with_digests(
            spectra=run_path("mototake2015/alexnet/spectra_noise{noise}.csv"),
        ),
    log:
        log_path("seed{seed}/mototake2015_alexnet_spectra/noise{noise}.log"),
    cache: CACHE
    resources:
        **numerical(mem_mb=8000, runtime=60),
    params:
        step=versioned("deepinside.steps.mototake2015:alexnet_spectra"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layers": alexnet_layers(wildcards.noise),
            "noise": float(wildcards.noise),
        },


use rule step as mototake2015_conv_net_untrained with:
    """M6/M7's null: the same architecture untrained (the MNIST net's own initial state)."""
    input:
        weights=rules.mototake2015_conv_net.output.weights,
    output:
        weights=run_path(f"mototake2015/conv_net/{ALEX['weights']}_untrained.pt"),
    log:
        log_path("seed{seed}/mototake2015_conv_net_untrained.log"),
    params:
        step=versioned("deepinside.steps.mototake2015:untrained_conv_net"),


use rule mototake2015_alexnet_spectra as mototake2015_alexnet_spectra_untrained with:
    input:
        weights=rules.mototake2015_conv_net_untrained.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        # taken from the output cache like the rule it copies: with its sidecar
        **with_digests(spectra=run_path("mototake2015/alexnet/untrained_spectra.csv")),
    log:
        log_path("seed{seed}/mototake2015_alexnet_spectra_untrained.log"),
    params:
        step=versioned("deepinside.steps.mototake2015:alexnet_spectra"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layers": sorted({1, ALEX["steep_layer"]}),
            "noise": 0.0,
        },


use rule step as mototake2015_alexnet_steepness with:
    input:
        spectra=[alexnet_spectra("0.0")],  # a list: the step concatenates tables
        untrained=rules.mototake2015_alexnet_spectra_untrained.output.spectra,
    output:
        spectra=run_path("mototake2015/alexnet/spectra_clean.csv"),
        twin=run_path("mototake2015/alexnet/spectra_untrained_twin.csv"),
        claims=claims_of("mototake2015", "M6"),
    log:
        log_path("seed{seed}/mototake2015_alexnet_steepness.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:alexnet_steepness"),
        kwargs={"steep_layer": ALEX["steep_layer"]},


use rule numerical_step as mototake2015_alexnet_vectors with:
    input:
        weights=rules.mototake2015_conv_net.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        **with_digests(
            vectors=run_path("mototake2015/alexnet/top_vectors.npz"),
        ),
    log:
        log_path("seed{seed}/mototake2015_alexnet_vectors.log"),
    cache: CACHE
    resources:
        **numerical(mem_mb=8000, runtime=60),
    params:
        step=versioned("deepinside.steps.mototake2015:alexnet_vectors"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layer": ALEX["vector_layer"],
        },


use rule mototake2015_alexnet_vectors as mototake2015_alexnet_vectors_untrained with:
    input:
        weights=rules.mototake2015_conv_net_untrained.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        **with_digests(
            vectors=run_path("mototake2015/alexnet/untrained_top_vectors.npz")
        ),
    log:
        log_path("seed{seed}/mototake2015_alexnet_vectors_untrained.log"),


use rule step as mototake2015_object_vectors with:
    input:
        trained=rules.mototake2015_alexnet_vectors.output.vectors,
        untrained=rules.mototake2015_alexnet_vectors_untrained.output.vectors,
    output:
        claims=claims_of("mototake2015", "M7"),
    log:
        log_path("seed{seed}/mototake2015_object_vectors.log"),
    params:
        step=versioned("deepinside.steps.mototake2015_claims:object_vectors"),


use rule step as mototake2015_noise_information with:
    input:
        dbn=[dbn_noise_spectra("pretrained", noise) for noise in DBN_NOISE],
        # no AlexNet layers (noise_layers: []): M9 without the AlexNet, where its pictures are absent
        alexnet=(
            [alexnet_spectra(noise) for noise in ALEX_NOISE]
            if ALEX["noise_layers"]
            else []
        ),
    output:
        spectra=run_path("mototake2015/noise/spectra.csv"),
        claims=claims_of("mototake2015", "M9"),
    log:
        log_path("seed{seed}/mototake2015_noise_information.log"),
    resources:
        mem_mb=2000,
    params:
        step=versioned("deepinside.steps.mototake2015_claims:noise_information"),
        kwargs={
            "dbn_layers_shown": JAC["noise_layers"],
            "alexnet_layers_shown": ALEX["noise_layers"],
        },


# What each figure reads (from this talk's first seed; every figure also reads its claims)
# and its plot's settings taken from the preset. Its file name, texts and plot function:
# workflow/figures.yaml.
FIGURE_READS["mototake2015"] = {
    "M1": {
        "accuracy": rules.mototake2015_digit_separation.output.accuracy,
        "embeddings": expand(
            rules.mototake2015_tsne.output.embedding,
            allow_missing=True,
            features=TSNE_FEATURES,
        ),
    },
    "M2": {
        "spectra": dbn_spectra("pretrained"),
        "twin": dbn_spectra("untrained"),
    },
    "M3": {
        "vectors": dbn_vectors("pretrained"),
    },
    "M4": {
        "spectra": [dbn_spectra("pretrained"), dbn_spectra("finetuned")],
    },
    "M5": {
        "vectors": dbn_vectors("finetuned"),
    },
    "M6": {
        "spectra": rules.mototake2015_alexnet_steepness.output.spectra,
        "twin": rules.mototake2015_alexnet_steepness.output.twin,
    },
    "M7": {
        "vectors": rules.mototake2015_alexnet_vectors.output.vectors,
        "twin": rules.mototake2015_alexnet_vectors_untrained.output.vectors,
    },
    "M8": {
        "agreement": rules.mototake2015_perturbation_claims.output.agreement,
    },
    "M9": {
        "spectra": rules.mototake2015_noise_information.output.spectra,
    },
}
FIGURE_SETTINGS["mototake2015"] = {
    "M3": {"layer": JAC["vector_layer"]},
    "M5": {"layer": JAC["vector_layer"]},
    "M6": {"network": ALEX["weights"]},
    "M7": {"layer": ALEX["vector_layer"]},
    "M9": {"network": ALEX["weights"]},
}
