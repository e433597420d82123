# ohzeki2015 (seed 003 section 2): margin pre-training meets fine-tuning — replica theory, message passing; P1, P2.
# The model is a reconstruction (../shared/designs/ohzeki2015_model.md). Constants and path helpers live in common.smk.


rule ohzeki2015_theory:
    output:
        diagram="results/ohzeki2015/theory/k{kappa}_a{alpha}.csv",
        transitions="results/ohzeki2015/theory/k{kappa}_a{alpha}_transitions.csv",
    log:
        "logs/ohzeki2015_theory/k{kappa}_a{alpha}.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:theory_curve"),
        kwargs=lambda wildcards: {
            "kappa": float(wildcards.kappa),
            "alpha": float(wildcards.alpha),
            "beta_min": OHZEKI["beta_grid"]["min"],
            "beta_max": OHZEKI["beta_grid"]["max"],
            "count": OHZEKI["beta_grid"]["count"],
        },
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_gamp:
    output:
        points="results/ohzeki2015/gamp/k{kappa}_a{alpha}_N{size}.csv",
    log:
        "logs/ohzeki2015_gamp/k{kappa}_a{alpha}_N{size}.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:gamp_points"),
        kwargs=lambda wildcards: {
            **pick(GAMP, "instances", "iterations", "damping", "tolerance"),
            "kappa": float(wildcards.kappa),
            "alpha": float(wildcards.alpha),
            "size": int(wildcards.size),
            "betas": log_grid(GAMP["beta_grid"]),
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


rule ohzeki2015_analogue:
    output:
        curves="results/ohzeki2015/analogue.csv",
    log:
        "logs/ohzeki2015_analogue.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:analogue_curves"),
        kwargs={
            "strengths": OHZEKI["analogue"]["strengths"],
            "alpha": OHZEKI["alphas"][0],
            "beta_min": OHZEKI["beta_grid"]["min"],
            "beta_max": OHZEKI["beta_grid"]["max"],
            "count": OHZEKI["beta_grid"]["count"],
        },
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_phase_transition:
    input:
        transitions=[ohzeki_theory(k, a, "_transitions") for k in OHZEKI["kappas"] for a in OHZEKI["alphas"]],
        points=[ohzeki_gamp(k, a, n) for k in GAMP["kappas"] for a in OHZEKI["alphas"] for n in GAMP["sizes"]],
    output:
        transitions="results/ohzeki2015/transitions.csv",
        claims=claims_of("ohzeki2015", "P1"),
    log:
        "logs/ohzeki2015_phase_transition.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:phase_transition"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_p2_theory:
    output:
        curves="results/ohzeki2015/p2/theory.csv",
    log:
        "logs/ohzeki2015_p2_theory.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:theory_versus_alpha"),
        kwargs={"kappa": P2["kappa"], "beta": P2["beta"], "alphas": log_grid(P2["alpha_grid"])},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule ohzeki2015_p2_gamp:
    output:
        points="results/ohzeki2015/p2/gamp_N{size}.csv",
    log:
        "logs/ohzeki2015_p2_gamp/N{size}.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:gamp_versus_alpha"),
        kwargs=lambda wildcards: {
            **pick(GAMP, "instances", "iterations", "damping", "tolerance"),
            "kappa": P2["kappa"],
            "beta": P2["beta"],
            "alphas": log_grid(P2["alpha_grid"]),
            "size": int(wildcards.size),
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


rule ohzeki2015_potential:
    input:
        curves=rules.ohzeki2015_p2_theory.output.curves,
        points=[f"results/ohzeki2015/p2/gamp_N{n}.csv" for n in GAMP["sizes"]],
    output:
        curves="results/ohzeki2015/p2/error_vs_alpha.csv",
        claims=claims_of("ohzeki2015", "P2"),
    log:
        "logs/ohzeki2015_potential.log",
    params:
        step=versioned("deepinside.experiments.ohzeki2015:pretraining_potential"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule ohzeki2015_figure_P1:
    input:
        diagrams=[ohzeki_theory(k, a) for k in OHZEKI["kappas"] for a in OHZEKI["alphas"]],
        transitions=rules.ohzeki2015_phase_transition.output.transitions,
        points=rules.ohzeki2015_phase_transition.input.points,
        analogue=rules.ohzeki2015_analogue.output.curves,
        claims=rules.ohzeki2015_phase_transition.output.claims,
    output:
        figure=figure_output("ohzeki2015", "P1"),
    log:
        "logs/figures/ohzeki2015_P1.log",
    params:
        step=versioned("deepinside.plots.ohzeki2015:error_vs_beta"),
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
        points=rules.ohzeki2015_potential.input.points,
        claims=rules.ohzeki2015_potential.output.claims,
    output:
        figure=figure_output("ohzeki2015", "P2"),
    log:
        "logs/figures/ohzeki2015_P2.log",
    params:
        step=versioned("deepinside.plots.ohzeki2015:error_vs_alpha"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP
