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

# Every figure is declared whole by its spec (its rules generated: workflow/rules/specs.smk):
# `compute` (its step, or its steps as a list) and `claims` (its rows), optionally `values` (its
# measuring function), `reads` (what its plot reads, default its outputs), `plot_settings` (plot
# arguments taken from the preset: name -> dotted setting) and `kwargs` (the plot's own).
FIELDS = {"file", "title", "shows", "claim", "plot", "compute", "claims"}
OPTIONAL = {"kwargs", "values", "reads", "plot_settings"}
COMPUTE_FIELDS = {"step", "outputs"}
COMPUTE_OPTIONAL = {"settings", "keys", "inputs", "once", "resources", "name"}
# A talk's `steps`: computations several of its figures read (rule <talk>_<name>, outputs under
# results/<preset>/seed<s>/<talk>/). Such a step may run over `wildcards` (its outputs name each
# as {wildcard}; the step takes each as a keyword argument, a string; each names the values it
# may take, so that an input asking for another is refused before any job), be `numerical` (the
# config's threads, a GPU request) and `cached` (SHA-256 sidecars, Snakemake's output cache).
TALK_STEPS = "steps"
# `long` (a job of minutes: started before the short ones, Snakemake's priority) too.
TALK_STEP_OPTIONAL = {"wildcards", "numerical", "cached", "job_settings", "long"}
RESOURCES = {"runtime", "mem_mb", "gpu"}  # gpu: only 0, a numerical step that never asks for one
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
            check_compute(entry, where)
            clash = {step.get("name") for step in compute_steps(entry)} & shared_names
            if clash:
                raise ValueError(
                    f"{where}.compute: {sorted(clash)} names a step of the talk's 'steps' too; name it otherwise"
                )
            if any(isinstance(value, str) and value.startswith("=") for value in (entry.get("kwargs") or {}).values()):
                raise ValueError(
                    f"{where}: kwargs are plain values; a setting taken from the preset goes in its 'plot_settings'"
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
            check_input(reference, f"{here}.inputs.{name}", wildcards=set(step.get("wildcards") or {}))
            parts = reference if isinstance(reference, list) else [reference]
            for part, read in ((one, read) for one in parts for read in input_outputs(one)):
                source, _, output = read.partition(".")
                if source == step["name"] and reads_below(part):
                    if output not in step["outputs"]:
                        raise ValueError(
                            f"{here}.inputs.{name}: the step makes {sorted(step['outputs'])}, not {output!r}"
                        )
                    continue  # its own outputs of the values below the job's: e.g. the RBMs under a layer
                if source == step["name"] or source in {
                    s.get("name") for s in steps[index + 1 :] if isinstance(s, dict)
                }:
                    raise ValueError(f"{here}.inputs.{name}: {source!r} is not a step before this one")
                if source in made and output not in made[source]:
                    raise ValueError(
                        f"{here}.inputs.{name}: step {source!r} makes {sorted(made[source])}, not {output!r}"
                    )
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
            for read in input_outputs(reference):
                source, _, output = read.partition(".")
                if source in all_names - names or source == step.get("name"):
                    raise ValueError(f"{here}.inputs.{name}: {read!r} reads a step that comes after it")
                if source in names:
                    earlier = next(s for s in steps if s.get("name") == source)
                    if output not in earlier.get("outputs", {}):
                        raise ValueError(
                            f"{here}.inputs.{name}: step {source!r} makes {sorted(earlier.get('outputs', {}))}, not {read!r}"
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
        parts = reference if isinstance(reference, list) else [reference]
        if not parts:
            raise ValueError(f"{where}.{argument}: an empty list reads nothing")
        for part in parts:  # a list: the paths of each, in order
            if isinstance(part, str) and part in names:
                continue
            check_input(part, f"{where}.{argument}")


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
                DOTTED.match(str(section)) and (keys is None or keys_ok(keys)) for section, keys in settings.items()
            )
        )
    ):
        raise ValueError(
            f"{where}.settings: a dotted section of the preset, or {{section: [keys] or {{key: argument}} or null}}, "
            f"got {settings!r}"
        )
    if isinstance(settings, dict) and "keys" in step:
        raise ValueError(f"{where}.keys: with settings from several sections, each section names its keys")
    if "once" in step and not isinstance(step["once"], bool):
        raise ValueError(f"{where}.once: true or false, got {step['once']!r}")
    keys = step.get("keys")
    if keys is not None and "settings" not in step:
        raise ValueError(f"{where}.keys: picks keys of 'settings', which the step does not name")
    if keys is not None and not keys_ok(keys):
        raise ValueError(f"{where}.keys: a list of the settings' keys, or {{key: argument name}}, got {keys!r}")
    resources = step.get("resources") or {}
    if not resources_ok(resources, bool(step.get("numerical"))):
        raise ValueError(
            f"{where}.resources: runtime and mem_mb as positive integers (minutes, MB), and gpu: 0 for a "
            f"numerical step that runs on the CPU only, got {resources!r}"
        )
    if "long" in step and not isinstance(step["long"], bool):
        raise ValueError(f"{where}.long: true or false, got {step['long']!r}")


