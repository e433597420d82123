"""Claim rows, atomic file writes and the step runner every rule goes through."""

import importlib.util
import os
import stat
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from claim_rows import claim_row, claim_table

from deepinside.claims import tables
from deepinside.core import files
from deepinside.pipeline import step as workflow_step

REPO = Path(__file__).resolve().parents[2]


def test_caption_states_kind_value_and_verdict():
    table = claim_table([claim_row("t", "X1", "errors fall", 0.123456, "<=", 0.2, "a note")])
    text = tables.caption(table)
    assert "0.1235" in text and "HOLDS" in text and "a note" in text
    table = claim_table([claim_row("t", "X1", "errors fall", 0.3, "<=", 0.2)])
    assert "FAILS" in tables.caption(table)
    table = claim_table([claim_row("t", "X1", "errors fall", [0.1, 0.3], "<=", 0.2, seeds=(0, 1))])
    text = tables.caption(table)
    assert "NOT ESTABLISHED" in text and "holds in 1 of 2" in text and "the seeds disagree" in text


def test_concatenate_sorts_and_checks_columns():
    a = claim_table([claim_row("b", "B1", "x", 1, ">", 0)])
    b = claim_table([claim_row("a", "A2", "y", 1, ">", 0), claim_row("a", "A1", "z", 1, ">", 0)])
    out = tables.concatenate([a, b])
    assert list(out["figure"]) == ["A2", "A1", "B1"] or list(out["figure"]) == ["A1", "A2", "B1"]
    assert list(out["talk"]) == ["a", "a", "b"]
    with pytest.raises(ValueError, match="lacks"):
        tables.concatenate([pd.DataFrame({"talk": ["x"]})])


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.npz"
    with pytest.raises(RuntimeError):
        with files.atomic_output(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_bytes_are_written_as_they_are_whatever_the_extension(tmp_path):
    archive = bytes(range(256)) * 4  # e.g. a .tar.gz a step has made in memory
    assert files.write(archive, tmp_path / "bundle.tar.gz").read_bytes() == archive
    assert files.write(b"raw", tmp_path / "notes.csv").read_bytes() == b"raw"  # not sent through the csv writer
    # no temporary left; each file has its SHA-256 sidecar
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bundle.tar.gz",
        "bundle.tar.gz.sha256",
        "notes.csv",
        "notes.csv.sha256",
    ]


def test_written_files_follow_the_umask_not_mkstemp(tmp_path):
    old = os.umask(0o027)
    try:
        written = files.write("x", tmp_path / "shared.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o640


def test_write_read_round_trip(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, 0.25]})
    arrays = {"x": np.arange(6).reshape(2, 3), "names": np.array(["p", "q"])}
    pd.testing.assert_frame_equal(files.read(files.write(frame, tmp_path / "t.csv")), frame)
    back = files.read(files.write(arrays, tmp_path / "t.npz"))
    np.testing.assert_array_equal(back["x"], arrays["x"])
    np.testing.assert_array_equal(back["names"], arrays["names"])
    assert files.read(files.write({"k": np.float64(1.5)}, tmp_path / "t.json")) == {"k": 1.5}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".sha256")) == ["t.csv", "t.json", "t.npz"]
    with pytest.raises(TypeError):
        files.write([1, 2], tmp_path / "bad.csv")
    with pytest.raises(ValueError):
        files.write(frame, tmp_path / "bad.xyz")
    assert not (tmp_path / "bad.csv").exists()


def _double(table, factor):
    return {"out": table.assign(a=table["a"] * factor)}


def test_run_reads_calls_and_writes(tmp_path):
    files.write(pd.DataFrame({"a": [1, 2]}), tmp_path / "in.csv")
    workflow_step.run(
        f"{__name__}:_double", {"table": str(tmp_path / "in.csv")}, {"out": str(tmp_path / "out.csv")}, {"factor": 3}
    )
    assert list(files.read(tmp_path / "out.csv")["a"]) == [3, 6]


