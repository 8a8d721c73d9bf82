"""Conformal calibration of regressors, quantile regressors and classifiers."""

from ._classifier import ConformalClassifier
from ._quantile_regressor import ConformalQuantileRegressor
from ._regressor import ConformalRegressor
from ._venn_abers import VennAbersClassifier
from .base import CalibrationSizeWarning, min_calibration_size

__all__: list[str] = [
    "CalibrationSizeWarning",
    "ConformalClassifier",
    "ConformalQuantileRegressor",
    "ConformalRegressor",
    "VennAbersClassifier",
    "min_calibration_size",
]
