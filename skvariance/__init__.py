"""skvariance: measure, reduce and report variance in scikit-learn models."""

from ._show_versions import show_versions

__version__ = "0.1.0.dev0"

__all__ = [
    "__version__",
    "calibration",
    "datasets",
    "ensemble",
    "evaluation",
    "metrics",
    "model_selection",
    "plotting",
    "quantile",
    "resampling",
    "show_versions",
    "utils",
    "weighting",
]
