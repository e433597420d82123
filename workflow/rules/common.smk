# Shared definitions: the active preset, the figure catalogue, path helpers.

import importlib
import inspect
import re

from snakemake.exceptions import WorkflowError

from deepinside.claims.declared import (
    ClaimsTableError,
    condition_holds,
    expected_rows,
    setting,
    talk_tables,
)
from deepinside.core.code_version import versioned
from deepinside.pipeline.config_errors import checkout_subfolder, mnist_training_images
from deepinside.publish.figure_table import compute_steps, values_spec
from deepinside.publish.figure_table import load as load_figure_table
from deepinside.publish.figure_table import talk_steps as load_talk_steps

if config["preset"] not in config["presets"]:
    raise WorkflowError(
        f"config key 'preset': {config['preset']!r} is not one of the presets "
        f"defined under 'presets' ({', '.join(sorted(config['presets']))})"
    )

# Parameters of the active preset.
PRESET = config["presets"][config["preset"]]


def require(condition, key, message):
    """Stop before any job runs if a setting contradicts another (what the schema cannot say)."""
    if not condition:
        raise WorkflowError(f"config key 'presets.{config['preset']}.{key}': {message}")


def batch_sizes(section, path):
    """(key path, value) of every `batch_size` under a config section."""
    if isinstance(section, dict):
        for key, value in section.items():
            if key == "batch_size" and isinstance(value, int):
                yield f"{path}.{key}", value
            else:
                yield from batch_sizes(value, f"{path}.{key}")


def figures_folder(folder, checkout, key):
    """A preset's figures folder, normalised and relative to the checkout, which must hold it."""
    try:
        return checkout_subfolder(folder, checkout)
    except ValueError as error:
        raise WorkflowError(f"config key '{key}': {error}") from None


SEED = config[
    "seed"
]  # the data's seed (held-out split, picked pictures); replicates seed the rest

# Where this preset's outputs go: results/<preset>/ (results/<preset>/seed<s>/<talk>/ for
# one replicate) and the preset's own figures folder, so presets never overwrite each other.
PRESET_NAME = config["preset"]
RESULTS = f"results/{PRESET_NAME}"
RUN = f"{RESULTS}/seed{{seed}}"  # `{seed}` is the wildcard of every step of a talk
LOGS = f"logs/{PRESET_NAME}"
FIGURES_DIR = figures_folder(
    PRESET["figures"], workflow.basedir, f"presets.{PRESET_NAME}.figures"
)
require(
    all(
        figures_folder(other["figures"], workflow.basedir, f"presets.{name}.figures")
        != FIGURES_DIR
        for name, other in config["presets"].items()
        if name != PRESET_NAME
    ),
    "figures",
    f"{PRESET['figures']!r} is also another preset's figures folder: the two would overwrite each other",
)

if PRESET["mnist"]["source"] == "local":
    require(
        bool(PRESET["mnist"].get("folder")),
        "mnist.folder",
        "source 'local' needs the folder holding the four MNIST IDX files",
    )
    require(
        Path(PRESET["mnist"]["folder"]).expanduser().is_dir(),
        "mnist.folder",
        f"{PRESET['mnist']['folder']!r} is not a folder",
    )

# Sizes that cannot work: a mini-batch of the MNIST-trained models larger than the
# training images (the RBM and DBM trainers refuse it, but only inside their job).
N_TRAIN_IMAGES = mnist_training_images(
    PRESET["mnist"]["source"], PRESET["mnist"]["test_fraction"]
)
for talk in ("okatani2013", "mototake2015"):
    for key, size in batch_sizes(PRESET[talk], talk):
        require(
            size <= N_TRAIN_IMAGES,
            key,
            f"{size} is more than the {N_TRAIN_IMAGES} MNIST training images of source "
            f"{PRESET['mnist']['source']!r}",
        )
for size in PRESET["okatani2013"]["finetune"]["train_sizes"]:
    require(
        size == "all" or size <= N_TRAIN_IMAGES,
        "okatani2013.finetune.train_sizes",
        f"{size} labelled examples asked for, but source {PRESET['mnist']['source']!r} "
        f"has {N_TRAIN_IMAGES} MNIST training images",
    )

