"""Synthetic data generators: heteroscedastic, imbalanced and seed-noisy problems."""

__all__: list[str] = []
