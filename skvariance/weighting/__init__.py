"""Inverse-variance weighting, the R-learner and covariate-shift importance weights."""

from ._ensemble import InverseVarianceEnsembleRegressor, inverse_variance_combine
from ._inverse_variance import InverseVarianceRegressor

__all__ = [
    "InverseVarianceEnsembleRegressor",
    "InverseVarianceRegressor",
    "inverse_variance_combine",
]
