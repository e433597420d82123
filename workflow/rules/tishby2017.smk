# tishby2017 (seed 002): information plane of ensembles of small networks; figures T1-T4.
# Constants and path helpers of this talk live in common.smk.


rule tishby2017_dataset:
    output:
        data=run_path("tishby2017/data/task.npz"),
        statistics=run_path("tishby2017/data/statistics.csv"),
    log:
        log_path("seed{seed}/tishby2017_dataset.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.tishby2017:dataset"),
        kwargs=TISHBY["data"],
    script:
        STEP


rule tishby2017_train:
    input:
        data=rules.tishby2017_dataset.output.data,
    output:
        **with_digests(
            information=run_path(
                "tishby2017/runs/{activation}_f{fraction}_d{depth}/information.csv"
            ),
            gradients=run_path(
                "tishby2017/runs/{activation}_f{fraction}_d{depth}/gradients.csv"
            ),
            losses=run_path(
                "tishby2017/runs/{activation}_f{fraction}_d{depth}/losses.csv"
            ),
        ),
    log:
        log_path("seed{seed}/tishby2017_train/{activation}_f{fraction}_d{depth}.log"),
    cache: "omit-software"
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    params:
        step=versioned("deepinside.steps.tishby2017:train_run"),
        kwargs=lambda wildcards: {
            **TISHBY["training"],
            "activation": wildcards.activation,
            "fraction": float(wildcards.fraction),
            "hidden": TISHBY["architectures"][int(wildcards.depth) - 1],
            # the KDE bound is costly: only for the runs T4 compares
            "kde_members": (
                TISHBY["kde"]["members"]
                if (wildcards.fraction, int(wildcards.depth)) == (SWEEP, MAIN_DEPTH)
                else 0
            ),
            "kde_variance": TISHBY["kde"]["variance"],
            "seed": int(wildcards.seed),
            "device": DEVICE,
        },
    script:
        STEP


rule tishby2017_information_plane:
    input:
        runs=[tishby_run("information", fraction=f) for f in FRACTIONS],
    output:
        summary=run_path("tishby2017/information_plane_phases.csv"),
        claims=claims_of("tishby2017", "T1"),
    log:
        log_path("seed{seed}/tishby2017_information_plane.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.tishby2017_claims:information_plane"),
    script:
        STEP


rule tishby2017_gradient_phases:
    input:
        gradients=tishby_run("gradients"),
        information=tishby_run("information"),
    output:
        switches=run_path("tishby2017/gradient_switch_epochs.csv"),
        signal_noise=run_path("tishby2017/gradient_signal_noise.csv"),
        claims=claims_of("tishby2017", "T2"),
    log:
        log_path("seed{seed}/tishby2017_gradient_phases.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.tishby2017_claims:gradient_phases"),
    script:
        STEP


rule tishby2017_depth_benefit:
    input:
        runs=[tishby_run("losses", depth=d) for d in DEPTHS],
    output:
        epochs=run_path("tishby2017/epochs_to_threshold.csv"),
        claims=claims_of("tishby2017", "T3"),
    log:
        log_path("seed{seed}/tishby2017_depth_benefit.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.tishby2017_claims:depth_benefit"),
        kwargs={"test_loss_threshold": TISHBY["test_loss_threshold"]},
    script:
        STEP


rule tishby2017_relu_versus_tanh:
    input:
        tanh=tishby_run("information"),
        relu=tishby_run("information", activation="relu"),
    output:
        summary=run_path("tishby2017/relu_versus_tanh.csv"),
        claims=claims_of("tishby2017", "T4"),
    log:
        log_path("seed{seed}/tishby2017_relu_versus_tanh.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.tishby2017_claims:relu_versus_tanh"),
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule tishby2017_figure_T1:
    input:
        runs=first_seed(
            "tishby2017", [tishby_run("information", fraction=f) for f in FRACTIONS]
        ),
        claims=combined_claims("tishby2017", "T1"),
    output:
        figure=figure_output("tishby2017", "T1"),
    log:
        log_path("figures/tishby2017_T1.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("tishby2017"),
        step=versioned("deepinside.plots.tishby2017:information_planes"),
    script:
        STEP


rule tishby2017_figure_T2:
    input:
        signal_noise=first_seed(
            "tishby2017", rules.tishby2017_gradient_phases.output.signal_noise
        ),
        switches=first_seed(
            "tishby2017", rules.tishby2017_gradient_phases.output.switches
        ),
        claims=combined_claims("tishby2017", "T2"),
    output:
        figure=figure_output("tishby2017", "T2"),
    log:
        log_path("figures/tishby2017_T2.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("tishby2017"),
        step=versioned("deepinside.plots.tishby2017:signal_and_noise"),
    script:
        STEP


rule tishby2017_figure_T3:
    input:
        runs=first_seed(
            "tishby2017", [tishby_run("information", depth=d) for d in DEPTHS]
        ),
        epochs=first_seed("tishby2017", rules.tishby2017_depth_benefit.output.epochs),
        claims=combined_claims("tishby2017", "T3"),
    output:
        figure=figure_output("tishby2017", "T3"),
    log:
        log_path("figures/tishby2017_T3.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("tishby2017"),
        step=versioned("deepinside.plots.tishby2017:depth_sweep"),
        kwargs={"test_loss_threshold": TISHBY["test_loss_threshold"]},
    script:
        STEP


rule tishby2017_figure_T4:
    input:
        tanh=first_seed("tishby2017", tishby_run("information")),
        relu=first_seed("tishby2017", tishby_run("information", activation="relu")),
        claims=combined_claims("tishby2017", "T4"),
    output:
        figure=figure_output("tishby2017", "T4"),
    log:
        log_path("figures/tishby2017_T4.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("tishby2017"),
        step=versioned("deepinside.plots.tishby2017:relu_and_kde"),
    script:
        STEP