# Seeds each talk's stochastic steps run with, one job per seed; a claim's verdict needs
# every seed ("all") or more than half of them ("majority"): config key `verdict`.
REPLICATES = PRESET["replicates"]
VERDICT = config["verdict"]


def run_path(path):
    """``results/<preset>/seed{seed}/<path>``: one replicate's file (``{seed}`` a wildcard)."""
    return f"{RUN}/{path}"


def result_path(path):
    """``results/<preset>/<path>``: a file of this preset shared by its seeds."""
    return f"{RESULTS}/{path}"


def log_path(path):
    """``logs/<preset>/<path>``."""
    return f"{LOGS}/{path}"


def first_seed(talk, paths):
    """The figure of a talk shows its first seed's run: ``paths`` with `{seed}` filled in."""
    seed = str(REPLICATES[talk][0])
    if isinstance(paths, str):
        return paths.replace("{seed}", seed)
    return [path.replace("{seed}", seed) for path in paths]


def figure_seeds(talk, figure_id=None):
    """The provenance of a figure: the seeds of its claims, and the one drawn."""
    if figure_id is not None and runs_once(talk, figure_id):
        return f"{SEED} (deterministic: one run)"
    seeds = " ".join(str(seed) for seed in REPLICATES[talk])
    return f"{seeds} (drawn: seed {REPLICATES[talk][0]})"


DEVICE = config["device"]
if DEVICE == "cuda" and not workflow.non_local_exec:
    # on a cluster the jobs' nodes are checked instead (each job loads this file there)
    import torch

    if not torch.cuda.is_available():
        raise WorkflowError(
            "config key 'device': 'cuda', but torch finds no CUDA device on this machine "
            f"(torch {torch.__version__}, CUDA build {torch.version.cuda}); use 'auto' or 'cpu'"
        )
THREADS = config["threads"]  # of each numerical job (see config.yaml)
GPUS = config[
    "gpus"
]  # the `gpu` resource of the training and Jacobian rules (cluster request)

# The expensive steps may come from Snakemake's output cache (`--cache`); without the flag
# they are not marked, so that a plain run does not print a line per cacheable rule.
CACHE = "omit-software" if workflow.enable_cache else False

# Jobs of a minute or more each (quick preset, one thread) whose only input is the MNIST
# file: the DBMs, the LeNet, the digit judge, the AlexNet-shaped net. Snakemake's
# scheduler prefers jobs with larger inputs, so it left these for late and the last DBM
# ran alone at the end of the run; this priority starts them first (longest jobs first).
# Only the order of jobs changes, never a result.
LONG_JOB_PRIORITY = 1

# The adapter all rules run calls params.step with params.kwargs (see
# src/deepinside/pipeline/step.py). Paths in `script:` are relative to this folder.
# params.step is versioned("module:function"): the name plus a hash of the package code
# it runs, so an edit in src/deepinside re-runs exactly the steps that use that code.
STEP = "../scripts/step.py"

# The software of every step, for `--software-deployment-method conda` (paths in `conda:`
# are relative to the rule file). Plain runs use the environment snakemake runs in.
ENV = "../../envs/deepinside.yaml"

# The figure table (workflow/figures.yaml): talk -> figure id -> file, what it shows, its
# claim, plot function, inputs. Every figure is drawn by the one rule of figures.smk.
try:
    FIGURE_TABLE = load_figure_table(
        Path(workflow.basedir) / "workflow" / "figures.yaml"
    )
    # each talk's shared steps (several of its figures read them): workflow/rules/specs.smk
    TALK_STEPS = load_talk_steps(Path(workflow.basedir) / "workflow" / "figures.yaml")
except ValueError as error:
    raise WorkflowError(str(error)) from None
FIGURES = {
    talk: {figure_id: entry["file"] for figure_id, entry in figures.items()}
    for talk, figures in FIGURE_TABLE.items()
}
TALKS = list(FIGURES)


