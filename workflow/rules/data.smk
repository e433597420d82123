# Raw inputs: downloaded (checksum verified) or unpacked from an installed package.


rule image:
    output:
        image="resources/images/{name}.npy",
    log:
        "logs/image/{name}.log",
    params:
        step=versioned("deepinside.experiments.data:image"),
        kwargs=lambda wildcards: image_source(wildcards.name),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        ENV
    script:
        STEP


rule mnist:
    output:
        mnist="resources/mnist/mnist.npz",
    log:
        "logs/mnist.log",
    params:
        step=versioned("deepinside.experiments.data:mnist"),
        kwargs={**PRESET["mnist"], "seed": SEED},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        ENV
    script:
        STEP
