"""Data: the datasets of the talks, downloaded or embedded, checked, split."""
