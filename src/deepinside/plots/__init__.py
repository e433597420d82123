"""Figures: one module per talk; functions draw from saved tables and return {"figure": Figure}."""
