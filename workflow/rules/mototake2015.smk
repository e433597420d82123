# mototake2015 (seed 000, seed 003 section 3): layer Jacobians of the DBN trained by
# okatani2013 and of AlexNet; figures M1-M9.
# Constants and path helpers of this talk live in common.smk.


rule mototake2015_dbn_spectra:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: dbn_inputs(wildcards.stage)["rbms"],
        model=lambda wildcards: dbn_inputs(wildcards.stage)["model"],
    output:
        spectra="results/mototake2015/dbn_spectra/{stage}_noise{noise}.csv",
        vectors="results/mototake2015/dbn_spectra/{stage}_noise{noise}_vectors.npz",
    log:
        "logs/mototake2015_dbn_spectra/{stage}_noise{noise}.log",
    params:
        step=versioned("deepinside.experiments.mototake2015:dbn_spectra"),
        kwargs=lambda wildcards: {
            "stage": wildcards.stage,
            "n_images": JAC["n_images"],
            "noise": float(wildcards.noise),
            "seed": SEED,
            "device": DEVICE,
        },
    threads: 2
    resources:
        mem_mb=6000,
        runtime=30,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule mototake2015_steep_spectrum:
    input:
        spectra=dbn_spectra("pretrained"),
    output:
        summary="results/mototake2015/dbn_spectra/pretrained_summary.csv",
        claims=claims_of("mototake2015", "M2"),
    log:
        "logs/mototake2015_steep_spectrum.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:steep_spectrum"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_vector_localisation:
    input:
        vectors=dbn_vectors("pretrained"),
        mnist=rules.mnist.output.mnist,
    output:
        energy="results/mototake2015/dbn_spectra/pretrained_vector_energy.csv",
        claims=claims_of("mototake2015", "M3"),
    log:
        "logs/mototake2015_vector_localisation.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:vector_localisation"),
        kwargs={"layer": JAC["vector_layer"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_finetuning_expansion:
    input:
        pretrained=dbn_spectra("pretrained"),
        finetuned=dbn_spectra("finetuned"),
    output:
        summary="results/mototake2015/dbn_spectra/stage_summary.csv",
        claims=claims_of("mototake2015", "M4"),
    log:
        "logs/mototake2015_finetuning_expansion.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:finetuning_expansion"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_vector_blurring:
    input:
        pretrained=dbn_vectors("pretrained"),
        finetuned=dbn_vectors("finetuned"),
        mnist=rules.mnist.output.mnist,
    output:
        energy="results/mototake2015/dbn_spectra/finetuned_vector_energy.csv",
        claims=claims_of("mototake2015", "M5"),
    log:
        "logs/mototake2015_vector_blurring.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:vector_blurring"),
        kwargs={"layer": JAC["vector_layer"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_tsne:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: dbn_inputs(wildcards.features.split("_")[0])["rbms"],
        model=lambda wildcards: dbn_inputs(wildcards.features.split("_")[0])["model"],
    output:
        embedding="results/mototake2015/tsne/{features}.npz",
    log:
        "logs/mototake2015_tsne/{features}.log",
    params:
        step=versioned("deepinside.experiments.mototake2015:tsne_features"),
        kwargs=lambda wildcards, threads: {
            **MOTOTAKE["tsne"],
            "features": wildcards.features,
            "seed": SEED,
            "threads": threads,
        },
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        ENV
    script:
        STEP


rule mototake2015_digit_separation:
    input:
        embeddings=expand("results/mototake2015/tsne/{features}.npz", features=TSNE_FEATURES),
    output:
        accuracy="results/mototake2015/tsne/knn_accuracy.csv",
        claims=claims_of("mototake2015", "M1"),
    log:
        "logs/mototake2015_digit_separation.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:digit_separation"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_perturbation:
    input:
        mnist=rules.mnist.output.mnist,
        model=lambda wildcards: finetuned("pretrained", "all") if wildcards.network == "dbn" else [],
        weights=lambda wildcards: CONV_NET if wildcards.network == "conv" else [],
    output:
        agreement="results/mototake2015/perturbation/{network}_agreement.csv",
    log:
        "logs/mototake2015_perturbation/{network}.log",
    params:
        step=versioned("deepinside.experiments.mototake2015:perturbation_robustness"),
        kwargs=lambda wildcards: {**MOTOTAKE["perturbation"], "network": wildcards.network, "seed": SEED, "device": DEVICE},
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule mototake2015_perturbation_claims:
    input:
        agreements=expand("results/mototake2015/perturbation/{network}_agreement.csv", network=PERTURBED_NETWORKS),
    output:
        agreement="results/mototake2015/perturbation/agreement.csv",
        claims=claims_of("mototake2015", "M8"),
    log:
        "logs/mototake2015_perturbation_claims.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:perturbation_robustness"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_conv_net:
    input:
        mnist=rules.mnist.output.mnist if ALEX["weights"] == "mnist" else [],
    output:
        weights=CONV_NET,
        history=f"results/mototake2015/conv_net/{ALEX['weights']}_history.csv",
    log:
        "logs/mototake2015_conv_net.log",
    params:
        step=versioned("deepinside.experiments.mototake2015:conv_net_weights"),
        kwargs={
            "source": ALEX["weights"],
            "training": ALEX["training"],
            "seed": SEED,
            "device": DEVICE,
            "download_dir": "resources/downloads/torch",
            "checkpoint": checkpoint("mototake2015_conv_net"),
        },
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule mototake2015_pictures:
    input:
        mnist=rules.mnist.output.mnist if ALEX["weights"] == "mnist" else [],
    output:
        pictures=f"resources/alexnet/pictures_{ALEX['weights']}.npz",
    log:
        "logs/mototake2015_pictures.log",
    params:
        step=versioned(
            "deepinside.experiments.mototake2015:digit_inputs" if ALEX["weights"] == "mnist" else "deepinside.experiments.data:pictures"
        ),
        kwargs=(
            {"count": ALEX["n_pictures"], "seed": SEED}
            if ALEX["weights"] == "mnist"
            else {"count": ALEX["n_pictures"], "side": ALEX["side"], "names": ALEX["pictures"], "folder": ALEX["picture_folder"]}
        ),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule mototake2015_alexnet_spectra:
    input:
        weights=rules.mototake2015_conv_net.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        spectra="results/mototake2015/alexnet/spectra_layer{layer}_noise{noise}.csv",
    log:
        "logs/mototake2015_alexnet_spectra/layer{layer}_noise{noise}.log",
    params:
        step=versioned("deepinside.experiments.mototake2015:alexnet_spectra"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layer": int(wildcards.layer),
            "noise": float(wildcards.noise),
            "seed": SEED,
            "device": DEVICE,
        },
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule mototake2015_alexnet_steepness:
    input:
        spectra=[alexnet_spectra(layer) for layer in range(1, 8)],
    output:
        spectra="results/mototake2015/alexnet/spectra_clean.csv",
        claims=claims_of("mototake2015", "M6"),
    log:
        "logs/mototake2015_alexnet_steepness.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:alexnet_steepness"),
        kwargs={"weights_source": ALEX["weights"], "steep_layer": ALEX["steep_layer"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_alexnet_vectors:
    input:
        weights=rules.mototake2015_conv_net.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        vectors="results/mototake2015/alexnet/top_vectors.npz",
        claims=claims_of("mototake2015", "M7"),
    log:
        "logs/mototake2015_alexnet_vectors.log",
    params:
        step=versioned("deepinside.experiments.mototake2015:alexnet_vectors"),
        kwargs={
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layer": ALEX["vector_layer"],
            "seed": SEED,
            "device": DEVICE,
        },
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule mototake2015_noise_information:
    input:
        dbn=[dbn_spectra("pretrained", noise) for noise in DBN_NOISE],
        alexnet=[alexnet_spectra(layer, noise) for layer in ALEX["noise_layers"] for noise in ALEX_NOISE],
    output:
        spectra="results/mototake2015/noise/spectra.csv",
        claims=claims_of("mototake2015", "M9"),
    log:
        "logs/mototake2015_noise_information.log",
    params:
        step=versioned("deepinside.experiments.mototake2015_claims:noise_information"),
        kwargs={"dbn_layers_shown": JAC["noise_layers"], "alexnet_layers_shown": ALEX["noise_layers"]},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule mototake2015_figure_M1:
    input:
        accuracy=rules.mototake2015_digit_separation.output.accuracy,
        embeddings=expand("results/mototake2015/tsne/{features}.npz", features=TSNE_FEATURES),
        claims=rules.mototake2015_digit_separation.output.claims,
    output:
        figure=figure_output("mototake2015", "M1"),
    log:
        "logs/figures/mototake2015_M1.log",
    params:
        step=versioned("deepinside.plots.mototake2015:tsne_3d"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M2:
    input:
        spectra=dbn_spectra("pretrained"),
        claims=rules.mototake2015_steep_spectrum.output.claims,
    output:
        figure=figure_output("mototake2015", "M2"),
    log:
        "logs/figures/mototake2015_M2.log",
    params:
        step=versioned("deepinside.plots.mototake2015:spectra"),
        kwargs={"title": "M2 — singular values of input → layer Jacobians after pre-training (DBN, MNIST)"},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M3:
    input:
        vectors=dbn_vectors("pretrained"),
        claims=rules.mototake2015_vector_localisation.output.claims,
    output:
        figure=figure_output("mototake2015", "M3"),
    log:
        "logs/figures/mototake2015_M3.log",
    params:
        step=versioned("deepinside.plots.mototake2015:singular_vectors"),
        kwargs={"layer": JAC["vector_layer"], "title": "M3 — right singular vectors after pre-training (1st, 2nd, last)"},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M4:
    input:
        spectra=[dbn_spectra("pretrained"), dbn_spectra("finetuned")],
        claims=rules.mototake2015_finetuning_expansion.output.claims,
    output:
        figure=figure_output("mototake2015", "M4"),
    log:
        "logs/figures/mototake2015_M4.log",
    params:
        step=versioned("deepinside.plots.mototake2015:spectra_before_after"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M5:
    input:
        vectors=dbn_vectors("finetuned"),
        claims=rules.mototake2015_vector_blurring.output.claims,
    output:
        figure=figure_output("mototake2015", "M5"),
    log:
        "logs/figures/mototake2015_M5.log",
    params:
        step=versioned("deepinside.plots.mototake2015:singular_vectors"),
        kwargs={"layer": JAC["vector_layer"], "title": "M5 — right singular vectors after fine-tuning (1st, 2nd, last)"},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M6:
    input:
        spectra=rules.mototake2015_alexnet_steepness.output.spectra,
        claims=rules.mototake2015_alexnet_steepness.output.claims,
    output:
        figure=figure_output("mototake2015", "M6"),
    log:
        "logs/figures/mototake2015_M6.log",
    params:
        step=versioned("deepinside.plots.mototake2015:alexnet_spectra"),
        kwargs={"network": ALEX["weights"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M7:
    input:
        vectors=rules.mototake2015_alexnet_vectors.output.vectors,
        claims=rules.mototake2015_alexnet_vectors.output.claims,
    output:
        figure=figure_output("mototake2015", "M7"),
    log:
        "logs/figures/mototake2015_M7.log",
    params:
        step=versioned("deepinside.plots.mototake2015:alexnet_vectors"),
        kwargs={"layer": ALEX["vector_layer"]},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M8:
    input:
        agreement=rules.mototake2015_perturbation_claims.output.agreement,
        claims=rules.mototake2015_perturbation_claims.output.claims,
    output:
        figure=figure_output("mototake2015", "M8"),
    log:
        "logs/figures/mototake2015_M8.log",
    params:
        step=versioned("deepinside.plots.mototake2015:perturbation"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule mototake2015_figure_M9:
    input:
        spectra=rules.mototake2015_noise_information.output.spectra,
        claims=rules.mototake2015_noise_information.output.claims,
    output:
        figure=figure_output("mototake2015", "M9"),
    log:
        "logs/figures/mototake2015_M9.log",
    params:
        step=versioned("deepinside.plots.mototake2015:noise_spectra"),
        kwargs={"network": ALEX["weights"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP
