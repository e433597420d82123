"""The workflow through a real SLURM scheduler: a single-node cluster on localhost.

Needs slurm-wlm and munge (installed by .ci/run where apt-get works) and root; skipped
otherwise. Everything runs under a hard timeout that kills the whole process group, and
the daemons are stopped by PID in every case.
"""

import os
import re
import signal
import subprocess

import pandas as pd
import pytest

from conftest import TINY_CONFIG, snakemake_executable
from slurm_cluster import LocalCluster, available

pytestmark = [pytest.mark.slurm, pytest.mark.skipif(available() is not None, reason=str(available()))]

TARGETS = [
    "figures/tiny/saxe2019/S4_low_rank_picture.png",  # CPU jobs: image, low rank (2 seeds), claims, figure
    "results/tiny/seed0/okatani2013/dbn/rbm_layer1.pt",  # a training job that asks for a GPU
]
# The test cluster has no accounting database, so job states are read with squeue
# (sacct would hang on such a cluster, see docs/cluster.md) and no account is given.
LOCAL_CLUSTER_FLAGS = [
    "--slurm-status-command",
    "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks",
    "5",
]


@pytest.fixture
def cluster(tmp_path):
    local = LocalCluster(tmp_path / "cluster")
    try:
        local.start()
        yield local
    finally:
        local.stop()
    assert all(p.poll() is not None for p in local.processes.values())


def run_with_hard_timeout(command, cwd, env, timeout):
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"snakemake did not finish within {timeout} s:\n{output[-4000:]}")
    return process.returncode, output


def test_small_target_runs_through_slurm(workdir, cluster):
    env = {**cluster.env, "MPLBACKEND": "Agg"}
    # threads=2 (default 1): the config's threads must reach SLURM as the training job's --cpus-per-task
    command = [
        snakemake_executable(),
        "--profile",
        "profiles/slurm",
        *LOCAL_CLUSTER_FLAGS,
        "--configfile",
        str(TINY_CONFIG),
        "--config",
        "threads=2",
        "--",
        *TARGETS,
    ]
    code, output = run_with_hard_timeout(command, workdir, env, timeout=600)
    assert code == 0, output[-4000:] + cluster.log("slurmctld")[-2000:]

    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", output))
    assert len(submitted) == 7, output[-3000:]  # image, 2 low-rank, claims, figure; mnist, layer-1 RBM
    controller = cluster.log("slurmctld")
    for slurm_id in submitted.values():
        assert re.search(rf"JobId={slurm_id}\b", controller), f"SLURM job {slurm_id} not in the controller's log"

    # each job carries its rule's resources; only the RBM training step asks for a GPU
    records = {
        sid: subprocess.run(["scontrol", "show", "job", sid], env=cluster.env, capture_output=True, text=True).stdout
        for sid in submitted.values()
    }
    by_rule = {re.search(r"Comment=rule_(\w+?)(?:_wildcards_\S*)?\s", text).group(1): text for text in records.values()}
    expected = {
        "image",
        "saxe2019_S4",
        "saxe2019_S4_values",
        "replicate_claims",
        "figure",
        "mnist",
        "okatani2013_pretrain_layer",
    }
    assert set(by_rule) == expected, by_rule.keys()
    training = by_rule.pop("okatani2013_pretrain_layer")
    assert "TresPerJob=gres:gpu:1" in training
    assert "CPUs/Task=2" in training and "mem=4000M" in training and "TimeLimit=02:00:00" in training
    assert not any("gpu" in text for text in by_rule.values())
    assert "JobState=COMPLETED" in training

    # outputs are there and right
    assert (workdir / TARGETS[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import torch

    rbm = torch.load(workdir / TARGETS[1], weights_only=True)
    assert rbm["W"].shape == (784, 32)  # the tiny preset's first layer
    history = pd.read_csv(workdir / "results/tiny/seed0/okatani2013/dbn/rbm_layer1_history.csv")
    assert history["device"].str.startswith("cpu").all()  # the fake GPU is not a CUDA device
    claims = pd.read_csv(workdir / "results/tiny/saxe2019/claims/S4.csv")
    assert len(claims) == 2 and set(claims["n_seeds"]) == {1}  # S4 is deterministic: one run, not one per seed
