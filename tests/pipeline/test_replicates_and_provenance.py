"""Verdicts over seeds, the README table, presets side by side, and what made an output."""

import subprocess

import numpy as np
import pandas as pd
import pytest

from deepinside.claims import tables, values
from deepinside.core import provenance
from deepinside.pipeline import step as workflow_step
from deepinside.publish.readme_claims import END, START, markdown, readme_table, summary
from deepinside.steps import gather

from conftest import REPO

DECLARED = [
    {
        "talk": "talk",
        "figure": "F1",
        "id": "large",
        "key": "",
        "statement": "the effect is large",
        "kind": "claim",
        "why": "",
        "null": "an untrained twin",
        "compare": ">",
        "threshold": 0.5,
        "measured_threshold": "",
    },
    {
        "talk": "talk",
        "figure": "F1",
        "id": "identity",
        "key": "",
        "statement": "an identity",
        "kind": "check",
        "why": "holds by construction",
        "null": "",
        "compare": "<",
        "threshold": 1e-6,
        "measured_threshold": "",
    },
]


def seed_values(measured, note=""):
    """One figure's values as its step measures them under one seed."""
    return values.table([values.value("large", measured[0], note=note), values.value("identity", measured[1])])


def seed_table(measured):
    """A figure's combined claims from one run."""
    return gather.replicate_claims([seed_values(measured)], [0], "all", DECLARED)["claims"]


def test_a_claim_that_holds_in_two_of_three_seeds_is_not_established_under_all_and_holds_under_majority():
    tables = [seed_values([0.9, 0.0]), seed_values([0.7, 0.0]), seed_values([0.2, 0.0])]
    strict = gather.replicate_claims(tables, [0, 1, 2], "all", DECLARED)["claims"]
    lenient = gather.replicate_claims(tables, [0, 1, 2], "majority", DECLARED)["claims"]
    row = strict.iloc[0]
    assert (row["holds_in"], row["n_seeds"], row["verdict"]) == (2, 3, "not established")
    assert lenient.iloc[0]["verdict"] == "holds"
    assert row["measured"] == pytest.approx(0.6) and row["spread"] == pytest.approx(np.std([0.9, 0.7, 0.2], ddof=1))
    assert "the seeds disagree (2 holds, 1 fails of 3 runs)" in row["note"] and "2: 0.2 (fails)" in row["note"]
    # the check held everywhere; kinds survive the combination
    assert list(strict["kind"]) == ["claim", "check"] and strict.iloc[1]["verdict"] == "holds"


def test_one_seed_gives_the_single_run_verdict_with_zero_spread():
    combined = gather.replicate_claims([seed_values([0.4, 0.0], note="why")], [7], "all", DECLARED)["claims"]
    assert combined.iloc[0]["verdict"] == "fails" and combined.iloc[0]["spread"] == 0.0
    assert combined.iloc[0]["note"] == "null: an untrained twin; why"
    assert combined.iloc[1]["note"] == "check: holds by construction"


def test_seeds_that_measure_other_claims_are_refused():
    short = values.table([values.value("large", 0.9)])
    with pytest.raises(ValueError, match=r"run 1 measured rows that do not match .*missing \[identity\]"):
        gather.replicate_claims([seed_values([0.9, 0.0]), short], [0, 1], "all", DECLARED)
    with pytest.raises(ValueError, match="one table of values per seed"):
        gather.replicate_claims([seed_values([0.9, 0.0])], [0, 1], "all", DECLARED)


def test_gathered_rows_carry_preset_and_seeds_and_caption_says_how_many_held():
    out = gather.replicate_claims([seed_values([0.9, 0.0]), seed_values([0.1, 0.0])], [3, 4], "all", DECLARED, "quick")[
        "claims"
    ]
    assert set(out["preset"]) == {"quick"} and set(out["seeds"]) == {"3 4"}
    text = tables.caption(out)
    assert "mean 0.5 ± 0.57 over 2 seeds, holds in 1 of 2" in text and "NOT ESTABLISHED" in text
    one = gather.replicate_claims([seed_values([0.9, 0.0])], [3], "all", DECLARED, "quick")["claims"]
    assert "measured 0.9 (one run)" in tables.caption(one) and "mean" not in tables.caption(one)
    # stacking keeps the replicate and provenance columns
    stacked = tables.concatenate([out, out])
    assert {"holds_in", "n_seeds", "margins", "preset", "seeds"} <= set(stacked.columns)


