# saxe2019 (seed 004): semantic development in deep linear networks, figures S1-S5.


rule saxe2019_hierarchy_svd:
    output:
        modes=run_path("saxe2019/svd/four_items_modes.npz"),
        claims=claims_of("saxe2019", "S1"),
    log:
        log_path("seed{seed}/saxe2019_hierarchy_svd.log"),
    conda:
        ENV
    resources:
        mem_mb=500,
    params:
        step=versioned("deepinside.steps.saxe2019:hierarchy_svd"),
    script:
        STEP


rule saxe2019_deep_dynamics:
    output:
        trajectory=run_path("saxe2019/dynamics/deep.csv"),
        claims=claims_of("saxe2019", "S2"),
    log:
        log_path("seed{seed}/saxe2019_deep_dynamics.log"),
    conda:
        ENV
    resources:
        runtime=10,
    params:
        step=versioned("deepinside.steps.saxe2019:deep_dynamics"),
        kwargs=lambda wildcards: {**SAXE["four_items"], "seed": int(wildcards.seed)},
    script:
        STEP


rule saxe2019_shallow_dynamics:
    output:
        trajectory=run_path("saxe2019/dynamics/shallow.csv"),
        claims=claims_of("saxe2019", "S3"),
    log:
        log_path("seed{seed}/saxe2019_shallow_dynamics.log"),
    conda:
        ENV
    resources:
        runtime=10,
    params:
        step=versioned("deepinside.steps.saxe2019:shallow_dynamics"),
        kwargs=lambda wildcards: pick(
            SAXE["four_items"],
            "init_scale",
            "tau",
            "dt",
            "t_max",
            "record_every",
            seed=int(wildcards.seed),
        ),
    script:
        STEP


rule saxe2019_low_rank:
    input:
        image=f"{RESULTS}/data/images/{SAXE['picture']['name']}.npy",
    output:
        approximations=run_path("saxe2019/low_rank/approximations.npz"),
        errors=run_path("saxe2019/low_rank/errors.csv"),
        claims=claims_of("saxe2019", "S4"),
    log:
        log_path("seed{seed}/saxe2019_low_rank.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        step=versioned("deepinside.steps.saxe2019:low_rank"),
        kwargs=pick(SAXE["picture"], "max_rank", "grid_ranks"),
    script:
        STEP


rule saxe2019_branching_dataset:
    output:
        dataset=run_path("saxe2019/branching/dataset.npz"),
    log:
        log_path("seed{seed}/saxe2019_branching_dataset.log"),
    conda:
        ENV
    params:
        step=versioned("deepinside.steps.saxe2019:branching_dataset"),
        kwargs=lambda wildcards: pick(
            SAXE["branching"],
            "depth",
            "branching",
            "n_features",
            "flip_prob",
            seed=int(wildcards.seed),
        ),
    script:
        STEP


rule saxe2019_progressive_differentiation:
    input:
        dataset=rules.saxe2019_branching_dataset.output.dataset,
    output:
        rsa=run_path("saxe2019/branching/similarity.npz"),
        distinctions=run_path("saxe2019/branching/distinctions.csv"),
        claims=claims_of("saxe2019", "S5"),
    log:
        log_path("seed{seed}/saxe2019_progressive_differentiation.log"),
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        step=versioned("deepinside.steps.saxe2019:progressive_differentiation"),
        kwargs=lambda wildcards: pick(
            SAXE["branching"],
            "hidden_units",
            "init_scale",
            "tau",
            "dt",
            "t_max",
            "record_every",
            seed=int(wildcards.seed),
        ),
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule saxe2019_figure_S1:
    input:
        modes=first_seed("saxe2019", rules.saxe2019_hierarchy_svd.output.modes),
        claims=combined_claims("saxe2019", "S1"),
    output:
        figure=figure_output("saxe2019", "S1"),
    log:
        log_path("figures/saxe2019_S1.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("saxe2019"),
        step=versioned("deepinside.plots.saxe2019:hierarchy_svd"),
    script:
        STEP


rule saxe2019_figure_S2:
    input:
        trajectory=first_seed(
            "saxe2019", rules.saxe2019_deep_dynamics.output.trajectory
        ),
        claims=combined_claims("saxe2019", "S2"),
    output:
        figure=figure_output("saxe2019", "S2"),
    log:
        log_path("figures/saxe2019_S2.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("saxe2019"),
        step=versioned("deepinside.plots.saxe2019:mode_dynamics"),
        kwargs={
            "title": "S2 — deep (3-layer) linear network: stage-like learning of the modes"
        },
    script:
        STEP


rule saxe2019_figure_S3:
    input:
        trajectory=first_seed(
            "saxe2019", rules.saxe2019_shallow_dynamics.output.trajectory
        ),
        claims=combined_claims("saxe2019", "S3"),
    output:
        figure=figure_output("saxe2019", "S3"),
    log:
        log_path("figures/saxe2019_S3.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("saxe2019"),
        step=versioned("deepinside.plots.saxe2019:mode_dynamics"),
        kwargs={
            "title": "S3 — shallow (2-layer) linear network: all modes start at once"
        },
    script:
        STEP


rule saxe2019_figure_S4:
    input:
        approximations=first_seed(
            "saxe2019", rules.saxe2019_low_rank.output.approximations
        ),
        errors=first_seed("saxe2019", rules.saxe2019_low_rank.output.errors),
        claims=combined_claims("saxe2019", "S4"),
    output:
        figure=figure_output("saxe2019", "S4"),
    log:
        log_path("figures/saxe2019_S4.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("saxe2019"),
        step=versioned("deepinside.plots.saxe2019:low_rank"),
    script:
        STEP


rule saxe2019_figure_S5:
    input:
        rsa=first_seed(
            "saxe2019", rules.saxe2019_progressive_differentiation.output.rsa
        ),
        distinctions=first_seed(
            "saxe2019", rules.saxe2019_progressive_differentiation.output.distinctions
        ),
        claims=combined_claims("saxe2019", "S5"),
    output:
        figure=figure_output("saxe2019", "S5"),
    log:
        log_path("figures/saxe2019_S5.log"),
    conda:
        ENV
    params:
        seeds=figure_seeds("saxe2019"),
        step=versioned("deepinside.plots.saxe2019:progressive_differentiation"),
    script:
        STEP
