# saxe2019 (source text 004): semantic development in deep linear networks, figures S1-S5.


use rule step as saxe2019_hierarchy_svd with:
    output:
        modes=run_path("saxe2019/svd/four_items_modes.npz"),
        claims=claims_of("saxe2019", "S1"),
    log:
        log_path("seed{seed}/saxe2019_hierarchy_svd.log"),
    params:
        step=versioned("deepinside.steps.saxe2019:hierarchy_svd"),


use rule step as saxe2019_deep_dynamics with:
    output:
        trajectory=run_path("saxe2019/dynamics/deep.csv"),
        claims=claims_of("saxe2019", "S2"),
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
        claims=claims_of("saxe2019", "S3"),
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
        approximations=run_path("saxe2019/low_rank/approximations.npz"),
        errors=run_path("saxe2019/low_rank/errors.csv"),
        claims=claims_of("saxe2019", "S4"),
    log:
        log_path("seed{seed}/saxe2019_low_rank.log"),
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
        claims=claims_of("saxe2019", "S5"),
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