def test_a_job_s_last_line_gives_its_wall_and_cpu_time_to_the_run_cost_report(tmp_path, capsys, monkeypatch):
    files.write(pd.DataFrame({"a": [1, 2]}), tmp_path / "in.csv")
    workflow_step.run(
        f"{__name__}:_double", {"table": str(tmp_path / "in.csv")}, {"out": str(tmp_path / "out.csv")}, {"factor": 2}
    )
    log = tmp_path / "logs/paper/seed1/ohzeki2015_gamp/k0.25_a0.25_N2000.log"
    log.parent.mkdir(parents=True)
    log.write_text(capsys.readouterr().err)
    monkeypatch.syspath_prepend(str(REPO / "bench"))  # as when run as a script: it reads quick_preset's pattern
    spec = importlib.util.spec_from_file_location("run_cost", REPO / "bench/run_cost.py")
    run_cost = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_cost)
    figure = tmp_path / "logs/paper/figures/tishby2017/T1_information_plane.log"  # a talk's folder, not its rule
    figure.parent.mkdir(parents=True)
    figure.write_text(log.read_text())
    drawn, job = run_cost.finished_jobs(tmp_path / "logs/paper")
    assert drawn["talk"] == "tishby2017" and drawn["rule"] == "figures"
    assert job["talk"] == "ohzeki2015" and job["rule"] == "ohzeki2015_gamp" and job["seed"] == 1
    assert job["wall"] >= 0 and job["cpu"] is not None and job["cpu"] >= 0
    (talk,) = run_cost.per_talk([job], {"ohzeki2015": (2.0, True)})  # the row `--out` writes
    assert talk["talk"] == "ohzeki2015" and talk["seeds"] == "1" and talk["jobs"] == 1
    assert talk["projection"] == "at most 2.00 h (2.00 h per seed × 1)" and talk["projected_hours"] == 2.0


KILLED = []  # a job's attempts to kill, outside its arguments: the same job, resumed


def _busy(table, checkpoint):
    until = time.process_time() + 0.3
    while time.process_time() < until:  # CPU time, as a training step spends it
        pass
    if KILLED:
        KILLED.pop()
        raise RuntimeError("killed")
    return {"out": table}


def test_a_resumed_job_s_last_line_counts_its_killed_attempts_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(workflow_step, "LEDGER_SECONDS", 100.0)  # an attempt ended by an exception is counted whole
    files.write(pd.DataFrame({"a": [1, 2]}), tmp_path / "in.csv")
    checkpoint = tmp_path / "checkpoints/okatani2013_dbm/layers2_seed0.pt"
    job = lambda: workflow_step.run(
        f"{__name__}:_busy",
        {"table": str(tmp_path / "in.csv")},
        {"out": str(tmp_path / "out.csv")},
        {"checkpoint": str(checkpoint)},
    )
    KILLED.append(True)
    with pytest.raises(RuntimeError):
        job()  # the first attempt dies; its seconds stay beside its checkpoint
    ledger = workflow_step.read_ledger(workflow_step.cost_ledger(checkpoint))
    assert ledger["attempts"] == 1 and ledger["cpu"] >= 0.2
    # the count belongs to that step and those settings: a job of other settings (its checkpoint
    # ignored, training afresh) does not take it over
    other = workflow_step.ledger_stamp(f"{__name__}:_busy", {"checkpoint": str(checkpoint), "x": 1})
    assert workflow_step.read_ledger(workflow_step.cost_ledger(checkpoint), other)["attempts"] == 0
    capsys.readouterr()
    job()
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "; 2 attempts in all: " in last
    assert not workflow_step.cost_ledger(checkpoint).exists()  # gone with the checkpoint
    log = tmp_path / "logs/paper/seed0/okatani2013_dbm/layers2.log"
    log.parent.mkdir(parents=True)
    log.write_text(last + "\n")
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    spec = importlib.util.spec_from_file_location("run_cost", REPO / "bench/run_cost.py")
    run_cost = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_cost)
    (counted,) = run_cost.finished_jobs(tmp_path / "logs/paper")
    assert counted["cpu"] >= 0.5  # both attempts' CPU, not the last one's 0.3 s
    # a job that never resumed says nothing more
    assert workflow_step.done_line("m:f", 1.0, 0.5) == "[deepinside] m:f done in 1.0 s (0.5 s of CPU)"


def test_run_refuses_mismatched_outputs_and_arguments(tmp_path):
    files.write(pd.DataFrame({"a": [1]}), tmp_path / "in.csv")
    with pytest.raises(KeyError, match="missing"):
        workflow_step.run(
            f"{__name__}:_double",
            {"table": str(tmp_path / "in.csv")},
            {"other": str(tmp_path / "o.csv")},
            {"factor": 1},
        )
    with pytest.raises(TypeError, match="signature"):
        workflow_step.run(
            f"{__name__}:_double", {"table": str(tmp_path / "in.csv")}, {"out": str(tmp_path / "o.csv")}, {"factr": 1}
        )
    with pytest.raises(ValueError, match="module:function"):
        workflow_step.resolve("no_colon")
    assert not (tmp_path / "o.csv").exists()


