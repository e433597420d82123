# Every figure of the figure table (workflow/figures.yaml), drawn by one rule from its
# talk's first seed's tables and its combined claims.


use rule step as figure with:
    """One figure: <figures folder>/<talk>/<ID>_<name>.png, as the figure table declares it."""
    input:
        unpack(figure_inputs),
    output:
        figure=report(
            f"{FIGURES_DIR}/{{talk}}/{{figure}}.png",
            caption="../report/figure.rst",
            category="{talk}",
            labels=figure_labels,
        ),
    log:
        log_path("figures/{talk}/{figure}.log"),
    params:
        seeds=lambda wildcards: figure_seeds(wildcards.talk, figure_entry(wildcards)[0]),
        step=figure_step,
        kwargs=figure_kwargs,
        shows=lambda wildcards: figure_entry(wildcards)[1]["shows"],
        claim=lambda wildcards: figure_entry(wildcards)[1]["claim"],