# A run draws its figures under results/<preset>/figures/, so that it never touches the
# committed gallery; `snakemake publish` (or one published figure as the target) copies them
# to the preset's `figures` folder on purpose.
DRAWN = f"{RESULTS}/figures"


def figure(talk, figure_id):
    """Path of a drawn figure: results/<preset>/figures/<talk>/<ID>_<name>.png."""
    return f"{DRAWN}/{talk}/{FIGURES[talk][figure_id]}.png"


def publish_copy(source, target, log):
    """Copy a drawn figure, checked against its digest, into the gallery (through a temporary
    file: a killed copy leaves no partial figure), and say so in the job's log."""
    from deepinside.core.files import copy, verify

    verify(source)
    copy(source, target)
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    Path(log).write_text(f"copied {source} to {target}\n")


def published_figure(talk, figure_id):
    """Path of a figure in the gallery: <the preset's figures folder>/<talk>/<ID>_<name>.png."""
    return f"{FIGURES_DIR}/{talk}/{FIGURES[talk][figure_id]}.png"


def figure_entry(wildcards):
    """The figure table's entry of the figure a job draws (wildcards talk and figure)."""
    figure_id = wildcards.figure.split("_")[0]
    entry = FIGURE_TABLE[wildcards.talk].get(figure_id)
    if entry is None or entry["file"] != wildcards.figure:
        raise WorkflowError(
            f"{wildcards.talk}/{wildcards.figure}.png is not in workflow/figures.yaml"
        )
    return figure_id, entry


def report_needs_results(what):
    """The one-line refusal of `--report` before the preset's results exist."""
    return WorkflowError(
        f"the report needs this preset's results, and there are none yet ({what}): "
        "run `snakemake --cores all` first (with the same --config/--configfile), then --report"
    )


def figure_labels(wildcards, input):
    """A figure's labels in the report: its id, title and how many of its claims hold."""
    import pandas

    from deepinside.claims.tables import counts

    figure_id, entry = figure_entry(wildcards)
    if not Path(input.claims).exists():
        raise report_needs_results(f"{input.claims} is missing")
    claims = counts(pandas.read_csv(input.claims), "claim")
    verdict = (
        f"{claims['holds']} of {claims['rows']} claims hold"
        if claims["rows"]
        else "no claim (checks, theory or stand-in rows)"
    )
    return {"figure": figure_id, "title": entry["title"], "verdict": verdict}


def figure_inputs(wildcards):
    """What a figure reads: its talk's FIGURE_READS from the first seed, and its combined claims."""
    figure_id, entry = figure_entry(wildcards)
    reads = {
        name: first_seed(wildcards.talk, paths)
        for name, paths in FIGURE_READS[wildcards.talk][figure_id].items()
    }
    return {**reads, "claims": combined_claims(wildcards.talk, figure_id)}


def figure_step(wildcards):
    """``deepinside.plots.<module>:<function>@<fingerprint>`` of a figure's plot function."""
    return versioned(f"deepinside.plots.{figure_entry(wildcards)[1]['plot']}")


def figure_kwargs(wildcards):
    """A figure's plot keyword arguments: the table's, and the settings its talk takes from the preset."""
    figure_id, entry = figure_entry(wildcards)
    return {
        **(entry.get("kwargs") or {}),
        **FIGURE_SETTINGS.get(wildcards.talk, {}).get(figure_id, {}),
    }


# What each figure reads and the plot settings it takes from the preset: made from its spec by
# workflow/rules/specs.smk (talk -> figure id -> name -> path(s) / value).
FIGURE_READS = {}
FIGURE_SETTINGS = {}


# The claims: every claim's statement, kind, null and threshold, declared once, in its figure's
# entry of workflow/figures.yaml (`claims`). (deepinside.claims.declared also reads claims tables
# workflow/claims/<talk>.yaml, one entry per figure, as the talks once kept them; none does now.)
try:
    CLAIMS_TABLES = talk_tables(
        Path(workflow.basedir) / "workflow" / "claims",
        FIGURE_TABLE,
        "workflow/figures.yaml",
    )
