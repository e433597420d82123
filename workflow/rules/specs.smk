# Figures declared whole by their spec in workflow/figures.yaml: an entry with `compute` gets
# its rules from here, so that adding such a figure touches its spec, its step, its plot and a
# test (docs/architecture.md, "Adding a figure"). Per figure:
#
#   compute:                         one step (a mapping), or several in order (a list, each named)
#     name: <name>                   a list's step: its rule is <talk>_<ID>_<name> (one step: <talk>_<ID>)
#     step: <module>:<function>      deepinside.steps.<module>:<function>, returning `outputs`
#                                    (and `claims`, the claim values, unless `values` is given)
#     settings: <talk>.<section>     its keyword arguments: that section of the preset
#     keys: [a, b]                   only these keys of it (optional)
#     inputs: {name: <ref>}          <step name>.<output> of an earlier step of the figure, or
#                                    <rule>.<output> of a rule defined before this file, or
#                                    {output: <rule>.<output>, wildcards: {w: <talk>.<setting>}} (optional)
#     outputs: {name: file}          under results/<preset>/seed<s>/<talk>/<ID>/ (once: results/<preset>/<talk>/<ID>/)
#     once: true                     deterministic: one run, not one per seed (optional)
#     resources: {runtime: min, mem_mb: MB}   (optional)
#   values: <module>:<function>      measures the claim values from the outputs (optional), or
#           {step: <module>:<function>, reads: [outputs]}
#   reads: [outputs]                 what the plot reads (optional; default: every output)
#   plot_settings: {arg: <setting>}  plot arguments taken from the preset (optional)
#   claims: [...]                    the claim rows, as in workflow/claims/<talk>.yaml
#
# The figure reads the outputs (its first seed's) and its combined claims.


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
        _by_step = {}
        for _step in _steps:
            _rule_name = (
                f"{_talk}_{_figure_id}_{_step['name']}"
                if isinstance(_entry["compute"], list)
                else f"{_talk}_{_figure_id}"
            )
            _inputs = {
                name: spec_input(reference, _by_step, f"{_talk}.{_figure_id}")
                for name, reference in (_step.get("inputs") or {}).items()
            }
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
                    kwargs=spec_settings(_step, f"{_talk}.{_figure_id}"),
                script:
                    STEP

        if "plot_settings" in _entry:
            FIGURE_SETTINGS.setdefault(_talk, {})[_figure_id] = {
                name: spec_setting(key, f"{_talk}.{_figure_id}")
                for name, key in _entry["plot_settings"].items()
            }
        FIGURE_READS.setdefault(_talk, {})[_figure_id] = {
            name: _made[name] for name in (_entry.get("reads") or list(_made))
        }
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
