"""Claims: what each figure of a talk states, the values a run measures for it, and the verdicts.

* :mod:`~deepinside.claims.declared` reads the claims (each figure's ``claims`` in
  ``workflow/figures.yaml``), the one place where a claim's statement, kind, null, comparison and threshold are written;
* :mod:`~deepinside.claims.values` is what measuring code returns: one value per claim id
  (and per repeated key, e.g. a layer), with the null measured beside it;
* :mod:`~deepinside.claims.verdicts` joins the two over a figure's seeds into one row per
  claim with a three-valued verdict (*holds*, *fails*, *not established*);
* :mod:`~deepinside.claims.tables` stacks and renders claims tables (captions, HTML).

Nothing here imports the rest of the package: it is a floor the steps, plots and pages stand on.
"""
