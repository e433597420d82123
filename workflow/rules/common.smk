# Shared definitions: the active preset, the figure catalogue, path helpers.

from snakemake.exceptions import WorkflowError

from deepinside.claims.declared import expected_rows, talk_tables
from deepinside.pipeline.code_version import versioned
from deepinside.pipeline.config_errors import checkout_subfolder, mnist_training_images
from deepinside.pipeline.figure_table import load as load_figure_table
from deepinside.pipeline.grids import log_grid

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
FIGURE_TABLE = load_figure_table(Path(workflow.basedir) / "workflow" / "figures.yaml")
FIGURES = {
    talk: {figure_id: entry["file"] for figure_id, entry in figures.items()}
    for talk, figures in FIGURE_TABLE.items()
}
TALKS = list(FIGURES)


def figure(talk, figure_id):
    """Path of a figure: <the preset's figures folder>/<talk>/<ID>_<name>.png."""
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


def figure_labels(wildcards, input):
    """A figure's labels in the report: its id, title and how many of its claims hold."""
    import pandas

    from deepinside.claims.tables import counts

    figure_id, entry = figure_entry(wildcards)
    if not Path(input.claims).exists():
        raise WorkflowError(
            f"the report needs this preset's results, and there are none yet ({input.claims} is missing): "
            "run `snakemake --cores all` first (with the same --config/--configfile), then --report"
        )
    claims = counts(pandas.read_csv(input.claims), "claim")
    verdict = (
        f"{claims['holds']} of {claims['rows']} claims hold"
        if claims["rows"]
        else "no claim (checks, theory or stand-in rows)"
    )
    return {"figure": figure_id, "title": entry["title"], "verdict": verdict}


def figure_inputs(wildcards):
    """What a figure reads: its table's `reads` from the first seed, and its combined claims."""
    figure_id, entry = figure_entry(wildcards)
    reads = {
        name: first_seed(wildcards.talk, eval(expression, globals()))
        for name, expression in entry["reads"].items()
    }
    return {**reads, "claims": combined_claims(wildcards.talk, figure_id)}


def figure_step(wildcards):
    """``deepinside.plots.<module>:<function>@<fingerprint>`` of a figure's plot function."""
    return versioned(f"deepinside.plots.{figure_entry(wildcards)[1]['plot']}")


def figure_kwargs(wildcards):
    """A figure's plot keyword arguments; a value "=expr" is a setting of the preset."""
    kwargs = figure_entry(wildcards)[1].get("kwargs") or {}
    return {
        key: (
            eval(value[1:], globals())
            if isinstance(value, str) and value.startswith("=")
            else value
        )
        for key, value in kwargs.items()
    }


# The claims tables (workflow/claims/<talk>.yaml): every claim's statement, kind, null and
# threshold, declared once; each figure of the figure table has its entry there.
CLAIMS_TABLES = talk_tables(Path(workflow.basedir) / "workflow" / "claims")
for talk, figures in FIGURE_TABLE.items():
    if set(CLAIMS_TABLES.get(talk, {})) != set(figures):
        raise WorkflowError(
            f"workflow/claims/{talk}.yaml must declare the claims of exactly the figures "
            f"{sorted(figures)} of workflow/figures.yaml, has {sorted(CLAIMS_TABLES.get(talk, {}))}"
        )

# Figures whose steps are deterministic: they run once, not once per seed.
ONCE = {"saxe2019": {"S1", "S4"}}


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


def with_digests(**outputs):
    """Outputs plus their SHA-256 sidecars (``<output>.sha256``, written by deepinside.pipeline.files).

    Rules taken from Snakemake's output cache declare the sidecars, so that the cache keeps
    each with its file and a corrupt cache entry is refused when read.
    """
    return {
        **outputs,
        **{f"{name}_sha256": f"{path}.sha256" for name, path in outputs.items()},
    }


