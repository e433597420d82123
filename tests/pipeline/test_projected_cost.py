"""The paper preset's dry run prints its projected cost from the measured cost table."""

import pandas as pd
import pytest

from deepinside.pipeline.projected_cost import projection_lines, talk_hours

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
