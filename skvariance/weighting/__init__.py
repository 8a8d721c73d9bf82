"""Inverse-variance weighting, the R-learner and covariate-shift importance weights."""

from ._inverse_variance import InverseVarianceRegressor

__all__ = ["InverseVarianceRegressor"]
