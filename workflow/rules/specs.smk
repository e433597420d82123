# Figures declared whole by their spec in workflow/figures.yaml: an entry with `compute` gets
# its rules from here, so that adding such a figure touches its spec, its step, its plot and a
# test (docs/architecture.md, "Adding a figure"). Per figure:
#
#   compute:                         one step (a mapping), or several in order (a list, each named)
#     name: <name>                   a list's step: its rule is <talk>_<ID>_<name> (one step: <talk>_<ID>)
#     step: <module>:<function>      deepinside.steps.<module>:<function>, returning `outputs`
#                                    (and `claims`, the claim values, unless `values` is given)
#     settings: <talk>.<section>     its keyword arguments: that section of the preset, or
#               {<section>: [keys] or null, ...}  keys of several sections (optional)
#     keys: [a, b]                   only these keys of the one section (optional)
#     inputs: {name: <ref>}          <step name>.<output> of an earlier step of the figure or of the
#                                    talk's shared steps, or <rule>.<output> of a rule defined
#                                    before this file, or {output: <ref>, wildcards: {w: <value>}}
#                                    (values below) (optional)
#     outputs: {name: file}          under results/<preset>/seed<s>/<talk>/<ID>/ (once: results/<preset>/<talk>/<ID>/);
#                                    the last step that returns only the claims may name none
#     once: true                     deterministic: one run, not one per seed (optional)
#     resources: {runtime: min, mem_mb: MB}   (optional; a numerical step: gpu: 0 for CPU only)
#   values: <module>:<function>      measures the claim values from the outputs (optional), or
#           {step: <module>:<function>, reads: [outputs]}
#   reads: [outputs]                 what the plot reads (optional; default: every output)
#   plot_settings: {arg: <setting>}  plot arguments taken from the preset (optional)
#   claims: [...]                    the claim rows (src/deepinside/claims/declared.py: the keys)
#
# The figure reads the outputs (its first seed's) and its combined claims. `reads` may also name
# its steps' inputs (a name both made and read by its steps is the output), or map plot
# arguments to them or to other inputs (`{runs: {output: train.information, ...}}`).
#
# A talk's `steps` (a list under the talk, beside its figures) are computations several of its
# figures read, as `<name>.<output>`: rule <talk>_<name>, outputs under
# results/<preset>/seed<s>/<talk>/, with the fields above plus
#     wildcards: {a: [x, y], b: null}  it runs once per value of each; its outputs name them as {a},
#                                    the step takes each as a keyword argument (a string); each
#                                    names the values it may take ([x, y], {each_of: <list
#                                    setting>}: 1..n, a list setting, or null for any)
#     numerical: true                the config's threads and a GPU request (training, spectra)
#     cached: true                   SHA-256 sidecars and Snakemake's output cache (costly steps)
#     job_settings: <module>:<function>  a function of a light module of deepinside.steps (no torch)
#                                    that makes each job's keyword arguments from the settings and
#                                    its wildcards (and the job's `seed` and `threads` where it takes
#                                    them), so that a job's parameters hold only what it runs with
#                                    (changing one entry of a grid re-runs only its jobs)
#     long: true                     a job of minutes: started before the short ones
# An input fills an output's wildcards from a setting (a list setting: one input each), a
# literal ({value: tanh}), a list of literals, {each_of: <list setting>} (1..n),
# {layers: <list of layer sizes>} (1..n-1, its weight layers), {lengths: <list of lists>} (each
# entry's length) or, in a step's input of its own outputs, {below: <its wildcard>} (1 .. the
# job's value - 1: the RBMs under a layer). {setting: <dotted>} is a path
# the preset names (a folder a user provides; none where it is null). A list of inputs gives
# their paths in order. An input with `when: {...}` is read only where each condition holds:
# on a setting ({<dotted>: value, [values], {at_least: n} or {length_at_least: n}}, decided when
# the workflow is built) or on the reading step's own wildcard ({stage: pretrained}, per job).
# `settings: {<section>: {key: argument}}` (or `keys: {key: argument}`) gives a setting to the
# function under its own name for it.

