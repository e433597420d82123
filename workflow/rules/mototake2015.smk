# mototake2015 (seed 000, seed 003 section 3): layer Jacobians of the DBN trained by
# okatani2013 and of AlexNet; figures M1-M9.
# Constants and path helpers of this talk live in common.smk.


rule mototake2015_dbn_spectra:
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
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=6000,
        runtime=30,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.mototake2015:dbn_spectra"),
        kwargs=lambda wildcards: {
            "stage": wildcards.stage,
            "n_images": JAC["n_images"],
            "noise": float(wildcards.noise),
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },
    script:
        STEP


rule mototake2015_dbn_noise_spectra:
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
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=15,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.mototake2015:dbn_noise_spectra"),
        kwargs=lambda wildcards: {
            "stage": wildcards.stage,
            "n_images": JAC["n_images"],
            "noise": float(wildcards.noise),
            "layers": JAC["noise_layers"],
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },
    script:
        STEP


rule mototake2015_steep_spectrum:
    input:
        spectra=dbn_spectra("pretrained"),
    output:
        summary=run_path("mototake2015/dbn_spectra/pretrained_summary.csv"),
        claims=claims_of("mototake2015", "M2"),
    log:
        log_path("seed{seed}/mototake2015_steep_spectrum.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015_claims:steep_spectrum"),
    script:
        STEP


rule mototake2015_vector_localisation:
    input:
        vectors=dbn_vectors("pretrained"),
        mnist=rules.mnist.output.mnist,
    output:
        energy=run_path("mototake2015/dbn_spectra/pretrained_vector_energy.csv"),
        claims=claims_of("mototake2015", "M3"),
    log:
        log_path("seed{seed}/mototake2015_vector_localisation.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015_claims:vector_localisation"),
        kwargs={"layer": JAC["vector_layer"]},
    script:
        STEP


rule mototake2015_finetuning_expansion:
    input:
        pretrained=dbn_spectra("pretrained"),
        finetuned=dbn_spectra("finetuned"),
    output:
        summary=run_path("mototake2015/dbn_spectra/stage_summary.csv"),
        claims=claims_of("mototake2015", "M4"),
    log:
        log_path("seed{seed}/mototake2015_finetuning_expansion.log"),
    conda:
        ENV
    params:
        step=versioned(
            "deepinside.steps.mototake2015_claims:finetuning_expansion"
        ),
    script:
        STEP


rule mototake2015_vector_blurring:
    input:
        pretrained=dbn_vectors("pretrained"),
        finetuned=dbn_vectors("finetuned"),
        mnist=rules.mnist.output.mnist,
    output:
        energy=run_path("mototake2015/dbn_spectra/finetuned_vector_energy.csv"),
        claims=claims_of("mototake2015", "M5"),
    log:
        log_path("seed{seed}/mototake2015_vector_blurring.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015_claims:vector_blurring"),
        kwargs={"layer": JAC["vector_layer"]},
    script:
        STEP


rule mototake2015_tsne:
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
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        step=versioned("deepinside.steps.mototake2015:tsne_features"),
        kwargs=lambda wildcards, threads: {
            **MOTOTAKE["tsne"],
            "features": wildcards.features,
            "seed": int(wildcards.seed),
            "threads": threads,
        },
    script:
        STEP


rule mototake2015_digit_separation:
    input:
        embeddings=expand(
            run_path("mototake2015/tsne/{features}.npz"),
            allow_missing=True,
            features=TSNE_FEATURES,
        ),
    output:
        accuracy=run_path("mototake2015/tsne/knn_accuracy.csv"),
        claims=claims_of("mototake2015", "M1"),
    log:
        log_path("seed{seed}/mototake2015_digit_separation.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015_claims:digit_separation"),
    script:
        STEP


rule mototake2015_perturbation:
    input:
        mnist=rules.mnist.output.mnist,
        model=lambda wildcards: (
            finetuned("pretrained", "all") if wildcards.network == "dbn" else []
        ),
        weights=lambda wildcards: CONV_NET if wildcards.network == "conv" else [],
    output:
        **with_digests(
            agreement=run_path("mototake2015/perturbation/{network}_agreement.csv"),
        ),
    log:
        log_path("seed{seed}/mototake2015_perturbation/{network}.log"),
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.mototake2015:perturbation_robustness"),
        kwargs=lambda wildcards: {
            **MOTOTAKE["perturbation"],
            "network": wildcards.network,
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },
    script:
        STEP


rule mototake2015_perturbation_claims:
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
    conda:
        ENV
    params:
        step=versioned(
            "deepinside.steps.mototake2015_claims:perturbation_robustness"
        ),
    script:
        STEP


