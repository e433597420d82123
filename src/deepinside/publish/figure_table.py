"""The figure table (``workflow/figures.yaml``): every figure of the five talks, declared once.

The workflow's figure rule, the report's captions, ``docs/figures.md`` and the tests
read it through :func:`load`, which checks each entry's fields so that a typo is named
with its talk and figure id when the workflow loads.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

FIELDS = {"file", "title", "shows", "claim", "plot"}
# A figure declared whole in its spec (its rules generated: workflow/rules/specs.smk) adds
# `compute` (its step, or its steps as a list), optionally `values` (its measuring function),
# `reads` (the outputs its plot reads, default all), `plot_settings` (plot arguments taken from
# the preset: name -> dotted setting) and `claims` (its rows).
OPTIONAL = {"kwargs", "compute", "values", "claims", "reads", "plot_settings"}
COMPUTE_FIELDS = {"step", "outputs"}
COMPUTE_OPTIONAL = {"settings", "keys", "inputs", "once", "resources", "name"}
# A talk's `steps`: computations several of its figures read (rule <talk>_<name>, outputs under
# results/<preset>/seed<s>/<talk>/). Such a step may run over `wildcards` (its outputs name each
# as {wildcard}; the step takes each as a keyword argument, a string; each names the values it
# may take, so that an input asking for another is refused before any job), be `numerical` (the
# config's threads, a GPU request) and `cached` (SHA-256 sidecars, Snakemake's output cache).
TALK_STEPS = "steps"
TALK_STEP_OPTIONAL = {"wildcards", "numerical", "cached", "job_settings"}
RESOURCES = {"runtime", "mem_mb"}
OUTPUT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RELATIVE_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.(csv|npz|pt|json|npy)$")
WILDCARD = re.compile(r"\{([a-z][a-z0-9_]*)\}")
RULE_OUTPUT = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
DOTTED = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
FIGURE_ID = re.compile(r"^[A-Z][0-9]+$")
PLOT = re.compile(r"^[a-z0-9_]+:[a-z0-9_]+$")


def load(path: str | os.PathLike) -> dict[str, dict[str, dict]]:
    """talk -> figure id -> entry, in the table's order; raises ValueError naming a bad entry."""
    table = yaml.safe_load(Path(path).read_text())
    if not isinstance(table, dict) or not table:
        raise ValueError(f"{path}: expected talks mapping figure ids to entries")
    for talk in list(table):
        figures = dict(table[talk] or {})
        shared = figures.pop(TALK_STEPS, None)
        table[talk] = figures
        shared_names = check_talk_steps(shared, f"{path}: {talk}.{TALK_STEPS}") if shared is not None else set()
        for figure_id, entry in figures.items():
            where = f"{path}: {talk}.{figure_id}"
            if not FIGURE_ID.match(str(figure_id)):
                raise ValueError(f"{where}: a figure id is a capital letter and a number (S1, O3, M9)")
            if not isinstance(entry, dict) or not FIELDS <= set(entry) or set(entry) - FIELDS - OPTIONAL:
                keys = sorted(entry) if isinstance(entry, dict) else entry
                raise ValueError(f"{where}: needs exactly {sorted(FIELDS)} (optional {sorted(OPTIONAL)}), has {keys}")
            if not str(entry["file"]).startswith(f"{figure_id}_"):
                raise ValueError(f"{where}: file {entry['file']!r} must start with {figure_id}_")
            if not PLOT.match(str(entry["plot"])):
                raise ValueError(f"{where}: plot {entry['plot']!r} must read <module>:<function> of deepinside.plots")
            if "compute" in entry:
                check_compute(entry, where)
                clash = {step.get("name") for step in compute_steps(entry)} & shared_names
                if clash:
                    raise ValueError(
                        f"{where}.compute: {sorted(clash)} names a step of the talk's 'steps' too; name it otherwise"
                    )
            else:
                for key in ("values", "reads", "plot_settings"):
                    if key in entry:
                        raise ValueError(
                            f"{where}: '{key}' belongs to a figure declared by its spec; it needs a 'compute'"
                        )
            if any(isinstance(value, str) and value.startswith("=") for value in (entry.get("kwargs") or {}).values()):
                raise ValueError(
                    f"{where}: kwargs are plain values; a setting taken from the preset goes in its "
                    f"'plot_settings' (a figure declared by its spec) or in FIGURE_SETTINGS of workflow/rules/{talk}.smk"
                )
    return table