def resources_ok(resources, numerical: bool) -> bool:
    """runtime and mem_mb: positive integers; gpu: 0 only, and only for a numerical step."""
    if not isinstance(resources, dict) or set(resources) - RESOURCES:
        return False
    for name, value in resources.items():
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if name == "gpu" and (value != 0 or not numerical):
            return False
        if name != "gpu" and value <= 0:
            return False
    return True


def keys_ok(keys) -> bool:
    """A section's keys: a list of them (each given as the argument of its name), or a mapping
    key -> argument name (the function's name for it)."""
    if isinstance(keys, list):
        return bool(keys) and all(isinstance(k, str) for k in keys)
    if isinstance(keys, dict):  # each argument named once: two keys under one name would overwrite
        arguments = [str(v) for v in keys.values()]
        return (
            bool(keys)
            and all(isinstance(k, str) and OUTPUT_NAME.match(v) for k, v in zip(keys, arguments))
            and len(set(arguments)) == len(arguments)
        )
    return False


def wildcard_domain_ok(domain) -> bool:
    """The values a shared step's wildcard may take: a list of literals, ``{each_of: <list setting>}``
    (1..n), ``{layers: ...}``, ``{lengths: ...}`` or a dotted list setting; an input filling it with
    another value is refused by name."""
    return wildcard_value_ok(domain) and not (isinstance(domain, dict) and ("value" in domain or "below" in domain))


def wildcard_value_ok(value) -> bool:
    """A wildcard's value in an input: a dotted setting of the preset (a list setting: one input per
    element), ``{value: x}`` (one literal), a list of literals (one input each), or
    ``{each_of: <setting of a list>}`` (1, 2, ... one per element: e.g. which architecture),
    ``{layers: <setting of a list of layer sizes>}`` (1 … len − 1: its weight layers),
    ``{lengths: <setting of a list of lists>}`` (each entry's length, in order) or, in a talk step's
    own input, ``{below: <its wildcard>}`` (1 … the job's value − 1: e.g. the RBMs under a layer)."""
    if isinstance(value, str):
        return bool(DOTTED.match(value))
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value)
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind == "value":
            return isinstance(inner, (str, int, float)) and not isinstance(inner, bool)
        if kind in ("each_of", "layers", "lengths"):
            return isinstance(inner, str) and bool(DOTTED.match(inner))
        if kind == "below":
            return isinstance(inner, str) and bool(OUTPUT_NAME.match(inner))
    return False


def reads_below(reference) -> bool:
    """Whether an input fills a wildcard with ``{below: <wildcard>}`` (the values under the job's own)."""
    wildcards = reference.get("wildcards") if isinstance(reference, dict) else None
    return any(isinstance(v, dict) and "below" in v for v in (wildcards or {}).values())


