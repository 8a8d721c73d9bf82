"""Repeated-seed ensembles: fit one estimator under many seeds and report the spread."""

from ._seed_ensemble import SeedEnsembleClassifier, SeedEnsembleRegressor

__all__: list[str] = ["SeedEnsembleClassifier", "SeedEnsembleRegressor"]