def talk_steps(path: str | os.PathLike) -> dict[str, list[dict]]:
    """talk -> its shared steps (the talk's ``steps`` list), in order; checked as :func:`load` checks them."""
    load(path)
    table = yaml.safe_load(Path(path).read_text())
    return {talk: list((figures or {}).get(TALK_STEPS) or []) for talk, figures in table.items()}


def check_talk_steps(steps, where: str) -> set[str]:
    """A talk's ``steps``: a list of named steps, each reading earlier ones; returns their names."""
    if not isinstance(steps, list) or not steps:
        raise ValueError(f"{where}: a list of the steps the talk's figures share, each with a name")
    names: set[str] = set()
    made: dict[str, dict] = {}
    for index, step in enumerate(steps):
        named = isinstance(step, dict) and OUTPUT_NAME.match(str(step.get("name", "")))
        here = f"{where}.{step['name']}" if named else f"{where}[{index}]"
        check_step(step, here, True, shared=True)
        if step["name"] in names:
            raise ValueError(f"{here}.name: {step['name']!r} names two steps of the talk")
        for name, reference in (step.get("inputs") or {}).items():
            check_input(reference, f"{here}.inputs.{name}")
            source, _, output = (reference if isinstance(reference, str) else reference["output"]).partition(".")
            if source == step["name"] or source in {s.get("name") for s in steps[index + 1 :] if isinstance(s, dict)}:
                raise ValueError(f"{here}.inputs.{name}: {source!r} is not a step before this one")
            if source in made and output not in made[source]:
                raise ValueError(f"{here}.inputs.{name}: step {source!r} makes {sorted(made[source])}, not {output!r}")
        names.add(step["name"])
        made[step["name"]] = step["outputs"]
    return names


def compute_steps(entry: dict) -> list[dict]:
    """A spec's steps, in order: its ``compute`` as a list (one mapping: one step, named by the figure)."""
    compute = entry["compute"]
    return list(compute) if isinstance(compute, list) else [compute]


def values_spec(entry: dict) -> dict | None:
    """A spec's ``values`` as ``{step, reads}`` (a bare ``module:function`` reads every output); None without."""
    values = entry.get("values")
    if values is None:
        return None
    return dict(values) if isinstance(values, dict) else {"step": values}


