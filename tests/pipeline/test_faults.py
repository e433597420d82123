"""Faults a demanding user meets, kept as regression tests (see docs/reliability.md).

Each test builds the fault for real — a killed job resumed after a code edit, a second
clone whose code differs, a flipped bit, a crafted pickle, a lost claim row, a bad member
in the middle of a bundle, a full disk, a server that is down, settings that cannot work —
and checks that it is refused with a message naming the file or key, before any result
is computed from it.
"""

from __future__ import annotations

import errno
import hashlib
import io as stdio
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from deepinside.claims import values, verdicts
from deepinside.core import checkpointing, files
from deepinside.data import download
from deepinside.models import alexnet
from deepinside.pipeline import step as workflow_step
from deepinside.pipeline.presets import expanded
from deepinside.publish import results_bundle

from conftest import REPO, TINY_CONFIG, run_snakemake

# --- 1. a checkpoint belongs to the code as well as to the settings ----------------------

TRAIN_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np, torch
    from deepinside.core import checkpointing, code_version
    from deepinside.models import rbm

    path, out, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kill_after:  # kill -9 right after the kill_after-th checkpoint is on disk
        save, saved = checkpointing.EpochCheckpoint.save, []
        def save_then_die(self, state):
            save(self, state)
            saved.append(1)
            if len(saved) == kill_after:
                os._exit(9)
        checkpointing.EpochCheckpoint.save = save_then_die
    data = (np.random.default_rng(0).random((60, 16)) < 0.3).astype(np.float32)
    checkpoint = checkpointing.EpochCheckpoint(
        path, checkpointing.fingerprint(data=data), code=code_version.fingerprint("deepinside.models.rbm"))
    params, _ = rbm.train_rbm(
        data, n_hidden=8, epochs=6, learning_rate=0.1, initial_momentum=0.5, final_momentum=0.9,
        momentum_switch_epoch=3, weight_cost=2e-4, batch_size=20, k=1, persistent=False,
        sample_visible=False, init_scale=0.01, seed=3, device=torch.device("cpu"), checkpoint=checkpoint)
    np.save(out, params["W"].numpy())
    """
)

# An edit that changes the numbers: every momentum step takes twice the learning rate.
NUMERIC_EDIT = textwrap.dedent(
    """

    _edited_step = momentum_step


    def momentum_step(params, velocity, ascent, momentum, learning_rate, weight_cost):
        return _edited_step(params, velocity, ascent, momentum, 2 * learning_rate, weight_cost)
    """
)


def _clone_package(root: Path) -> Path:
    """A copy of src/ (the package as a second clone has it)."""
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return root / "src"


def _train(src: Path, checkpoint: Path, out: Path, kill_after: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", TRAIN_SCRIPT, str(checkpoint), str(out), str(kill_after)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_a_checkpoint_of_other_code_is_discarded_and_the_result_is_a_clean_run_of_the_new_code(tmp_path):
    src = _clone_package(tmp_path)
    checkpoint = tmp_path / "rbm.ckpt.pt"
    killed = _train(src, checkpoint, tmp_path / "never.npy", kill_after=2)
    assert killed.returncode == 9 and checkpoint.exists(), killed.stderr
    # the same code resumes it (what the discard below guards against is real)
    shutil.copy(checkpoint, tmp_path / "kept.pt")
    shutil.copy(files.digest_path(checkpoint), files.digest_path(tmp_path / "kept.pt"))
    resumed = _train(src, checkpoint, tmp_path / "resumed.npy")
    assert "resuming" in resumed.stderr, resumed.stderr
    _train(src, tmp_path / "none.pt", tmp_path / "clean_old.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "resumed.npy"), np.load(tmp_path / "clean_old.npy"))

    # kill, edit, re-run: the old code's checkpoint is discarded, and says so
    shutil.copy(tmp_path / "kept.pt", checkpoint)
    shutil.copy(files.digest_path(tmp_path / "kept.pt"), files.digest_path(checkpoint))
    with open(src / "deepinside" / "models" / "rbm.py", "a") as handle:
        handle.write(NUMERIC_EDIT)
    after_edit = _train(src, checkpoint, tmp_path / "after_edit.npy")
    assert after_edit.returncode == 0, after_edit.stderr
    assert "discarding" in after_edit.stderr and "written by other code" in after_edit.stderr
    _train(src, tmp_path / "fresh.pt", tmp_path / "clean_new.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "after_edit.npy"), np.load(tmp_path / "clean_new.npy"))
    # and the edit did change the numbers: a resumed hybrid could not have passed
    assert not np.array_equal(np.load(tmp_path / "clean_new.npy"), np.load(tmp_path / "clean_old.npy"))


def _rbm_step(on_epoch=None):
    """A checkpointed training step for the adapter: a tiny RBM on fixed random data, four epochs."""
    from deepinside.models import rbm

    data = (np.random.default_rng(0).random((60, 16)) < 0.3).astype(np.float32)

    def train(checkpoint=None):
        params, history = rbm.train_rbm(
            data, n_hidden=8, epochs=4, learning_rate=0.1, initial_momentum=0.5, final_momentum=0.9,
            momentum_switch_epoch=2, weight_cost=2e-4, batch_size=20, k=1, persistent=False,
            sample_visible=False, init_scale=0.01, seed=3, device=torch.device("cpu"),
            checkpoint=checkpointing.for_run(checkpoint, "deepinside.models.rbm", data=data), on_epoch=on_epoch,
        )  # fmt: skip
        return {"model": {"W": params["W"]}, "history": history}

    return train


def test_a_full_disk_at_the_outputs_keeps_the_checkpoint_and_the_rerun_resumes(tmp_path, monkeypatch, capsys):
    """The checkpoint is let go only after every output is written and read back."""
    monkeypatch.setattr(checkpointing, "SAVE_INTERVAL_S", 0.0)  # a checkpoint at every epoch
    monkeypatch.setitem(sys.modules, "checkpoint_steps", SimpleNamespace(train=_rbm_step()))
    saved, model = tmp_path / "checkpoint.pt", tmp_path / "model.pt"
    outputs = {"model": str(model), "history": str(tmp_path / "history.csv")}
    real_write = files.write

    def disk_full_for_the_model(obj, path, metadata=None):
        if Path(path) == model:
            raise files.WriteError(errno.ENOSPC, f"no space left on device: {path}")
        return real_write(obj, path, metadata)

    monkeypatch.setattr(files, "write", disk_full_for_the_model)
    with pytest.raises(files.WriteError, match="no space left on device"):
        workflow_step.run("checkpoint_steps:train", {}, outputs, implicit={"checkpoint": str(saved)})
    assert saved.exists() and not model.exists()  # the training is kept
    monkeypatch.setattr(files, "write", real_write)
    capsys.readouterr()
    workflow_step.run("checkpoint_steps:train", {}, outputs, implicit={"checkpoint": str(saved)})
    assert "resuming from" in capsys.readouterr().err
    assert model.exists() and not saved.exists() and not files.digest_path(saved).exists()
    # the resumed model is the one an uninterrupted run makes
    workflow_step.run("checkpoint_steps:train", {}, {**outputs, "model": str(tmp_path / "clean.pt")})
    torch.testing.assert_close(files.read(model)["W"], files.read(tmp_path / "clean.pt")["W"], rtol=0, atol=0)


def test_a_kept_checkpoint_makes_a_finished_job_again_on_a_fresh_clone_without_training(tmp_path, monkeypatch, capsys):
    """With the config's keep_checkpoints, a finished job leaves its checkpoint and cost ledger, so
    that a run carried to another machine (outputs gone, checkpoint committed) writes the same
    outputs from the saved state; without it they are removed, as before."""
    monkeypatch.setattr(checkpointing, "SAVE_INTERVAL_S", 0.0)  # a checkpoint at every epoch
    epochs_run = []
    train = _rbm_step(on_epoch=lambda epoch, params: epochs_run.append(epoch) or {})
    monkeypatch.setitem(sys.modules, "kept_steps", SimpleNamespace(train=train))
    saved, model = tmp_path / "checkpoint.pt", tmp_path / "model.pt"
    outputs = {"model": str(model), "history": str(tmp_path / "history.csv")}
    ledger = workflow_step.cost_ledger(saved)
    workflow_step.run("kept_steps:train", {}, outputs, implicit={"checkpoint": str(saved)}, keep_checkpoint=True)
    assert saved.exists() and files.digest_path(saved).exists() and ledger.exists()
    first = files.read(model)["W"]
    trained = len(epochs_run)
    for path in outputs.values():  # a fresh clone: the outputs are gone, the committed checkpoint is there
        Path(path).unlink()
    capsys.readouterr()
    workflow_step.run("kept_steps:train", {}, outputs, implicit={"checkpoint": str(saved)}, keep_checkpoint=True)
    log = capsys.readouterr().err
    assert "resuming from" in log and "2 attempts in all" in log
    assert len(epochs_run) == trained  # no epoch trained again
    torch.testing.assert_close(files.read(model)["W"], first, rtol=0, atol=0)
    # without the knob the finished job lets its state go
    workflow_step.run("kept_steps:train", {}, outputs, implicit={"checkpoint": str(saved)})
    assert not saved.exists() and not files.digest_path(saved).exists() and not ledger.exists()


def test_a_corrupt_checkpoint_is_ignored_and_said(tmp_path, capsys):
    from deepinside.core.checkpointing import EpochCheckpoint

    path = tmp_path / "ckpt.pt"
    checkpoint = EpochCheckpoint(path, "mine", code="this code")
    checkpoint.save({"epoch": 3, "W": torch.zeros(400)})
    assert checkpoint.load()["epoch"] == 3
    _flip_one_bit(path)
    assert checkpoint.load() is None
    assert "ignoring unreadable" in capsys.readouterr().err


# --- 3. every file's SHA-256 is kept and checked before anything is computed ------------


def _flip_one_bit(path: Path, offset: int = -100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "name, obj",
    [
        ("model.pt", {"W": torch.arange(600, dtype=torch.float32).reshape(20, 30)}),
        ("arrays.npz", {"x": np.arange(600.0)}),
        ("table.csv", pd.DataFrame({"a": np.arange(50), "b": np.linspace(0, 1, 50)})),
        ("values.json", {"a": list(range(60))}),
    ],
)
def test_a_flipped_bit_is_refused_naming_the_file_and_both_digests(tmp_path, name, obj):
    path = files.write(obj, tmp_path / name)
    recorded = files.digest_path(path).read_text().split()[0]
    assert recorded == hashlib.sha256(path.read_bytes()).hexdigest()
    _flip_one_bit(path)
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(files.CorruptFileError) as info:
        files.read(path)
    assert str(path) in str(info.value) and recorded in str(info.value) and actual in str(info.value)


def test_a_corrupt_input_stops_the_step_before_its_function_runs(tmp_path, monkeypatch):
    called = []
    module = SimpleNamespace(step=lambda table: called.append(1) or {"out": table})
    monkeypatch.setitem(sys.modules, "fault_steps", module)
    source = files.write(pd.DataFrame({"a": range(40)}), tmp_path / "in.csv")
    _flip_one_bit(source, offset=20)
    with pytest.raises(files.CorruptFileError, match="in.csv"):
        workflow_step.run("fault_steps:step", {"table": str(source)}, {"out": str(tmp_path / "out.csv")})
    assert called == [] and not (tmp_path / "out.csv").exists()


def test_outputs_are_byte_reproducible(tmp_path):
    state = {"W": torch.randn(5, 4, generator=torch.Generator().manual_seed(0)), "epoch": 3}
    arrays = {"x": np.arange(10.0), "y": np.eye(3)}
    first = [files.write(state, tmp_path / "a.pt").read_bytes(), files.write(arrays, tmp_path / "a.npz").read_bytes()]
    os.utime(tmp_path, (0, 0))  # another moment, another temporary name
    second = [files.write(state, tmp_path / "b.pt").read_bytes(), files.write(arrays, tmp_path / "b.npz").read_bytes()]
    assert first == second


def test_a_file_without_a_recorded_digest_is_read_with_a_warning(tmp_path, capsys):
    path = tmp_path / "by_hand.csv"
    path.write_text("a\n1\n")
    assert list(files.read(path)["a"]) == [1]
    assert "no SHA-256 recorded for" in capsys.readouterr().err


def test_a_file_the_pipeline_wrote_without_its_digest_is_refused(tmp_path, monkeypatch):
    """Deleting the sidecar does not switch the check off: a job's input under results/ must have one."""
    monkeypatch.chdir(tmp_path)
    made = files.write(pd.DataFrame({"measured": [0.99999]}), Path("results/tiny/S1.csv"))
    files.digest_path(made).unlink()
    made.write_text("measured\n0.89999\n")  # the value changed, and nothing records what it was
    with pytest.raises(
        files.CorruptFileError, match=r"results/tiny/S1.csv: its SHA-256 record S1.csv.sha256 is missing"
    ):
        workflow_step.run("deepinside.steps.gather:claims", {"tables": [str(made)]}, {"claims": "out.csv"})
    assert not Path("out.csv").exists()
    assert workflow_step.made_here("results/quick/x.csv") and not workflow_step.made_here("docs/other_machine/q.csv")
    assert not workflow_step.made_here(tmp_path / "results" / "x.csv")  # an absolute path: a user's file


