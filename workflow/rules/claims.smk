# The claims table: each figure's claim rows over its seeds, per talk and all together;
# the README table; claims of every preset present side by side.


# A figure's claims: the values each seed's run measured, judged against the claims table
# (the figure's `claims` in workflow/figures.yaml). Editing a
# statement or a threshold there re-runs this job, the figure and the pages only.
use rule step as replicate_claims with:
    input:
        tables=lambda wildcards: expand(
            claims_of(wildcards.talk, wildcards.figure_id),
            seed=claim_seeds(wildcards.talk, wildcards.figure_id),
        ),
    output:
        claims=result_path("{talk}/claims/{figure_id}.csv"),
    log:
        log_path("replicate_claims/{talk}_{figure_id}.log"),
    params:
        step=versioned("deepinside.steps.gather:replicate_claims"),
        kwargs=lambda wildcards: {
            "seeds": claim_seeds(wildcards.talk, wildcards.figure_id),
            "rule": VERDICT,
            "declared": declared_claims(wildcards.talk, wildcards.figure_id),
        },


use rule step as talk_claims with:
    input:
        tables=lambda wildcards: talk_claim_files(wildcards.talk),
    output:
        claims=result_path("{talk}/claims.csv"),
    log:
        log_path("talk_claims/{talk}.log"),
    params:
        step=versioned("deepinside.steps.gather:claims"),


use rule step as claims_table with:
    """Every claim of the five talks in one table (results/<preset>/claims.csv)."""
    input:
        tables=[path for talk in TALKS for path in talk_claim_files(talk)],
    output:
        claims=result_path("claims.csv"),
    log:
        log_path("claims_table.log"),
    params:
        step=versioned("deepinside.steps.gather:claims"),


use rule step as claims_page with:
    """The claims table as an HTML page (results/<preset>/claims.html)."""
    input:
        claims=rules.claims_table.output.claims,
    output:
        page=report(
            result_path("claims.html"),
            caption="../report/claims.rst",
            category="claims table",
            labels={"table": "all claims"},
        ),
    log:
        log_path("claims_page.log"),
    params:
        step=versioned("deepinside.steps.gather:claims_page"),


use rule step as talk_claims_page with:
    input:
        claims=result_path("{talk}/claims.csv"),
    output:
        page=report(
            result_path("{talk}/claims.html"),
            caption="../report/claims.rst",
            category="{talk}",
            labels={"figure": "claims", "talk": "{talk}"},
        ),
    log:
        log_path("claims_page/{talk}.log"),
    params:
        step=versioned("deepinside.steps.gather:claims_page"),


# `snakemake --cores all publish` runs this (or `readme` alone): the README's claims summary, docs/claims.md and
# docs/figures.md, rewritten from this run's claims and the figure table.
use rule step as readme with:
    """The README's claims summary, docs/claims.md and docs/figures.md, from this run."""
    input:
        claims=rules.claims_table.output.claims,
        # the same preset's claims made on another machine, where the docs hold one
        other=lambda wildcards: [
            path
            for path in [f"docs/other_machine/{PRESET_NAME}_claims.csv"]
            if Path(path).exists()
        ],
    output:
        table=result_path("readme_table.md"),
    log:
        log_path("readme.log"),
    params:
        step=versioned("deepinside.publish.readme_claims:readme_table"),
        kwargs={
            "preset": PRESET_NAME,
            "readme": "README.md",
            "docs": "docs",
            "figure_table": "workflow/figures.yaml",
            "figures_folder": FIGURES_DIR,
            "rule": VERDICT,
            "other_name": f"`docs/other_machine/{PRESET_NAME}_claims.csv` (what made it: docs/other_machine/README.md)",
        },


# `snakemake --cores 1 compare_presets` (or results/claims_by_preset/<talk>.csv): each claim
# under this preset and under every other preset whose claims a run has already made.
use rule step as compare_presets_of_talk with:
    input:
        tables=lambda wildcards: presets_with_claims(wildcards.talk),
    output:
        table="results/claims_by_preset/{talk}.csv",
    log:
        log_path("compare_presets/{talk}.log"),
    params:
        step=versioned("deepinside.steps.gather:compare_presets"),
        kwargs=lambda wildcards, input: {
            "presets": [Path(path).parts[1] for path in input.tables]
        },


use rule step as compare_presets with:
    """Each claim under every preset run so far, side by side (results/claims_by_preset/)."""
    input:
        tables=expand("results/claims_by_preset/{talk}.csv", talk=TALKS),
    output:
        table="results/claims_by_preset.csv",
    log:
        log_path("compare_presets.log"),
    params:
        step=versioned("deepinside.steps.gather:stack_tables"),


# `snakemake --cores 1 paper_preset_page`: docs/paper_preset.md's table of every claim under quick
# and under paper. The paper claims this checkout's runs made are kept in docs/paper_claims/ (one
# file per figure, committed), so that the page can be remade where those results are gone; the
# reasons why verdicts differ are the one text typed by hand (docs/paper_preset_reasons.csv).
PAPER_FIGURES = figures_folder(
    config["presets"]["paper"]["figures"], workflow.basedir, "presets.paper.figures"
)


