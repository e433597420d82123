"""Gathering steps: many per-figure tables into one."""

from __future__ import annotations

import pandas as pd

from .. import claims as claim_rows


def claims(tables: list[pd.DataFrame]) -> dict:
    """Stack the claim rows of many figures into one table (``results/claims.csv``)."""
    return {"claims": claim_rows.concatenate(tables)}


def claims_page(claims: pd.DataFrame) -> dict:
    """The claims table as an HTML page (shown by ``snakemake --report``)."""
    return {"page": claim_rows.html_table(claims)}