# --- 4. no unpickling of code -----------------------------------------------------------


class _Payload:
    """Unpickling this runs ``open(marker, "w")``: what a crafted weights file would do."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_does_not_run_when_read(tmp_path):
    marker = tmp_path / "payload_ran"
    crafted = tmp_path / "weights.pt"
    torch.save({"W": torch.zeros(2), "extra": _Payload(str(marker))}, crafted)
    with pytest.raises(files.ReadError, match="weights.pt"):
        files.read(crafted)
    assert not marker.exists()


def test_a_crafted_file_in_the_imagenet_download_cache_does_not_run(tmp_path):
    from torchvision.models import AlexNet_Weights

    marker = tmp_path / "payload_ran"
    cached = tmp_path / Path(AlexNet_Weights.IMAGENET1K_V1.url).name
    torch.save({"features.0.weight": _Payload(str(marker))}, cached)
    with pytest.raises(download.ChecksumError, match=cached.name):
        alexnet.imagenet_state(tmp_path)
    assert not marker.exists()


# --- 5. a lost claim row is refused whatever the number of seeds --------------------------


def _declared(n):
    rows = [
        {
            "talk": "talk",
            "figure": "F1",
            "id": f"c{i}",
            "key": "",
            "statement": f"claim {i}",
            "kind": "claim",
            "why": "",
            "null": "a null",
            "compare": ">",
            "threshold": 0.5,
            "measured_threshold": "",
        }
        for i in range(n)
    ]
    return rows


def _values(n):
    return values.table([values.value(f"c{i}", 1.0) for i in range(n)])


def test_a_claims_table_with_a_missing_or_extra_row_is_refused_even_under_one_seed():
    assert len(verdicts.combine([_values(3)], [0], _declared(3))) == 3
    with pytest.raises(ValueError, match=r"run 0 measured rows that do not match.*missing \[c2\]"):
        verdicts.combine([_values(2)], [0], _declared(3))
    with pytest.raises(ValueError, match=r"run 1 .*not declared \[c3\]"):
        verdicts.combine([_values(3), _values(4)], [0, 1], _declared(3))


def test_every_figure_has_its_declared_claim_rows_under_both_presets():
    import yaml

    from deepinside.claims import declared
    from deepinside.publish import figure_table

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    presets = expanded(config["presets"])
    figures = figure_table.load(REPO / "workflow/figures.yaml")
    tables = declared.talk_tables(REPO / "workflow/claims", figures)  # the claims are in the figures' entries
    for talk, by_id in figures.items():
        assert set(tables[talk]) == set(by_id)
        for figure_id in by_id:
            for preset in ("quick", "paper"):
                assert declared.expected_rows(tables[talk][figure_id], presets[preset], talk, figure_id)


# --- 6. a bundle unpacks all or nothing ------------------------------------------------------


def _bundle(tmp_path: Path, members: dict[str, bytes], corrupt: str | None = None) -> Path:
    listing = {
        "provenance": {},
        "files": [
            {
                "path": name,
                "bytes": len(data),
                "mtime": 1.0 + i,
                "sha256": hashlib.sha256(data if name != corrupt else b"other").hexdigest(),
            }
            for i, (name, data) in enumerate(members.items())
        ],
    }
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in [*members.items(), (results_bundle.MANIFEST, json.dumps(listing).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, stdio.BytesIO(data))
    return archive


MEMBERS = {f"results/tiny/seed0/talk/file{i}.csv": f"a\n{i}\n".encode() for i in range(3)}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_bad_member_in_the_middle_of_a_bundle_leaves_the_destination_as_it_was(tmp_path):
    destination = tmp_path / "clone"
    destination.mkdir()
    (destination / "README.md").write_text("a clone\n")
    before = _tree(destination)
    archive = _bundle(tmp_path, MEMBERS, corrupt="results/tiny/seed0/talk/file1.csv")
    with pytest.raises(ValueError, match="file1.csv does not match its sha256.*nothing was unpacked"):
        results_bundle.unpack(archive, destination)
    assert _tree(destination) == before and not (destination / "results").exists()


def test_a_conflicting_file_in_the_middle_of_a_bundle_leaves_the_destination_as_it_was(tmp_path):
    destination = tmp_path / "clone"
    conflict = destination / "results/tiny/seed0/talk/file1.csv"
    conflict.parent.mkdir(parents=True)
    conflict.write_text("mine\n")
    before = _tree(destination)
    with pytest.raises(FileExistsError, match="file1.csv exists with other contents"):
        results_bundle.unpack(_bundle(tmp_path, MEMBERS), destination)
    assert _tree(destination) == before


def test_a_full_disk_while_unpacking_leaves_the_destination_as_it_was(tmp_path, monkeypatch):
    destination = tmp_path / "clone"
    destination.mkdir()
    archive = _bundle(tmp_path, MEMBERS)
    stream_to, written = results_bundle._stream_to, []

    def fill_up(source, target):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        written.append(target)
        return stream_to(source, target)

    monkeypatch.setattr(results_bundle, "_stream_to", fill_up)
    with pytest.raises(OSError, match="No space left"):
        results_bundle.unpack(archive, destination)
    assert _tree(destination) == {} and not (destination / "results").exists()


def test_a_large_member_is_unpacked_in_bounded_memory(tmp_path):
    # 64 MB of zeros compress to about 64 kB: reading the member whole would hold 64 MB
    import tracemalloc

    big = {"results/tiny/seed0/talk/big.bin": bytes(64 << 20)}
    archive = _bundle(tmp_path, big)
    assert archive.stat().st_size < 1 << 20
    destination = tmp_path / "clone"
    tracemalloc.start()
    try:
        results_bundle.unpack(archive, destination)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (destination / "results/tiny/seed0/talk/big.bin").stat().st_size == 64 << 20
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB"


def _raw_tar(tmp_path: Path, entries) -> Path:
    archive = tmp_path / "odd.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, stdio.BytesIO(data) if data is not None else None)
    return archive


def _file_info(name: str, data: bytes):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _link_info(name: str, kind):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = "/etc/passwd"
    return info, None


def _truncated(archive: Path) -> Path:
    archive.write_bytes(archive.read_bytes()[:200])
    return archive


def _noise(archive: Path) -> Path:
    archive.write_bytes(os.urandom(4096))
    return archive


def _manifest_for(names):
    listing = {"provenance": {}, "files": [{"path": n, "sha256": "0" * 64, "mtime": 1.0} for n in names]}
    return _file_info(results_bundle.MANIFEST, json.dumps(listing).encode())


@pytest.mark.parametrize(
    "build, said",
    [
        (lambda t: _truncated(_bundle(t, MEMBERS)), "not a readable results bundle"),
        (lambda t: _noise(t / "noise.tar.gz"), "not a readable results bundle"),
        (
            lambda t: _raw_tar(t, [_link_info("results/a", tarfile.SYMTYPE), _manifest_for(["results/a"])]),
            "member 'results/a' is a link",
        ),
        (
            lambda t: _raw_tar(t, [_link_info("results/d", tarfile.DIRTYPE), _manifest_for(["results/d"])]),
            "member 'results/d' is a folder",
        ),
        (
            lambda t: _raw_tar(t, [_file_info("results/a", b"x"), _file_info(results_bundle.MANIFEST, b"{not json")]),
            "is not a bundle manifest",
        ),
        (
            lambda t: _raw_tar(
                t, [_file_info("results/a", b"x"), _file_info(results_bundle.MANIFEST, b'{"provenance": {}}')]
            ),
            "is not a bundle manifest (KeyError",
        ),
        (lambda t: _raw_tar(t, [_file_info("results/a", b"x")]), "no MANIFEST.json: not a results bundle"),
    ],
)
def test_a_bad_bundle_is_refused_in_one_line_naming_the_archive(tmp_path, build, said):
    archive = build(tmp_path)
    destination = tmp_path / "clone"
    with pytest.raises(results_bundle.BundleError) as refused:
        results_bundle.unpack(archive, destination)
    message = str(refused.value)
    assert message.startswith(str(archive)) and said in message and "\n" not in message
    assert not (destination / "results").exists()


# --- 7. failures keep their cause and name their file --------------------------------------


def test_a_job_runs_only_the_code_its_rule_was_planned_with(tmp_path, monkeypatch):
    from deepinside.core import code_version

    planned = code_version.versioned("deepinside.steps.gather:stack_tables")
    table = files.write(pd.DataFrame({"a": [1]}), tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    # the source edited after the run was planned: refused before the step is imported or run
    stale = planned.split("@")[0] + "@000000000000"
    with pytest.raises(workflow_step.StaleCode, match="changed after this run was planned.*nothing was run"):
        workflow_step.run(stale, {"tables": [str(table)]}, {"table": str(out)})
    assert not out.exists()
    # the source edited while the job imported it (the fingerprint differs after the import)
    real, calls = code_version.fingerprint, []

    def edited_during_import(module):
        calls.append(module)
        return real(module) if len(calls) == 1 else "ffffffffffff"

    monkeypatch.setattr(code_version, "fingerprint", edited_during_import)
    with pytest.raises(workflow_step.StaleCode, match="changed while this job imported it"):
        workflow_step.run(planned, {"tables": [str(table)]}, {"table": str(out)})
    assert not out.exists()
    monkeypatch.setattr(code_version, "fingerprint", real)
    workflow_step.run(planned, {"tables": [str(table)]}, {"table": str(out)})  # the planned code runs
    assert out.exists()


def test_a_checkpoint_is_stamped_with_the_code_the_job_imported_not_the_code_on_disk_later(tmp_path, monkeypatch):
    """The race: the source is edited after the job imported its step, then the job writes a
    checkpoint and is killed; the re-run (planned with the new code) must not resume it."""
    from deepinside.core import code_version

    monkeypatch.setattr(code_version, "_IMPORTED", {})  # this process's record, restored after the test
    planned = code_version.versioned("deepinside.steps.okatani2013:pretrain_layer")
    old = planned.split("@")[1]
    workflow_step.resolve_verified(planned)  # the job imports the step: the code is `old`
    monkeypatch.setattr(code_version, "fingerprint", lambda step: "ffffffffffff")  # then it is edited on disk
    checkpoint = checkpointing.for_run(tmp_path / "c.pt", "deepinside.steps.okatani2013", data=[1])
    assert checkpoint.code.split()[0] == old  # stamped with what runs, not with the edit
    checkpoint.save({"epoch": 1})
    # the re-run imports the edited code: the old code's checkpoint is discarded, not resumed
    monkeypatch.setitem(code_version._IMPORTED, "deepinside.steps.okatani2013", "ffffffffffff")
    again = checkpointing.for_run(tmp_path / "c.pt", "deepinside.steps.okatani2013", data=[1])
    assert again.load() is None and not (tmp_path / "c.pt").exists()


def test_a_failed_job_says_one_line_naming_its_log():
    job = SimpleNamespace(rule="saxe2019_svd", log=["logs/tiny/saxe2019_svd.log"])
    line = workflow_step.failure_line(job, ValueError("a\nmulti-line\n  message"))
    assert (
        line
        == "[deepinside] saxe2019_svd failed: ValueError: a multi-line message; traceback in logs/tiny/saxe2019_svd.log"
    )


def test_a_failing_job_log_ends_with_the_exception_and_its_traceback(tmp_path, monkeypatch, capsys):
    def broken(table):
        raise ZeroDivisionError("the cause")

    monkeypatch.setitem(sys.modules, "fault_steps", SimpleNamespace(step=broken))
    source = files.write(pd.DataFrame({"a": [1]}), tmp_path / "in.csv")
    log = tmp_path / "job.log"
    job = SimpleNamespace(
        log=[str(log)],
        input={"table": str(source)},
        output={"out": str(tmp_path / "out.csv")},
        params=SimpleNamespace(step="fault_steps:step", kwargs={}),
        threads=1,
        wildcards={},
        rule="fault_step",
        config={"preset": "tiny"},
    )
    with pytest.raises(SystemExit) as failed:
        workflow_step.run_step(job)
    assert failed.value.code == 1
    text = log.read_text()
    assert text.splitlines()[-1] == "ZeroDivisionError: the cause"
    assert "Traceback (most recent call last)" in text and "in broken" in text
    # the console: one line naming the log, no traceback
    console = capsys.readouterr().err
    assert console == f"[deepinside] fault_step failed: ZeroDivisionError: the cause; traceback in {log}\n"


@pytest.mark.parametrize(
    "name, content",
    [
        ("truncated.pt", None),  # a real .pt cut in half
        ("ragged.csv", b'a,b\n"1,2\n'),
        ("short.npz", b"PK\x03\x04 not a whole archive"),
        ("broken.json", b"{"),
    ],
)
def test_an_unreadable_file_is_named_in_the_error(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        files.write({"W": torch.zeros(100)}, path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        files.digest_path(path).unlink()
    else:
        path.write_bytes(content)
    with pytest.raises(files.ReadError) as info:
        files.read(path)
    assert str(path) in str(info.value)


def test_a_full_disk_is_said_with_the_file(tmp_path, monkeypatch):
    def no_space(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", no_space)
    target = tmp_path / "model.pt"
    with pytest.raises(files.WriteError, match=f"no space left on device: {target}"):
        files.write({"W": torch.zeros(3)}, target)
    assert list(tmp_path.iterdir()) == []  # neither the file, its digest nor a temporary


def test_a_download_from_a_server_that_is_down_names_the_url_and_the_file(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/train-images-idx3-ubyte.gz"
    dest = tmp_path / "train-images-idx3-ubyte.gz"
    with pytest.raises(download.DownloadError) as info:
        download.download(url, dest, "0" * 64, timeout=5, progress=False)
    assert url in str(info.value) and str(dest) in str(info.value)
    assert list(tmp_path.iterdir()) == []


# --- 2 and 8: the workflow (jobs import the checkout's code; settings that cannot work) -----


@pytest.mark.workflow
def test_jobs_import_the_package_of_their_own_checkout(workdir):
    """A second clone whose src/ differs: its jobs run its code, not the installed package's."""
    step = workdir / "src/deepinside/pipeline/step.py"
    step.write_text(
        step.read_text() + '\n\ndef run_step(job):\n    raise RuntimeError("the second clone\'s code ran")\n'
    )
    target = "results/tiny/saxe2019/S1/four_items_modes.npz"
    result = run_snakemake(workdir, "--cores", "1", "--", target, timeout=600)
    assert result.returncode != 0
    log = workdir / "logs/tiny/saxe2019_S1.log"
    assert "the second clone's code ran" in result.stdout + result.stderr + (log.read_text() if log.exists() else "")


