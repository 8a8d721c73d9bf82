"""Conformal calibration of regressors, quantile regressors and classifiers."""

from ._classifier import ConformalClassifier
from ._online import AdaptiveConformalRegressor, EnbPIRegressor
from ._quantile_regressor import ConformalQuantileRegressor
from ._regressor import ConformalRegressor
from ._risk_control import RiskController, RiskControlWarning
from ._venn_abers import VennAbersClassifier
from .base import CalibrationSizeWarning, min_calibration_size

__all__: list[str] = [
    "AdaptiveConformalRegressor",
    "CalibrationSizeWarning",
    "ConformalClassifier",
    "ConformalQuantileRegressor",
    "ConformalRegressor",
    "EnbPIRegressor",
    "RiskControlWarning",
    "RiskController",
    "VennAbersClassifier",
    "min_calibration_size",
]
