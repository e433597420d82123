# ohzeki2015 (Ohzeki 2015): margin pre-training meets fine-tuning — replica theory, message passing; P1, P2.
# The model is a reconstruction (docs/talks/ohzeki2015_model.md).

# ---- this talk's settings and the paths other rules and its figures read

OHZEKI = PRESET["ohzeki2015"]
GAMP = OHZEKI["gamp"]
P2 = OHZEKI["p2"]
require(
    set(GAMP["kappas"]) <= set(OHZEKI["kappas"]),
    "ohzeki2015.gamp.kappas",
    f"must be among kappas {OHZEKI['kappas']}",
)


def ohzeki_theory(kappa, alpha, table="diagram"):
    """A theory job's table (`diagram` or `transitions`) at one (κ, α)."""
    return output_of("ohzeki2015_theory", table, kappa=float(kappa), alpha=float(alpha))


def ohzeki_gamp(kappa, alpha, size):
    return output_of(
        "ohzeki2015_gamp", "points", kappa=float(kappa), alpha=float(alpha), size=size
    )


use rule step as ohzeki2015_theory with:
    output:
        **with_digests(
            diagram=run_path("ohzeki2015/theory/k{kappa}_a{alpha}.csv"),
            transitions=run_path(
                "ohzeki2015/theory/k{kappa}_a{alpha}_transitions.csv"
            ),
        ),
    log:
        log_path("seed{seed}/ohzeki2015_theory/k{kappa}_a{alpha}.log"),
    cache: CACHE
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        step=versioned("deepinside.steps.ohzeki2015:theory_curve"),
        kwargs=lambda wildcards: {
            "kappa": float(wildcards.kappa),
            "alpha": float(wildcards.alpha),
            "beta_min": OHZEKI["beta_grid"]["min"],
            "beta_max": OHZEKI["beta_grid"]["max"],
            "count": OHZEKI["beta_grid"]["count"],
        },


use rule step as ohzeki2015_gamp with:
    input:
        transitions=lambda wildcards: ohzeki_theory(
            wildcards.kappa, wildcards.alpha, "transitions"
        ),
    output:
        **with_digests(
            points=run_path("ohzeki2015/gamp/k{kappa}_a{alpha}_N{size}.csv"),
        ),
    log:
        log_path("seed{seed}/ohzeki2015_gamp/k{kappa}_a{alpha}_N{size}.log"),
    cache: CACHE
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        step=versioned("deepinside.steps.ohzeki2015:gamp_points"),
        kwargs=lambda wildcards: {
            **pick(
                GAMP,
                "instances",
                "iterations",
                "damping",
                "stationary",
                "inside_spinodal",
                "informative_overlap",
            ),
            "kappa": float(wildcards.kappa),
            "alpha": float(wildcards.alpha),
            "size": int(wildcards.size),
            "betas": log_grid(GAMP["beta_grid"]),
        },


use rule step as ohzeki2015_analogue with:
    output:
        curves=run_path("ohzeki2015/analogue.csv"),
    log:
        log_path("seed{seed}/ohzeki2015_analogue.log"),
    params:
        step=versioned("deepinside.steps.ohzeki2015:analogue_curves"),
        kwargs={
            "strengths": OHZEKI["analogue"]["strengths"],
            "alpha": OHZEKI["alphas"][0],
            "beta_min": OHZEKI["beta_grid"]["min"],
            "beta_max": OHZEKI["beta_grid"]["max"],
            "count": OHZEKI["beta_grid"]["count"],
        },


use rule step as ohzeki2015_phase_transition with:
    input:
        transitions=[
            ohzeki_theory(k, a, "transitions")
            for k in OHZEKI["kappas"]
            for a in OHZEKI["alphas"]
        ],
        points=[
            ohzeki_gamp(k, a, n)
            for k in GAMP["kappas"]
            for a in OHZEKI["alphas"]
            for n in GAMP["sizes"]
        ],
    output:
        transitions=run_path("ohzeki2015/transitions.csv"),
        claims=claims_of("ohzeki2015", "P1"),
    log:
        log_path("seed{seed}/ohzeki2015_phase_transition.log"),
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        step=versioned("deepinside.steps.ohzeki2015_claims:phase_transition"),
        kwargs={"informative_overlap": GAMP["informative_overlap"]},


use rule step as ohzeki2015_p2_theory with:
    output:
        curves=run_path("ohzeki2015/p2/theory.csv"),
    log:
        log_path("seed{seed}/ohzeki2015_p2_theory.log"),
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        step=versioned("deepinside.steps.ohzeki2015:theory_versus_alpha"),
        kwargs={
            "kappa": P2["kappa"],
            "beta": P2["beta"],
            "alphas": log_grid(P2["alpha_grid"]),
        },


use rule step as ohzeki2015_p2_gamp with:
    output:
        **with_digests(
            points=run_path("ohzeki2015/p2/gamp_N{size}.csv"),
        ),
    log:
        log_path("seed{seed}/ohzeki2015_p2_gamp/N{size}.log"),
    cache: CACHE
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        step=versioned("deepinside.steps.ohzeki2015:gamp_versus_alpha"),
        kwargs=lambda wildcards: {
            **pick(
                GAMP,
                "instances",
                "iterations",
                "damping",
                "stationary",
                "informative_overlap",
            ),
            "kappa": P2["kappa"],
            "beta": P2["beta"],
            "alphas": log_grid(P2["alpha_grid"]),
            "size": int(wildcards.size),
        },


use rule step as ohzeki2015_potential with:
    input:
        curves=rules.ohzeki2015_p2_theory.output.curves,
        points=[f"{RUN}/ohzeki2015/p2/gamp_N{n}.csv" for n in GAMP["sizes"]],
    output:
        curves=run_path("ohzeki2015/p2/error_vs_alpha.csv"),
        claims=claims_of("ohzeki2015", "P2"),
    log:
        log_path("seed{seed}/ohzeki2015_potential.log"),
    params:
        step=versioned("deepinside.steps.ohzeki2015_claims:pretraining_potential"),


# What each figure reads (from this talk's first seed; every figure also reads its claims)
# and its plot's settings taken from the preset. Its file name, texts and plot function:
# workflow/figures.yaml.
FIGURE_READS["ohzeki2015"] = {
    "P1": {
        "diagrams": [
            ohzeki_theory(k, a) for k in OHZEKI["kappas"] for a in OHZEKI["alphas"]
        ],
        "transitions": rules.ohzeki2015_phase_transition.output.transitions,
        "points": rules.ohzeki2015_phase_transition.input.points,
        "analogue": rules.ohzeki2015_analogue.output.curves,
    },
    "P2": {
        "curves": rules.ohzeki2015_potential.output.curves,
        "points": rules.ohzeki2015_potential.input.points,
    },
}
