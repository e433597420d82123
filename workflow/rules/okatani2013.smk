# okatani2013 (Okatani & Saito 2013): RBMs, DBN pre-training and fine-tuning, CNN; figures O1-O5.
# The RBM stack and the fine-tuned net trained here are analysed by mototake2015.

# ---- this talk's settings and the paths other rules and its figures read

OKATANI = PRESET["okatani2013"]
DBN_SIZES = OKATANI["dbn"]["sizes"]
TRAIN_SIZES = [str(n) for n in OKATANI["finetune"]["train_sizes"]]


def rbm_path(layer):
    return output_of("okatani2013_pretrain_layer", "rbm", layer=layer)


def rbm_stack(depth=len(DBN_SIZES) - 1):
    """The pre-trained RBMs of layers 1..depth."""
    return [rbm_path(layer) for layer in range(1, depth + 1)]


def finetuned(init, n):
    return output_of("okatani2013_finetune", "model", init=init, n=n)


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
        "the talk's scale is the paper preset's (docs/paper_preset.md)"
    )


def dbm_path(layers):
    return output_of("okatani2013_dbm", "dbm", layers=layers)


use rule numerical_step as okatani2013_pretrain_layer with:
    input:
        mnist=rules.mnist.output.mnist,
        previous=lambda wildcards: rbm_stack(int(wildcards.layer) - 1),
    output:
        **with_digests(
            rbm=run_path("okatani2013/dbn/rbm_layer{layer}.pt"),
            history=run_path("okatani2013/dbn/rbm_layer{layer}_history.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_pretrain_layer/{layer}.log"),
    cache: CACHE
    resources:
        **numerical(runtime=120),
    params:
        step=versioned("deepinside.steps.okatani2013:pretrain_layer"),
        kwargs=lambda wildcards: {
            "n_hidden": DBN_SIZES[int(wildcards.layer)],
            "training": OKATANI["dbn"]["rbm"],
        },


use rule numerical_step as okatani2013_finetune with:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: rbm_stack() if wildcards.init == "pretrained" else [],
    output:
        **with_digests(
            model=run_path("okatani2013/finetune/{init}_n{n}.pt"),
            history=run_path("okatani2013/finetune/{init}_n{n}_history.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_finetune/{init}_n{n}.log"),
    cache: CACHE
    resources:
        **numerical(runtime=240),
    params:
        step=versioned("deepinside.steps.okatani2013:finetune"),
        kwargs=lambda wildcards: {
            "init": wildcards.init,
            "n_train": wildcards.n,
            "sizes": DBN_SIZES,
            "random_init": OKATANI["finetune"]["random_init"],
            "training": {
                k: v
                for k, v in OKATANI["finetune"].items()
                if k not in ("train_sizes", "random_init")
            },
        },


use rule step as okatani2013_pretraining_benefit with:
    input:
        histories=expand(
            rules.okatani2013_finetune.output.history,
            allow_missing=True,
            init=["pretrained", "random"],
            n=TRAIN_SIZES,
        ),
    output:
        errors=run_path("okatani2013/finetune/errors_by_size.csv"),
        claims=claims_of("okatani2013", "O4"),
    log:
        log_path("seed{seed}/okatani2013_pretraining_benefit.log"),
    params:
        step=versioned("deepinside.steps.okatani2013_claims:pretraining_benefit"),


use rule step as okatani2013_filters with:
    input:
        rbm=rbm_path(1),
        mnist=rules.mnist.output.mnist,
    output:
        filters=run_path("okatani2013/filters/layer1_filters.npz"),
        claims=claims_of("okatani2013", "O1"),
    log:
        log_path("seed{seed}/okatani2013_filters.log"),
    params:
        step=versioned("deepinside.steps.okatani2013_claims:filters"),
        kwargs=OKATANI["filters"],


use rule numerical_step as okatani2013_likelihood with:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        **with_digests(
            history=run_path("okatani2013/likelihood/{method}.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_likelihood/{method}.log"),
    cache: CACHE
    resources:
        **numerical(runtime=60),
    params:
        step=versioned("deepinside.steps.okatani2013:likelihood_run"),
        kwargs=lambda wildcards: {
            **OKATANI["likelihood"],
            "method": wildcards.method,
        },


use rule step as okatani2013_likelihood_comparison with:
    input:
        histories=expand(
            run_path("okatani2013/likelihood/{method}.csv"),
            allow_missing=True,
            method=["cd1", "cdk", "pcd"],
        ),
    output:
        likelihood=run_path("okatani2013/likelihood/comparison.csv"),
        claims=claims_of("okatani2013", "O2"),
    log:
        log_path("seed{seed}/okatani2013_likelihood_comparison.log"),
    params:
        step=versioned("deepinside.steps.okatani2013_claims:likelihood_comparison"),


use rule numerical_step as okatani2013_cnn with:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        **with_digests(
            model=run_path("okatani2013/cnn/lenet.pt"),
            history=run_path("okatani2013/cnn/history.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_cnn.log"),
    cache: CACHE
    priority: LONG_JOB_PRIORITY
    resources:
        **numerical(runtime=120),
    params:
        step=versioned("deepinside.steps.okatani2013:train_cnn"),
        kwargs=lambda wildcards: {
            **OKATANI["cnn"],
        },


use rule numerical_step as okatani2013_judge with:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        **with_digests(
            model=run_path("okatani2013/samples/digit_judge.pt"),
            history=run_path("okatani2013/samples/digit_judge_history.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_judge.log"),
    cache: CACHE
    priority: LONG_JOB_PRIORITY
    resources:
        **numerical(runtime=120),
    params:
        step=versioned("deepinside.steps.okatani2013:train_judge"),
        kwargs=lambda wildcards: {
            **OKATANI["judge"],
        },


use rule numerical_step as okatani2013_generative_rbm with:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        **with_digests(
            rbm=run_path("okatani2013/samples/rbm_pcd.pt"),
            history=run_path("okatani2013/samples/rbm_pcd_history.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_generative_rbm.log"),
    cache: CACHE
    resources:
        **numerical(runtime=120),
    params:
        step=versioned("deepinside.steps.okatani2013:train_generative_rbm"),
        kwargs=lambda wildcards: {
            **SAMPLES["rbm"],
        },


use rule numerical_step as okatani2013_dbm with:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        **with_digests(
            dbm=run_path("okatani2013/samples/dbm_{layers}layers.pt"),
            history=run_path("okatani2013/samples/dbm_{layers}layers_history.csv"),
        ),
    log:
        log_path("seed{seed}/okatani2013_dbm/{layers}layers.log"),
    cache: CACHE
    priority: LONG_JOB_PRIORITY
    resources:
        **numerical(runtime=480),
    params:
        step=versioned("deepinside.steps.okatani2013:train_deep_boltzmann"),
        kwargs=lambda wildcards: {
            **{k: v for k, v in SAMPLES["dbm"].items() if k != "architectures"},
            "hidden_sizes": dbm_architecture(int(wildcards.layers)),
        },


use rule numerical_step as okatani2013_samples with:
    input:
        rbm=rules.okatani2013_generative_rbm.output.rbm,
        dbms=[dbm_path(n) for n in DBM_LAYERS],
        dbn_stack=rbm_stack(),
        judge=rules.okatani2013_judge.output.model,
        mnist=rules.mnist.output.mnist,
    output:
        samples=run_path("okatani2013/samples/gibbs_samples.npz"),
        summary=run_path("okatani2013/samples/judged.csv"),
        coverage=run_path("okatani2013/samples/coverage.csv"),
    log:
        log_path("seed{seed}/okatani2013_samples.log"),
    resources:
        **numerical(runtime=60),
    params:
        step=versioned("deepinside.steps.okatani2013_samples:gibbs_samples"),
        kwargs=lambda wildcards: {
            **pick(
                SAMPLES, "n_samples", "gibbs_steps", "coverage_steps", "confidence"
            ),
            "ais_betas": SAMPLES["ais"]["betas"],
            "ais_runs": SAMPLES["ais"]["runs"],
            "dbm_sampled_inputs": SAMPLES["dbm"]["sampled_inputs"],
        },


# Claim values measured from the trained models' tables (statements and thresholds: the
# figures' `claims` in workflow/figures.yaml); O1, O2 and O4's are measured by their steps above.


use rule step as okatani2013_O5_values with:
    input:
        history=rules.okatani2013_cnn.output.history,
        mnist=rules.mnist.output.mnist,
    output:
        claims=claims_of("okatani2013", "O5"),
    log:
        log_path("seed{seed}/okatani2013_O5_values.log"),
    params:
        step=versioned("deepinside.steps.okatani2013_claims:cnn_error"),
        kwargs=pick(OKATANI["cnn"], "validation_fraction"),


use rule step as okatani2013_O3_values with:
    input:
        summary=rules.okatani2013_samples.output.summary,
    output:
        claims=claims_of("okatani2013", "O3"),
    log:
        log_path("seed{seed}/okatani2013_O3_values.log"),
    params:
        step=versioned("deepinside.steps.okatani2013_claims:sample_values"),
        kwargs={
            **pick(SAMPLES, "confidence", "n_samples", "gibbs_steps"),
            "ais_betas": SAMPLES["ais"]["betas"],
            "ais_runs": SAMPLES["ais"]["runs"],
        },


# What each figure reads (from this talk's first seed; every figure also reads its claims)
# and its plot's settings taken from the preset. Its file name, texts and plot function:
# workflow/figures.yaml.
FIGURE_READS["okatani2013"] = {
    "O1": {
        "filters": rules.okatani2013_filters.output.filters,
    },
    "O2": {
        "likelihood": rules.okatani2013_likelihood_comparison.output.likelihood,
    },
    "O3": {
        "samples": rules.okatani2013_samples.output.samples,
        "summary": rules.okatani2013_samples.output.summary,
        "coverage": rules.okatani2013_samples.output.coverage,
    },
    "O4": {
        "errors": rules.okatani2013_pretraining_benefit.output.errors,
    },
    "O5": {
        "history": rules.okatani2013_cnn.output.history,
    },
}
FIGURE_SETTINGS["okatani2013"] = {
    "O3": {"updates_note": dbm_updates_note()},
}
