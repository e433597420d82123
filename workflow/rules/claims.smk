# The claims table: every figure's claim rows, per talk and all together.


rule talk_claims:
    input:
        tables=lambda wildcards: talk_claim_files(wildcards.talk),
    output:
        claims="results/{talk}/claims.csv",
    log:
        "logs/talk_claims/{talk}.log",
    params:
        step=versioned("deepinside.experiments.gather:claims"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule claims_table:
    input:
        tables=[path for talk in TALKS for path in talk_claim_files(talk)],
    output:
        claims="results/claims.csv",
    log:
        "logs/claims_table.log",
    params:
        step=versioned("deepinside.experiments.gather:claims"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule claims_page:
    input:
        claims=rules.claims_table.output.claims,
    output:
        page=report("results/claims.html", caption="../report/claims.rst", category="claims table", labels={"table": "all claims"}),
    log:
        "logs/claims_page.log",
    params:
        step=versioned("deepinside.experiments.gather:claims_page"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        STEP