def check_compute(entry: dict, where: str) -> None:
    """A spec's ``compute`` (and ``values``, ``reads``): what its generated rules need, checked by name."""
    compute = entry["compute"]
    several = isinstance(compute, list)
    if several and not compute:
        raise ValueError(f"{where}.compute: a list of steps needs at least one")
    names, made, files, steps = set(), set(), set(), compute_steps(entry)
    all_names = {step["name"] for step in steps if isinstance(step, dict) and "name" in step}
    claims_only = "values" not in entry  # the last step returns the claims: it may make nothing else
    for index, step in enumerate(steps):
        here = f"{where}.compute" + (f"[{index}]" if several else "")
        if claims_only and index == len(steps) - 1 and isinstance(step, dict) and "outputs" not in step:
            step = {**step, "outputs": {}}
        check_step(step, here, several, outputs_optional=claims_only and index == len(steps) - 1)
        if several:
            if step["name"] in names:
                raise ValueError(f"{here}.name: {step['name']!r} names two steps of the figure")
            if step["name"] == "values":
                raise ValueError(f"{here}.name: 'values' names the figure's measuring rule; name the step otherwise")
            names.add(step["name"])
        for name, reference in (step.get("inputs") or {}).items():
            check_input(reference, f"{here}.inputs.{name}")
            source = str(reference).split(".")[0] if isinstance(reference, str) else None
            if source is not None and (source in all_names - names or source == step.get("name")):
                raise ValueError(f"{here}.inputs.{name}: {reference!r} reads a step that comes after it")
            if source in names:
                earlier = next(s for s in steps if s.get("name") == source)
                if str(reference).split(".")[1] not in earlier.get("outputs", {}):
                    raise ValueError(
                        f"{here}.inputs.{name}: step {source!r} makes {sorted(earlier.get('outputs', {}))}, not {reference!r}"
                    )
        twice = set(step["outputs"]) & made
        if twice:
            raise ValueError(f"{here}.outputs: {sorted(twice)} made by an earlier step of the figure too")
        same_file = set(step["outputs"].values()) & files
        if same_file:
            raise ValueError(f"{here}.outputs: {sorted(same_file)} written by an earlier step of the figure too")
        made |= set(step["outputs"])
        files |= set(step["outputs"].values())
    if len({bool(step.get("once")) for step in steps}) > 1:
        raise ValueError(f"{where}.compute: 'once' is the figure's: all its steps run once, or all once per seed")
    values = values_spec(entry)
    if values is not None:
        if set(values) - {"step", "reads"} or "step" not in values:
            raise ValueError(f"{where}.values: module:function, or {{step: module:function, reads: [outputs]}}")
        if not PLOT.match(str(values["step"])):
            raise ValueError(f"{where}: values {values['step']!r} must read <module>:<function> of deepinside.steps")
    taken = {name for step in steps for name in (step.get("inputs") or {})}
    value_reads = (values or {}).get("reads")
    if value_reads is not None and (not isinstance(value_reads, list) or not value_reads or set(value_reads) - made):
        raise ValueError(f"{where}.values.reads: a list of the figure's outputs {sorted(made)}, got {value_reads!r}")
    check_reads(entry.get("reads"), made | taken, f"{where}.reads")
    plot_settings = entry.get("plot_settings")
    if plot_settings is not None and (
        not isinstance(plot_settings, dict)
        or not plot_settings
        or not all(OUTPUT_NAME.match(str(k)) and DOTTED.match(str(v)) for k, v in plot_settings.items())
    ):
        raise ValueError(
            f"{where}.plot_settings: {{plot argument: <dotted setting of the preset>}}, got {plot_settings!r}"
        )
    both = set(plot_settings or {}) & set(entry.get("kwargs") or {})
    if both:
        raise ValueError(f"{where}: {sorted(both)} given both in kwargs and in plot_settings; keep one")
    if "claims" not in entry:
        raise ValueError(f"{where}: a figure declared by its spec declares its claims there too ('claims')")


def check_reads(reads, names: set[str], where: str) -> None:
    """What a plot reads: a list of names (the figure's outputs, or inputs of its steps), or a mapping
    plot argument -> such a name or an input reference (another rule's or step's output)."""
    if reads is None:
        return
    if isinstance(reads, list):
        if not reads or set(reads) - names:
            raise ValueError(f"{where}: a list of the figure's outputs and inputs {sorted(names)}, got {reads!r}")
        return
    if not isinstance(reads, dict) or not reads:
        raise ValueError(f"{where}: a list of names, or {{plot argument: name or input}}, got {reads!r}")
    for argument, reference in reads.items():
        if not OUTPUT_NAME.match(str(argument)) or argument == "claims":
            raise ValueError(f"{where}: {argument!r} is not a plot argument ('claims' is every figure's own)")
        if isinstance(reference, str) and reference in names:
            continue
        check_input(reference, f"{where}.{argument}")


