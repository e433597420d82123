"""Three-valued verdicts over seeds, judged against the declared claims table."""

import math

import pandas as pd
import pytest

from deepinside.claims import declared, values, verdicts


def row(claim_id="c", compare=">", threshold=0.0, measured_threshold="", kind="claim", key="", statement="s {key}"):
    return {
        "talk": "t",
        "figure": "F1",
        "id": claim_id,
        "key": key,
        "statement": statement,
        "kind": kind,
        "why": "" if kind == "claim" else "because",
        "null": "the twin" if kind == "claim" else "",
        "compare": compare,
        "threshold": None if measured_threshold else threshold,
        "measured_threshold": measured_threshold,
    }


def seed(*rows):
    return values.table(rows)


def test_seed_status_three_ways_and_the_band():
    assert verdicts.seed_status(0.5, 0.2, ">") == "holds"
    assert verdicts.seed_status(0.1, 0.2, ">") == "fails"
    # a 2 s.e. band: fails only when significant the other way
    assert verdicts.seed_status(0.1, 0.2, ">", band=True) == "inconclusive"
    assert verdicts.seed_status(-0.3, 0.2, ">", band=True) == "fails"
    assert verdicts.seed_status(math.nan, 0.2, ">") == "no value"
    assert verdicts.seed_status(0.5, 0.2, ">", untrusted="AIS short") == "untrusted"
    # one network: an infinite band never decides
    assert verdicts.seed_status(5.0, math.inf, ">", band=True) == "inconclusive"


def test_verdict_needs_every_seed_to_agree():
    assert verdicts.verdict(["holds"] * 3) == ("holds", "")
    assert verdicts.verdict(["fails"] * 3) == ("fails", "")
    outcome, why = verdicts.verdict(["holds", "holds", "fails"])
    assert outcome == "not established" and "disagree" in why
    outcome, why = verdicts.verdict(["holds", "inconclusive", "holds"])
    assert outcome == "not established" and "2 standard errors" in why
    outcome, why = verdicts.verdict(["holds", "no value", "holds"])
    assert outcome == "not established" and "a value in 2 of 3" in why
    assert verdicts.verdict(["holds", "holds", "fails"], "majority") == ("holds", "")
    assert verdicts.verdict(["untrusted"])[0] == "not established"
    with pytest.raises(ValueError, match="rule"):
        verdicts.verdict(["holds"], "most")


def test_combine_recomputes_the_verdict_and_gives_each_seeds_margin():
    declared_rows = [row(threshold=0.5)]
    tables = [seed(values.value("c", m, null=0.1)) for m in (0.9, 0.7, 0.6)]
    out = verdicts.combine(tables, [0, 1, 2], declared_rows).iloc[0]
    assert out["verdict"] == "holds" and out["holds_in"] == 3 and out["n_values"] == 3
    assert out["margins"] == "0: +0.4, 1: +0.2, 2: +0.1"
    assert out["measured"] == pytest.approx(0.7333333) and out["null"] == pytest.approx(0.1)
    assert out["threshold"] == "> 0.5"


def test_a_claim_fails_when_the_null_equals_the_trained_value():
    """The constructed case every claim against its null must fail: trained value = the null's."""
    declared_rows = [row(compare="<", measured_threshold="null")]
    same = [seed(values.value("c", 0.8, threshold=0.8, null=0.8)) for _ in range(3)]
    assert verdicts.combine(same, [0, 1, 2], declared_rows).iloc[0]["verdict"] == "fails"
    better = [seed(values.value("c", 0.6, threshold=0.8, null=0.8)) for _ in range(3)]
    assert verdicts.combine(better, [0, 1, 2], declared_rows).iloc[0]["verdict"] == "holds"


def test_a_paired_difference_inside_two_standard_errors_is_not_established():
    declared_rows = [row(measured_threshold="2se")]
    twin = [0.5, 0.6, 0.4, 0.5, 0.55, 0.45]
    noisy = [0.6, 0.5, 0.45, 0.55, 0.5, 0.5]  # about the twin's: no learned effect
    tables = [seed(values.paired("c", noisy, twin)) for _ in range(3)]
    out = verdicts.combine(tables, [0, 1, 2], declared_rows).iloc[0]
    assert out["verdict"] == "not established" and "not established" in out["note"]
    far = [seed(values.paired("c", [x + 1 for x in twin], twin)) for _ in range(3)]
    assert verdicts.combine(far, [0, 1, 2], declared_rows).iloc[0]["verdict"] == "holds"


