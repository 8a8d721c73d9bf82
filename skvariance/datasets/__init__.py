"""Synthetic data generators: heteroscedastic and imbalanced problems."""

from ._generators import make_heteroscedastic_regression, make_imbalanced_classification

__all__ = ["make_heteroscedastic_regression", "make_imbalanced_classification"]
