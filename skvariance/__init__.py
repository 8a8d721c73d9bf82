"""skvariance: measure, reduce and report variance in scikit-learn models."""

from ._config import config_context, get_config, set_config
from ._show_versions import show_versions

__version__ = "0.1.0.dev0"

__all__ = [
    "__version__",
    "calibration",
    "config_context",
    "datasets",
    "ensemble",
    "evaluation",
    "get_config",
    "metrics",
    "model_selection",
    "plotting",
    "quantile",
    "resampling",
    "set_config",
    "show_versions",
    "utils",
    "weighting",
]
