"""A running job says on the console, once a minute, how long it has run and how far it is."""

import io
import time

from deepinside.pipeline import step


def test_the_latest_state_of_a_progress_bar_is_read_from_the_log(tmp_path):
    log = tmp_path / "job.log"
    log.write_text(
        "[deepinside] deepinside.steps.x:y with ['a'] on 1 thread(s)\n"
        "rbm:  10%|#         | 1/10 [00:06<00:54,  6.0s/it]\rrbm:  20%|##        | 2/10 [00:12<00:48,  6.0s/it]"
    )
    assert step.last_progress(log) == "rbm: 20%|## | 2/10 [00:12<00:48, 6.0s/it]"
    assert step.last_progress(tmp_path / "missing.log") == "" and step.last_progress(None) == ""
    assert step.heartbeat_line("okatani2013_dbm (seed=0, layers=2)", 125.0, "x") == (
        "[deepinside] okatani2013_dbm (seed=0, layers=2): running 2 min; x"
    )


def test_the_heartbeat_prints_while_the_job_runs_and_stops_with_it(tmp_path):
    log = tmp_path / "job.log"
    log.write_text("epoch 3/40\n")
    console = io.StringIO()
    with step._heartbeat("rule (seed=1)", str(log), console, every=0.05):
        time.sleep(0.3)
    lines = console.getvalue().splitlines()
    assert len(lines) >= 3 and all(line == "[deepinside] rule (seed=1): running 0 min; epoch 3/40" for line in lines)
    time.sleep(0.2)
    assert console.getvalue().splitlines() == lines  # nothing after the job ended
