"""The conda environment, the pip pins, pyproject and CI agree with each other and with the README."""

import re
import tomllib

import yaml

from conftest import REPO

# conda-forge names of packages whose PyPI name differs
CONDA_NAMES = {"torch": "pytorch", "opentsne": "opentsne", "pyyaml": "pyyaml"}


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "envs" / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "envs" / "deepinside.yaml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, version = dep.split("=", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_every_pip_pin_is_exact():
    for line in (REPO / "envs" / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.\-+]*", line), line


def test_conda_env_matches_pip_pins():
    pip, conda = pip_pins(), conda_pins()
    for name, version in pip.items():
        conda_name = CONDA_NAMES.get(name, name)
        assert conda_name in conda, f"{name} pinned for pip but missing from envs/deepinside.yaml"
        assert conda[conda_name] == version, f"{name}: pip {version} vs conda {conda[conda_name]}"
    extra = set(conda) - {CONDA_NAMES.get(n, n) for n in pip} - {"python"}
    assert not extra, f"conda env pins packages pip does not: {sorted(extra)}"


def test_torch_pins_are_the_ones_on_this_machines_disk():
    assert pip_pins()["torch"] == "2.14.1"
    assert pip_pins()["torchvision"] == "0.29.1"


def test_pyproject_reads_its_dependencies_from_the_pip_pins():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "dependencies" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"]["file"] == ["envs/requirements.txt"]


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    match = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    assert match, "README must show the test command after <!-- test-command -->"
    command = match.group(1).strip()
    ci = (REPO / ".ci" / "run").read_text()
    assert command in ci.splitlines(), f"{command!r} is not a line of .ci/run"
