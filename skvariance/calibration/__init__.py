"""Conformal calibration of regressors, quantile regressors and classifiers."""

from ._classifier import ConformalClassifier
from ._quantile_regressor import ConformalQuantileRegressor
from ._regressor import ConformalRegressor

__all__: list[str] = [
    "ConformalClassifier",
    "ConformalQuantileRegressor",
    "ConformalRegressor",
]
