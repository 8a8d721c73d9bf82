"""Conformal calibration of regressors, quantile regressors and classifiers."""

__all__: list[str] = []
