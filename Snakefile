# deepinside: regenerate the figures of five talks on what happens inside deep networks.
#
#   snakemake --cores all                          every figure, quick preset, offline
#   snakemake --cores all saxe2019                 one talk
#   snakemake --cores 2 S4                         one figure by its id
#   snakemake --cores 1 figures/saxe2019/S4_low_rank_picture.png   one figure, published
#   snakemake --cores all publish                  the gallery, README table and docs pages
#
# Results go to results/<preset>/ (one folder per seed of `replicates` inside), the drawn
# figures to results/<preset>/figures/: a run leaves the committed files as they are.
# `publish` copies the figures to the preset's `figures` folder (the committed gallery)
# and rewrites the README's claims table, docs/claims.md and docs/figures.md.
#
# The rules live in workflow/rules/<stage>.smk; every rule calls one function of the
# deepinside package (src/) through workflow/scripts/step.py.

import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

# The package in src/ is imported from the checkout itself, installed (pip install -e .)
# or not (e.g. in a conda environment made from envs/deepinside.yaml).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from deepinside.pipeline.config_errors import describe, first_problem
from deepinside.pipeline.config_files import ConfigFileError, check_file
from deepinside.pipeline.presets import expanded, write_effective_config

min_version("9.0")


# Every config file read strictly first (one line naming the file for a key written twice, an
# empty file, a list, non-UTF-8 bytes, a file too large or too deep, many aliases). Snakemake reads
# --configfile files before this line: one it cannot read at all fails there, in its own words.
for _path in ["config.yaml", *workflow.overwrite_configfiles]:
    try:
        check_file(_path)
    except ConfigFileError as error:
        raise WorkflowError(str(error)) from None


configfile: "config.yaml"


# Every preset but `quick` holds only what differs from it: merged here, then checked whole.
config["presets"] = expanded(config.get("presets") or {})

_problem = first_problem(
    config,
    yaml.safe_load(
        (Path(workflow.basedir) / "workflow/schemas/config.schema.yaml").read_text()
    ),
)
if _problem:
    raise WorkflowError(_problem)
try:
    # fills the schema's defaults
    validate(config, "workflow/schemas/config.schema.yaml")
except WorkflowError as error:
    raise WorkflowError(describe(error)) from None


report: "workflow/report/workflow.rst"


# What this run runs with (config.yaml and every --configfile / --config merged; its hash
# is in every claims row and figure footer), written when jobs are about to run.
onstart:
    write_effective_config(config, f"results/{config['preset']}/config.effective.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/templates.smk"


# What each wildcard may match (talk names come from the figure catalogue in common.smk).
wildcard_constraints:
    talk="|".join(TALKS),
    seed="[0-9]+",
    figure_id="[A-Z][0-9]+",
    figure="|".join(name for files in FIGURES.values() for name in files.values()),
    name="[A-Za-z0-9_]+",
    layer="[0-9]+",
    init="pretrained|random",
    n="[0-9]+|all",
    method="cd1|cdk|pcd",
    stage="untrained|pretrained|finetuned",
    noise="[0-9]+(?:[.][0-9]+)?",
    activation="tanh|relu",
    fraction="0[.][0-9]+",
    depth="[0-9]+",
    layers="[0-9]+",
    network="dbn|conv",
    kappa="[0-9]+(?:[.][0-9]+)?",  # as its talk's settings write it: 1.0 where any kappa is a float
    alpha="[0-9]+(?:[.][0-9]+)?",
    size="[0-9]+",
    strength="[0-9]+[.][0-9]+",


include: "workflow/rules/data.smk"
include: "workflow/rules/specs.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"


# `snakemake --report` before any run: one line saying what to run first (Snakemake's own
# message names a missing figure). Read from the command line: a Snakefile is not told it
# is making a report.
if (
    workflow.is_main_process
    and any(arg == "--report" or arg.startswith("--report=") for arg in sys.argv)
    and "--report-after-run" not in sys.argv
    and not any(Path(RESULTS).glob("*/claims/*.csv"))
):
    raise report_needs_results(f"no claims under {RESULTS}/")


# The paper preset says what a run will cost before any job starts (a dry run included).
if PRESET_NAME == "paper" and workflow.is_main_process:
    from deepinside.pipeline.projected_cost import (
        command_line_targets,
        projection_lines,
        read_table,
        targeted_talks,
    )

    _costs = read_table(Path(workflow.basedir) / "docs/paper_cost.csv")
    if _costs is not None:
        try:
            _cores = workflow.cores
        except WorkflowError:  # a cluster run without --cores
            _cores = None
        for _line in projection_lines(
            _costs,
            REPLICATES,
            targeted_talks(
                command_line_targets(sys.argv[1:]),
                TALKS,
                {i: talk for talk, ids in FIGURES.items() for i in ids},
            ),
            _cores,
            "docs/paper_cost.csv",
            all_talks=TALKS,
        ):
            print(_line, file=sys.stderr)


rule all:
    """Every figure of the five talks and the claims table (the default target)."""
    default_target: True
    input:
        all_figures(),
        f"{RESULTS}/claims.csv",
        f"{RESULTS}/claims.html",


rule publish:
    """The committed gallery (the preset's `figures` folder), the README's claims table,
    docs/claims.md and docs/figures.md, from this run: the one target that changes them.
    """
    input:
        all_published_figures(),
        # the README's table and the docs pages show the default preset's run; another
        # preset's claims are compared with it by `compare_presets` (docs/paper_preset.md)
        [rules.readme.output.table] if PRESET_NAME == "quick" else [],


# `snakemake --cores 2 <talk>`: a talk's figures and its claims (the talks of the figure table).
for _talk, _ids in FIGURES.items():

    rule:
        name:
            _talk
        input:
            talk_figures(_talk),
            f"{RESULTS}/{_talk}/claims.csv",
            f"{RESULTS}/{_talk}/claims.html",
        message:
            f"The figures {', '.join(_ids)} of {_talk} and its claims"

    # what `snakemake --list-rules` says of it (a rule made in a loop takes no docstring literal)
    getattr(rules, _talk).rule.docstring = (
        f"The figures {', '.join(_ids)} of {_talk} and its claims."
    )


# `snakemake --cores 2 O3`: one figure by its catalogue id (only its ancestors run).
for figure_talk, figure_ids in FIGURES.items():
    for figure_id in figure_ids:

        rule:
            name:
                figure_id
            input:
                figure(figure_talk, figure_id),

        getattr(rules, figure_id).rule.docstring = (
            f"Figure {figure_id} of {figure_talk}, {FIGURE_TABLE[figure_talk][figure_id]['file']}.png "
            "(only its ancestors run)."
        )