def test_a_job_limits_every_thread_pool_already_loaded_to_its_threads():
    """numpy is loaded (by io) before the job's thread count is known; its BLAS must still obey it."""
    import subprocess
    import sys

    code = (
        "from deepinside.pipeline import step as workflow_step; import numpy; "
        "from threadpoolctl import threadpool_info; "
        "workflow_step.limit_threads(1); "
        "import torch; "
        "print(sorted({p['num_threads'] for p in threadpool_info()}), torch.get_num_threads())"
    )
    pools = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert pools.split() == ["[1]", "1"], pools


def test_readme_claims_table_replaces_only_its_section():
    from deepinside.publish import readme_claims

    table = claim_table([claim_row("t", "X1", "a | b", 0.123456, "<", 1.0), claim_row("t", "X2", "c", 2.0, "<", 1.0)])
    text = readme_claims.markdown(table, "quick")
    assert "1 of 2 claims hold (1 fail, 0 not established)" in text and "a \\| b" in text
    assert "| 0.1235 | < 1 | 1 of 1 | holds |" in text
    readme = f"intro\n{readme_claims.START}\nSTALE TABLE\n{readme_claims.END}\noutro\n"
    new = readme_claims.update(readme, text)
    assert new.startswith("intro\n") and new.endswith("outro\n") and "STALE TABLE" not in new and text in new
    with pytest.raises(ValueError):
        readme_claims.update("no markers", text)


def test_claims_page_escapes_and_counts():
    table = claim_table([claim_row("t", "X1", "a < b & c", 0.5, "<", 1.0, "n<o>te")])
    page = tables.html_table(table)
    assert "1 of 1 claims hold" in page and "a &lt; b &amp; c" in page and "n&lt;o&gt;te" in page
    assert page.startswith("<!doctype html>")


def test_rows_that_are_not_claims_are_kept_apart_and_never_counted_as_claims():
    from deepinside.publish import readme_claims

    table = tables.concatenate(
        [
            claim_table(
                [
                    claim_row("t", "X1", "the talk says so", 0.7, ">", 0.5),
                    claim_row("t", "X1", "the integrator matches its closed form", 0.1, "<", 0.01, kind="check"),
                    claim_row("t", "X1", "our theory predicts it", 0.3, ">", 0.1, kind="theory"),
                    claim_row("t", "X1", "a substitute model does it", 0.3, ">", 0.1, kind="stand-in"),
                    claim_row("t", "X2", "another statement", 0.2, ">", 0.5),
                ]
            )
        ]
    )
    assert tables.counts(table, "claim") == {"holds": 1, "fails": 1, "not established": 0, "rows": 2}
    line = tables.summary_line(table)
    assert line.startswith("1 of 2 claims hold (1 fail, 0 not established); not counted: 1 check (0 hold)")
    assert "1 theory row (1 hold)" in line and "1 stand-in row (1 hold)" in line
    text = readme_claims.markdown(table, "quick")
    assert text.index("another statement") < text.index("**Stand-in") < text.index("**Theory") < text.index("**Checks")
    assert "[check]" in tables.caption(table[table["kind"] == "check"])
    assert "[theory]" in tables.caption(table[table["kind"] == "theory"])
    with pytest.raises(ValueError, match="unknown kind"):
        tables.concatenate([table.assign(kind="other")])


def test_hashes_that_look_like_numbers_are_read_back_as_text(tmp_path):
    """A commit such as 6109218e6632 is a float to pandas (infinity): the adapter reads it as text."""
    path = tmp_path / "values.csv"
    files.write(pd.DataFrame({"id": ["a"], "key": ["1"], "measured": [0.5], "commit": ["6109218e6632"]}), path)
    read = workflow_step._read(str(path))
    assert read.loc[0, "commit"] == "6109218e6632" and read.loc[0, "key"] == "1" and read.loc[0, "measured"] == 0.5


