"""The pages a run writes: the README's summary, docs/claims.md and docs/figures.md."""

import pandas as pd
import pytest
from claim_rows import claim_row, claim_table

from deepinside.publish import docs_pages, preset_comparison, readme_claims


def combined(rows):
    """Combined rows over seeds 0, 1, 2: (figure, kind, per-seed values), each judged by > 0.5."""
    return claim_table(
        claim_row("talk", figure, f"statement {i}", list(values), ">", 0.5, kind=kind, seeds=(0, 1, 2))
        for i, (figure, kind, values) in enumerate(rows)
    )


RUN = combined(
    [
        ("F1", "claim", (0.9, 0.8, 1.0)),
        ("F1", "claim", (0.6, 0.7, 0.4)),
        ("F2", "claim", (0.1, 0.2, 0.0)),
        ("F2", "check", (1.0, 1.0, 1.0)),
    ]
)


def test_a_verdict_that_holds_in_some_seeds_only_is_fragile_and_not_established():
    assert docs_pages.fragile(RUN.iloc[1]) == "holds in 2 of 3 seeds"
    assert RUN.iloc[1]["verdict"] == "not established"
    assert docs_pages.fragile(RUN.iloc[0]) == "" and docs_pages.fragile(RUN.iloc[2]) == ""
    older = pd.Series({"measured": 0.4, "holds": "no"})  # another machine's table from before three values
    assert docs_pages.fragile(RUN.iloc[0], older) == "does not hold on the other machine"


def test_the_claims_page_lists_every_row_by_kind_with_margins_and_fragility():
    page = docs_pages.claims_page(RUN, "quick")
    assert "1 of 3 claims hold (1 fail, 1 not established); not counted: 1 check (1 hold); 1 claim verdicts" in page
    assert page.count("| talk | F") == 4 and "0.5667 ± 0.15" in page and "2 of 3" in page
    assert "0: +0.1, 1: +0.2, 2: -0.1" in page and "not established: the seeds disagree" in page
    assert "**fragile**: holds in 2 of 3 seeds" in page and "no second machine" in page
    assert page.index("## Claims") < page.index("## Checks")
    elsewhere = RUN.drop(columns=["verdict"]).assign(holds=["no", "yes", "no", "yes"])
    elsewhere.loc[0, "measured"] = 0.4
    page = docs_pages.claims_page(RUN, "quick", elsewhere, "machine B")
    assert "0.4 (does not hold)" in page and "does not hold on the other machine" in page and "machine B" in page
    assert "2 claim verdicts are fragile" in page


def test_a_verdict_from_one_run_is_provisional():
    one = claim_table([claim_row("talk", "F1", "s", 0.9, ">", 0.5)])
    assert "provisional (one run)" in docs_pages.claims_page(one, "paper")


def test_the_figures_page_shows_every_figure_of_the_table_with_its_rows():
    figures = [
        {"talk": "talk", "id": "F1", "file": "F1_one", "title": "first", "shows": "a curve", "claim": "it rises"},
        {"talk": "talk", "id": "F2", "file": "F2_two", "title": "second", "shows": "a map", "claim": "it is local"},
    ]
    page = docs_pages.figures_page(figures, RUN, "quick", "figures")
    assert "### F1: first" in page and "### F2: second" in page
    assert 'src="../figures/talk/F1_one.png"' in page and "| statement 3 | check |" in page
    assert page.count("| statement") == 4


def test_the_readme_summary_counts_claims_per_talk():
    text = readme_claims.summary(pd.concat([RUN, RUN.assign(talk="other")]), "quick")
    assert "**2 of 6 claims hold (2 fail, 2 not established); not counted: 2 checks (2 hold)**" in text
    assert "2 claim verdicts are fragile" in text
    assert "| [talk](docs/talks/talk.md) | 1 of 3 | 1 | 1 | 1 of 1 hold | — | — |" in text


