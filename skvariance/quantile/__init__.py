"""Multi-quantile models, quantile aggregation and monotonization."""

from ._aggregator import QuantileAggregator
from ._knn import KNNQuantileRegressor
from ._monotonize import monotonize
from ._multi import MultiQuantileRegressor

__all__ = [
    "KNNQuantileRegressor",
    "MultiQuantileRegressor",
    "QuantileAggregator",
    "monotonize",
]
