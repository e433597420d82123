# Shared definitions: the active preset, the figure catalogue, path helpers.

from snakemake.exceptions import WorkflowError

from deepinside.code_version import versioned

if config["preset"] not in config["presets"]:
    raise WorkflowError(
        f"config key 'preset': {config['preset']!r} is not one of the presets "
        f"defined under 'presets' ({', '.join(sorted(config['presets']))})"
    )

# Parameters of the active preset.
PRESET = config["presets"][config["preset"]]
SEED = config["seed"]
DEVICE = config["device"]

# The adapter every rule runs: it calls params.step with params.kwargs (see
# src/deepinside/workflow_step.py). Paths in `script:` are relative to this folder.
# params.step is versioned("module:function"): the name plus a hash of the package code
# it runs, so an edit in src/deepinside re-runs exactly the steps that use that code.
STEP = "../scripts/step.py"

# Figure catalogue (../shared/FIGURES.md): talk -> catalogue id -> file name.
FIGURES = {
    "saxe2019": {
        "S1": "S1_hierarchy_svd",
        "S2": "S2_deep_mode_dynamics",
        "S3": "S3_shallow_mode_dynamics",
        "S4": "S4_low_rank_picture",
        "S5": "S5_progressive_differentiation",
    },
    "okatani2013": {
        "O1": "O1_rbm_filters",
        "O2": "O2_cd_vs_pcd_likelihood",
        "O3": "O3_gibbs_samples",
        "O4": "O4_pretraining_vs_training_size",
        "O5": "O5_cnn_learning_curves",
    },
    "mototake2015": {
        "M1": "M1_tsne_3d",
        "M2": "M2_spectra_after_pretraining",
        "M3": "M3_singular_vectors_after_pretraining",
        "M4": "M4_spectra_after_finetuning",
        "M5": "M5_singular_vectors_after_finetuning",
        "M6": "M6_alexnet_spectra",
        "M7": "M7_alexnet_singular_vectors",
        "M8": "M8_perturbation_robustness",
        "M9": "M9_noise_spectra",
    },
    "tishby2017": {
        "T1": "T1_information_plane",
        "T2": "T2_gradient_signal_and_noise",
        "T3": "T3_depth_sweep",
        "T4": "T4_relu_and_kde",
    },
    "ohzeki2015": {
        "P1": "P1_error_vs_unlabelled_data",
        "P2": "P2_error_vs_labelled_data",
    },
}
TALKS = list(FIGURES)


wildcard_constraints:
    talk="|".join(TALKS),
    name="[A-Za-z0-9_]+",
    layer="[0-9]+",
    init="pretrained|random",
    n="[0-9]+|all",
    method="cd1|cdk|pcd",
    stage="pretrained|finetuned",
    noise="[0-9]+[.][0-9]+",
    features="input|(pretrained|finetuned)_h[0-9]+",
    activation="tanh|relu",
    fraction="0[.][0-9]+",
    depth="[0-9]+",
    size="[0-9]+",
    strength="[0-9]+[.][0-9]+",


def figure(talk, figure_id):
    """Path of a figure: figures/<talk>/<ID>_<name>.png."""
    return f"figures/{talk}/{FIGURES[talk][figure_id]}.png"


def claims_of(talk, figure_id):
    """Path of a figure's claim rows."""
    return f"results/{talk}/claims/{figure_id}.csv"


def talk_figures(talk):
    return [figure(talk, figure_id) for figure_id in FIGURES[talk]]


def talk_claim_files(talk):
    return [claims_of(talk, figure_id) for figure_id in FIGURES[talk]]


def all_figures():
    return [path for talk in TALKS for path in talk_figures(talk)]


def checkpoint(name):
    """Private epoch checkpoint of a training job (not an output: see deepinside.checkpointing)."""
    return f"results/checkpoints/{name}.pt"


def log_grid(grid):
    """``count`` log-spaced values from ``min`` to ``max`` (config section {min, max, count})."""
    from math import log10

    low, high, count = log10(grid["min"]), log10(grid["max"]), grid["count"]
    return [10 ** (low + i * (high - low) / (count - 1)) for i in range(count)]


def pick(section, *keys, **extra):
    """The entries `keys` of a config section, plus extra keyword arguments."""
    return {**{key: section[key] for key in keys}, **extra}


def image_source(name):
    """Keyword arguments of the image step: a download if the preset lists one."""
    return {"name": name, **PRESET["images"].get(name, {})}
