"""Inverse-variance weighting, the R-learner and covariate-shift importance weights."""

from ._density_ratio import (
    DensityRatioEstimator,
    OverlapWarning,
    effective_sample_size,
)
from ._ensemble import InverseVarianceEnsembleRegressor, inverse_variance_combine
from ._importance_resampling import ImportanceResampler
from ._inverse_variance import InverseVarianceRegressor
from ._rlearner import RLearner

__all__ = [
    "DensityRatioEstimator",
    "ImportanceResampler",
    "InverseVarianceEnsembleRegressor",
    "InverseVarianceRegressor",
    "OverlapWarning",
    "RLearner",
    "effective_sample_size",
    "inverse_variance_combine",
]
