"""The pages a run writes: the README's summary, docs/claims.md and docs/figures.md."""

import pandas as pd

from deepinside.pipeline import claims, docs_pages, readme_claims


def combined(rows):
    """Combined claim rows: (figure, kind, holds_in of 3, measured)."""
    table = claims.table(
        [
            claims.claim("talk", figure, f"statement {i}", measured, ">", 0.5, kind=kind)
            for i, (figure, kind, _, measured) in enumerate(rows)
        ]
    )
    table["spread"] = 0.1
    table["holds_in"] = [held for _, _, held, _ in rows]
    table["n_seeds"] = 3
    table["holds"] = ["yes" if held == 3 else "no" for _, _, held, _ in rows]
    return table


RUN = combined([("F1", "claim", 3, 0.9), ("F1", "claim", 2, 0.6), ("F2", "claim", 0, 0.1), ("F2", "check", 3, 1.0)])


def test_a_verdict_that_holds_in_some_seeds_only_is_fragile():
    assert docs_pages.fragile(RUN.iloc[1]) == "holds in 2 of 3 seeds"
    assert docs_pages.fragile(RUN.iloc[0]) == "" and docs_pages.fragile(RUN.iloc[2]) == ""
    other = RUN.iloc[0].copy()
    other["holds"] = "no"
    assert docs_pages.fragile(RUN.iloc[0], other) == "'no' on the other machine"


def test_the_claims_page_lists_every_row_with_its_spread_seeds_and_fragility():
    page = docs_pages.claims_page(RUN, "quick")
    assert "1 of 3 claims hold; 1 of 1 checks pass; 1 verdicts are fragile." in page
    assert page.count("| talk | F") == 4 and "0.6 ± 0.1" in page and "2 of 3" in page
    assert "**fragile**: holds in 2 of 3 seeds" in page and "no second machine" in page
    elsewhere = RUN.copy()
    elsewhere.loc[0, ["measured", "holds"]] = [0.4, "no"]
    page = docs_pages.claims_page(RUN, "quick", elsewhere, "machine B")
    assert "0.4 (no)" in page and "'no' on the other machine" in page and "2 verdicts are fragile" in page


def test_the_figures_page_shows_every_figure_of_the_table_with_its_rows():
    figures = [
        {"talk": "talk", "id": "F1", "file": "F1_one", "title": "first", "shows": "a curve", "claim": "it rises"},
        {"talk": "talk", "id": "F2", "file": "F2_two", "title": "second", "shows": "a map", "claim": "it is local"},
    ]
    page = docs_pages.figures_page(figures, RUN, "quick", "figures")
    assert "### F1: first" in page and "### F2: second" in page
    assert 'src="../figures/talk/F1_one.png"' in page and "statement 3 *(check)*" in page
    assert page.count("| statement") == 4


def test_the_readme_summary_counts_claims_per_talk():
    text = readme_claims.summary(pd.concat([RUN, RUN.assign(talk="other")]), "quick")
    assert "**2 of 6 claims hold**, and 2 of 2 checks pass; 2 verdicts are fragile" in text
    assert "| [talk](docs/talks/talk.md) | 1 of 3 | 1 of 1 |" in text
