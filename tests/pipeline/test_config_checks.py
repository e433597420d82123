"""Config files and values refused before any job, in one line that names the file or the key."""

import time
from pathlib import Path

import pytest
import yaml

from deepinside.pipeline.config_errors import checkout_subfolder, first_problem
from deepinside.pipeline.config_files import MAX_DEPTH, ConfigFileError, check_file
from deepinside.pipeline.presets import expanded, merged

REPO = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())


def bomb(levels: int = 12, width: int = 9) -> str:
    """A few hundred bytes whose aliases expand to width**levels values."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "unknown:\n" + "".join(f"  {line}\n" for line in lines)


@pytest.mark.parametrize(
    "content, said",
    [
        (b"preset: quick\nseed: 0\npreset: paper\n", "line 3: key 'preset' is written twice (first on line 1)"),
        (b"presets:\n  quick:\n    a: 1\n    a: 2\n", "line 4: key 'a' is written twice"),
        (b"", "empty"),
        (b"# only a comment\n", "empty"),
        (b"- preset\n- quick\n", "a list at the top level"),
        (b"7\n", "a int at the top level"),
        (b"preset: \xff\xfe\n", "not UTF-8 text (byte 8 is 0xff)"),
        (b"preset: [quick\n", "not valid YAML"),
        (bomb().encode(), "more than 1,000,000 values once its aliases"),
        (
            ("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n").encode(),
            f"nested more than {MAX_DEPTH} levels",
        ),
    ],
)
def test_a_bad_config_file_is_refused_in_one_line_naming_it(tmp_path, content, said):
    path = tmp_path / "mine.yaml"
    path.write_bytes(content)
    started = time.perf_counter()
    with pytest.raises(ConfigFileError) as refused:
        check_file(path)
    assert time.perf_counter() - started < 1.0
    message = str(refused.value)
    assert str(path) in message and said in message and "\n" not in message


def test_a_config_file_too_large_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("a: " + "x" * 2_000_000 + "\n")
    with pytest.raises(ConfigFileError, match=r"huge.yaml: 2,000,004 bytes; a config file is at most 1,000,000"):
        check_file(path)


def test_the_shipped_config_and_the_tests_overlay_are_read_as_they_are():
    assert check_file(REPO / "config.yaml") == yaml.safe_load((REPO / "config.yaml").read_text())
    assert check_file(REPO / "tests/config/tiny.yaml")["preset"] == "tiny"
    # a few aliases are fine
    assert check_file(_written("a: &x [1, 2]\nb: *x\n"))["b"] == [1, 2]


def _written(text: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "ok.yaml"
    path.write_text(text)
    return path


def _config(overlay: dict) -> dict:
    config = merged(yaml.safe_load((REPO / "config.yaml").read_text()), overlay)
    config["presets"] = expanded(config["presets"])
    return config


@pytest.mark.parametrize(
    "overlay, said",
    [
        ({"seed": 1000.0}, "config key 'seed': 1000.0 is not of type 'integer'"),
        # Snakemake's --config gives `true` as text: the message says what to write
        (
            {"keep_checkpoints": "true"},
            "'true' is text, not true or false; on the command line write keep_checkpoints=True",
        ),
        ({"keep_checkpoints": "no"}, "write keep_checkpoints=False"),
        (
            {"presets": {"quick": {"okatani2013": {"samples": {"dbm": {"sampled_inputs": "True"}}}}}},
            "'True' is text, not true or false; in a config file write true, unquoted",
        ),
        (
            {"presets": {"quick": {"okatani2013": {"dbn": {"rbm": {"epochs": 2.0}}}}}},
            "config key 'presets.quick.okatani2013.dbn.rbm.epochs': 2.0 is not of type 'integer'",
        ),
        (
            {"presets": {"quick": {"okatani2013": {"dbn": {"rbm": {"epochs": 10**12}}}}}},
            "epochs': 1000000000000 is greater than the maximum of 100000",
        ),
        (
            {"presets": {"paper": {"okatani2013": {"dbn": {"sizes": [784, 10**8, 10]}}}}},
            "config key 'presets.paper.okatani2013.dbn.sizes.1': 100000000 is greater than the maximum of 100000",
        ),
        (
            {"presets": {"quick": {"saxe2019": {"four_items": {"t_max": float("inf")}}}}},
            "config key 'presets.quick.saxe2019.four_items.t_max': not a finite number",
        ),
        ({"presets": {"paper": {"ohzeki2015": {"p2": {"beta": float("nan")}}}}}, "presets.paper.ohzeki2015.p2.beta"),
        # a key wrong in quick is wrong in every preset: named where it was written, with the nearest valid key
        (
            {"presets": {"quick": {"okatani2013": {"samples": {"dbm": {"epochz": 1}}}}}},
            "'presets.quick.okatani2013.samples.dbm.epochz' (did you mean 'epochs'?)",
        ),
    ],
)
def test_bad_values_are_named_by_their_key(overlay, said):
    problem = first_problem(_config(overlay), SCHEMA)
    assert problem is not None and said in problem


def test_the_shipped_presets_pass():
    assert first_problem(_config({}), SCHEMA) is None


@pytest.mark.parametrize("folder", ["src/deepinside", ".git", "results/quick", "workflow/figs", "./src/../src"])
def test_figures_are_never_written_into_the_checkouts_own_folders(tmp_path, folder):
    for name in ("src", ".git", "results", "workflow"):
        (tmp_path / name).mkdir()
    with pytest.raises(ValueError, match="figures go in a folder of their own"):
        checkout_subfolder(folder, tmp_path)
    assert checkout_subfolder("figures/mine", tmp_path) == "figures/mine"
