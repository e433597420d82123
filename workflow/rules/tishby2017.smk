# tishby2017 (Shwartz-Ziv & Tishby 2017): information plane of ensembles of small networks; figures T1-T4.
# Constants and path helpers of this talk live in common.smk.


use rule step as tishby2017_dataset with:
    output:
        data=run_path("tishby2017/data/task.npz"),
        statistics=run_path("tishby2017/data/statistics.csv"),
    log:
        log_path("seed{seed}/tishby2017_dataset.log"),
    params:
        step=versioned("deepinside.steps.tishby2017:dataset"),
        kwargs=TISHBY["data"],


use rule numerical_step as tishby2017_train with:
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
    cache: CACHE
    resources:
        **numerical(runtime=120),
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
        },


use rule step as tishby2017_information_plane with:
    input:
        runs=[tishby_run("information", fraction=f) for f in FRACTIONS],
    output:
        summary=run_path("tishby2017/information_plane_phases.csv"),
        claims=claims_of("tishby2017", "T1"),
    log:
        log_path("seed{seed}/tishby2017_information_plane.log"),
    params:
        step=versioned("deepinside.steps.tishby2017_claims:information_plane"),


use rule step as tishby2017_gradient_phases with:
    input:
        gradients=tishby_run("gradients"),
        information=tishby_run("information"),
    output:
        switches=run_path("tishby2017/gradient_switch_epochs.csv"),
        signal_noise=run_path("tishby2017/gradient_signal_noise.csv"),
        claims=claims_of("tishby2017", "T2"),
    log:
        log_path("seed{seed}/tishby2017_gradient_phases.log"),
    params:
        step=versioned("deepinside.steps.tishby2017_claims:gradient_phases"),


use rule step as tishby2017_depth_benefit with:
    input:
        runs=[tishby_run("losses", depth=d) for d in DEPTHS],
    output:
        epochs=run_path("tishby2017/epochs_to_threshold.csv"),
        claims=claims_of("tishby2017", "T3"),
    log:
        log_path("seed{seed}/tishby2017_depth_benefit.log"),
    params:
        step=versioned("deepinside.steps.tishby2017_claims:depth_benefit"),
        kwargs={"test_loss_threshold": TISHBY["test_loss_threshold"]},


use rule step as tishby2017_relu_versus_tanh with:
    input:
        tanh=tishby_run("information"),
        relu=tishby_run("information", activation="relu"),
    output:
        summary=run_path("tishby2017/relu_versus_tanh.csv"),
        claims=claims_of("tishby2017", "T4"),
    log:
        log_path("seed{seed}/tishby2017_relu_versus_tanh.log"),
    params:
        step=versioned("deepinside.steps.tishby2017_claims:relu_versus_tanh"),
