# okatani2013 (seed 001): RBMs, DBN pre-training and fine-tuning, CNN; figures O1-O5.
# The RBM stack and the fine-tuned net trained here are analysed by mototake2015.
# Constants and path helpers of this talk live in common.smk.


rule okatani2013_pretrain_layer:
    input:
        mnist=rules.mnist.output.mnist,
        previous=lambda wildcards: rbm_stack(int(wildcards.layer) - 1),
    output:
        rbm="results/okatani2013/dbn/rbm_layer{layer}.pt",
        history="results/okatani2013/dbn/rbm_layer{layer}_history.csv",
    log:
        "logs/okatani2013_pretrain_layer/{layer}.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:pretrain_layer"),
        kwargs=lambda wildcards: {
            "n_hidden": DBN_SIZES[int(wildcards.layer)],
            "training": OKATANI["dbn"]["rbm"],
            "seed": SEED,
            "device": DEVICE,
            "checkpoint": checkpoint(f"okatani2013_rbm_layer{wildcards.layer}"),
        },
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_finetune:
    input:
        mnist=rules.mnist.output.mnist,
        rbms=lambda wildcards: rbm_stack() if wildcards.init == "pretrained" else [],
    output:
        model="results/okatani2013/finetune/{init}_n{n}.pt",
        history="results/okatani2013/finetune/{init}_n{n}_history.csv",
    log:
        "logs/okatani2013_finetune/{init}_n{n}.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:finetune"),
        kwargs=lambda wildcards: {
            "init": wildcards.init,
            "n_train": wildcards.n,
            "sizes": DBN_SIZES,
            "random_init": OKATANI["finetune"]["random_init"],
            "training": {k: v for k, v in OKATANI["finetune"].items() if k not in ("train_sizes", "random_init")},
            "seed": SEED,
            "device": DEVICE,
            "checkpoint": checkpoint(f"okatani2013_finetune_{wildcards.init}_n{wildcards.n}"),
        },
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_pretraining_benefit:
    input:
        histories=expand(
            "results/okatani2013/finetune/{init}_n{n}_history.csv", init=["pretrained", "random"], n=TRAIN_SIZES
        ),
    output:
        errors="results/okatani2013/finetune/errors_by_size.csv",
        claims=claims_of("okatani2013", "O4"),
    log:
        "logs/okatani2013_pretraining_benefit.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:pretraining_benefit"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_filters:
    input:
        rbm=rbm_path(1),
        mnist=rules.mnist.output.mnist,
    output:
        filters="results/okatani2013/filters/layer1_filters.npz",
        claims=claims_of("okatani2013", "O1"),
    log:
        "logs/okatani2013_filters.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:filters"),
        kwargs={**OKATANI["filters"], "seed": SEED},
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_likelihood:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        history="results/okatani2013/likelihood/{method}.csv",
    log:
        "logs/okatani2013_likelihood/{method}.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:likelihood_run"),
        kwargs=lambda wildcards: {**OKATANI["likelihood"], "method": wildcards.method, "seed": SEED, "device": DEVICE},
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_likelihood_comparison:
    input:
        histories=expand("results/okatani2013/likelihood/{method}.csv", method=["cd1", "cdk", "pcd"]),
    output:
        likelihood="results/okatani2013/likelihood/comparison.csv",
        claims=claims_of("okatani2013", "O2"),
    log:
        "logs/okatani2013_likelihood_comparison.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:likelihood_comparison"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_cnn:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        model="results/okatani2013/cnn/lenet.pt",
        history="results/okatani2013/cnn/history.csv",
        claims=claims_of("okatani2013", "O5"),
    log:
        "logs/okatani2013_cnn.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:train_cnn"),
        kwargs={**OKATANI["cnn"], "seed": SEED, "device": DEVICE, "checkpoint": checkpoint("okatani2013_cnn")},
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_judge:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        model="results/okatani2013/samples/digit_judge.pt",
        history="results/okatani2013/samples/digit_judge_history.csv",
    log:
        "logs/okatani2013_judge.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:train_judge"),
        kwargs={**OKATANI["judge"], "seed": SEED, "device": DEVICE, "checkpoint": checkpoint("okatani2013_judge")},
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_generative_rbm:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        rbm="results/okatani2013/samples/rbm_pcd.pt",
        history="results/okatani2013/samples/rbm_pcd_history.csv",
    log:
        "logs/okatani2013_generative_rbm.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:train_generative_rbm"),
        kwargs={**SAMPLES["rbm"], "seed": SEED, "device": DEVICE, "checkpoint": checkpoint("okatani2013_rbm_pcd")},
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_dbm:
    input:
        mnist=rules.mnist.output.mnist,
    output:
        dbm="results/okatani2013/samples/dbm_{layers}layers.pt",
        history="results/okatani2013/samples/dbm_{layers}layers_history.csv",
    log:
        "logs/okatani2013_dbm/{layers}layers.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:train_deep_boltzmann"),
        kwargs=lambda wildcards: {
            **{k: v for k, v in SAMPLES["dbm"].items() if k != "architectures"},
            "hidden_sizes": dbm_architecture(int(wildcards.layers)),
            "seed": SEED,
            "device": DEVICE,
            "checkpoint": checkpoint(f"okatani2013_dbm_{wildcards.layers}layers"),
        },
    threads: 2
    resources:
        mem_mb=4000,
        runtime=480,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


