"""The settings of the run of tishby2017's grid a job's wildcards name: its architecture, fraction
and KDE share (steps/tishby2017_jobs.py, evaluated when the workflow is built)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from deepinside.steps import tishby2017_jobs

SETTINGS = {
    "architectures": [[4], [4, 3], [4, 3, 2]],
    "training": {
        "members": 2,
        "epochs": 3,
        "learning_rate": 0.01,
        "batch_size": 8,
        "records": 2,
        "bins": 5,
        "bin_width": 0.1,
    },
    "kde": {"members": 2, "variance": 0.001},
    "sweep_fraction": 0.85,
    "depth": 2,
}


@pytest.mark.parametrize(
    "fraction, layers, hidden, kde_members",
    [("0.85", "2", [4, 3], 2), ("0.05", "2", [4, 3], 0), ("0.85", "3", [4, 3, 2], 0), ("0.85", "1", [4], 0)],
)
def test_a_jobs_run_trains_its_architecture_and_only_the_compared_run_pays_for_the_kde(
    fraction, layers, hidden, kde_members
):
    job = tishby2017_jobs.train_settings("tanh", fraction, layers, **SETTINGS)
    assert job == {
        **SETTINGS["training"],
        "activation": "tanh",
        "fraction": float(fraction),
        "hidden": hidden,
        "kde_members": kde_members,
        "kde_variance": 0.001,
    }
    # exactly the arguments the training step takes, besides its data, seed and device
    from deepinside.steps import tishby2017

    taken = set(inspect.signature(tishby2017.train_run).parameters) - {"data", "seed", "device"}
    assert set(job) == taken


def test_a_depth_or_run_outside_the_architectures_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="tishby2017.depth = 4 must pick one of the 3 architectures"):
        tishby2017_jobs.train_settings("tanh", "0.85", "1", **{**SETTINGS, "depth": 4})
    with pytest.raises(ValueError, match="layers = 4: tishby2017.architectures has 3 entries"):
        tishby2017_jobs.train_settings("tanh", "0.85", "4", **SETTINGS)


@pytest.mark.parametrize("module", ["tishby2017_jobs", "mototake2015_jobs", "okatani2013_jobs"])
def test_the_job_settings_module_imports_nothing_heavy(module):
    """The workflow imports each talk's job_settings module when it builds the graph: no torch,
    numpy or pandas there."""
    code = (
        f"import sys, deepinside.steps.{module}; "
        "print(sorted(m for m in ('torch', 'numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