# the code and library versions a carried checkpoint is judged against: an edit to a long run's
# step, or another torch or numpy, makes the runs-in-progress section again
CARRIED_CODE = {
    "steps": [
        versioned(f"deepinside.steps.{name}")
        for name in (
            "okatani2013",
            "okatani2013_samples",
            "ohzeki2015",
            "mototake2015",
            "tishby2017",
        )
    ],
    "versions": library_versions(),
}


# each plot's code now: a plot edited since the page was made makes its gallery section again
PLOT_CODES = {
    entry["plot"]: versioned(f"deepinside.plots.{entry['plot']}")
    for figures in FIGURE_TABLE.values()
    for entry in figures.values()
}


use rule step as paper_preset_page with:
    """docs/paper_preset.md's table: every claim under quick and under paper, side by side."""
    input:
        quick=expand("results/quick/{talk}/claims.csv", talk=TALKS),
        paper=lambda wildcards: sorted(
            str(path) for path in Path("results/paper").glob("*/claims/*.csv")
        ),
        reasons="docs/paper_preset_reasons.csv",
        # the committed paper figures, whose footers the gallery section reads (prerequisites only)
        _gallery=lambda wildcards: sorted(
            str(path) for path in Path(PAPER_FIGURES).glob("*/*.png")
        ),
        # the carried checkpoints: the runs-in-progress section reads them (a prerequisite only)
        _checkpoints=lambda wildcards: carried_checkpoint_files(),
        # the measured cost of the paper runs, written by `python bench/run_cost.py logs/paper --out …`
        cost=lambda wildcards: (
            "docs/paper_run_cost.csv"
            if Path("docs/paper_run_cost.csv").exists()
            else []
        ),
    output:
        table="results/paper_preset_table.md",
    log:
        log_path("paper_preset_page.log"),
    params:
        step=versioned("deepinside.publish.preset_comparison:paper_preset_page"),
        kwargs={
            "page": "docs/paper_preset.md",
            "kept": "docs/paper_claims",
            "figures_table": "workflow/figures.yaml",
            "gallery": PAPER_FIGURES,
            "checkpoints": "results/paper/checkpoints",
        },
        plots=PLOT_CODES,
        carried=CARRIED_CODE,


# `snakemake --cores 1 paper_preset_status`: only docs/paper_preset.md's measured cost, the runs in
# progress and the figures the current code drew, which need no run's claims (paper_preset_page
# makes them too).
use rule step as paper_preset_status with:
    """docs/paper_preset.md's measured cost, runs-in-progress and gallery sections, from the ledger, the carried checkpoints and the committed figures."""
    input:
        _gallery=lambda wildcards: sorted(
            str(path) for path in Path(PAPER_FIGURES).glob("*/*.png")
        ),
        # the carried checkpoints: the runs-in-progress section reads them (a prerequisite only)
        _checkpoints=lambda wildcards: carried_checkpoint_files(),
        cost=lambda wildcards: (
            "docs/paper_run_cost.csv"
            if Path("docs/paper_run_cost.csv").exists()
            else []
        ),
    output:
        gallery="results/paper_preset_gallery.md",
    log:
        log_path("paper_preset_status.log"),
    params:
        step=versioned("deepinside.publish.preset_comparison:paper_preset_status"),
        kwargs={
            "page": "docs/paper_preset.md",
            "figures_table": "workflow/figures.yaml",
            "gallery": PAPER_FIGURES,
            "checkpoints": "results/paper/checkpoints",
        },
        plots=PLOT_CODES,
        carried=CARRIED_CODE,


# `snakemake --cores 1 bundle`: this preset's results in one archive per talk, to unpack in
# another clone (python -m deepinside.publish.results_bundle unpack results/bundles/<preset>-*.tar.gz)
# so that only the figures are drawn there.
use rule step as bundle_talk with:
    input:
        claims=result_path("{talk}/claims.csv"),
    output:
        archive=f"results/bundles/{PRESET_NAME}-{{talk}}.tar.gz",
        manifest=f"results/bundles/{PRESET_NAME}-{{talk}}.json",
    log:
        log_path("bundle/{talk}.log"),
    params:
        step=versioned("deepinside.publish.results_bundle:bundle"),
        kwargs=lambda wildcards: {
            "folders": [result_path("data"), f"{RESULTS}/{wildcards.talk}"]
            + [
                f"{RESULTS}/seed{seed}/{wildcards.talk}"
                for seed in REPLICATES[wildcards.talk]
            ],
            "preset": PRESET_NAME,
            "seeds": REPLICATES[wildcards.talk],
        },


rule bundle:
    """Archives of this preset's results, one per talk, for another clone (results/bundles/)."""
    input:
        expand(f"results/bundles/{PRESET_NAME}-{{talk}}.tar.gz", talk=TALKS),