def test_an_untrusted_estimate_is_not_established_whatever_its_value():
    declared_rows = [row(compare=">=", threshold=-1.0)]
    tables = [seed(values.value("c", 5.0, untrusted="AIS fell 3 nats below a certain bound"))]
    out = verdicts.combine(tables, [0], declared_rows).iloc[0]
    assert out["verdict"] == "not established" and "AIS fell" in out["note"]


def test_values_that_do_not_match_the_table_are_refused_naming_the_rows():
    declared_rows = [row("a"), row("b")]
    with pytest.raises(ValueError, match=r"missing \[b\].*not declared \[x\]"):
        verdicts.combine([seed(values.value("a", 1.0), values.value("x", 1.0))], [0], declared_rows)


def test_statements_take_the_measured_fields_and_the_key():
    declared_rows = [row(statement="layer {key}, N = {N}", key="3")]
    out = verdicts.combine([seed(values.value("c", 1.0, key=3, N=200))], [0], declared_rows).iloc[0]
    assert out["claim"] == "layer 3, N = 200" and out["id"] == "c[3]"
    with pytest.raises(ValueError, match="statement needs"):
        verdicts.combine([seed(values.value("c", 1.0, key=3))], [0], declared_rows)


def test_values_survive_a_csv_round_trip(tmp_path):
    table = seed(values.value("c", 1.0, note="n", N=3), values.value("d", math.nan, key=0.25))
    path = tmp_path / "v.csv"
    table.to_csv(path, index=False)
    back = pd.read_csv(path)
    out = verdicts.combine([back], [0], [row("c", statement="N = {N}"), row("d", key="0.25")])
    assert list(out["verdict"]) == ["holds", "not established"] and out.iloc[0]["claim"] == "N = 3"


def test_the_claims_tables_resolve_under_settings(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        """
F1:
  - id: per_layer
    statement: "layer {key}"
    kind: claim
    against: "the twin"
    compare: ">"
    threshold: 2 s.e.
    repeat: {layers: net.sizes}
  - id: conv
    statement: "conv"
    kind: claim
    against: "the twin"
    compare: ">"
    threshold: 0
    when: {net.weights: mnist}
    stand_in: {when: {net.weights: mnist}, why: "a substitute"}
"""
    )
    table = declared.load(path)
    rows = declared.expected_rows(table["F1"], {"net": {"sizes": [784, 10, 10], "weights": "mnist"}}, "t", "F1")
    assert [(r["id"], r["key"], r["kind"]) for r in rows] == [
        ("per_layer", "1", "claim"),
        ("per_layer", "2", "claim"),
        ("conv", "", "stand-in"),
    ]
    assert rows[0]["measured_threshold"] == "2se" and rows[2]["threshold"] == 0.0
    assert (
        len(declared.expected_rows(table["F1"], {"net": {"sizes": [784, 10], "weights": "imagenet"}}, "t", "F1")) == 1
    )


def test_a_settings_condition_is_decided_one_way_for_claims_and_inputs():
    # the claims table's `when` and a compute step's input `when` both go through this function
    holds = declared.condition_holds
    assert holds("mnist", "mnist", "w") and not holds("imagenet", "mnist", "w")
    assert holds("mnist", ["mnist", "cifar"], "w") and not holds("imagenet", ["mnist", "cifar"], "w")
    assert holds(3, {"at_least": 3}, "w") and not holds(2, {"at_least": 3}, "w")
    # distinct entries: two equal levels are one
    assert holds([0.1, 0.2], {"length_at_least": 2}, "w") and not holds([0.1, 0.1], {"length_at_least": 2}, "w")
    for actual, wanted, said in [
        (3, {"length_at_least": 1}, "length_at_least needs a list"),
        (True, {"at_least": 1}, "at_least needs a number"),
        ([1], {"more": 1}, "use {length_at_least: n}"),
    ]:
        with pytest.raises(declared.ClaimsTableError, match=f"net.depth: {said}"):
            holds(actual, wanted, "net.depth")
    rows = declared.expected_rows(
        [
            {
                "id": "a",
                "statement": "s",
                "kind": "check",
                "compare": ">",
                "threshold": 0,
                "why": "w",
                "when": {"net.weights": ["mnist", "cifar"]},
            }
        ],
        {"net": {"weights": "cifar"}},
        "t",
        "F1",
    )
    assert [r["id"] for r in rows] == ["a"]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"id": "a", "statement": "s", "kind": "claim", "compare": ">", "threshold": 0}, "names its null"),
        ({"id": "a", "statement": "s", "kind": "check", "compare": ">", "threshold": 0}, "why"),
        ({"id": "a", "statement": "s", "kind": "guess", "compare": ">", "threshold": 0, "why": "w"}, "kind"),
        ({"id": "a", "statement": "s", "kind": "check", "compare": "~", "threshold": 0, "why": "w"}, "compare"),
        ({"id": "a", "statement": "s", "kind": "check", "compare": ">", "threshold": "big", "why": "w"}, "threshold"),
        ({"id": "a", "statement": "s", "kind": "check", "compare": ">", "threshold": 0, "why": "w", "x": 1}, "unknown"),
    ],
)
def test_a_bad_claims_table_is_refused_naming_the_entry(tmp_path, entry, message):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"F1": [entry]}))
    with pytest.raises(declared.ClaimsTableError, match=message) as error:
        declared.load(path)
    assert "bad.yaml: F1.a" in str(error.value)