def test_readme_table_states_preset_and_seeds_and_rewrites_only_between_markers(tmp_path):
    combined = gather.replicate_claims(
        [seed_values([0.9, 0.0]), seed_values([0.1, 0.0])], [0, 1], "all", DECLARED, "paper"
    )["claims"]
    table = markdown(combined, "paper")
    assert table.startswith("Preset `paper`: 0 of 1 claims hold (0 fail, 1 not established); not counted: 1 check")
    assert "| talk | F1 | the effect is large | 0.5 ± 0.57 | > 0.5 | 1 of 2 | not established |" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n")
    out = readme_table(
        combined, "paper", str(readme), str(REPO / "workflow/figures.yaml"), str(tmp_path / "docs"), "figures"
    )
    text = readme.read_text()
    assert "old table" not in text and text.startswith("# Title\n\nbefore\n") and text.endswith(f"{END}\nafter\n")
    assert summary(combined, "paper") in text and out["table"].strip() == table
    assert "| talk | F1 | the effect is large" in (tmp_path / "docs/claims.md").read_text()
    assert "### S1:" in (tmp_path / "docs/figures.md").read_text()


def test_presets_compared_claim_by_claim_with_margins():
    quick = gather.replicate_claims([seed_values([0.9, 0.0])], [0], "all", DECLARED, "quick")["claims"]
    paper = gather.replicate_claims(
        [seed_values([0.2, 0.0]), seed_values([0.3, 0.0])], [0, 1], "all", DECLARED, "paper"
    )["claims"]
    table = gather.compare_presets([quick, paper], ["quick", "paper"])["table"]
    assert list(table["quick_verdict"]) == ["holds", "holds"] and list(table["paper_verdict"]) == ["fails", "holds"]
    assert list(table["paper_seeds_holding"]) == ["0 of 2", "2 of 2"]
    assert table["paper_margins"].iloc[0] == "0: -0.3, 1: -0.2"


def figure_table(figure, measured, wording="the effect is large"):
    """A combined per-figure claims table with one claim per value."""
    declared = [
        {**DECLARED[0], "figure": figure, "id": f"c{i}", "statement": f"{wording} {i}"} for i in range(len(measured))
    ]
    rows = values.table([values.value(f"c{i}", value) for i, value in enumerate(measured)])
    return gather.replicate_claims([rows], [0], "all", declared, "paper")["claims"]


def test_a_partly_run_preset_compares_on_the_figures_it_made():
    quick = pd.concat([figure_table("F1", [0.9, 0.9]), figure_table("F2", [0.1])], ignore_index=True)
    # paper made F1 only, and F3 (a figure quick's table lacks), as two per-figure tables
    paper_f1, paper_f3 = figure_table("F1", [0.2, 0.8], "at N = 2000"), figure_table("F3", [0.7])
    table = gather.compare_presets([quick, paper_f1, paper_f3], ["quick", "paper", "paper"])["table"]
    assert list(table["figure"]) == ["F1", "F1", "F2", "F3"]
    assert list(table["claim"][:2]) == ["the effect is large 0", "the effect is large 1"]  # the first preset's wording
    assert list(table["quick_verdict"]) == ["holds", "holds", "fails", "not run"]
    assert list(table["paper_verdict"]) == ["fails", "holds", "not run", "holds"]
    assert table["claim"].iloc[3] == "the effect is large 0" and table["quick_measured"].isna().iloc[3]
    # a figure run by the other preset with fewer rows: the missing row is named, not "not run"
    short = gather.compare_presets([quick, figure_table("F1", [0.9])], ["quick", "paper"])["table"]
    assert list(short["paper_verdict"]) == ["holds", "no such claim", "not run"]
    # a later preset's extra row stays within its figure
    longer = gather.compare_presets([quick, figure_table("F1", [0.9, 0.9, 0.9])], ["quick", "paper"])["table"]
    assert list(longer["figure"]) == ["F1", "F1", "F1", "F2"] and longer["quick_verdict"].iloc[2] == "no such claim"


def test_a_figure_in_two_tables_of_one_preset_is_refused():
    with pytest.raises(ValueError, match="F1"):
        gather.compare_presets([figure_table("F1", [0.9]), figure_table("F1", [0.9])], ["paper", "paper"])


# ---------------------------------------------------------------- provenance


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_commit_is_marked_dirty_only_when_code_changed(tmp_path):
    assert provenance.git_commit(tmp_path) == "unknown"  # not a checkout
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.org")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "f.png").write_bytes(b"png")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    clean = provenance.git_commit(tmp_path)
    assert len(clean) == 12 and "dirty" not in clean
    (tmp_path / "figures" / "f.png").write_bytes(b"redrawn")  # a regenerated figure is not code
    assert provenance.git_commit(tmp_path) == clean
    (tmp_path / "src" / "a.py").write_text("x = 2\n")
    assert provenance.git_commit(tmp_path) == f"{clean} (dirty)"


