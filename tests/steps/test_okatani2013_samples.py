"""O3's sampling step: a killed job resumes after its last saved model with the numbers of an uninterrupted run."""

import numpy as np
import pandas as pd
import pytest
import torch

from deepinside.core import checkpointing
from deepinside.models import digit_judge, networks
from deepinside.steps import okatani2013_samples


def tiny_inputs() -> dict:
    """Random small models of the shapes the step reads: an RBM, a 2-layer DBM, a 2-RBM DBN, the judge, digits."""
    g = torch.Generator().manual_seed(0)
    w = lambda *shape: 0.1 * torch.randn(*shape, generator=g)
    rng = np.random.default_rng(0)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        judge = networks.LeNet(digit_judge.NOT_A_DIGIT + 1).state_dict()
    return {
        "rbm": {"W": w(784, 10), "b": torch.zeros(784), "c": torch.zeros(10)},
        "dbms": [{"W1": w(784, 8), "W2": w(8, 6), "b0": torch.zeros(784), "b1": torch.zeros(8), "b2": torch.zeros(6)}],
        "dbn_stack": [
            {"W": w(784, 12), "b": torch.zeros(784), "c": torch.zeros(12)},
            {"W": w(12, 10), "b": torch.zeros(12), "c": torch.zeros(10)},
        ],
        "judge": judge,
        "mnist": {
            "x_train": rng.integers(0, 256, (200, 784), dtype=np.uint8),
            "x_test": rng.integers(0, 256, (30, 784), dtype=np.uint8),
        },
    }


SETTINGS = dict(
    n_samples=20,
    gibbs_steps=6,
    coverage_steps=[2, 6],
    ais_betas=40,
    ais_runs=4,
    dbm_sampled_inputs=True,
    confidence=0.9,
    seed=0,
    device="cpu",
)


def assert_same(a: dict, b: dict) -> None:
    for key in ("images", "probabilities"):
        np.testing.assert_array_equal(a["samples"][key], b["samples"][key])
    pd.testing.assert_frame_equal(a["summary"], b["summary"])
    pd.testing.assert_frame_equal(a["coverage"], b["coverage"])


@pytest.mark.parametrize("killed_in", ["chains", "ais"])
def test_a_killed_sampling_job_resumes_after_its_last_saved_model(tmp_path, monkeypatch, killed_in):
    whole = okatani2013_samples.gibbs_samples(**tiny_inputs(), **SETTINGS)
    assert list(whole["summary"]["model"]) == ["real digits", "RBM (PCD)", "2-layer DBM", "2-layer DBN"]
    target = okatani2013_samples.dbm if killed_in == "chains" else okatani2013_samples.ais
    name = "sample_at" if killed_in == "chains" else "log_partition"
    original, calls = getattr(target, name), []

    def killed_at_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the job is killed in the second model's chains (or AIS)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, killed_at_the_second)
    path = tmp_path / "samples.pt"
    with pytest.raises(KeyboardInterrupt):
        okatani2013_samples.gibbs_samples(**tiny_inputs(), **SETTINGS, checkpoint=str(path))
    assert path.exists()
    resumed = okatani2013_samples.gibbs_samples(**tiny_inputs(), **SETTINGS, checkpoint=str(path))
    assert len(calls) == 3  # the first model's chains (or AIS) were not run again
    assert_same(resumed, whole)


def test_a_sampling_checkpoint_of_other_models_is_not_resumed(tmp_path, monkeypatch):
    path = tmp_path / "samples.pt"
    monkeypatch.setattr(checkpointing, "SAVE_INTERVAL_S", 0.0)
    okatani2013_samples.gibbs_samples(**tiny_inputs(), **SETTINGS, checkpoint=str(path))
    assert path.exists()  # the step adapter removes it once the outputs are written
    other = tiny_inputs()
    other["dbms"][0]["W2"] = other["dbms"][0]["W2"] * 2  # another DBM: its fingerprint differs
    fresh = okatani2013_samples.gibbs_samples(**other, **SETTINGS)
    assert_same(okatani2013_samples.gibbs_samples(**other, **SETTINGS, checkpoint=str(path)), fresh)


def test_how_long_one_models_chains_run_leaves_the_other_models_samples_alone():
    """Each model's chains draw from their own stream: judging the chains after more steps
    (a longer coverage curve) changes no model's shown samples; a different seed does."""
    short = okatani2013_samples.gibbs_samples(**tiny_inputs(), **SETTINGS)
    longer = okatani2013_samples.gibbs_samples(**tiny_inputs(), **{**SETTINGS, "coverage_steps": [2, 6, 30]})
    np.testing.assert_array_equal(short["samples"]["images"], longer["samples"]["images"])
    assert sorted(longer["coverage"]["gibbs_steps"].unique()) == [2, 6, 30]
    other_seed = okatani2013_samples.gibbs_samples(**tiny_inputs(), **{**SETTINGS, "seed": 1})
    shown = list(short["summary"]["model"]).index("2-layer DBM")
    assert not np.array_equal(short["samples"]["images"][shown], other_seed["samples"]["images"][shown])


def test_each_models_chains_have_a_stream_of_their_own():
    a, b = (okatani2013_samples.chain_generator(0, name, torch.device("cpu")) for name in ("RBM (PCD)", "2-layer DBM"))
    assert not torch.equal(torch.rand(5, generator=a), torch.rand(5, generator=b))
    # the same stream in every process and on every machine (no per-process hash of the name)
    again = okatani2013_samples.chain_generator(0, "RBM (PCD)", torch.device("cpu"))
    assert torch.rand(3, generator=again).tolist() == pytest.approx([0.85988814, 0.46177995, 0.74081016], abs=1e-7)