def test_the_paper_preset_page_compares_every_claim_and_keeps_the_paper_claims(tmp_path):
    quick = combined([("F1", "claim", (0.9, 0.8, 1.0)), ("F1", "claim", (0.1, 0.2, 0.0)), ("F2", "check", (1, 1, 1))])
    paper = combined([("F1", "claim", (0.9, 0.3, 1.0)), ("F1", "claim", (0.9, 0.8, 0.7))])
    quick["id"], paper["id"] = ["a", "b", "c"], ["a", "b"]
    reasons = pd.DataFrame({"figure": ["F1"], "id": ["b"], "reason": ["more data, longer training"]})
    page, kept = tmp_path / "paper_preset.md", tmp_path / "paper_claims"
    page.write_text(f"# Paper\n\n{preset_comparison.START}\nold table\n{preset_comparison.END}\n\nafter\n")
    out = preset_comparison.paper_preset_page([quick], reasons, str(page), str(kept), [paper])
    text = page.read_text()
    assert "old table" not in text and text.endswith(f"{preset_comparison.END}\n\nafter\n")
    assert out["table"].strip() in text and (kept / "talk" / "F1.csv").exists()
    rows = {line.split(" | ")[2]: line for line in text.splitlines() if line.startswith("| talk | F")}
    # holds under quick; under paper in 2 of 3 seeds: not established, fragile, and a difference without a reason yet
    assert "holds, 3 of 3 seeds" in rows["statement 0"] and "**fragile**" in rows["statement 0"]
    assert "**differs**: no reason written yet" in rows["statement 0"] and "margins 0: " in rows["statement 0"]
    assert rows["statement 1"].endswith("| **differs**: more data, longer training |")
    assert "statement 2 *(check)*" not in rows  # a figure paper has not run is named in the summary instead
    assert "Not yet run under paper with the current code: F2." in text
    assert "Under paper: 2 of 2 claims run, 1 hold; 2 verdicts differ from quick's; 1 hold in some" in text
    # where the paper results are gone, the kept claims remake the same page
    page.write_text(f"{preset_comparison.START}\n{preset_comparison.END}\n")
    again = preset_comparison.paper_preset_page([quick], reasons, str(page), str(kept))
    assert again == out


def test_the_paper_preset_page_renders_the_measured_cost_and_refuses_a_table_without_its_columns(tmp_path):
    quick = combined([("F1", "claim", (0.9, 0.8, 1.0))])
    quick["id"] = ["a"]
    reasons = pd.DataFrame({"figure": [], "id": [], "reason": []})
    cost = pd.DataFrame(
        {
            "talk": ["okatani2013", "saxe2019"],
            "jobs": [12, 23],
            "seeds": ["0 1 2", "0 1 2"],
            "step_hours": [5.4321, 0.013],
            "cpu_hours": [2.25, 0.006],
            "jobs_without_cpu": [0, 1],
            "projected_hours": [46.9, None],
            "projection": ["at most 46.94 h (15.65 h per seed × 3)", "not in the table"],
            "measured": ["2026-12-07", "2026-12-07"],
            "logs": ["logs/paper", "logs/paper"],
        }
    )
    page = tmp_path / "paper_preset.md"
    page.write_text(
        f"{preset_comparison.COST_START}\nold cost\n{preset_comparison.COST_END}\n"
        f"{preset_comparison.START}\n{preset_comparison.END}\n"
    )
    written = tmp_path / "paper_run_cost.csv"
    cost.assign(seeds=[0, None]).to_csv(written, index=False)  # one seed per talk: read back as numbers
    preset_comparison.paper_preset_page(
        [quick], reasons, str(page), str(tmp_path / "kept"), [quick], cost=pd.read_csv(written)
    )
    assert (
        "| okatani2013 | 12 | 0 | 5.43 |" in page.read_text()
        and "| saxe2019 | 23 (1 without CPU time: their step time counted) | — |" in page.read_text()
    )
    preset_comparison.paper_preset_page([quick], reasons, str(page), str(tmp_path / "kept"), [quick], cost=cost)
    text = page.read_text()
    assert (
        "old cost" not in text
        and "Measured on 2026-12-07 from the logs of the jobs finished under `logs/paper`" in text
    )
    assert "| okatani2013 | 12 | 0 1 2 | 5.43 | 2.25 | at most 46.94 h (15.65 h per seed × 3) |" in text
    two_days = cost.assign(measured=["2026-12-06 2026-12-07", "2026-12-07"])  # a talk's jobs of two days
    preset_comparison.paper_preset_page([quick], reasons, str(page), str(tmp_path / "kept"), [quick], cost=two_days)
    assert "Measured on 2026-12-06, 2026-12-07 from the logs" in page.read_text()
    assert "| saxe2019 | 23 (1 without CPU time: their step time counted) |" in text
    with pytest.raises(ValueError, match="lacks the columns"):
        preset_comparison.paper_preset_page(
            [quick], reasons, str(page), str(tmp_path / "kept"), cost=cost.drop(columns="projection")
        )