except ClaimsTableError as error:
    raise WorkflowError(str(error)) from None
for talk, figures in FIGURE_TABLE.items():
    if set(CLAIMS_TABLES.get(talk, {})) != set(figures):
        raise WorkflowError(
            f"workflow/figures.yaml: every figure of {talk} declares its claims ('claims'): "
            f"{sorted(set(figures) - set(CLAIMS_TABLES.get(talk, {})))} do not"
        )

# Figures whose steps are deterministic, by talk: they run once, not once per seed (each
# figure's spec says so: `once: true`, workflow/rules/specs.smk).
ONCE = {}


def runs_once(talk, figure_id):
    return figure_id in ONCE.get(talk, set())


def claims_of(talk, figure_id):
    """Path of the claim values a figure's run measured (a pattern with `{seed}`, except for a
    figure that runs once)."""
    if runs_once(talk, figure_id):
        return f"{RESULTS}/{talk}/values/{figure_id}.csv"
    return f"{RUN}/{talk}/values/{figure_id}.csv"


def claim_seeds(talk, figure_id):
    """The seeds of a figure's runs: the talk's replicates, or the data seed for a figure run once."""
    return [SEED] if runs_once(talk, figure_id) else REPLICATES[talk]


def declared_claims(talk, figure_id):
    """The rows the claims table declares for a figure under this preset's settings."""
    return expected_rows(CLAIMS_TABLES[talk][figure_id], PRESET, talk, figure_id)


def combined_claims(talk, figure_id):
    """Path of a figure's claim rows over all its seeds (one verdict per claim)."""
    return f"{RESULTS}/{talk}/claims/{figure_id}.csv"


def talk_figures(talk):
    return [figure(talk, figure_id) for figure_id in FIGURES[talk]]


def talk_claim_files(talk):
    return [combined_claims(talk, figure_id) for figure_id in FIGURES[talk]]


def all_figures():
    return [path for talk in TALKS for path in talk_figures(talk)]


def all_published_figures():
    return [
        published_figure(talk, figure_id)
        for talk in TALKS
        for figure_id in FIGURES[talk]
    ]


def with_digests(**outputs):
    """Outputs plus their SHA-256 sidecars (``<output>.sha256``, written by deepinside.core.files).

    Rules taken from Snakemake's output cache declare the sidecars, so that the cache keeps
    each with its file and a corrupt cache entry is refused when read.
    """
    return {
        **outputs,
        **{f"{name}_sha256": f"{path}.sha256" for name, path in outputs.items()},
    }


def output_of(rule, name, **wildcards):
    """A rule's output ``name`` with some wildcards filled in (the others, e.g. ``{seed}``,
    stay): path helpers read a pattern from its rule, so that each is written once."""
    return expand(
        getattr(getattr(rules, rule).output, name), allow_missing=True, **wildcards
    )[0]


def rule_output(reference, where="an input"):
    """``<rule>.<output>`` (a spec's input): that rule's output pattern."""
    rule_name, name = reference.split(".")
    try:
        return getattr(getattr(rules, rule_name).output, name)
    except AttributeError:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: {reference!r} names no output of a step of the talk, "
            "of the figure, or of a rule defined before it"
        ) from None