@pytest.mark.workflow
def test_a_job_that_imported_another_checkouts_package_is_refused_in_its_log_and_one_line(workdir, tmp_path):
    """Something that imports `deepinside` before the adapter (here a sitecustomize on the job's
    path, loading the installed package of another checkout) is refused, not run."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO / 'src')!r})\nimport deepinside\n"
    )
    env = {"PYTHONPATH": str(site)}
    target = "results/tiny/saxe2019/S1/four_items_modes.npz"
    result = run_snakemake(workdir, "--cores", "1", "--", target, timeout=600, env=env)
    console = result.stdout + result.stderr
    assert result.returncode != 0 and not (workdir / target).exists()
    log = workdir / "logs/tiny/saxe2019_S1.log"
    assert "not from the checkout's" in log.read_text()
    lines = [line for line in console.splitlines() if line.startswith("[deepinside] ") and " failed: " in line]
    assert len(lines) == 1 and "ImportError" in lines[0] and "Traceback (most recent call last)" not in console


@pytest.mark.workflow
def test_a_corrupt_intermediate_stops_the_downstream_job_with_a_message_naming_it(workdir):
    target = "results/tiny/saxe2019/S1/four_items_modes.npz"
    made = run_snakemake(workdir, "--cores", "1", "--", target, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    _flip_one_bit(workdir / target, offset=60)
    drawn = run_snakemake(workdir, "--cores", "1", "--", "figures/tiny/saxe2019/S1_hierarchy_svd.png", timeout=600)
    assert drawn.returncode != 0
    logs = "".join(p.read_text() for p in (workdir / "logs").rglob("*.log"))
    assert "four_items_modes.npz: its SHA-256 is" in logs and "CorruptFileError" in logs
    assert not (workdir / "figures/tiny/saxe2019/S1_hierarchy_svd.png").exists()
    # the console: one line for the failed job naming its log, not a reprinted traceback
    console = drawn.stdout + drawn.stderr
    failed = [line for line in console.splitlines() if line.startswith("[deepinside] ") and " failed: " in line]
    assert len(failed) == 1 and "failed: CorruptFileError:" in failed[0] and "; traceback in logs/tiny/" in failed[0]
    assert "Traceback (most recent call last)" not in console


BAD_SETTINGS = [
    (
        "presets:\n  tiny:\n    figures: figures/.\n",
        "presets.tiny.figures",
    ),  # the quick preset's folder, spelled otherwise
    ("presets:\n  tiny:\n    figures: ../outside\n", "must be a folder inside the checkout"),
    (
        "presets:\n  tiny:\n    okatani2013:\n      dbn:\n        rbm:\n          batch_size: 5000\n",
        "presets.tiny.okatani2013.dbn.rbm.batch_size",
    ),
    (
        "presets:\n  tiny:\n    okatani2013:\n      finetune:\n        train_sizes: [100, 9000]\n",
        "presets.tiny.okatani2013.finetune.train_sizes",
    ),
]


@pytest.mark.workflow
@pytest.mark.parametrize("overlay, named", BAD_SETTINGS)
def test_settings_that_cannot_work_stop_before_any_job(workdir, overlay, named):
    import yaml

    def merged(base, extra):
        return (
            {k: merged(base.get(k, {}), v) if isinstance(v, dict) else v for k, v in {**base, **extra}.items()}
            if isinstance(extra, dict)
            else extra
        )

    bad = workdir / "bad.yaml"  # the tiny preset with the overlay on top
    bad.write_text(yaml.safe_dump(merged(yaml.safe_load(TINY_CONFIG.read_text()), yaml.safe_load(overlay))))
    result = run_snakemake(workdir, "-n", "--cores", "1", "--configfile", str(bad), tiny=False, timeout=300)
    assert result.returncode != 0 and named in result.stdout + result.stderr
    assert not (workdir / "results").exists() and not (workdir.parent / "outside").exists()


@pytest.mark.workflow
@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: device cuda is valid here")
def test_device_cuda_without_cuda_stops_before_any_job(workdir):
    result = run_snakemake(workdir, "-n", "--cores", "1", "--config", "device=cuda", timeout=300)
    assert result.returncode != 0 and "config key 'device'" in result.stdout + result.stderr