def check_input(reference, where: str, wildcards: set[str] | None = None) -> None:
    """An input: ``<rule or step>.<output>``; ``{output: <rule or step>.<output>, wildcards: {name: value}}``
    for an output with wildcards (values: :func:`wildcard_value_ok`; several values give a list of
    inputs); ``{setting: <dotted setting>}``, a path the preset names (none where it is null); or a
    list of these (their paths in order). A mapping may add ``when``: the input is read only under
    those conditions (:func:`check_when`; ``wildcards``: the reading step's own, which a condition
    may name)."""
    if isinstance(reference, list):
        if not reference:
            raise ValueError(f"{where}: an empty list reads nothing")
        for index, part in enumerate(reference):
            if isinstance(part, list):
                raise ValueError(f"{where}[{index}]: a list of inputs holds inputs, not lists")
            check_input(part, f"{where}[{index}]", wildcards)
        return
    if isinstance(reference, dict):
        if "when" in reference:
            check_when(reference["when"], f"{where}.when", wildcards or set())
        if "setting" in reference:
            if set(reference) - {"setting", "when"} or not DOTTED.match(str(reference["setting"])):
                raise ValueError(f"{where}: {{setting: <dotted setting of the preset>, when: ...}}, got {reference!r}")
            return
        wildcards_given = reference.get("wildcards")
        for name, value in (wildcards_given or {}).items() if isinstance(wildcards_given, dict) else []:
            if isinstance(value, dict) and "below" in value and value["below"] not in (wildcards or set()):
                raise ValueError(
                    f"{where}.wildcards.{name}: below {value['below']!r} names no wildcard of the step that reads it "
                    f"{sorted(wildcards or set())}"
                )
        if (
            set(reference) - {"output", "wildcards", "when"}
            or not RULE_OUTPUT.match(str(reference.get("output")))
            or not ("wildcards" in reference or "when" in reference)
            or ("wildcards" in reference and (not isinstance(wildcards_given, dict) or not wildcards_given))
            or not all(wildcard_value_ok(value) for value in (wildcards_given or {}).values())
        ):
            raise ValueError(
                f"{where}: {{output: <rule>.<output>, wildcards: {{name: <dotted setting> | {{value: x}} | [x, y] "
                f"| {{each_of: <setting>}} | {{layers: <setting>}}}}, when: ...}}, got {reference!r}"
            )
    elif not RULE_OUTPUT.match(str(reference)):
        raise ValueError(f"{where}: {reference!r} must name a rule's output as <rule>.<output>")


def check_when(when, where: str, wildcards: set[str]) -> None:
    """An input's conditions: ``{<dotted setting>: value | [values] | {at_least: n} | {length_at_least: n}}``
    (the claims table's conditions, decided when the workflow is built) or ``{<wildcard>: value |
    [values]}`` (the reading step's own wildcard, decided per job); all must hold."""
    literal = (str, int, float)
    if not isinstance(when, dict) or not when:
        raise ValueError(f"{where}: {{<setting or wildcard>: value or [values]}}, got {when!r}")
    for key, wanted in when.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        plain = bool(values) and all(isinstance(v, literal) and not isinstance(v, bool) for v in values)
        if "." not in str(key):
            if key not in wildcards:
                raise ValueError(
                    f"{where}.{key}: not a setting (dotted) nor a wildcard of the step that reads it {sorted(wildcards)}"
                )
            if not plain:
                raise ValueError(
                    f"{where}.{key}: a wildcard's condition is a value or a list of values, got {wanted!r}"
                )
        elif not DOTTED.match(str(key)):
            raise ValueError(f"{where}: {key!r} is not a dotted setting of the preset")
        elif isinstance(wanted, dict):
            (test, bound), *rest = wanted.items() if wanted else [(None, None)]
            if (
                rest
                or test not in ("at_least", "length_at_least")
                or isinstance(bound, bool)
                or not isinstance(bound, int)
            ):
                raise ValueError(f"{where}.{key}: use {{at_least: n}} or {{length_at_least: n}}, got {wanted!r}")
        elif not (plain or isinstance(wanted, bool)):
            raise ValueError(f"{where}.{key}: a value or a list of values, got {wanted!r}")


def input_outputs(reference) -> list[str]:
    """The ``<rule or step>.<output>`` an input reads (none for a setting's path)."""
    if isinstance(reference, list):
        return [read for part in reference for read in input_outputs(part)]
    if isinstance(reference, dict):
        return [reference["output"]] if "output" in reference else []
    return [str(reference)]


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