def spec_input(reference, steps, where, domains=None, own=()):
    """A spec's input: ``<step>.<output>`` of one of ``steps`` (the talk's shared steps and the
    figure's earlier ones: name -> outputs), else ``<rule>.<output>``; or ``{output, wildcards}``,
    that output's pattern with wildcards filled: from a setting, ``{value: x}``, a list of
    literals, ``{each_of: <list setting>}`` (1..n) or ``{layers: <list of sizes>}`` (1..n-1);
    several values give a list of inputs. A value outside what the shared step's wildcard may take
    (``domains``: step -> wildcard -> values) is refused, naming the setting that gave it. Every
    wildcard of the pattern but ``{seed}`` and the reading step's ``own`` (its wildcards -> the
    values each may take) must be filled.
    ``{setting: <dotted>}`` is a path the preset names (a folder the user provides; none where null).
    A list of inputs gives their paths in order. ``when`` reads the input only under conditions:
    on settings (decided here: :func:`setting_holds`), and on the reading step's own wildcards
    (then the input is a function of the job's wildcards, empty where they do not hold).
    """
    if isinstance(reference, list):
        parts = [
            spec_input(part, steps, f"{where}[{index}]", domains, own)
            for index, part in enumerate(reference)
        ]
        if not any(callable(part) for part in parts):
            return [path for part in parts for path in as_paths(part)]

        def listed(wildcards):
            return [
                path
                for part in parts
                for path in as_paths(part(wildcards) if callable(part) else part)
            ]

        return listed
    when = (reference.get("when") or {}) if isinstance(reference, dict) else {}
    paths = spec_paths(
        reference, steps, where, domains, own
    )  # checked under every setting
    if not all(
        setting_holds(key, wanted, where) for key, wanted in when.items() if "." in key
    ):
        return []
    wanted_text = {
        key: wildcard_condition(key, wanted, (own or {}).get(key), where)
        for key, wanted in when.items()
        if "." not in key
    }
    if not wanted_text:
        return paths

    def when_job(wildcards):
        """This job reads the input where its wildcards are the ones named."""
        if not all(wildcards[key] in wanted for key, wanted in wanted_text.items()):
            return []
        return paths(wildcards) if callable(paths) else paths

    return when_job


def wildcard_condition(name, wanted, domain, where):
    """A condition on the reading step's wildcard ``name``: its values as the step's paths write
    them (numbers as its other values are); a value the wildcard never takes is refused.
    """
    values = wanted if isinstance(wanted, list) else [wanted]
    if domain is None:
        return [number_text(value, None) for value in values]
    numbers = wildcard_numbers(domain, where)
    texts = [number_text(value, numbers) for value in values]
    may = wildcard_values(domain, where, numbers)[0]
    wrong = [text for text in texts if text not in may]
    if wrong:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}.when.{name}: {', '.join(wrong)} is not a value the step's "
            f"wildcard {name!r} takes: one of {', '.join(may)}"
        )
    return texts


def read_paths(reference, readable, steps, where, domains):
    """What a plot argument reads: a name of the figure's outputs or its steps' inputs, an input
    reference, or a list of these (their paths in order)."""
    if isinstance(reference, list):
        return [
            path
            for index, part in enumerate(reference)
            for path in as_paths(
                read_paths(part, readable, steps, f"{where}[{index}]", domains)
            )
        ]
    if isinstance(reference, str) and reference in readable:
        return readable[reference]
    return spec_input(reference, steps, where, domains)


def as_paths(paths):
    """An input's paths as a list (one path, or a list of them)."""
    return paths if isinstance(paths, list) else [paths]


def setting_holds(key, wanted, where):
    """An input's condition on a setting, decided as the claims table's conditions are
    (:func:`deepinside.claims.declared.condition_holds`)."""
    try:
        return condition_holds(spec_setting(key, where), wanted, f"{where}.when.{key}")
    except ClaimsTableError as error:
        raise WorkflowError(f"workflow/figures.yaml: {error}") from None


