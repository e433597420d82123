# tishby2017 (Shwartz-Ziv & Tishby 2017): information plane of ensembles of small networks; figures T1-T4.

# ---- this talk's settings and the paths other rules and its figures read

TISHBY = PRESET["tishby2017"]
MAIN_DEPTH = TISHBY["depth"]
SWEEP = str(float(TISHBY["sweep_fraction"]))
FRACTIONS = [str(float(f)) for f in TISHBY["fractions"]]
DEPTHS = range(1, len(TISHBY["architectures"]) + 1)
require(
    MAIN_DEPTH in DEPTHS,
    "tishby2017.depth",
    f"must pick one of the {len(DEPTHS)} architectures (1-{len(DEPTHS)})",
)


def tishby_run(table, activation="tanh", fraction=SWEEP, depth=MAIN_DEPTH):
    """One of a run's tables: information, gradients or losses."""
    return output_of(
        "tishby2017_train", table, activation=activation, fraction=fraction, depth=depth
    )


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


# What each figure reads (from this talk's first seed; every figure also reads its claims)
# and its plot's settings taken from the preset. Its file name, texts and plot function:
# workflow/figures.yaml.
FIGURE_READS["tishby2017"] = {
    "T1": {
        "runs": [tishby_run("information", fraction=f) for f in FRACTIONS],
    },
    "T2": {
        "signal_noise": rules.tishby2017_gradient_phases.output.signal_noise,
        "switches": rules.tishby2017_gradient_phases.output.switches,
    },
    "T3": {
        "runs": [tishby_run("information", depth=d) for d in DEPTHS],
        "epochs": rules.tishby2017_depth_benefit.output.epochs,
    },
    "T4": {
        "tanh": tishby_run("information"),
        "relu": tishby_run("information", activation="relu"),
    },
}
FIGURE_SETTINGS["tishby2017"] = {
    "T3": {"test_loss_threshold": TISHBY["test_loss_threshold"]},
}
