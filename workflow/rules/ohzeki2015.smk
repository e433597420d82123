# ohzeki2015 (seed 003 section 2): phase transition when pre-training meets fine-tuning; P1, P2.
# Constants and path helpers of this talk live in common.smk.


rule ohzeki2015_sweep:
    output:
        sweep="results/ohzeki2015/sweep/N{size}_b{strength}.csv",
    log:
        "logs/ohzeki2015_sweep/N{size}_b{strength}.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:sweep"),
        kwargs=lambda wildcards: {
            "n": int(wildcards.size),
            "strength": float(wildcards.strength),
            "betas": OHZEKI_BETAS,
            "alphas": OHZEKI_ALPHAS,
            "seeds": OHZEKI["seeds"],
            "seed": SEED,
        },
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_phase_transition:
    input:
        sweeps=[ohzeki_sweep(n, b) for n in OHZEKI["sizes"] for b in OHZEKI["strengths"]],
    output:
        summary="results/ohzeki2015/steepest_slopes.csv",
        claims=claims_of("ohzeki2015", "P1"),
    log:
        "logs/ohzeki2015_phase_transition.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:phase_transition"),
        kwargs={"alpha": OHZEKI["alphas"][0]},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_potential:
    input:
        sweep=ohzeki_sweep(OHZEKI_LARGEST, OHZEKI["p2_strength"]),
    output:
        curves="results/ohzeki2015/error_vs_alpha.csv",
        claims=claims_of("ohzeki2015", "P2"),
    log:
        "logs/ohzeki2015_potential.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:pretraining_potential"),
        kwargs={"fixed_beta": OHZEKI["fixed_beta"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_figure_P1:
    input:
        sweeps=[ohzeki_sweep(n, b) for n in OHZEKI["sizes"] for b in OHZEKI["strengths"]],
        claims=rules.ohzeki2015_phase_transition.output.claims,
    output:
        figure=figure_output("ohzeki2015", "P1"),
    log:
        "logs/figures/ohzeki2015_P1.log",
    params:
        step=versioned("deepinside.plots.ohzeki2015:error_vs_beta"),
        kwargs={"alphas": OHZEKI["alphas"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_figure_P2:
    input:
        curves=rules.ohzeki2015_potential.output.curves,
        claims=rules.ohzeki2015_potential.output.claims,
    output:
        figure=figure_output("ohzeki2015", "P2"),
    log:
        "logs/figures/ohzeki2015_P2.log",
    params:
        step=versioned("deepinside.plots.ohzeki2015:error_vs_alpha"),
        kwargs={"fixed_beta": OHZEKI["fixed_beta"]},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP
