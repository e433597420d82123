# saxe2019 (seed 004): semantic development in deep linear networks, figures S1-S5.


rule saxe2019_hierarchy_svd:
    output:
        modes="results/saxe2019/svd/four_items_modes.npz",
        claims=claims_of("saxe2019", "S1"),
    log:
        "logs/saxe2019_hierarchy_svd.log",
    params:
        step=versioned("deepinside.experiments.saxe2019:hierarchy_svd"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule saxe2019_deep_dynamics:
    output:
        trajectory="results/saxe2019/dynamics/deep.csv",
        claims=claims_of("saxe2019", "S2"),
    log:
        "logs/saxe2019_deep_dynamics.log",
    params:
        step=versioned("deepinside.experiments.saxe2019:deep_dynamics"),
        kwargs={**SAXE["four_items"], "seed": SEED},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule saxe2019_shallow_dynamics:
    output:
        trajectory="results/saxe2019/dynamics/shallow.csv",
        claims=claims_of("saxe2019", "S3"),
    log:
        "logs/saxe2019_shallow_dynamics.log",
    params:
        step=versioned("deepinside.experiments.saxe2019:shallow_dynamics"),
        kwargs=pick(SAXE["four_items"], "init_scale", "tau", "dt", "t_max", "record_every", seed=SEED),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule saxe2019_low_rank:
    input:
        image=f"resources/images/{SAXE['picture']['name']}.npy",
    output:
        approximations="results/saxe2019/low_rank/approximations.npz",
        errors="results/saxe2019/low_rank/errors.csv",
        claims=claims_of("saxe2019", "S4"),
    log:
        "logs/saxe2019_low_rank.log",
    params:
        step=versioned("deepinside.experiments.saxe2019:low_rank"),
        kwargs=pick(SAXE["picture"], "max_rank", "grid_ranks"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule saxe2019_branching_dataset:
    output:
        dataset="results/saxe2019/branching/dataset.npz",
    log:
        "logs/saxe2019_branching_dataset.log",
    params:
        step=versioned("deepinside.experiments.saxe2019:branching_dataset"),
        kwargs=pick(SAXE["branching"], "depth", "branching", "n_features", "flip_prob", seed=SEED),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule saxe2019_progressive_differentiation:
    input:
        dataset=rules.saxe2019_branching_dataset.output.dataset,
    output:
        rsa="results/saxe2019/branching/similarity.npz",
        distinctions="results/saxe2019/branching/distinctions.csv",
        claims=claims_of("saxe2019", "S5"),
    log:
        "logs/saxe2019_progressive_differentiation.log",
    params:
        step=versioned("deepinside.experiments.saxe2019:progressive_differentiation"),
        kwargs=pick(SAXE["branching"], "hidden_units", "init_scale", "tau", "dt", "t_max", "record_every", seed=SEED),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        ENV
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule saxe2019_figure_S1:
    input:
        modes=rules.saxe2019_hierarchy_svd.output.modes,
        claims=rules.saxe2019_hierarchy_svd.output.claims,
    output:
        figure=figure_output("saxe2019", "S1"),
    log:
        "logs/figures/saxe2019_S1.log",
    params:
        step=versioned("deepinside.plots.saxe2019:hierarchy_svd"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule saxe2019_figure_S2:
    input:
        trajectory=rules.saxe2019_deep_dynamics.output.trajectory,
        claims=rules.saxe2019_deep_dynamics.output.claims,
    output:
        figure=figure_output("saxe2019", "S2"),
    log:
        "logs/figures/saxe2019_S2.log",
    params:
        step=versioned("deepinside.plots.saxe2019:mode_dynamics"),
        kwargs={"title": "S2 — deep (3-layer) linear network: stage-like learning of the modes"},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule saxe2019_figure_S3:
    input:
        trajectory=rules.saxe2019_shallow_dynamics.output.trajectory,
        claims=rules.saxe2019_shallow_dynamics.output.claims,
    output:
        figure=figure_output("saxe2019", "S3"),
    log:
        "logs/figures/saxe2019_S3.log",
    params:
        step=versioned("deepinside.plots.saxe2019:mode_dynamics"),
        kwargs={"title": "S3 — shallow (2-layer) linear network: all modes start at once"},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule saxe2019_figure_S4:
    input:
        approximations=rules.saxe2019_low_rank.output.approximations,
        errors=rules.saxe2019_low_rank.output.errors,
        claims=rules.saxe2019_low_rank.output.claims,
    output:
        figure=figure_output("saxe2019", "S4"),
    log:
        "logs/figures/saxe2019_S4.log",
    params:
        step=versioned("deepinside.plots.saxe2019:low_rank"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule saxe2019_figure_S5:
    input:
        rsa=rules.saxe2019_progressive_differentiation.output.rsa,
        distinctions=rules.saxe2019_progressive_differentiation.output.distinctions,
        claims=rules.saxe2019_progressive_differentiation.output.claims,
    output:
        figure=figure_output("saxe2019", "S5"),
    log:
        "logs/figures/saxe2019_S5.log",
    params:
        step=versioned("deepinside.plots.saxe2019:progressive_differentiation"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP
