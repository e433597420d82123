"""The workflow's side of the package: the step adapter every rule runs, the presets and
the checks of configuration files and values. The top floor: nothing in the package imports it."""