def spec_paths(reference, steps, where, domains=None, own=()):
    """The paths of one input (not a list, no conditions): see :func:`spec_input`."""
    if isinstance(reference, dict) and "setting" in reference:
        value = spec_setting(reference["setting"], where)
        if value is not None and not isinstance(value, str):
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: setting {reference['setting']!r} is {value!r}, not a path"
            )
        return [] if value in (None, "") else value
    if isinstance(reference, dict):
        pattern = spec_output(reference["output"], steps, where)
        allowed = (domains or {}).get(reference["output"].split(".")[0], {})
        values = {}
        expands = False
        # wildcard -> the reading job's wildcard whose values under it fill it
        below = {}
        for name, value in (reference.get("wildcards") or {}).items():
            if f"{{{name}}}" not in pattern:
                raise WorkflowError(
                    f"workflow/figures.yaml: {where}: {reference['output']!r} ({pattern}) has no wildcard {name!r}"
                )
            if isinstance(value, dict) and "below" in value:
                below[name] = value["below"]
                values[name] = []
                continue
            domain = allowed.get(name)
            numbers = None if domain is None else wildcard_numbers(domain, where)
            filled, listed = wildcard_values(value, where, numbers)
            expands = expands or listed
            values[name] = filled
            if domain is not None:
                may = wildcard_values(domain, where, numbers)[0]
                wrong = [v for v in filled if v not in may]
                if wrong:
                    said = (
                        f"config key 'presets.{config['preset']}.{value}'"
                        if isinstance(value, str)
                        else f"workflow/figures.yaml: {where}"
                    )
                    source = (
                        f" ({domain})"
                        if isinstance(domain, str)
                        else (
                            f" ({next(iter(domain.values()))}: 1-{len(may)})"
                            if isinstance(domain, dict)
                            else ""
                        )
                    )
                    raise WorkflowError(
                        f"{said}: {', '.join(wrong)} is not a value {reference['output']!r} takes for {name!r}, "
                        f"read by {where}: one of {', '.join(may)}{source}"
                    )
    else:
        pattern = spec_output(reference, steps, where)
        values = {}
    named = set(re.findall(r"\{([a-z][a-z0-9_]*)\}", pattern))
    left = named - set(values) - {"seed", *own}
    if left:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: {reference if isinstance(reference, str) else reference['output']!r} "
            f"leaves the wildcards {sorted(left)} of {pattern} unfilled: give them in its 'wildcards'"
        )
    if not isinstance(reference, dict):
        return pattern
    if below:
        fixed = {name: v for name, v in values.items() if name not in below}

        def below_job(wildcards):
            """The outputs at each value under this job's own (none under the first)."""
            under = {
                name: [str(v) for v in range(1, int(wildcards[own_name]))]
                for name, own_name in below.items()
            }
            if not all(under.values()):
                return []
            return expand(pattern, allow_missing=True, **fixed, **under)

        return below_job
    paths = expand(pattern, allow_missing=True, **values)  # {seed} stays the job's own
    return paths if expands else paths[0]


def wildcard_numbers(domain, where):
    """How a wildcard's numbers are written, from the values its step takes: ``float`` (``1.0``)
    where any of them is a float, else ``int`` (``1``)."""
    if isinstance(domain, dict):
        return "int"  # each_of: 1..n; layers: 1..n-1; lengths
    values = spec_setting(domain, where) if isinstance(domain, str) else domain
    listed = values if isinstance(values, list) else [values]
    return "float" if any(isinstance(v, float) for v in listed) else "int"


def wildcard_values(value, where, numbers=None):
    """A wildcard's values as the strings of its paths, and whether they are a list (``value``: a
    dotted setting, ``{value: x}``, a list of literals or ``{each_of: <list setting>}``); numbers
    written as ``numbers`` says (:func:`wildcard_numbers`; None: as given)."""
    if isinstance(value, dict) and "value" in value:
        filled, listed = [value["value"]], False
    elif isinstance(value, dict):
        # each_of: 1..n; layers: 1..n-1 (the weight layers of sizes); lengths: each entry's length
        ((kind, key),) = value.items()
        entries = spec_setting(key, where)
        if not isinstance(entries, list) or (
            kind == "lengths" and not all(isinstance(e, list) for e in entries)
        ):
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: {kind} {key!r} is not a list setting"
                + (" of lists" if kind == "lengths" else "")
            )
        if kind == "lengths":
            filled = [len(entry) for entry in entries]
        else:
            count = len(entries) if kind == "each_of" else len(entries) - 1
            filled = list(range(1, count + 1))
        listed = True
    elif isinstance(value, list):
        filled, listed = value, True
    else:
        setting_value = spec_setting(value, where)
        listed = isinstance(setting_value, list)
        filled = setting_value if listed else [setting_value]
    wrong = [v for v in filled if isinstance(v, (bool, list, dict)) or v is None]
    if wrong:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: a wildcard's value must be a number or a name, got {wrong[0]!r} "
            f"from {value!r} (a list of lists is numbered with {{each_of: ...}})"
        )
    return [number_text(v, numbers) for v in filled], listed


