"""deepinside: the numerics behind a Snakemake pipeline that regenerates the figures of
five talks on what happens inside deep networks (Mototake 2015, Okatani & Saito 2013,
Shwartz-Ziv & Tishby 2017, Ohzeki 2015, Saxe et al. 2019).

One concept per module; functions take arrays and an explicit seed and return arrays.
File I/O lives in :mod:`deepinside.core.files`, plotting in :mod:`deepinside.plots`, and the
composition of numerics into the pipeline's steps in :mod:`deepinside.steps`.
"""

__version__ = "0.1.0"