def test_the_paper_preset_page_refuses_what_it_cannot_make(tmp_path):
    quick = combined([("F1", "claim", (0.9, 0.8, 1.0))])
    page = tmp_path / "page.md"
    page.write_text(f"{preset_comparison.START}\n{preset_comparison.END}\n")
    reasons = pd.DataFrame({"figure": [], "id": [], "reason": []})
    with pytest.raises(ValueError, match="no paper claims"):
        preset_comparison.paper_preset_page([quick], reasons, str(page), str(tmp_path / "kept"))
    with pytest.raises(ValueError, match="lacks the columns"):
        preset_comparison.paper_preset_page(
            [quick], reasons.drop(columns="reason"), str(page), str(tmp_path / "kept1"), [quick]
        )
    page.write_text("no markers")
    with pytest.raises(ValueError, match="no <!-- presets:start -->"):
        preset_comparison.paper_preset_page([quick], reasons, str(page), str(tmp_path / "kept2"), [quick])


def _png(path, code: str) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in {"code": code, "commit": "abc123"}.items():
        info.add_text(f"deepinside:{key}", value)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (2, 2)).save(path, pnginfo=info)


def test_the_paper_page_names_the_gallerys_figures_drawn_by_earlier_code(tmp_path):
    import yaml

    from deepinside.core.code_version import fingerprint
    from deepinside.publish import figure_table

    entry = lambda file, plot: {
        "file": file,
        "title": "t",
        "shows": "s",
        "claim": "c",
        "plot": plot,
        "compute": {"step": "saxe2019:f", "outputs": {"e": "e.csv"}},
        "claims": [],
    }
    table_path = tmp_path / "figures.yaml"
    table_path.write_text(
        yaml.safe_dump(
            {
                "saxe2019": {
                    "S1": entry("S1_a", "saxe2019:hierarchy_svd"),
                    "S2": entry("S2_b", "saxe2019:mode_dynamics"),
                    "S3": entry("S3_c", "saxe2019:mode_dynamics"),
                }
            }
        )
    )
    gallery = tmp_path / "gallery"
    _png(gallery / "saxe2019" / "S1_a.png", fingerprint("deepinside.plots.saxe2019:hierarchy_svd"))
    _png(gallery / "saxe2019" / "S2_b.png", "0123456789ab")  # drawn by a plot code that is gone
    drawn = figure_table.drawn_by(figure_table.load(table_path), gallery)
    assert [(row["figure"], row["drawn"], row["current"]) for row in drawn] == [
        ("S1", True, True),
        ("S2", True, False),
        ("S3", False, False),
    ]
    text = preset_comparison.gallery_table(drawn, "figures/paper")
    assert "holds 2: 1 drawn by their plot's current code, 1 by earlier code" in text
    assert "not drawn yet: S3." in text
    assert "| saxe2019 S2 | 0123456789ab | abc123 |" in text and "saxe2019 S1 |" not in text

    quick = combined([("F1", "claim", (0.9, 0.8, 1.0))])
    page = tmp_path / "page.md"
    page.write_text(
        f"{preset_comparison.START}\n{preset_comparison.END}\n"
        f"{preset_comparison.GALLERY_START}\nold\n{preset_comparison.GALLERY_END}\n"
    )
    reasons = pd.DataFrame({"figure": [], "id": [], "reason": []})
    preset_comparison.paper_preset_page(
        [quick],
        reasons,
        str(page),
        str(tmp_path / "kept"),
        [quick],
        figures_table=str(table_path),
        gallery=str(gallery),
    )
    assert "not drawn yet: S3." in page.read_text() and "\nold\n" not in page.read_text()
    # the status alone (no run's claims): the gallery and cost sections, the claims section untouched
    page.write_text(
        f"{preset_comparison.START}\nthe claims\n{preset_comparison.END}\n"
        f"{preset_comparison.GALLERY_START}\nold\n{preset_comparison.GALLERY_END}\n"
        f"{preset_comparison.COST_START}\nold cost\n{preset_comparison.COST_END}\n"
    )
    cost = pd.DataFrame(
        {
            "talk": ["saxe2019"],
            "jobs": [3],
            "seeds": ["0"],
            "step_hours": [0.01],
            "cpu_hours": [0.01],
            "jobs_without_cpu": [0],
            "projected_hours": [None],
            "projection": ["not in the table"],
            "measured": ["2026-12-07"],
            "logs": ["logs/paper"],
        }
    )
    out = preset_comparison.paper_preset_status(str(page), str(table_path), str(gallery), cost=cost)
    text = page.read_text()
    assert "\nthe claims\n" in text and "\nold\n" not in text and "old cost" not in text
    assert "| saxe2019 | 3 | 0 | 0.01 |" in text and out["gallery"].startswith("Of the 3 figures")