def test_record_has_every_field():
    fields = provenance.record("deepinside.steps.gather:claims@0123456789ab", preset="quick", seeds=[0, 1])
    assert set(fields) == set(provenance.FIELDS)
    assert fields["code"] == "0123456789ab" and fields["seeds"] == "0 1" and fields["preset"] == "quick"
    assert fields["torch"] != "absent" and fields["numpy"] == np.__version__


def figure_step() -> dict:
    from deepinside.plots.style import finish, new_figure, styled

    with styled():
        fig = new_figure(4, 3)
        fig.add_subplot().plot([0, 1], [0, 1])
        return finish(fig, "a figure", seed_table([0.9, 0.0]))


def table_step() -> dict:
    return {"claims": seed_values([0.9, 0.0]), "other": pd.DataFrame({"x": [1]})}


def test_figures_and_claims_written_by_a_step_carry_provenance(tmp_path):
    figure = tmp_path / "f.png"
    workflow_step.run(
        f"{__name__}:figure_step@feedc0ffee00",
        {},
        {"figure": str(figure)},
        context={"preset": "quick", "seeds": ["0 1 2 (drawn: seed 0)"]},
    )
    meta = provenance.read_png_metadata(figure)
    assert set(meta) == set(provenance.FIELDS)
    assert meta["preset"] == "quick" and meta["seeds"] == "0 1 2 (drawn: seed 0)" and meta["code"] == "feedc0ffee00"

    outputs = {"claims": str(tmp_path / "c.csv"), "other": str(tmp_path / "o.csv")}
    workflow_step.run(f"{__name__}:table_step@abc", {}, outputs, context={"preset": "paper", "seeds": [4]})
    table = pd.read_csv(outputs["claims"], dtype=str)
    assert (
        set(provenance.FIELDS) <= set(table.columns)
        and set(table["seeds"]) == {"4"}
        and set(table["preset"]) == {"paper"}
    )
    assert list(pd.read_csv(outputs["other"]).columns) == ["x"]  # only claims tables gain columns


def test_the_saved_m1_figure_keeps_its_legend_clear_of_caption_and_footer(tmp_path):
    """Saving with bbox_inches="tight" lays a constrained figure out again: a legend placed
    "outside lower" then moved down beside the caption, onto the footer line. Checked in the
    layout of the saved file (the draw that savefig makes), not of the figure on screen."""
    import numpy as np

    from deepinside.core import files
    from deepinside.plots.mototake2015 import tsne_3d
    from deepinside.plots.style import add_footer

    rng = np.random.default_rng(0)
    names = ["input"] + [f"{stage}_h{t}" for stage in ("pretrained", "finetuned") for t in (1, 2)]
    embeddings = [
        {"features": n, "points": rng.normal(size=(50, 3)), "labels": np.arange(50) % 10, "knn_accuracy": 0.9}
        for n in names
    ]
    accuracy = pd.DataFrame({"features": names, "knn_accuracy": 0.9})
    fig = tsne_3d(accuracy, embeddings, seed_table([0.9, 0.0]))["figure"]
    add_footer(fig, "Made by deepinside: preset quick")
    seen = {}

    def layout_of_the_saved_file(event):
        seen["legends"] = [
            legend.get_window_extent(event.renderer)
            for legend in fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]
        ]
        seen["texts"] = [text.get_window_extent(event.renderer) for text in fig.texts]

    fig.canvas.mpl_connect("draw_event", layout_of_the_saved_file)
    files.write(fig, str(tmp_path / "m1.png"))
    assert seen["legends"] and seen["texts"]
    for legend in seen["legends"]:
        for text in seen["texts"]:
            assert not legend.overlaps(text), (legend, text)


def test_footer_sits_below_the_caption(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from deepinside.plots.style import add_footer

    fig = figure_step()["figure"]
    add_footer(fig, "Made by deepinside: preset quick")
    renderer = FigureCanvasAgg(fig).get_renderer()
    caption, footer = fig.texts[-2], fig.texts[-1]
    assert footer.get_text().startswith("Made by")
    assert footer.get_window_extent(renderer).y1 <= caption.get_window_extent(renderer).y0 + 1e-6


def test_readme_takes_another_machines_table_as_the_rule_reads_it(tmp_path):
    """The rule's optional input arrives as a list of one table; rows are matched by claim id."""
    combined = gather.replicate_claims([seed_values([0.9, 0.0])], [0], "all", DECLARED, "quick")["claims"]
    elsewhere = combined.assign(measured=[0.4, 0.0], verdict=["fails", "holds"])
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\n{END}\n")
    readme_table(
        combined,
        "quick",
        str(readme),
        str(REPO / "workflow/figures.yaml"),
        str(tmp_path / "docs"),
        "figures",
        other=[elsewhere],
        other_name="machine B",
    )
    page = (tmp_path / "docs/claims.md").read_text()
    assert "0.4 (fails)" in page and "fails on the other machine" in page and "machine B" in page