rule mototake2015_conv_net:
    input:
        mnist=rules.mnist.output.mnist if ALEX["weights"] == "mnist" else [],
    output:
        **with_digests(
            weights=CONV_NET,
            history=f"{RUN}/mototake2015/conv_net/{ALEX['weights']}_history.csv",
        ),
    log:
        log_path("seed{seed}/mototake2015_conv_net.log"),
    cache: "omit-software"
    priority: LONG_JOB_PRIORITY
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.mototake2015:conv_net_weights"),
        kwargs=lambda wildcards: {
            "source": ALEX["weights"],
            "training": ALEX["training"],
            "seed": int(wildcards.seed),
            "device": DEVICE,
            "download_dir": "resources/downloads/torch",
            "checkpoint": checkpoint("mototake2015_conv_net", wildcards),
        },
    script:
        STEP


rule mototake2015_pictures:
    input:
        mnist=rules.mnist.output.mnist if ALEX["weights"] == "mnist" else [],
    output:
        pictures=f"{RUN}/mototake2015/pictures_{ALEX['weights']}.npz",
    log:
        log_path("seed{seed}/mototake2015_pictures.log"),
    conda:
        ENV
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
            {"count": ALEX["n_pictures"], "seed": int(wildcards.seed)}
            if ALEX["weights"] == "mnist"
            else {
                "count": ALEX["n_pictures"],
                "side": ALEX["side"],
                "names": ALEX["pictures"],
                "folder": ALEX["picture_folder"],
            }
        ),
    script:
        STEP


rule mototake2015_alexnet_spectra:
    input:
        weights=rules.mototake2015_conv_net.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        **with_digests(
            spectra=run_path("mototake2015/alexnet/spectra_noise{noise}.csv"),
        ),
    log:
        log_path("seed{seed}/mototake2015_alexnet_spectra/noise{noise}.log"),
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.mototake2015:alexnet_spectra"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layers": alexnet_layers(wildcards.noise),
            "noise": float(wildcards.noise),
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },
    script:
        STEP


rule mototake2015_conv_net_untrained:
    """M6/M7's null: the same architecture untrained (the MNIST net's own initial state)."""
    input:
        weights=rules.mototake2015_conv_net.output.weights,
    output:
        weights=f"{RUN}/mototake2015/conv_net/{ALEX['weights']}_untrained.pt",
    log:
        log_path("seed{seed}/mototake2015_conv_net_untrained.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015:untrained_conv_net"),
        kwargs=lambda wildcards: {"seed": int(wildcards.seed)},
    script:
        STEP


use rule mototake2015_alexnet_spectra as mototake2015_alexnet_spectra_untrained with:
    input:
        weights=rules.mototake2015_conv_net_untrained.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        spectra=run_path("mototake2015/alexnet/untrained_spectra.csv"),
    log:
        log_path("seed{seed}/mototake2015_alexnet_spectra_untrained.log"),
    params:
        step=versioned("deepinside.steps.mototake2015:alexnet_spectra"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layers": sorted({1, ALEX["steep_layer"]}),
            "noise": 0.0,
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },


rule mototake2015_alexnet_steepness:
    input:
        spectra=[alexnet_spectra("0.0")],  # a list: the step concatenates tables
        untrained=rules.mototake2015_alexnet_spectra_untrained.output.spectra,
    output:
        spectra=run_path("mototake2015/alexnet/spectra_clean.csv"),
        claims=claims_of("mototake2015", "M6"),
    log:
        log_path("seed{seed}/mototake2015_alexnet_steepness.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015_claims:alexnet_steepness"),
        kwargs={"weights_source": ALEX["weights"], "steep_layer": ALEX["steep_layer"]},
    script:
        STEP


rule mototake2015_alexnet_vectors:
    input:
        weights=rules.mototake2015_conv_net.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        **with_digests(
            vectors=run_path("mototake2015/alexnet/top_vectors.npz"),
        ),
    log:
        log_path("seed{seed}/mototake2015_alexnet_vectors.log"),
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.mototake2015:alexnet_vectors"),
        kwargs=lambda wildcards: {
            **pick(ALEX, "top_k", "oversample", "power_iterations"),
            "layer": ALEX["vector_layer"],
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },
    script:
        STEP


use rule mototake2015_alexnet_vectors as mototake2015_alexnet_vectors_untrained with:
    input:
        weights=rules.mototake2015_conv_net_untrained.output.weights,
        pictures=rules.mototake2015_pictures.output.pictures,
    output:
        vectors=run_path("mototake2015/alexnet/untrained_top_vectors.npz"),
    log:
        log_path("seed{seed}/mototake2015_alexnet_vectors_untrained.log"),


rule mototake2015_object_vectors:
    input:
        trained=rules.mototake2015_alexnet_vectors.output.vectors,
        untrained=rules.mototake2015_alexnet_vectors_untrained.output.vectors,
    output:
        claims=claims_of("mototake2015", "M7"),
    log:
        log_path("seed{seed}/mototake2015_object_vectors.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.mototake2015_claims:object_vectors"),
    script:
        STEP