def check_step(step: dict, where: str, named: bool, shared: bool = False, outputs_optional: bool = False) -> None:
    """One step of a spec (``shared``: of the talk's ``steps``): its function, settings, outputs,
    resources, wildcards, by name. ``outputs_optional``: a figure's last step that returns only its
    claims may name no other output."""
    required = COMPUTE_FIELDS | ({"name"} if named else set())
    allowed = COMPUTE_FIELDS | COMPUTE_OPTIONAL if named else (COMPUTE_FIELDS | COMPUTE_OPTIONAL) - {"name"}
    if shared:
        allowed = allowed | TALK_STEP_OPTIONAL
    if not isinstance(step, dict) or not required <= set(step) or set(step) - allowed:
        keys = sorted(step) if isinstance(step, dict) else step
        raise ValueError(f"{where}: needs {sorted(required)} (optional {sorted(allowed - required)}), has {keys}")
    if named and not OUTPUT_NAME.match(str(step["name"])):
        raise ValueError(f"{where}.name: {step['name']!r} must be a lower-case name (it ends the step's rule name)")
    if not PLOT.match(str(step["step"])):
        raise ValueError(f"{where}: step {step['step']!r} must read <module>:<function> of deepinside.steps")
    outputs = step["outputs"]
    if not isinstance(outputs, dict) or not (outputs or outputs_optional):
        raise ValueError(f"{where}.outputs: name -> file under the talk's results folder, e.g. errors: errors.csv")
    wildcards = step.get("wildcards") or {}
    if (
        not isinstance(wildcards, dict)
        or not all(isinstance(w, str) and OUTPUT_NAME.match(w) for w in wildcards)
        or not all(domain is None or wildcard_domain_ok(domain) for domain in wildcards.values())
    ):
        raise ValueError(
            f"{where}.wildcards: name -> the values it may take ([a, b], {{each_of: <list setting>}}, "
            f"a list setting, or null for any), got {wildcards!r}"
        )
    if "seed" in wildcards:
        raise ValueError(f"{where}.wildcards: 'seed' is every step's own")
    if "job_settings" in step and not PLOT.match(str(step["job_settings"])):
        raise ValueError(
            f"{where}.job_settings: {step['job_settings']!r} must read <module>:<function> of deepinside.steps"
        )
    for flag in ("numerical", "cached"):
        if flag in step and not isinstance(step[flag], bool):
            raise ValueError(f"{where}.{flag}: true or false, got {step[flag]!r}")
    for name, path in outputs.items():
        if not OUTPUT_NAME.match(str(name)) or name == "claims":
            raise ValueError(f"{where}.outputs: {name!r} is not an output name ('claims' is the figure's own)")
        named_here = WILDCARD.findall(str(path))
        if set(named_here) != set(wildcards):
            raise ValueError(
                f"{where}.outputs.{name}: {path!r} must name each of the step's wildcards {sorted(wildcards)} "
                f"as {{wildcard}} and no other, names {sorted(set(named_here))}"
            )
        if not RELATIVE_FILE.match(WILDCARD.sub("w", str(path))):
            raise ValueError(
                f"{where}.outputs.{name}: {path!r} must be a relative file name ending in .csv, .npz, .pt, .json or .npy"
            )
    settings = step.get("settings")
    if settings is not None and not (
        (isinstance(settings, str) and DOTTED.match(settings))
        or (
            isinstance(settings, dict)
            and settings
            and all(
                DOTTED.match(str(section))
                and (keys is None or (isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys)))
                for section, keys in settings.items()
            )
        )
    ):
        raise ValueError(
            f"{where}.settings: a dotted section of the preset, or {{section: [keys] or null}}, got {settings!r}"
        )
    if isinstance(settings, dict) and "keys" in step:
        raise ValueError(f"{where}.keys: with settings from several sections, each section names its keys")
    if "once" in step and not isinstance(step["once"], bool):
        raise ValueError(f"{where}.once: true or false, got {step['once']!r}")
    keys = step.get("keys")
    if keys is not None and "settings" not in step:
        raise ValueError(f"{where}.keys: picks keys of 'settings', which the step does not name")
    if keys is not None and (not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys)):
        raise ValueError(f"{where}.keys: a list of the settings' keys, got {keys!r}")
    resources = step.get("resources") or {}
    if (
        not isinstance(resources, dict)
        or set(resources) - RESOURCES
        or not all(isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in resources.values())
    ):
        raise ValueError(
            f"{where}.resources: {sorted(RESOURCES)} as positive integers (minutes, MB), got {resources!r}"
        )


