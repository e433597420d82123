"""The run of tishby2017's grid a rule's wildcards name: its architecture, fraction and KDE share."""

from __future__ import annotations

import pytest

from deepinside.steps import tishby2017

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


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(tishby2017, "train_run", lambda *args, **kwargs: seen.append((args, kwargs)) or {})
    return seen


@pytest.mark.parametrize(
    "fraction, layers, hidden, kde_members",
    [("0.85", "2", [4, 3], 2), ("0.05", "2", [4, 3], 0), ("0.85", "3", [4, 3, 2], 0), ("0.85", "1", [4], 0)],
)
def test_a_wildcards_run_trains_its_architecture_and_only_the_compared_run_pays_for_the_kde(
    calls, fraction, layers, hidden, kde_members
):
    tishby2017.ensemble({"x": None}, "tanh", fraction, layers, **SETTINGS, seed=1, device="cpu")
    ((args, kwargs),) = calls
    assert args[1:] == ("tanh", float(fraction), hidden)
    assert kwargs["kde_members"] == kde_members and kwargs["kde_variance"] == 0.001
    assert kwargs["epochs"] == 3 and kwargs["members"] == 2 and kwargs["seed"] == 1


def test_a_depth_or_run_outside_the_architectures_is_refused_naming_the_setting(calls):
    with pytest.raises(ValueError, match="tishby2017.depth = 4 must pick one of the 3 architectures"):
        tishby2017.ensemble({}, "tanh", "0.85", "1", **{**SETTINGS, "depth": 4}, seed=0, device="cpu")
    with pytest.raises(ValueError, match="layers = 4: tishby2017.architectures has 3 entries"):
        tishby2017.ensemble({}, "tanh", "0.85", "4", **SETTINGS, seed=0, device="cpu")
    assert calls == []
