"""The pipeline's steps: one function per rule, composing the numerics of the package.

A step takes loaded inputs (arrays, tables, state dicts) and parameters from the
config, and returns a dict mapping each of the rule's output names to the object to
write there (see :mod:`deepinside.pipeline.step`). Steps do no file I/O of their own,
except the data steps that download.
"""