def pick(section, *keys, **extra):
    """The entries `keys` of a config section, plus extra keyword arguments."""
    return {**{key: section[key] for key in keys}, **extra}


def image_source(name):
    """Keyword arguments of the image step: a download if the preset lists one."""
    return {"name": name, **PRESET["images"].get(name, {})}


# Talk-specific constants and path helpers (kept here: rule files hold rules only).

SAXE = PRESET["saxe2019"]

# ---------------------------------------------------------------- okatani2013

OKATANI = PRESET["okatani2013"]
DBN_SIZES = OKATANI["dbn"]["sizes"]
TRAIN_SIZES = [str(n) for n in OKATANI["finetune"]["train_sizes"]]


def rbm_path(layer):
    return f"{RUN}/okatani2013/dbn/rbm_layer{layer}.pt"


def rbm_stack(depth=len(DBN_SIZES) - 1):
    """The pre-trained RBMs of layers 1..depth."""
    return [rbm_path(layer) for layer in range(1, depth + 1)]


def finetuned(init, n):
    return f"{RUN}/okatani2013/finetune/{init}_n{n}.pt"


SAMPLES = OKATANI["samples"]
DBM_LAYERS = [len(hidden) for hidden in SAMPLES["dbm"]["architectures"]]
require(
    len(set(DBM_LAYERS)) == len(DBM_LAYERS),
    "okatani2013.samples.dbm.architectures",
    "give at most one DBM per number of hidden layers",
)


def dbm_architecture(layers):
    """Hidden layer sizes of the DBM with that many hidden layers."""
    return next(
        hidden for hidden in SAMPLES["dbm"]["architectures"] if len(hidden) == layers
    )


# Salakhutdinov's reference code (dbm_mf.m) trains the DBMs for 300 epochs of 600 mini-batches of 100.
REFERENCE_DBM_UPDATES = 300 * 600


def dbm_updates_note():
    """O3's header when this preset's DBMs made fewer joint updates than the reference's."""
    import math

    dbm = SAMPLES["dbm"]
    updates = dbm["epochs"] * math.ceil(N_TRAIN_IMAGES / dbm["batch_size"])
    if updates >= REFERENCE_DBM_UPDATES:
        return ""
    return (
        f"{PRESET_NAME} preset: the DBMs made {updates:,} of the reference's {REFERENCE_DBM_UPDATES:,} joint updates "
        "(Salakhutdinov's code: 300 epochs of 600 mini-batches), so they are not expected to draw digits yet; "
        "the talk's scale: figures/paper/okatani2013/O3_gibbs_samples.png"
    )


def dbm_path(layers):
    return f"{RUN}/okatani2013/samples/dbm_{layers}layers.pt"


# ---------------------------------------------------------------- mototake2015

MOTOTAKE = PRESET["mototake2015"]
JAC = MOTOTAKE["jacobian"]
ALEX = MOTOTAKE["alexnet"]
DBN_NOISE = [str(float(v)) for v in JAC["noise_levels"]]
ALEX_NOISE = [str(float(v)) for v in ALEX["noise_levels"]]
N_HIDDEN_LAYERS = len(DBN_SIZES) - 1
require(
    1 <= JAC["vector_layer"] <= N_HIDDEN_LAYERS,
    "mototake2015.jacobian.vector_layer",
    f"the DBN has hidden layers 1-{N_HIDDEN_LAYERS}",
)
require(
    all(1 <= t <= N_HIDDEN_LAYERS for t in JAC["noise_layers"]),
    "mototake2015.jacobian.noise_layers",
    f"the DBN has hidden layers 1-{N_HIDDEN_LAYERS}",
)
TSNE_FEATURES = ["input"] + [
    f"{stage}_h{t}"
    for stage in ("pretrained", "finetuned")
    for t in range(1, N_HIDDEN_LAYERS + 1)
]


