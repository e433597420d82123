# Figures declared whole by their spec in workflow/figures.yaml: an entry with `compute` gets
# its rules from here, so that adding such a figure touches its spec, its step, its plot and a
# test (docs/architecture.md, "Adding a figure"). Per figure:
#
#   compute:
#     step: <module>:<function>      deepinside.steps.<module>:<function>, returning `outputs`
#                                    (and `claims`, the claim values, unless `values` is given)
#     settings: <talk>.<section>     its keyword arguments: that section of the preset
#     keys: [a, b]                   only these keys of it (optional)
#     inputs: {name: <rule>.<output>}  outputs of rules defined before this file (optional)
#     outputs: {name: file}          under results/<preset>/seed<s>/<talk>/<ID>/ (once: results/<preset>/<talk>/<ID>/)
#     once: true                     deterministic: one run, not one per seed (optional)
#   values: <module>:<function>      measures the claim values from the outputs (optional)
#   claims: [...]                    the claim rows, as in workflow/claims/<talk>.yaml
#
# The figure reads the outputs (its first seed's) and its combined claims.


for _talk, _figures in FIGURE_TABLE.items():
    for _figure_id, _entry in _figures.items():
        if "compute" not in _entry:
            continue
        _compute = _entry["compute"]
        if _compute.get("once"):
            ONCE.setdefault(_talk, set()).add(_figure_id)
        _outputs = spec_outputs(_talk, _figure_id, _compute)
        _log = (
            log_path(f"{_talk}_{_figure_id}.log")
            if _compute.get("once")
            else log_path(f"seed{{seed}}/{_talk}_{_figure_id}.log")
        )
        _measured = (
            {} if "values" in _entry else {"claims": claims_of(_talk, _figure_id)}
        )

        rule:
            name:
                f"{_talk}_{_figure_id}"
            input:
                **{
                    name: rule_output(reference)
                    for name, reference in (_compute.get("inputs") or {}).items()
                },
            output:
                **_outputs,
                **_measured,
            log:
                _log,
            conda:
                ENV
            params:
                step=versioned(f"deepinside.steps.{_compute['step']}"),
                kwargs=spec_settings(_compute),
            script:
                STEP

        if "values" in _entry:

            rule:
                name:
                    f"{_talk}_{_figure_id}_values"
                input:
                    **_outputs,
                output:
                    claims=claims_of(_talk, _figure_id),
                log:
                    _log.replace(".log", "_values.log"),
                conda:
                    ENV
                params:
                    step=versioned(f"deepinside.steps.{_entry['values']}"),
                script:
                    STEP

        FIGURE_READS.setdefault(_talk, {})[_figure_id] = _outputs