def test_the_run_cost_ledger_keeps_jobs_whose_logs_are_gone_and_replaces_a_job_that_ran_again(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    spec = importlib.util.spec_from_file_location("run_cost", REPO / "bench/run_cost.py")
    run_cost = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_cost)
    job = lambda log, talk, cpu: {"log": log, "talk": talk, "rule": log.split("/")[-1][:-4], "seed": 0, "wall": 2 * cpu}
    ledger = tmp_path / "jobs.csv"
    first = [
        {**job("seed0/saxe2019_a.log", "saxe2019", 36.0), "cpu": 36.0},
        {**job("seed0/tishby2017_t.log", "tishby2017", 3600.0), "cpu": 3600.0},
    ]
    kept = run_cost.kept_jobs(first, ledger, "2026-12-06")
    pd.DataFrame(kept, columns=list(run_cost.JOB_COLUMNS)).to_csv(ledger, index=False)
    # a fresh checkout: saxe2019's log is gone, tishby2017's job ran again, an ohzeki2015 job is new
    again = [
        {**job("seed0/tishby2017_t.log", "tishby2017", 1800.0), "cpu": 1800.0},
        {**job("seed0/ohzeki2015_g.log", "ohzeki2015", 7200.0), "cpu": None},
    ]
    merged = run_cost.kept_jobs(again, ledger, "2026-12-07")
    assert [(row["log"], row["measured"]) for row in merged] == [
        ("seed0/ohzeki2015_g.log", "2026-12-07"),
        ("seed0/saxe2019_a.log", "2026-12-06"),
        ("seed0/tishby2017_t.log", "2026-12-07"),
    ]
    talks = {row["talk"]: row for row in run_cost.per_talk(merged, {})}
    assert talks["tishby2017"]["cpu_hours"] == 0.5 and talks["tishby2017"]["jobs"] == 1  # replaced, not added
    assert talks["saxe2019"]["cpu_hours"] == 0.01 and talks["saxe2019"]["measured"] == "2026-12-06"
    assert talks["ohzeki2015"]["jobs_without_cpu"] == 1 and talks["ohzeki2015"]["cpu_hours"] == 4.0
    # tishby2017 ran again whole, its job under a renamed log: the old row goes, the others stay
    pd.DataFrame(merged, columns=list(run_cost.JOB_COLUMNS)).to_csv(ledger, index=False)
    renamed = [{**job("seed0/tishby2017_train/w.log", "tishby2017", 900.0), "cpu": 900.0}]
    replaced = run_cost.kept_jobs(renamed, ledger, "2026-12-08", ("tishby2017",))
    assert [row["log"] for row in replaced] == [
        "seed0/ohzeki2015_g.log",
        "seed0/saxe2019_a.log",
        "seed0/tishby2017_train/w.log",
    ]
    counted = run_cost.kept_jobs(renamed, ledger, "2026-12-08")  # without it, both are counted
    assert sum(row["talk"] == "tishby2017" for row in counted) == 2
    pd.DataFrame(merged).drop(columns="wall").to_csv(ledger, index=False)
    with pytest.raises(SystemExit, match="lacks the columns"):
        run_cost.kept_jobs([], ledger, "2026-12-07")


def test_the_quick_preset_bench_adds_up_step_seconds_by_talk(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    spec = importlib.util.spec_from_file_location("quick_preset", REPO / "bench/quick_preset.py")
    quick_preset = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quick_preset)
    times = [
        (1.0, "s", "seed0/okatani2013_dbm/3layers.log"),
        (2.0, "s", "figures/saxe2019/S1_hierarchy_svd.log"),
        (4.0, "s", "mnist.log"),
        (8.0, "s", "seed1/okatani2013_finetune/all_pretrained.log"),
    ]
    assert quick_preset.by_talk(times) == {"okatani2013": 9.0, "saxe2019": 2.0, "(shared)": 4.0}