def number_text(value, numbers):
    """A wildcard value as its paths write it: a number as a float (``1.0``) or, where it is whole,
    an integer (``1``) as ``numbers`` says; as given (a float as a float) where ``numbers`` is None.
    """
    if not isinstance(value, (int, float)):
        return str(value)
    if numbers == "float" or (numbers is None and isinstance(value, float)):
        return str(float(value))
    if numbers == "int" and float(value).is_integer():
        return str(int(value))
    return str(value)


def spec_output(reference, steps, where="an input"):
    """``<step>.<output>`` of one of ``steps`` (name -> outputs), else of a rule defined before."""
    step, name = reference.split(".")
    if step in steps:
        if name not in steps[step]:
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: {reference!r}: step {step!r} makes {sorted(steps[step])}"
            )
        return steps[step][name]
    return rule_output(reference, where)


def spec_log(rule_name, step):
    """A spec step's log: per seed (unless it runs once), and per value of its wildcards."""
    names = list(step.get("wildcards") or {})
    parts = [] if step.get("once") else ["seed{seed}"]
    parts.append(rule_name)
    if names:
        parts.append("_".join(f"{name}{{{name}}}" for name in names))
    return log_path(os.path.join(*parts) + ".log")


def spec_kwargs(step, where):
    """A spec step's keyword arguments: its settings, and each of its wildcards (a string) where it
    runs over wildcards (then a function of the job's wildcards); with ``job_settings`` (a function
    of a light module of deepinside.steps), what that function makes of them per job."""
    settings = spec_settings(step, where)
    names = list(step.get("wildcards") or {})
    clash = set(names) & set(settings)
    if clash:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: wildcards {sorted(clash)} are keys of its settings too"
        )
    if "job_settings" in step:
        module_name, function = step["job_settings"].split(":")
        try:
            per_job = getattr(
                importlib.import_module(f"deepinside.steps.{module_name}"), function
            )
        except (ImportError, AttributeError) as error:
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: job_settings {step['job_settings']!r}: {error}"
            ) from None
        # the job's own replicate and thread count, where the function takes them
        job_given = [
            name
            for name in ("seed", "threads")
            if name in inspect.signature(per_job).parameters
            and name not in settings
            and name not in names
        ]
        try:  # the settings and wildcards must be what the function takes: checked before any job
            inspect.signature(per_job).bind(
                **settings,
                **{name: "" for name in names},
                **{name: 1 for name in job_given},
            )
        except TypeError as error:
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: job_settings {step['job_settings']!r} does not take "
                f"its settings {sorted(settings)} and wildcards {names}: {error}"
            ) from None

        if "seed" in job_given and step.get("once"):
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: job_settings {step['job_settings']!r} takes the job's seed, "
                "but the step runs once, not once per seed"
            )

        def job_kwargs(wildcards, threads):
            """This job's keyword arguments; a refusal names the spec and the job's wildcards."""
            given = {name: wildcards[name] for name in names}
            if "seed" in job_given:
                given["seed"] = int(wildcards["seed"])
            if "threads" in job_given:
                given["threads"] = threads
            try:
                return per_job(**settings, **given)
            except (TypeError, ValueError, KeyError) as error:
                raise WorkflowError(
                    f"workflow/figures.yaml: {where}: job_settings {step['job_settings']!r} "
                    f"for {given}: {config_key_named(str(error))}"
                ) from None

        return job_kwargs
    if not names:
        return settings
    return lambda wildcards: {**settings, **{name: wildcards[name] for name in names}}


def config_key_named(message):
    """A refusal that begins with a dotted setting (``a.b = 4: ...``), with the config key a user
    writes for it (``config key 'presets.quick.a.b' = 4: ...``)."""
    named = re.match(r"([a-z0-9_]+(?:[.][a-z0-9_]+)+) = ", message)
    if named is None:
        return message
    try:
        setting(PRESET, named.group(1))
    except KeyError:
        return message
    key = f"config key 'presets.{config['preset']}.{named.group(1)}'"
    return key + message[len(named.group(1)) :]


