# tishby2017 (seed 002): information plane of ensembles of small networks; figures T1-T4.
# Constants and path helpers of this talk live in common.smk.


rule tishby2017_dataset:
    output:
        data="results/tishby2017/data/task.npz",
        statistics="results/tishby2017/data/statistics.csv",
    log:
        "logs/tishby2017_dataset.log",
    params:
        step=versioned("deepinside.experiments.tishby2017:dataset"),
        kwargs=TISHBY["data"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_train:
    input:
        data=rules.tishby2017_dataset.output.data,
    output:
        information="results/tishby2017/runs/{activation}_f{fraction}_d{depth}/information.csv",
        gradients="results/tishby2017/runs/{activation}_f{fraction}_d{depth}/gradients.csv",
        losses="results/tishby2017/runs/{activation}_f{fraction}_d{depth}/losses.csv",
    log:
        "logs/tishby2017_train/{activation}_f{fraction}_d{depth}.log",
    params:
        step=versioned("deepinside.experiments.tishby2017:train_run"),
        kwargs=lambda wildcards: {
            **TISHBY["training"],
            "activation": wildcards.activation,
            "fraction": float(wildcards.fraction),
            "hidden": TISHBY["architectures"][int(wildcards.depth) - 1],
            # the KDE bound is costly: only for the runs T4 compares
            "kde_members": TISHBY["kde"]["members"] if (wildcards.fraction, int(wildcards.depth)) == (SWEEP, MAIN_DEPTH) else 0,
            "kde_variance": TISHBY["kde"]["variance"],
            "seed": SEED,
            "device": DEVICE,
        },
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule tishby2017_information_plane:
    input:
        runs=[tishby_run("information", fraction=f) for f in FRACTIONS],
    output:
        summary="results/tishby2017/information_plane_phases.csv",
        claims=claims_of("tishby2017", "T1"),
    log:
        "logs/tishby2017_information_plane.log",
    params:
        step=versioned("deepinside.experiments.tishby2017_claims:information_plane"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_gradient_phases:
    input:
        gradients=tishby_run("gradients"),
        information=tishby_run("information"),
    output:
        switches="results/tishby2017/gradient_switch_epochs.csv",
        signal_noise="results/tishby2017/gradient_signal_noise.csv",
        claims=claims_of("tishby2017", "T2"),
    log:
        "logs/tishby2017_gradient_phases.log",
    params:
        step=versioned("deepinside.experiments.tishby2017_claims:gradient_phases"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_depth_benefit:
    input:
        runs=[tishby_run("losses", depth=d) for d in DEPTHS],
    output:
        epochs="results/tishby2017/epochs_to_threshold.csv",
        claims=claims_of("tishby2017", "T3"),
    log:
        "logs/tishby2017_depth_benefit.log",
    params:
        step=versioned("deepinside.experiments.tishby2017_claims:depth_benefit"),
        kwargs={"test_loss_threshold": TISHBY["test_loss_threshold"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_relu_versus_tanh:
    input:
        tanh=tishby_run("information"),
        relu=tishby_run("information", activation="relu"),
    output:
        summary="results/tishby2017/relu_versus_tanh.csv",
        claims=claims_of("tishby2017", "T4"),
    log:
        "logs/tishby2017_relu_versus_tanh.log",
    params:
        step=versioned("deepinside.experiments.tishby2017_claims:relu_versus_tanh"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule tishby2017_figure_T1:
    input:
        runs=[tishby_run("information", fraction=f) for f in FRACTIONS],
        claims=rules.tishby2017_information_plane.output.claims,
    output:
        figure=figure_output("tishby2017", "T1"),
    log:
        "logs/figures/tishby2017_T1.log",
    params:
        step=versioned("deepinside.plots.tishby2017:information_planes"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_figure_T2:
    input:
        signal_noise=rules.tishby2017_gradient_phases.output.signal_noise,
        switches=rules.tishby2017_gradient_phases.output.switches,
        claims=rules.tishby2017_gradient_phases.output.claims,
    output:
        figure=figure_output("tishby2017", "T2"),
    log:
        "logs/figures/tishby2017_T2.log",
    params:
        step=versioned("deepinside.plots.tishby2017:signal_and_noise"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_figure_T3:
    input:
        runs=[tishby_run("information", depth=d) for d in DEPTHS],
        epochs=rules.tishby2017_depth_benefit.output.epochs,
        claims=rules.tishby2017_depth_benefit.output.claims,
    output:
        figure=figure_output("tishby2017", "T3"),
    log:
        "logs/figures/tishby2017_T3.log",
    params:
        step=versioned("deepinside.plots.tishby2017:depth_sweep"),
        kwargs={"test_loss_threshold": TISHBY["test_loss_threshold"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule tishby2017_figure_T4:
    input:
        tanh=tishby_run("information"),
        relu=tishby_run("information", activation="relu"),
        claims=rules.tishby2017_relu_versus_tanh.output.claims,
    output:
        figure=figure_output("tishby2017", "T4"),
    log:
        "logs/figures/tishby2017_T4.log",
    params:
        step=versioned("deepinside.plots.tishby2017:relu_and_kde"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP
