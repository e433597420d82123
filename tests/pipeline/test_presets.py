"""Presets as overlays on the base preset."""

import copy

import numpy as np
import pytest
import yaml

from deepinside.pipeline.presets import expanded, merged
from deepinside.theory.grids import log_grid

from conftest import REPO


def test_an_overlay_merges_mappings_key_by_key_and_replaces_everything_else():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 2, "c": {"deep": {"k": 1}}}
    overlay = {"a": {"y": [3]}, "c": {"deep": {"j": 2}}, "d": None}
    before = copy.deepcopy((base, overlay))
    out = merged(base, overlay)
    assert out == {"a": {"x": 1, "y": [3]}, "b": 2, "c": {"deep": {"k": 1, "j": 2}}, "d": None}
    assert (base, overlay) == before  # neither argument changed
    out["a"]["x"] = 9
    assert base["a"]["x"] == 1  # no shared sub-dicts


def test_every_preset_but_the_base_is_merged_onto_it():
    full = expanded({"quick": {"n": 1, "s": {"e": 2}}, "paper": {"s": {"e": 5}}, "mine": {}})
    assert full == {"quick": {"n": 1, "s": {"e": 2}}, "paper": {"n": 1, "s": {"e": 5}}, "mine": {"n": 1, "s": {"e": 2}}}
    with pytest.raises(KeyError, match="presets.quick"):
        expanded({"paper": {}})
    with pytest.raises(TypeError, match="presets.paper"):
        expanded({"quick": {}, "paper": [1]})


def test_the_paper_preset_and_the_tiny_one_hold_only_what_differs():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    tiny = yaml.safe_load((REPO / "tests/config/tiny.yaml").read_text())["presets"]["tiny"]
    quick = config["presets"]["quick"]

    def leaves(d, prefix=""):
        for k, v in d.items():
            yield from leaves(v, f"{prefix}{k}.") if isinstance(v, dict) and v else [(f"{prefix}{k}", v)]

    flat = dict(leaves(quick))
    for name, overlay in (("paper", config["presets"]["paper"]), ("tiny", tiny)):
        same = [key for key, value in leaves(overlay) if key in flat and flat[key] == value]
        assert same == [], f"preset {name} repeats quick's values: {same}"


def test_the_figure_table_names_a_bad_entry_with_its_talk_and_id(tmp_path):
    from deepinside.publish import figure_table

    table = figure_table.load(REPO / "workflow/figures.yaml")
    # every figure of the table, and no other, is in the committed gallery (no count typed here)
    gallery = {
        talk: sorted(path.name.split("_")[0] for path in (REPO / "figures" / talk).glob("*.png")) for talk in table
    }
    assert {talk: sorted(figures) for talk, figures in table.items()} == gallery
    assert list(table) == ["saxe2019", "okatani2013", "mototake2015", "tishby2017", "ohzeki2015"]
    bad = tmp_path / "figures.yaml"
    spec = "    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n    claims: []\n"
    bad.write_text(
        "saxe2019:\n  S1:\n    file: S2_wrong\n    title: t\n    shows: x\n    claim: y\n    plot: saxe2019:f\n" + spec
    )
    with pytest.raises(ValueError, match="saxe2019.S1: file 'S2_wrong' must start with S1_"):
        figure_table.load(bad)
    bad.write_text("saxe2019:\n  S1:\n    file: S1_a\n    title: t\n    shows: x\n    plot: saxe2019:f\n" + spec)
    with pytest.raises(ValueError, match="saxe2019.S1: needs exactly"):
        figure_table.load(bad)
    # every figure is declared by its spec: one without its compute or its claims is refused
    for missing in ("    claims: []\n", "    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n"):
        bad.write_text(
            "saxe2019:\n  S1:\n    file: S1_a\n    title: t\n    shows: x\n    claim: y\n    plot: saxe2019:f\n"
            + missing
        )
        with pytest.raises(ValueError, match=r"saxe2019.S1: needs exactly \['claim', 'claims', 'compute'"):
            figure_table.load(bad)
    # no Python in the table: a setting from the preset is a plot_settings entry
    bad.write_text(
        "saxe2019:\n  S1:\n    file: S1_a\n    title: t\n    shows: x\n    claim: y\n    plot: saxe2019:f\n"
        "    kwargs:\n      layer: =JAC['vector_layer']\n" + spec
    )
    with pytest.raises(ValueError, match="a setting taken from the preset goes in its 'plot_settings'"):
        figure_table.load(bad)
    # a figure's compute is checked by name
    head = "saxe2019:\n  S1:\n    file: S1_a\n    title: t\n    shows: x\n    claim: y\n    plot: saxe2019:f\n    claims: []\n"
    for compute, said in [
        ("    compute: {outputs: {e: e.csv}}\n", "compute: needs"),
        # a step with no output besides the claims is the figure's last, and returns them itself
        ("    compute: {step: saxe2019:f}\n    values: saxe2019_claims:g\n", "compute: needs"),
        (
            "    compute:\n      - {name: a, step: saxe2019:f}\n      - {name: b, step: saxe2019:g, outputs: {e: e.csv}}\n",
            r"compute\[0\]: needs",
        ),
        ("    compute: {step: saxe2019:f, outputs: {claims: c.csv}}\n", "'claims' is the figure's own"),
        ("    compute: {step: saxe2019:f, outputs: {e: ../e.csv}}\n", "must be a relative file name"),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: 'rules.a.output.b'}}\n", "<rule>.<output>"),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n    plot_settings: {a: '=x'}\n",
            "plot_settings: {plot",
        ),
        # several steps: each named once, outputs made once, what the plot and values read made by them
        ("    compute:\n      - {step: saxe2019:f, outputs: {e: e.csv}}\n", r"compute\[0\]: needs \['name'"),
        (
            "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n"
            "      - {name: a, step: saxe2019:g, outputs: {f: f.csv}}\n",
            "'a' names two steps",
        ),
        (
            "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n"
            "      - {name: b, step: saxe2019:g, outputs: {e: f.csv}}\n",
            "made by an earlier step",
        ),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n    reads: [x]\n",
            "reads: a list of the figure's outputs",
        ),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n    values: {step: saxe2019_claims:g, reads: [x]}\n",
            "values.reads: a list",
        ),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, resources: {runtime: -1}}\n", "positive integers"),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: {output: image.image}}}\n",
            "wildcards",
        ),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: {output: image.image, wildcards: {}}}}\n",
            "wildcards",
        ),
        (
            "    compute:\n      - {name: values, step: saxe2019:f, outputs: {e: e.csv}}\n",
            "'values' names the figure's measuring rule",
        ),
        (
            "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: b.f}}\n"
            "      - {name: b, step: saxe2019:g, outputs: {f: f.csv}}\n",
            "reads a step that comes after it",
        ),
        (
            "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n"
            "      - {name: b, step: saxe2019:g, outputs: {f: f.csv}, inputs: {x: a.g}}\n",
            "step 'a' makes \\['e'\\], not 'a.g'",
        ),
        (
            "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n"
            "      - {name: b, step: saxe2019:g, outputs: {f: e.csv}}\n",
            "written by an earlier step",
        ),
        (
            "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}, once: true}\n"
            "      - {name: b, step: saxe2019:g, outputs: {f: f.csv}}\n",
            "'once' is the figure's",
        ),
        ("    compute: {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n", "has \\['name'"),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, settings: saxe2019.a, keys: depth}\n", "keys: a list"),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, keys: [depth]}\n", "picks keys of 'settings'"),
        (
            "    kwargs: {title: t}\n    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n    plot_settings: {title: a.b}\n",
            "given both in kwargs and in plot_settings",
        ),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, resources: {runtime: true}}\n", "positive integers"),
        # inputs read under conditions, from a setting's path, or several in one list
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: {output: image.image, when: {stage: a}}}}\n",
            r"when.stage: not a setting \(dotted\) nor a wildcard of the step that reads it \[\]",
        ),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: {output: image.image, when: {a.b: {more: 1}}}}}\n",
            "use {at_least: n} or {length_at_least: n}",
        ),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: []}}\n", "an empty list reads nothing"),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: [[a.b]]}}\n", "holds inputs, not lists"),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: {setting: A b}}}\n", "{setting: <dotted"),
        ("    compute: {step: saxe2019:f, outputs: {e: e.csv}, resources: {gpu: 0}}\n", "gpu: 0 for a numerical step"),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, settings: saxe2019.a, keys: {depth: Bad}}\n",
            "keys: a list of the settings' keys, or",
        ),
        (  # two settings under one argument name: one would overwrite the other
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, settings: saxe2019.a, keys: {a: x, b: x}}\n",
            "keys: a list of the settings' keys, or",
        ),
        (
            "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: {output: image.image, when: {a.b: {at_least: two}}}}}\n",
            "use {at_least: n}",
        ),
    ]:
        bad.write_text(head + compute)
        with pytest.raises(ValueError, match=said):
            figure_table.load(bad)


