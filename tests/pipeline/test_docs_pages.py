"""The pages a run writes: the README's summary, docs/claims.md and docs/figures.md."""

import pandas as pd
from claim_rows import claim_row, claim_table

from deepinside.publish import docs_pages, readme_claims


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
