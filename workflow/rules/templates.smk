# The templates of the computing rules: `use rule step as <name> with:` (or
# numerical_step) adds a rule's inputs, outputs, log, params and resources. They have
# no output of their own, so they never run as they are; their logs are never written.


rule step:
    """A computing step: the adapter runs params.step (a template, with no output of its own)."""
    log:
        log_path("templates/step.log"),
    conda:
        ENV
    script:
        STEP


# The template of the numerical rules (training, Jacobians, spectra, t-SNE): the
# config's `threads`; resources from numerical() in common.smk.
rule numerical_step:
    log:
        log_path("templates/numerical_step.log"),
    conda:
        ENV
    threads: THREADS
    script:
        STEP
