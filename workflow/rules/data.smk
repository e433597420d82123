# Raw inputs: downloaded (checksum verified) or unpacked from an installed package.


use rule step as image with:
    output:
        image=result_path("data/images/{name}.npy"),
    log:
        log_path("image/{name}.log"),
    resources:
        runtime=10,
    params:
        step=versioned("deepinside.steps.data:image"),
        kwargs=lambda wildcards: image_source(wildcards.name),


use rule step as mnist with:
    """The MNIST digits of this preset (embedded subset, download or a local folder), checked."""
    output:
        mnist=result_path("data/mnist.npz"),
    log:
        log_path("mnist.log"),
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        step=versioned("deepinside.steps.data:mnist"),
        kwargs={**PRESET["mnist"], "seed": SEED},