def spec_settings(compute, where):
    """A spec's keyword arguments: its section of the preset, or some keys of it; or, with
    ``settings`` a mapping section -> keys (null: all), those keys of several sections (``where``:
    the figure, ``<talk>.<ID>``, named when a setting is not in the preset)."""
    if "settings" not in compute:
        return {}
    chosen = compute["settings"]
    if isinstance(chosen, str):
        return section_keys(chosen, compute.get("keys"), where)
    merged = {}
    for section, keys in chosen.items():
        picked = section_keys(section, keys, where)
        twice = set(picked) & set(merged)
        if twice:
            raise WorkflowError(
                f"workflow/figures.yaml: {where}: settings {sorted(twice)} come from two sections"
            )
        merged.update(picked)
    return merged


def section_keys(name, keys, where):
    """A section of the preset (``name``, dotted), or the ``keys`` of it (a mapping key -> argument:
    each given under the function's name for it)."""
    section = spec_setting(name, where)
    if not isinstance(section, dict):
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: settings {name!r} is a value, not a section of the preset"
        )
    missing = [key for key in keys or () if key not in section]
    if missing:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: keys {missing} are not in the preset's {name!r}"
        )
    if isinstance(keys, dict):  # key -> the function's name for it
        return {argument: section[key] for key, argument in keys.items()}
    return {key: section[key] for key in keys} if keys else dict(section)


def spec_setting(key, where):
    """The preset's setting at a spec's dotted ``key``; a WorkflowError naming the figure where there is none."""
    try:
        return setting(PRESET, key)
    except KeyError:
        raise WorkflowError(
            f"workflow/figures.yaml: {where}: {key!r} is not a setting of the preset {config['preset']!r}"
        ) from None


def spec_outputs(talk, figure_id, compute):
    """A spec's outputs: one seed's (a pattern with {seed}), or the preset's when run once; under the
    figure's folder, or the talk's for a shared step (``figure_id`` None)."""
    folder = result_path if compute.get("once") else run_path
    under = f"{talk}/{figure_id}" if figure_id else talk
    return {
        name: folder(f"{under}/{path}")
        for name, path in (compute.get("outputs") or {}).items()
    }


def library_versions():
    """The torch and numpy a checkpoint's code stamp names (from the installed packages' metadata)."""
    from importlib.metadata import version

    return f"torch {version('torch')} numpy {version('numpy')}"


def carried_checkpoint_files():
    """The checkpoints the paper runs carry and their jobs' cost ledgers (docs/paper_preset.md, "Runs
    across sessions"), not an unfinished write's temporary file: what the paper page's
    runs-in-progress section reads."""
    return sorted(
        str(path)
        for pattern in ("*/*.pt", "*/*.pt.cost")
        for path in Path("results/paper/checkpoints").glob(pattern)
        if not path.name.startswith(".")
    )


def pick(section, *keys, **extra):
    """The entries `keys` of a config section, plus extra keyword arguments."""
    return {**{key: section[key] for key in keys}, **extra}


def image_source(name):
    """Keyword arguments of the image step: a download if the preset lists one."""
    return {"name": name, **PRESET["images"].get(name, {})}


def presets_with_claims(talk):
    """This preset's claims of ``talk`` and every other preset's that a run has already made:
    its talk table, or, where a run made only some of the talk's figures, their claims.
    """
    others = []
    for name in sorted(config["presets"]):
        if name == PRESET_NAME:
            continue
        table = Path(f"results/{name}/{talk}/claims.csv")
        if table.exists():
            others.append(str(table))
        else:
            others.extend(
                sorted(str(path) for path in table.with_suffix("").glob("*.csv"))
            )
    return [f"{RESULTS}/{talk}/claims.csv"] + others


def numerical(**resources):
    """Resources of a numerical job: 4 GB and the config's `gpus` (a cluster request),
    with what the rule states on top (its runtime; more memory; gpu=0 for CPU-only steps).
    """
    return {"mem_mb": 4000, "gpu": GPUS, **resources}