def wildcard_domain_ok(domain) -> bool:
    """The values a shared step's wildcard may take: a list of literals, ``{each_of: <list setting>}``
    (1..n) or a dotted list setting; an input filling it with another value is refused by name."""
    return wildcard_value_ok(domain) and not (isinstance(domain, dict) and "value" in domain)


def wildcard_value_ok(value) -> bool:
    """A wildcard's value in an input: a dotted setting of the preset (a list setting: one input per
    element), ``{value: x}`` (one literal), a list of literals (one input each), or
    ``{each_of: <setting of a list>}`` (1, 2, ... one per element: e.g. which architecture)."""
    if isinstance(value, str):
        return bool(DOTTED.match(value))
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value)
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind == "value":
            return isinstance(inner, (str, int, float)) and not isinstance(inner, bool)
        if kind == "each_of":
            return isinstance(inner, str) and bool(DOTTED.match(inner))
    return False


def check_input(reference, where: str) -> None:
    """An input: ``<rule or step>.<output>``, or ``{output: <rule or step>.<output>, wildcards: {name: value}}``
    for an output with wildcards (values: :func:`wildcard_value_ok`); several values give a list of inputs."""
    if isinstance(reference, dict):
        wildcards = reference.get("wildcards")
        if (
            set(reference) != {"output", "wildcards"}
            or not RULE_OUTPUT.match(str(reference["output"]))
            or not isinstance(wildcards, dict)
            or not wildcards
            or not all(wildcard_value_ok(value) for value in wildcards.values())
        ):
            raise ValueError(
                f"{where}: {{output: <rule>.<output>, wildcards: {{name: <dotted setting> | {{value: x}} | [x, y] "
                f"| {{each_of: <setting>}}}}}}, got {reference!r}"
            )
    elif not RULE_OUTPUT.match(str(reference)):
        raise ValueError(f"{where}: {reference!r} must name a rule's output as <rule>.<output>")


def rows(table: dict) -> list[dict]:
    """One flat row per figure (talk, id and the entry's fields), in the table's order."""
    return [
        {"talk": talk, "id": figure_id, **entry}
        for talk, figures in table.items()
        for figure_id, entry in figures.items()
    ]


def drawn_by(table: dict, folder: str | os.PathLike) -> list[dict]:
    """Per figure of ``table``, whether the gallery ``folder`` (e.g. ``figures/paper``) holds it and
    whether the code that drew it is its plot's code now: the ``code`` of its footer against the
    fingerprint of its plot function (the function, its module and the package modules it imports,
    :func:`deepinside.core.code_version.fingerprint`). A figure drawn before its plot, or a module
    the plot imports, changed has ``current`` False. Rows: talk, figure, file, drawn, code,
    current_code, current, commit."""
    from deepinside.core.code_version import fingerprint
    from deepinside.core.provenance import read_png_metadata

    rows = []
    for talk, figures in table.items():
        for figure_id, entry in (figures or {}).items():
            path = Path(folder) / talk / f"{entry['file']}.png"
            fields = read_png_metadata(path) if path.exists() else {}
            now = fingerprint(f"deepinside.plots.{entry['plot']}")
            rows.append(
                {
                    "talk": talk,
                    "figure": figure_id,
                    "file": str(path),
                    "drawn": path.exists(),
                    "code": fields.get("code", ""),
                    "current_code": now,
                    "current": fields.get("code") == now,
                    "commit": fields.get("commit", ""),
                }
            )
    return rows