def test_carried_checkpoints_say_which_the_code_here_resumes_and_stage_them_safely(tmp_path):
    """bench/carried_checkpoints.py: a checkpoint written by this code resumes, one by other code or
    other versions is named; staging takes each job's checkpoints, records and ledger (named as the
    workflow names them, dots in the wildcards included), leaves out a temporary file, drops from
    the index what is gone, and refuses while a run holds the checkout or a checkpoint does not
    match its record (a run caught between a save's two writes)."""
    import subprocess

    import numpy
    import torch

    from deepinside.core import checkpointing

    spec = importlib.util.spec_from_file_location("carried_checkpoints", REPO / "bench/carried_checkpoints.py")
    carried = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(carried)
    repo = tmp_path
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    folder = repo / "results/paper/checkpoints"
    dbm = checkpointing.for_run(folder / "okatani2013_dbm/layers2_seed0.pt", "deepinside.models.rbm", seed=0)
    dbm.save({"epoch": 7})
    part = checkpointing.for_run(folder / "okatani2013_dbm/layers2_seed0.rbm1.pt", "deepinside.models.rbm", seed=1)
    part.save({"epoch": 40})
    workflow_step.cost_ledger(dbm.path).write_text('{"attempts": 2, "wall": 7300, "cpu": 7200}')
    name = "alpha0.25_kappa0.5_seed0_size2000"  # what the adapter names a GAMP job's checkpoint
    gamp = checkpointing.EpochCheckpoint(folder / f"ohzeki2015_gamp/{name}.pt", "x", code="0123456789ab torch 0")
    gamp.save({"epoch": 3})
    workflow_step.cost_ledger(gamp.path).write_text('{"attempts": 1, "wall": 900, "cpu": 900}')
    old = checkpointing.EpochCheckpoint(
        folder / "okatani2013_judge/seed0.pt", "y", code=f"{dbm.code.split()[0]} torch 0.0 numpy {numpy.__version__}"
    )
    old.save({"epoch": 1})
    (folder / "okatani2013_dbm/.layers2_seed0.abc.part.pt").write_bytes(b"half")  # a write cut off
    table = carried.carried(folder).set_index("job")
    assert table.loc["layers2_seed0", "code"] == "resumes (deepinside.models.rbm)"
    assert table.loc["layers2_seed0", "epoch"] == 7 and table.loc["layers2_seed0", "CPU hours"] == 2.0
    assert table.loc["layers2_seed0.rbm1", "CPU hours"] == 2.0  # a pre-training part counts its DBM's ledger
    assert table.loc[name, "code"] == "code changed" and table.loc[name, "CPU hours"] == 0.25
    assert table.loc["seed0", "code"].startswith("torch/numpy differ (deepinside.models.rbm: torch 0.0")
    assert torch.__version__ not in table.loc["seed0", "code"]
    assert table.loc["layers2_seed0.rbm1", "where"] == "pre-training RBM 1, epoch 40"
    assert table.loc[name, "where"] == "3 instance(s) done" and table.loc["seed0", "where"] == "epoch 1"
    from deepinside.publish import carried_runs, preset_comparison

    section = carried_runs.progress_table(carried.carried(folder), "results/paper/checkpoints")
    assert "| okatani2013_dbm | layers2_seed0.rbm1 | pre-training RBM 1, epoch 40 | 2 | 2.00 | resumes" in section
    page = tmp_path / "page.md"
    page.write_text(f"a\n{preset_comparison.PROGRESS_START}\nold\n{preset_comparison.PROGRESS_END}\nb\n")
    assert "3 instance(s) done" in preset_comparison.status_sections(
        page.read_text(), "page.md", checkpoints=str(folder)
    )
    assert "no paper run is in progress" in carried_runs.progress_table(carried.carried(tmp_path / "none"), "x")
    git = lambda *args: subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout
    staged, dropped = carried.stage(folder, repo)
    index = set(git("ls-files").split())
    job = "results/paper/checkpoints/okatani2013_dbm/layers2_seed0"
    assert {f"{job}.pt", f"{job}.pt.sha256", f"{job}.pt.cost", f"{job}.rbm1.pt", f"{job}.rbm1.pt.sha256"} <= index
    assert f"results/paper/checkpoints/ohzeki2015_gamp/{name}.pt.cost" in index
    assert not any(".part." in path for path in index) and set(staged) == index
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "carried")
    # what a job removed is dropped; a job cheaper than the floor is not staged again, but stays tracked
    part.clear()
    staged, dropped = carried.stage(folder, repo, min_cpu_hours=1.0)
    assert dropped == [f"{job}.rbm1.pt", f"{job}.rbm1.pt.sha256"]
    assert sorted(staged) == [f"{job}.pt", f"{job}.pt.cost", f"{job}.pt.sha256"]
    assert f"results/paper/checkpoints/ohzeki2015_gamp/{name}.pt" in git("ls-files")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "carried again")
    # refused, staging nothing: a checkpoint beside the record of another save, a folder that is not
    # a checkpoints folder of the repository, a staged copy that differs from its staged record, a run
    # holding the checkout
    before = git("ls-files", "-s")
    saved = dbm.path.read_bytes()
    dbm.save({"epoch": 8})
    dbm.path.write_bytes(saved)
    with pytest.raises(files.CorruptFileError, match="layers2_seed0.pt"):
        carried.stage(folder, repo)
    dbm.save({"epoch": 8})
    with pytest.raises(RuntimeError, match="not a checkpoints folder inside"):
        carried.stage(repo / "results/paper", repo)
    real = carried._git
    carried._git = lambda *args, cwd: "0" * 64 if args[0] == "show" else real(*args, cwd=cwd)
    try:
        with pytest.raises(
            RuntimeError, match="does not match its staged record; the folder's index is as in the last"
        ):
            carried.stage(folder, repo)
    finally:
        carried._git = real
    assert git("ls-files", "-s") == before
    (repo / ".snakemake/locks").mkdir(parents=True)
    (repo / ".snakemake/locks/0.input.lock").write_text("x")
    with pytest.raises(RuntimeError, match="a Snakemake run holds this checkout"):
        carried.stage(folder, repo)
