# Every figure of the figure table (workflow/figures.yaml), drawn by one rule from its
# talk's first seed's tables and its combined claims into results/<preset>/figures/;
# published (copied to the preset's `figures` folder, the committed gallery) by another.


use rule step as figure with:
    """One figure: results/<preset>/figures/<talk>/<ID>_<name>.png, as the figure table declares it."""
    input:
        unpack(figure_inputs),
    output:
        figure=report(
            f"{DRAWN}/{{talk}}/{{figure}}.png",
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


rule publish_figure:
    """A drawn figure copied into the preset's figures folder (the committed gallery)."""
    input:
        f"{DRAWN}/{{talk}}/{{figure}}.png",
    output:
        f"{FIGURES_DIR}/{{talk}}/{{figure}}.png",
    log:
        log_path("publish/{talk}/{figure}.log"),
    localrule: True
    run:
        publish_copy(input[0], output[0], log[0])
