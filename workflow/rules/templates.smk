# The templates of the computing rules: `use rule step as <name> with:` (or
# numerical_step) adds a rule's inputs, outputs, log, params and resources. They have
# no output of their own, so they never run as they are; their logs are never written.


rule step:
    """The template of every computing rule (not a target: it has no output)."""
    log:
        log_path("templates/step.log"),
    conda:
        ENV
    script:
        STEP


rule numerical_step:
    log:
        log_path("templates/numerical_step.log"),
    conda:
        ENV
    """The template of the numerical rules, with the config's `threads` (not a target)."""
    threads: THREADS
    script:
        STEP