def _project_tables():
    """The project's claims: each figure's `claims` in workflow/figures.yaml."""
    from pathlib import Path

    from deepinside.publish import figure_table

    repo = Path(__file__).parents[2]
    return declared.talk_tables(repo / "workflow" / "claims", figure_table.load(repo / "workflow" / "figures.yaml"))


def test_every_project_claims_table_loads_and_names_a_null_for_every_claim():

    tables = _project_tables()
    assert set(tables) == {"saxe2019", "okatani2013", "mototake2015", "tishby2017", "ohzeki2015"}
    for figures in tables.values():
        for entries in figures.values():
            for entry in entries:
                assert entry["kind"] != "claim" or entry["against"]


def test_integer_keys_read_back_as_floats_still_match(tmp_path):
    table = seed(values.value("c", 1.0, key=1), values.value("c", 2.0, key=2), values.value("d", 1.0))
    path = tmp_path / "v.csv"
    table.to_csv(path, index=False)
    back = pd.read_csv(path)  # keys 1.0, 2.0, NaN
    out = verdicts.combine([back], [0], [row("c", key="1"), row("c", key="2"), row("d")])
    assert list(out["id"]) == ["c[1]", "c[2]", "d"]


def _project_claims():

    tables = _project_tables()
    return [
        (talk, figure, entry)
        for talk, figures in tables.items()
        for figure, entries in figures.items()
        for entry in entries
        if entry["kind"] == "claim"
    ]


@pytest.mark.parametrize("talk, figure, entry", _project_claims(), ids=lambda x: x if isinstance(x, str) else x["id"])
def test_every_claim_fails_where_its_null_equals_the_measured_value(talk, figure, entry):
    """A claim must be able to fail: the value its null gives never holds."""
    rows = [declared.row(entry, talk, figure, "1" if entry.get("repeat") else "")]
    if entry["threshold"] == "the null":  # measured = the null's value, which is the threshold
        measured = threshold = null = 0.7
    elif entry["threshold"] == "2 s.e.":  # a difference from the null of 0, whatever its standard error
        measured, threshold, null = 0.0, 0.05, 0.0
    elif "null_value" in entry:
        measured, threshold, null = entry["null_value"], None, entry["null_value"]
    else:
        pytest.skip(
            f"{talk} {figure} {entry['id']}: compared with the talk's own number, not a null ({entry['against']})"
        )
    fields = {
        name: 1
        for name in (
            "deepest",
            "layer",
            "window",
            "cdk",
            "confidence",
            "n",
            "N",
            "kappa",
            "alpha",
            "small",
            "large",
            "largest",
            "k",
            "step",
            "region",
            "paper",
            "most",
            "least",
            "t_fit",
            "loss",
            "max_rank",
        )
    }
    value = values.value(entry["id"], measured, key=rows[0]["key"], threshold=threshold, null=null, **fields)
    out = verdicts.combine([values.table([value])] * 3, [0, 1, 2], rows).iloc[0]
    assert out["verdict"] != "holds"


def test_a_two_standard_error_band_asks_for_a_positive_difference(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text('F1:\n  - {id: a, statement: s, kind: claim, against: twin, compare: "<", threshold: 2 s.e.}\n')
    with pytest.raises(declared.ClaimsTableError, match="positive beyond two standard errors"):
        declared.load(path)
    with pytest.raises(ValueError, match="positive difference"):
        verdicts.seed_status(0.5, 1.0, "<", band=True)
