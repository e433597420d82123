"""The settings each job of okatani2013's shared steps runs with (steps/okatani2013_jobs.py,
evaluated when the workflow is built), and O3's scale beside the reference's training
(steps/okatani2013_scale.py)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from deepinside.steps import okatani2013, okatani2013_jobs, okatani2013_scale

SIZES = [784, 30, 20, 10]
RBM = {"epochs": 2, "learning_rate": 0.1}
FINETUNE = {"train_sizes": [50, "all"], "random_init": "glorot", "epochs": 3, "learning_rate": 0.1}
DBM = {"architectures": [[20, 30], [20, 20, 30]], "epochs": 2, "batch_size": 100}


def test_each_rbm_of_the_stack_has_its_layers_size():
    assert okatani2013_jobs.pretrain_settings("1", SIZES, RBM) == {"n_hidden": 30, "training": RBM}
    assert okatani2013_jobs.pretrain_settings("3", SIZES, RBM)["n_hidden"] == 10
    with pytest.raises(ValueError, match=r"layer 4: okatani2013.dbn.sizes = \[784, 30, 20, 10\] has RBMs 1-3"):
        okatani2013_jobs.pretrain_settings("4", SIZES, RBM)
    taken = set(inspect.signature(okatani2013.pretrain_layer).parameters) - {
        "mnist",
        "seed",
        "device",
        "previous",
        "checkpoint",
    }
    assert set(okatani2013_jobs.pretrain_settings("1", SIZES, RBM)) == taken


def test_a_finetune_job_takes_the_section_less_its_list_of_sizes():
    job = okatani2013_jobs.finetune_settings("pretrained", "all", SIZES, FINETUNE)
    assert job == {
        "init": "pretrained",
        "n_train": "all",
        "sizes": SIZES,
        "random_init": "glorot",
        "training": {"epochs": 3, "learning_rate": 0.1},
    }
    taken = set(inspect.signature(okatani2013.finetune).parameters) - {"mnist", "seed", "device", "rbms", "checkpoint"}
    assert set(job) == taken


def test_each_dbm_takes_its_own_architecture_and_two_of_one_depth_are_refused():
    job = okatani2013_jobs.dbm_settings("3", DBM)
    assert job == {"epochs": 2, "batch_size": 100, "hidden_sizes": [20, 20, 30]}
    with pytest.raises(ValueError, match="give at most one DBM per number of hidden layers"):
        okatani2013_jobs.dbm_settings("2", {**DBM, "architectures": [[20, 30], [10, 10]]})


def test_the_scale_counts_the_updates_from_the_training_images():
    mnist = {"x_train": np.zeros((4000, 784), dtype=np.uint8)}
    (row,) = okatani2013_scale.dbm_updates(mnist, epochs=2, batch_size=100)["scale"].to_dict("records")
    assert row["updates"] == 80 and row["reference_updates"] == 300 * 600 and row["training_images"] == 4000
    (full,) = okatani2013_scale.dbm_updates({"x_train": np.zeros((60000, 1))}, 300, 100)["scale"].to_dict("records")
    assert full["updates"] == full["reference_updates"]  # the paper preset makes the reference's 180,000
