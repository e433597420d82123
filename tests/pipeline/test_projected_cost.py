"""The paper preset's dry run prints its projected cost from the measured cost table."""

import pandas as pd
import pytest

from deepinside.pipeline.projected_cost import command_line_targets, projection_lines, talk_hours, targeted_talks

TABLE = pd.DataFrame(
    {
        "talk": ["okatani2013", "okatani2013", "ohzeki2015"],
        "step": ["RBM", "fine-tune", "GAMP"],
        "paper_hours": [1.0, 2.0, 4.0],
        "note": ["", "at most: early stopping may end it sooner", "at most: caps"],
        "measured": ["2026-12-06, cpu, 1 thread(s)"] * 3,
    }
)


def test_each_talk_costs_its_hours_per_seed_times_its_seeds():
    assert talk_hours(TABLE) == {"okatani2013": (3.0, True), "ohzeki2015": (4.0, True)}
    lines = projection_lines(
        TABLE, {"okatani2013": [0, 1, 2], "ohzeki2015": [0]}, ["okatani2013", "ohzeki2015", "saxe2019"], 2, "t.csv"
    )
    assert "measured 2026-12-06, cpu, 1 thread(s)" in lines[0]
    assert "at most 3.0 CPU-h per seed × 3 seeds = 9.0 CPU-h" in lines[1]
    assert "= 4.0 CPU-h" in lines[2] and "saxe2019" in lines[3] and "not in the cost table" in lines[3]
    assert "total about 13 CPU-hours; about 6 wall-hours on 2 cores" in lines[4]


def test_a_table_without_its_columns_is_named():
    with pytest.raises(ValueError, match="lacks the columns"):
        talk_hours(TABLE.drop(columns=["paper_hours"]))


TALKS = ["saxe2019", "okatani2013", "ohzeki2015"]
IDS = {"S1": "saxe2019", "O3": "okatani2013", "P1": "ohzeki2015", "P2": "ohzeki2015"}


@pytest.mark.parametrize(
    "targets, reached",
    [
        (["P1", "P2"], ["ohzeki2015"]),
        (["figures/paper/okatani2013/O3_gibbs_samples.png", "saxe2019"], ["saxe2019", "okatani2013"]),
        (["results/paper/seed0/ohzeki2015/p2/gamp_N1000.csv"], ["ohzeki2015"]),
        ([], TALKS),  # the default target: every figure
        (["O3", "publish"], TALKS),  # a target of no one talk reaches them all
        (["results/paper/claims.csv"], TALKS),
    ],
)
def test_the_projection_counts_the_talks_the_targets_reach(targets, reached):
    assert targeted_talks(targets, TALKS, IDS) == reached


def test_a_projection_for_some_talks_says_each_is_counted_whole():
    lines = projection_lines(TABLE, {"ohzeki2015": [0]}, ["ohzeki2015"], 1, "t.csv", all_talks=TALKS)
    assert "the talks its targets reach, each whole" in lines[0] and len(lines) == 3
    assert "total about 4 CPU-hours" in lines[-1]
    assert "each whole" not in projection_lines(TABLE, {}, TALKS, 1, "t.csv", all_talks=TALKS)[0]


def test_a_talk_that_reads_another_s_results_counts_them_when_that_talk_is_not_reached():
    table = pd.DataFrame(
        {
            "talk": ["okatani2013", "okatani2013", "okatani2013", "mototake2015"],
            "step": ["DBN RBM layer 1 (784-1000)", "fine-tune n=all (×2 inits)", "O3 DBM joint", "t-SNE"],
            "paper_hours": [1.0, 2.0, 8.0, 0.5],
            "note": ["", "at most: early stopping", "", ""],
            "measured": ["today"] * 4,
        }
    )
    alone = projection_lines(table, {}, ["mototake2015"], 1, "t.csv", all_talks=TALKS + ["mototake2015"])
    assert "at most 3.5 CPU-h per seed" in alone[1] and "with okatani2013's its DBN" not in alone[1]
    assert "(with okatani2013's DBN and fine-tuned net, which it reads)" in alone[1]
    both = projection_lines(table, {}, ["okatani2013", "mototake2015"], 1, "t.csv")
    assert "0.5 CPU-h per seed" in both[2] and "which it reads" not in both[2]


def test_the_targets_are_read_from_the_command_line_as_snakemake_reads_them():
    assert command_line_targets(["--cores", "2", "P1", "P2", "--config", "preset=paper"]) == ["P1", "P2"]
    assert command_line_targets(["-n", "--configfile", "runs/x.yaml", "--", "O3"]) == ["O3"]
    assert command_line_targets(["--profile", "profiles/slurm", "--config", "preset=paper"]) == []
