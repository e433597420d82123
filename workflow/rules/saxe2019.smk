# saxe2019 (Saxe, McClelland & Ganguli 2019): semantic development in deep linear networks, figures S1-S5.
# S1 and S4 are deterministic: they run once, not once per seed.

SAXE = PRESET["saxe2019"]
ONCE["saxe2019"] = {"S1", "S4"}


use rule step as saxe2019_hierarchy_svd with:
    output:
        modes=result_path("saxe2019/svd/four_items_modes.npz"),
    log:
        log_path("saxe2019_hierarchy_svd.log"),
    params:
        step=versioned("deepinside.steps.saxe2019:hierarchy_svd"),


use rule step as saxe2019_deep_dynamics with:
    output:
        trajectory=run_path("saxe2019/dynamics/deep.csv"),
    log:
        log_path("seed{seed}/saxe2019_deep_dynamics.log"),
    resources:
        runtime=10,
    params:
        step=versioned("deepinside.steps.saxe2019:deep_dynamics"),
        kwargs=SAXE["four_items"],


use rule step as saxe2019_shallow_dynamics with:
    output:
        trajectory=run_path("saxe2019/dynamics/shallow.csv"),
    log:
        log_path("seed{seed}/saxe2019_shallow_dynamics.log"),
    resources:
        runtime=10,
    params:
        step=versioned("deepinside.steps.saxe2019:shallow_dynamics"),
        kwargs=pick(
            SAXE["four_items"],
            "init_scale",
            "tau",
            "dt",
            "t_max",
            "record_every",
        ),


use rule step as saxe2019_low_rank with:
    input:
        image=f"{RESULTS}/data/images/{SAXE['picture']['name']}.npy",
    output:
        approximations=result_path("saxe2019/low_rank/approximations.npz"),
        errors=result_path("saxe2019/low_rank/errors.csv"),
    log:
        log_path("saxe2019_low_rank.log"),
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        step=versioned("deepinside.steps.saxe2019:low_rank"),
        kwargs=pick(SAXE["picture"], "max_rank", "grid_ranks"),


use rule step as saxe2019_branching_dataset with:
    output:
        dataset=run_path("saxe2019/branching/dataset.npz"),
    log:
        log_path("seed{seed}/saxe2019_branching_dataset.log"),
    params:
        step=versioned("deepinside.steps.saxe2019:branching_dataset"),
        kwargs=pick(
            SAXE["branching"],
            "depth",
            "branching",
            "n_features",
            "flip_prob",
        ),


use rule step as saxe2019_progressive_differentiation with:
    input:
        dataset=rules.saxe2019_branching_dataset.output.dataset,
    output:
        rsa=run_path("saxe2019/branching/similarity.npz"),
        distinctions=run_path("saxe2019/branching/distinctions.csv"),
    log:
        log_path("seed{seed}/saxe2019_progressive_differentiation.log"),
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        step=versioned("deepinside.steps.saxe2019:progressive_differentiation"),
        kwargs=pick(
            SAXE["branching"],
            "hidden_units",
            "init_scale",
            "tau",
            "dt",
            "t_max",
            "record_every",
        ),


# The claim values of each figure, measured from the outputs above (statements and
# thresholds: workflow/claims/saxe2019.yaml).


use rule step as saxe2019_S1_values with:
    input:
        modes=rules.saxe2019_hierarchy_svd.output.modes,
    output:
        claims=claims_of("saxe2019", "S1"),
    log:
        log_path("saxe2019_S1_values.log"),
    params:
        step=versioned("deepinside.steps.saxe2019_claims:hierarchy_modes"),


use rule step as saxe2019_S2_values with:
    input:
        trajectory=rules.saxe2019_deep_dynamics.output.trajectory,
    output:
        claims=claims_of("saxe2019", "S2"),
    log:
        log_path("seed{seed}/saxe2019_S2_values.log"),
    params:
        step=versioned("deepinside.steps.saxe2019_claims:deep_modes"),


use rule step as saxe2019_S3_values with:
    input:
        trajectory=rules.saxe2019_shallow_dynamics.output.trajectory,
    output:
        claims=claims_of("saxe2019", "S3"),
    log:
        log_path("seed{seed}/saxe2019_S3_values.log"),
    params:
        step=versioned("deepinside.steps.saxe2019_claims:shallow_modes"),


use rule step as saxe2019_S4_values with:
    input:
        errors=rules.saxe2019_low_rank.output.errors,
    output:
        claims=claims_of("saxe2019", "S4"),
    log:
        log_path("saxe2019_S4_values.log"),
    params:
        step=versioned("deepinside.steps.saxe2019_claims:low_rank_errors"),


use rule step as saxe2019_S5_values with:
    input:
        distinctions=rules.saxe2019_progressive_differentiation.output.distinctions,
    output:
        claims=claims_of("saxe2019", "S5"),
    log:
        log_path("seed{seed}/saxe2019_S5_values.log"),
    params:
        step=versioned("deepinside.steps.saxe2019_claims:differentiation_order"),


# What each figure reads (from this talk's first seed; every figure also reads its claims)
# and its plot's settings taken from the preset. Its file name, texts and plot function:
# workflow/figures.yaml.
FIGURE_READS["saxe2019"] = {
    "S1": {
        "modes": rules.saxe2019_hierarchy_svd.output.modes,
    },
    "S2": {
        "trajectory": rules.saxe2019_deep_dynamics.output.trajectory,
    },
    "S3": {
        "trajectory": rules.saxe2019_shallow_dynamics.output.trajectory,
    },
    "S4": {
        "approximations": rules.saxe2019_low_rank.output.approximations,
        "errors": rules.saxe2019_low_rank.output.errors,
    },
    "S5": {
        "rsa": rules.saxe2019_progressive_differentiation.output.rsa,
        "distinctions": rules.saxe2019_progressive_differentiation.output.distinctions,
    },
}
