"""The floor every other part stands on: files written atomically with their digests,
checkpoints, the compute device, code fingerprints and the provenance of an output.
Imports nothing else of the package."""