rule mototake2015_noise_information:
    input:
        dbn=[dbn_noise_spectra("pretrained", noise) for noise in DBN_NOISE],
        alexnet=[alexnet_spectra(noise) for noise in ALEX_NOISE],
    output:
        spectra=run_path("mototake2015/noise/spectra.csv"),
        claims=claims_of("mototake2015", "M9"),
    log:
        log_path("seed{seed}/mototake2015_noise_information.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
    params:
        step=versioned("deepinside.steps.mototake2015_claims:noise_information"),
        kwargs={
            "dbn_layers_shown": JAC["noise_layers"],
            "alexnet_layers_shown": ALEX["noise_layers"],
        },
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule mototake2015_figure_M1:
    input:
        accuracy=first_seed(
            "mototake2015", rules.mototake2015_digit_separation.output.accuracy
        ),
        embeddings=first_seed(
            "mototake2015",
            expand(
                run_path("mototake2015/tsne/{features}.npz"),
                allow_missing=True,
                features=TSNE_FEATURES,
            ),
        ),
        claims=combined_claims("mototake2015", "M1"),
    output:
        figure=figure_output("mototake2015", "M1"),
    log:
        log_path("figures/mototake2015_M1.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:tsne_3d"),
    script:
        STEP


rule mototake2015_figure_M2:
    input:
        spectra=first_seed("mototake2015", dbn_spectra("pretrained")),
        claims=combined_claims("mototake2015", "M2"),
    output:
        figure=figure_output("mototake2015", "M2"),
    log:
        log_path("figures/mototake2015_M2.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:spectra"),
        kwargs={
            "title": "M2 — singular values of input → layer Jacobians after pre-training (DBN, MNIST)"
        },
    script:
        STEP


rule mototake2015_figure_M3:
    input:
        vectors=first_seed("mototake2015", dbn_vectors("pretrained")),
        claims=combined_claims("mototake2015", "M3"),
    output:
        figure=figure_output("mototake2015", "M3"),
    log:
        log_path("figures/mototake2015_M3.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:singular_vectors"),
        kwargs={
            "layer": JAC["vector_layer"],
            "title": "M3 — right singular vectors after pre-training (1st, 2nd, last)",
        },
    script:
        STEP


rule mototake2015_figure_M4:
    input:
        spectra=first_seed(
            "mototake2015", [dbn_spectra("pretrained"), dbn_spectra("finetuned")]
        ),
        claims=combined_claims("mototake2015", "M4"),
    output:
        figure=figure_output("mototake2015", "M4"),
    log:
        log_path("figures/mototake2015_M4.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:spectra_before_after"),
    script:
        STEP


rule mototake2015_figure_M5:
    input:
        vectors=first_seed("mototake2015", dbn_vectors("finetuned")),
        claims=combined_claims("mototake2015", "M5"),
    output:
        figure=figure_output("mototake2015", "M5"),
    log:
        log_path("figures/mototake2015_M5.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:singular_vectors"),
        kwargs={
            "layer": JAC["vector_layer"],
            "title": "M5 — right singular vectors after fine-tuning (1st, 2nd, last)",
        },
    script:
        STEP


rule mototake2015_figure_M6:
    input:
        spectra=first_seed(
            "mototake2015", rules.mototake2015_alexnet_steepness.output.spectra
        ),
        claims=combined_claims("mototake2015", "M6"),
    output:
        figure=figure_output("mototake2015", "M6"),
    log:
        log_path("figures/mototake2015_M6.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:alexnet_spectra"),
        kwargs={"network": ALEX["weights"]},
    script:
        STEP


rule mototake2015_figure_M7:
    input:
        vectors=first_seed(
            "mototake2015", rules.mototake2015_alexnet_vectors.output.vectors
        ),
        claims=combined_claims("mototake2015", "M7"),
    output:
        figure=figure_output("mototake2015", "M7"),
    log:
        log_path("figures/mototake2015_M7.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:alexnet_vectors"),
        kwargs={"layer": ALEX["vector_layer"]},
    script:
        STEP


rule mototake2015_figure_M8:
    input:
        agreement=first_seed(
            "mototake2015", rules.mototake2015_perturbation_claims.output.agreement
        ),
        claims=combined_claims("mototake2015", "M8"),
    output:
        figure=figure_output("mototake2015", "M8"),
    log:
        log_path("figures/mototake2015_M8.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:perturbation"),
    script:
        STEP


rule mototake2015_figure_M9:
    input:
        spectra=first_seed(
            "mototake2015", rules.mototake2015_noise_information.output.spectra
        ),
        claims=combined_claims("mototake2015", "M9"),
    output:
        figure=figure_output("mototake2015", "M9"),
    log:
        log_path("figures/mototake2015_M9.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("mototake2015"),
        step=versioned("deepinside.plots.mototake2015:noise_spectra"),
        kwargs={"network": ALEX["weights"]},
    script:
        STEP
