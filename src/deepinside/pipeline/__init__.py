"""Plumbing of the workflow: the step adapter, files, checkpoints, claims, provenance, configuration."""
