"""Class-imbalance resampling: the SMOTE family and weight-aware meta-estimators."""

from ._neighbors import clear_neighbors_cache, neighbors_cache_info
from ._resampled_classifier import ResampledClassifier
from ._smote import SMOTE, SMOTENC
from ._smoter import SMOTER

__all__ = [
    "SMOTE",
    "SMOTENC",
    "SMOTER",
    "ResampledClassifier",
    "clear_neighbors_cache",
    "neighbors_cache_info",
]