rule okatani2013_samples:
    input:
        rbm=rules.okatani2013_generative_rbm.output.rbm,
        dbms=[dbm_path(n) for n in DBM_LAYERS],
        dbn_stack=rbm_stack(),
        judge=rules.okatani2013_judge.output.model,
        mnist=rules.mnist.output.mnist,
    output:
        samples="results/okatani2013/samples/gibbs_samples.npz",
        summary="results/okatani2013/samples/judged.csv",
        claims=claims_of("okatani2013", "O3"),
    log:
        "logs/okatani2013_samples.log",
    params:
        step=versioned("deepinside.experiments.okatani2013:gibbs_samples"),
        kwargs={**pick(SAMPLES, "n_samples", "gibbs_steps", "confidence"), "seed": SEED, "device": DEVICE},
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=GPUS,
    conda:
        ENV
    script:
        STEP


# Figures: each draws from the tables above and nothing else.


rule okatani2013_figure_O1:
    input:
        filters=rules.okatani2013_filters.output.filters,
        claims=rules.okatani2013_filters.output.claims,
    output:
        figure=figure_output("okatani2013", "O1"),
    log:
        "logs/figures/okatani2013_O1.log",
    params:
        step=versioned("deepinside.plots.okatani2013:rbm_filters"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_figure_O2:
    input:
        likelihood=rules.okatani2013_likelihood_comparison.output.likelihood,
        claims=rules.okatani2013_likelihood_comparison.output.claims,
    output:
        figure=figure_output("okatani2013", "O2"),
    log:
        "logs/figures/okatani2013_O2.log",
    params:
        step=versioned("deepinside.plots.okatani2013:likelihood_curves"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_figure_O3:
    input:
        samples=rules.okatani2013_samples.output.samples,
        summary=rules.okatani2013_samples.output.summary,
        claims=rules.okatani2013_samples.output.claims,
    output:
        figure=figure_output("okatani2013", "O3"),
    log:
        "logs/figures/okatani2013_O3.log",
    params:
        step=versioned("deepinside.plots.okatani2013:gibbs_samples"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_figure_O4:
    input:
        errors=rules.okatani2013_pretraining_benefit.output.errors,
        claims=rules.okatani2013_pretraining_benefit.output.claims,
    output:
        figure=figure_output("okatani2013", "O4"),
    log:
        "logs/figures/okatani2013_O4.log",
    params:
        step=versioned("deepinside.plots.okatani2013:error_vs_training_size"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP


rule okatani2013_figure_O5:
    input:
        history=rules.okatani2013_cnn.output.history,
        claims=rules.okatani2013_cnn.output.claims,
    output:
        figure=figure_output("okatani2013", "O5"),
    log:
        "logs/figures/okatani2013_O5.log",
    params:
        step=versioned("deepinside.plots.okatani2013:learning_curves"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        STEP