def test_a_talks_shared_steps_are_checked_by_name(tmp_path):
    """A talk's ``steps`` (computations several figures read, over wildcards): each refusal names
    the talk, the step and what is wrong; the loaded table holds the figures only."""
    from deepinside.publish import figure_table

    table = figure_table.load(REPO / "workflow/figures.yaml")
    assert "steps" not in table["tishby2017"] and list(table["tishby2017"]) == ["T1", "T2", "T3", "T4"]
    shared = figure_table.talk_steps(REPO / "workflow/figures.yaml")
    assert [step["name"] for step in shared["tishby2017"]] == ["dataset", "train"] and shared["saxe2019"] == []
    bad = tmp_path / "figures.yaml"
    figure = "  S1:\n    file: S1_a\n    title: t\n    shows: x\n    claim: y\n    plot: saxe2019:f\n"
    spec = "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: %s}}\n    claims: []\n"
    for steps, tail, said in [
        ("  steps: {a: 1}\n", "", "saxe2019.steps: a list of the steps"),
        ("  steps:\n    - {step: saxe2019:f, outputs: {e: e.csv}}\n", "", r"steps\[0\]: needs \['name'"),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, wildcards: {w: null}, outputs: {e: e.csv}}\n",
            "",
            r"must name each of the step's wildcards \['w'\]",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, outputs: {e: 'e_{w}.csv'}}\n",
            "",
            "and no other, names \\['w'\\]",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, wildcards: {seed: null}, outputs: {e: 'e{seed}.csv'}}\n",
            "",
            "'seed' is every",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, wildcards: [w], outputs: {e: 'e{w}.csv'}}\n",
            "",
            "wildcards: name -> the values",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, wildcards: {w: {value: 1}}, outputs: {e: 'e{w}.csv'}}\n",
            "",
            "wildcards: name -> the values",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, numerical: 1, outputs: {e: e.csv}}\n",
            "",
            "numerical: true or false",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, cached: 1, outputs: {e: e.csv}}\n",
            "",
            "a.cached: true or false",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, job_settings: f, outputs: {e: e.csv}}\n",
            "",
            "saxe2019.steps.a.job_settings: 'f' must read <module>:<function>",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: b.f}}\n"
            "    - {name: b, step: saxe2019:g, outputs: {f: f.csv}}\n",
            "",
            "'b' is not a step before this one",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n"
            "    - {name: b, step: saxe2019:g, outputs: {f: f.csv}, inputs: {x: a.g}}\n",
            "",
            "step 'a' makes \\['e'\\], not 'g'",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n",
            figure + "    compute:\n      - {name: a, step: saxe2019:f, outputs: {e: e.csv}}\n    claims: []\n",
            "names a step of the talk's 'steps' too",
        ),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, wildcards: {w: [1]}, outputs: {e: 'e{w}.csv'}, "
            "inputs: {x: {output: image.image, when: {v: 1}}}}\n",
            "",
            r"a.inputs.x.when.v: not a setting \(dotted\) nor a wildcard of the step that reads it \['w'\]",
        ),
        ("  steps:\n    - {name: a, step: saxe2019:f, long: 1, outputs: {e: e.csv}}\n", "", "a.long: true or false"),
        (
            "  steps:\n    - {name: a, step: saxe2019:f, numerical: true, resources: {gpu: 1}, outputs: {e: e.csv}}\n",
            "",
            "gpu: 0 for a numerical step",
        ),
        ("", figure + spec % "{output: a.e, wildcards: {w: {value: [1]}}}", "wildcards"),
        ("", figure + spec % "{output: a.e, wildcards: {w: {each_of: 3}}}", "wildcards"),
        ("", figure + spec % "{output: a.e, wildcards: {w: [true]}}", "wildcards"),
        (
            "",
            figure + "    compute: {step: saxe2019:f, outputs: {e: e.csv}, inputs: {x: a.e}}\n    claims: []\n"
            "    reads: [x, y]\n",
            "reads: a list of the figure's outputs and inputs \\['e', 'x'\\]",
        ),
        (
            "",
            figure + "    compute: {step: saxe2019:f, outputs: {e: e.csv}}\n    claims: []\n    reads: {claims: e}\n",
            "'claims' is every figure's own",
        ),
    ]:
        bad.write_text("saxe2019:\n" + steps + (tail or figure))
        with pytest.raises(ValueError, match=said):
            figure_table.load(bad)
    good = (
        "saxe2019:\n  steps:\n    - {name: a, step: saxe2019:f, wildcards: {w: [1, 2]}, numerical: true, outputs: {e: 'r/{w}/e.csv'}}\n"
        + figure
        + spec % "{output: a.e, wildcards: {w: [1, 2]}}"
        + "    reads: {x: x, y: {output: a.e, wildcards: {w: {each_of: saxe2019.sizes}}}}\n"
    )
    bad.write_text(good)
    assert list(figure_table.load(bad)["saxe2019"]) == ["S1"]
    assert figure_table.talk_steps(bad)["saxe2019"][0]["wildcards"] == {"w": [1, 2]}
    conditional = (  # inputs under conditions on the step's wildcard and on a setting, a setting's path, a list
        "saxe2019:\n  steps:\n    - {name: a, step: saxe2019:f, wildcards: {w: [1, 2]}, numerical: true, long: true, "
        "resources: {gpu: 0}, outputs: {e: 'r/{w}/e.csv'}, settings: {saxe2019.a: {depth: layers}}, "
        "inputs: {x: {output: image.image, wildcards: {name: {layers: saxe2019.sizes}}, when: {w: [1], saxe2019.b: {at_least: 2}}}, "
        "_y: {setting: saxe2019.folder, when: {saxe2019.c: yes}}}}\n"
        + figure
        + spec % "[a.e, {output: a.e, wildcards: {w: [1, 2]}, when: {saxe2019.d: [x, y]}}]"
        + "    reads: {x: [x, a.e]}\n"
    )
    bad.write_text(conditional)
    assert figure_table.talk_steps(bad)["saxe2019"][0]["long"] is True
    # a step reads its own outputs under the job's value ({below: <its wildcard>}), alone or in a list
    own = "  steps:\n    - {name: a, step: saxe2019:f, wildcards: {w: [1, 2]}, outputs: {e: 'r/{w}/e.csv'}, inputs: {x: %s}}\n"
    for inputs in (
        "{output: a.e, wildcards: {w: {below: w}}}",
        "[image.image, {output: a.e, wildcards: {w: {below: w}}}]",
    ):
        bad.write_text("saxe2019:\n" + own % inputs + figure + spec % "a.e")
        assert figure_table.talk_steps(bad)["saxe2019"][0]["inputs"]["x"]
    # without it, reading its own outputs is a circle, in a list too
    for inputs in (
        "{output: a.e, wildcards: {w: {value: 1}}}",
        "[image.image, {output: a.e, wildcards: {w: {value: 1}}}]",
    ):
        bad.write_text("saxe2019:\n" + own % inputs + figure + spec % "a.e")
        with pytest.raises(ValueError, match="'a' is not a step before this one"):
            figure_table.load(bad)