def dbn_inputs(stage):
    """The model files of one stage of the DBN: the RBM stack or the fine-tuned net."""
    if stage == "pretrained":
        return {"rbms": rbm_stack(), "model": []}
    if stage == "finetuned":
        return {"rbms": [], "model": finetuned("pretrained", "all")}
    return {"rbms": [], "model": []}  # pixels


def dbn_twin(wildcards):
    """The untrained twin's settings (stage `untrained`, M2's null): the DBN's sizes and the
    RBMs' initial weight scale, seeded by the replicate."""
    if wildcards.stage != "untrained":
        return {}
    twin = {"sizes": DBN_SIZES, "init_scale": OKATANI["dbn"]["rbm"]["init_scale"]}
    return {"twin": {**twin, "seed": int(wildcards.seed)}}


def dbn_spectra(stage, noise="0.0"):
    return f"{RUN}/mototake2015/dbn_spectra/{stage}_noise{noise}.csv"


def dbn_noise_spectra(stage, noise):
    """M9's spectra: singular values of the noise layers' input maps only (rule mototake2015_dbn_noise_spectra)."""
    return f"{RUN}/mototake2015/dbn_noise/{stage}_noise{noise}.csv"


def dbn_vectors(stage, noise="0.0"):
    return f"{RUN}/mototake2015/dbn_spectra/{stage}_noise{noise}_vectors.npz"


def alexnet_spectra(noise="0.0"):
    """The AlexNet-shaped net's top singular values at one noise level: every layer (M6) at
    no noise, the noise layers (M9) at the others. One job each: a job's start-up (torch,
    torch.func) took longer than one layer's spectra."""
    return f"{RUN}/mototake2015/alexnet/spectra_noise{noise}.csv"


def alexnet_layers(noise):
    """Layers whose spectra the job at this noise level computes."""
    return list(range(1, 8)) if float(noise) == 0 else sorted(ALEX["noise_layers"])


# The AlexNet-shaped network: trained here on MNIST (offline) or ImageNet's (downloaded).
CONV_NET = f"{RUN}/mototake2015/conv_net/{ALEX['weights']}.pt"
# M8 perturbs the DBN and, where it sees digits, the conv net (the paper preset's ImageNet
# AlexNet has no same-class neighbours to estimate a tangent space from).
PERTURBED_NETWORKS = ["dbn", "conv"] if ALEX["weights"] == "mnist" else ["dbn"]


# ---------------------------------------------------------------- tishby2017

TISHBY = PRESET["tishby2017"]
MAIN_DEPTH = TISHBY["depth"]
SWEEP = str(float(TISHBY["sweep_fraction"]))
FRACTIONS = [str(float(f)) for f in TISHBY["fractions"]]
DEPTHS = range(1, len(TISHBY["architectures"]) + 1)
require(
    MAIN_DEPTH in DEPTHS,
    "tishby2017.depth",
    f"must pick one of the {len(DEPTHS)} architectures (1-{len(DEPTHS)})",
)


def tishby_run(table, activation="tanh", fraction=SWEEP, depth=MAIN_DEPTH):
    """One of a run's tables: information, gradients or losses."""
    return f"{RUN}/tishby2017/runs/{activation}_f{fraction}_d{depth}/{table}.csv"


# ---------------------------------------------------------------- ohzeki2015

OHZEKI = PRESET["ohzeki2015"]
GAMP = OHZEKI["gamp"]
P2 = OHZEKI["p2"]
require(
    set(GAMP["kappas"]) <= set(OHZEKI["kappas"]),
    "ohzeki2015.gamp.kappas",
    f"must be among kappas {OHZEKI['kappas']}",
)


def ohzeki_theory(kappa, alpha, suffix=""):
    return f"{RUN}/ohzeki2015/theory/k{float(kappa)}_a{float(alpha)}{suffix}.csv"


def ohzeki_gamp(kappa, alpha, size):
    return f"{RUN}/ohzeki2015/gamp/k{float(kappa)}_a{float(alpha)}_N{size}.csv"


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