TALK_MADE = {}  # talk -> shared step name -> its outputs
TALK_DOMAINS = {}  # talk -> shared step name -> wildcard -> the values it may take
for _talk, _shared in TALK_STEPS.items():
    _talk_made = TALK_MADE.setdefault(_talk, {})
    _talk_domains = TALK_DOMAINS.setdefault(_talk, {})
    for _step in _shared:
        _rule_name = f"{_talk}_{_step['name']}"
        _where = f"{_talk}.steps.{_step['name']}"
        _outputs = spec_outputs(_talk, None, _step)
        _inputs = {
            name: spec_input(
                reference,
                {**_talk_made, _step["name"]: _outputs},  # its own: {below: <wildcard>}
                f"{_where}.inputs.{name}",
                _talk_domains,
                own=_step.get("wildcards") or {},
            )
            for name, reference in (_step.get("inputs") or {}).items()
        }
        _talk_made[_step["name"]] = _outputs
        _talk_domains[_step["name"]] = _step.get("wildcards") or {}
        _numerical = bool(_step.get("numerical"))
        _cached = bool(_step.get("cached"))

        rule:
            name:
                _rule_name
            input:
                **_inputs,
            output:
                **(with_digests(**_outputs) if _cached else _outputs),
            log:
                spec_log(_rule_name, _step),
            cache: CACHE if _cached else False
            priority: LONG_JOB_PRIORITY if _step.get("long") else 0
            conda:
                ENV
            threads: THREADS if _numerical else 1
            resources:
                **(
                    numerical(**(_step.get("resources") or {}))
                    if _numerical
                    else (_step.get("resources") or {})
                ),
            params:
                step=versioned(f"deepinside.steps.{_step['step']}"),
                kwargs=spec_kwargs(_step, _where),
            script:
                STEP


for _talk, _figures in FIGURE_TABLE.items():
    for _figure_id, _entry in _figures.items():
        if "compute" not in _entry:
            continue
        _steps = compute_steps(_entry)
        if all(_step.get("once") for _step in _steps):
            ONCE.setdefault(_talk, set()).add(_figure_id)
        _values = values_spec(_entry)
        # this figure's outputs, by name, and its named steps' outputs, by step name
        _made = {}
        _taken = {}  # the inputs of its steps, by name: a plot may read them too
        _by_step = dict(TALK_MADE.get(_talk, {}))
        for _step in _steps:
            _rule_name = (
                f"{_talk}_{_figure_id}_{_step['name']}"
                if isinstance(_entry["compute"], list)
                else f"{_talk}_{_figure_id}"
            )
            _inputs = {
                name: spec_input(
                    reference,
                    _by_step,
                    f"{_talk}.{_figure_id}.inputs.{name}",
                    TALK_DOMAINS.get(_talk),
                )
                for name, reference in (_step.get("inputs") or {}).items()
            }
            _taken.update(_inputs)
            _outputs = spec_outputs(_talk, _figure_id, _step)
            _made.update(_outputs)
            _by_step[_step.get("name", "")] = _outputs
            _log = (
                log_path(f"{_rule_name}.log")
                if _step.get("once")
                else log_path(f"seed{{seed}}/{_rule_name}.log")
            )
            _measured = (
                {"claims": claims_of(_talk, _figure_id)}
                if _values is None and _step is _steps[-1]
                else {}
            )

            rule:
                name:
                    _rule_name
                input:
                    **_inputs,
                output:
                    **_outputs,
                    **_measured,
                log:
                    _log,
                conda:
                    ENV
                resources:
                    **(_step.get("resources") or {}),
                params:
                    step=versioned(f"deepinside.steps.{_step['step']}"),
                    kwargs=spec_kwargs(_step, f"{_talk}.{_figure_id}"),
                script:
                    STEP

        if "plot_settings" in _entry:
            FIGURE_SETTINGS.setdefault(_talk, {})[_figure_id] = {
                name: spec_setting(key, f"{_talk}.{_figure_id}")
                for name, key in _entry["plot_settings"].items()
            }
        _reads = _entry.get("reads") or list(_made)
        _readable = {**_taken, **_made}  # a name both read and made is the output
        FIGURE_READS.setdefault(_talk, {})[_figure_id] = (
            {name: _readable[name] for name in _reads}
            if isinstance(_reads, list)
            else {
                name: read_paths(
                    reference,
                    _readable,
                    _by_step,
                    f"{_talk}.{_figure_id}.reads.{name}",
                    TALK_DOMAINS.get(_talk),
                )
                for name, reference in _reads.items()
            }
        )
        _value_reads = {
            name: _made[name]
            for name in ((_values or {}).get("reads") or list(_made))
        }
        if _values is not None:

            rule:
                name:
                    f"{_talk}_{_figure_id}_values"
                input:
                    **_value_reads,
                output:
                    claims=claims_of(_talk, _figure_id),
                log:
                    (
                        log_path(f"{_talk}_{_figure_id}_values.log")
                        if runs_once(_talk, _figure_id)
                        else log_path(f"seed{{seed}}/{_talk}_{_figure_id}_values.log")
                    ),
                conda:
                    ENV
                params:
                    step=versioned(f"deepinside.steps.{_values['step']}"),
                script:
                    STEP