def test_a_runs_config_is_the_presets_own_or_says_overrides():
    from deepinside.pipeline.presets import digest, effective, origin

    defaults = {"preset": "quick", "seed": 0, "presets": {"quick": {"n": 1}, "paper": {"n": 2}}}
    assert origin(defaults, defaults) == "quick"
    assert origin({**defaults, "preset": "paper"}, defaults) == "paper"
    changed = {**defaults, "presets": {"quick": {"n": 3}, "paper": {"n": 2}}}
    assert origin(changed, defaults) == "quick + overrides"
    assert origin({**defaults, "seed": 1}, defaults) == "quick + overrides"
    # keeping checkpoints changes no number: neither the origin nor the hash
    assert origin({**defaults, "keep_checkpoints": True}, defaults) == "quick"
    assert digest({**defaults, "keep_checkpoints": True}) == digest(defaults)
    assert origin({**defaults, "preset": "mine", "presets": {"quick": {"n": 1}, "mine": {}}}, defaults) == "mine"
    assert effective({**defaults, "preset": "paper"})["settings"] == {"n": 2}
    assert digest(defaults) == digest(dict(reversed(list(defaults.items()))))  # key order does not matter
    assert digest(defaults) != digest(changed) and len(digest(defaults)) == 12


def test_log_grid_spans_min_to_max_in_equal_ratios():
    values = log_grid({"min": 0.5, "max": 32.0, "count": 7})
    assert values[0] == pytest.approx(0.5) and values[-1] == pytest.approx(32.0)
    assert np.allclose(np.array(values[1:]) / np.array(values[:-1]), 2.0)
