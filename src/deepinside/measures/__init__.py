"""Measures: numbers read off trained models and data (likelihoods, Jacobian spectra, information, similarity)."""
