"""Conditional quantiles as weighted quantiles of the nearest neighbours' targets."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..utils._sklearn_compat import (
    Integral,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from ..utils.stats import weighted_quantile
from ..utils.validation import check_quantile_levels, check_sample_weight
from .base import BaseQuantileRegressor

__all__ = ["KNNQuantileRegressor"]

#: Neighbours used by ``n_neighbors="auto"`` when there are enough rows.
AUTO_NEIGHBORS = 20


class KNNQuantileRegressor(BaseQuantileRegressor):
    """Quantiles of the targets of the ``n_neighbors`` nearest training points.

    The prediction at level :math:`\\tau` is the weighted :math:`\\tau`-quantile
    (inverted CDF) of the neighbours' targets, computed row by row in
    skvariance's numba weighted-quantile kernel. Any level can be asked at
    predict time without refitting.

    Parameters
    ----------
    n_neighbors : "auto" or int, default="auto"
        Number of neighbours. ``"auto"`` uses ``min(20, n_samples)``: 20
        neighbours, or every training row when there are fewer than 20 (the
        number used is stored in ``n_neighbors_``). An int larger than the
        number of training samples raises a ``ValueError``.
    quantiles : array-like of float, default=(0.05, 0.5, 0.95)
        Default levels, strictly increasing in (0, 1): the columns of
        :meth:`predict` and the levels :meth:`score` uses.
    weights : {"uniform", "distance"}, default="uniform"
        Neighbour weights: equal, or inverse distance (a neighbour at distance
        0 takes all the weight, shared with other such neighbours).
    metric : str, default="minkowski"
        Distance, as in :class:`sklearn.neighbors.NearestNeighbors`.

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_quantiles,)
        The default levels, sorted.
    n_neighbors_ : int
        The number of neighbours used: ``n_neighbors``, or what ``"auto"``
        resolved to.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiQuantileRegressor : quantile models with a quantile parameter.
    skvariance.utils.weighted_quantile : the kernel behind ``predict``.

    Notes
    -----
    Training ``sample_weight`` multiplies the neighbour weights; it does not
    change which points are neighbours, so integer weights are not the same as
    repeated rows (repeated rows take neighbour slots).

    References
    ----------
    .. [1] Bhattacharya, P. K. and Gangopadhyay, A. K. "Kernel and
       Nearest-Neighbor Estimation of a Conditional Quantile", Annals of
       Statistics 18(3) (1990).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.quantile import KNNQuantileRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(300, 1))
    >>> y = X[:, 0] + rng.normal(scale=0.1, size=300)
    >>> knn = KNNQuantileRegressor(n_neighbors=30).fit(X, y)
    >>> knn.predict([[0.5]]).round(2)
    array([[0.33, 0.5 , 0.66]])
    >>> knn.predict([[0.5]], quantiles=[0.25, 0.75]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        "n_neighbors": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "quantiles": ["array-like"],
        "weights": [StrOptions({"uniform", "distance"})],
        "metric": [str],
    }

    def __init__(
        self,
        *,
        n_neighbors: int | str = "auto",
        quantiles=(0.05, 0.5, 0.95),
        weights: str = "uniform",
        metric: str = "minkowski",
    ):
        self.n_neighbors = n_neighbors
        self.quantiles = quantiles
        self.weights = weights
        self.metric = metric

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Store the training data and index it for neighbour search.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN or infinity raise a ``ValueError``.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights multiplying the neighbour weights.

        Returns
        -------
        self : KNNQuantileRegressor
        """
        self.quantiles_ = check_quantile_levels(self.quantiles)
        X, y = validate_data(self, X, y, y_numeric=True)
        if self.n_neighbors == "auto":
            self.n_neighbors_ = min(AUTO_NEIGHBORS, X.shape[0])
        elif self.n_neighbors > X.shape[0]:
            raise ValueError(
                f"n_neighbors={self.n_neighbors} exceeds the number of training "
                f"samples, n_samples={X.shape[0]}; pass a smaller n_neighbors or "
                "n_neighbors='auto'."
            )
        else:
            self.n_neighbors_ = int(self.n_neighbors)
        self._sample_weight = (
            None
            if sample_weight is None
            else check_sample_weight(np.asarray(sample_weight), X)
        )
        self._y = y.astype(np.float64)
        self._index = NearestNeighbors(
            n_neighbors=self.n_neighbors_, metric=self.metric
        ).fit(X)
        return self

    def predict(self, X, quantiles=None) -> np.ndarray:
        """Weighted quantiles of the neighbours' targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.
        quantiles : array-like of float, default=None
            Levels, strictly increasing in (0, 1); ``None`` means
            ``quantiles_``.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles)
            Non-decreasing across levels by construction.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        levels = (
            self.quantiles_ if quantiles is None else check_quantile_levels(quantiles)
        )
        distance, neighbours = self._index.kneighbors(X)
        if self.weights == "uniform":
            w = np.ones_like(distance)
        else:
            zero = distance == 0.0
            with np.errstate(divide="ignore"):
                w = np.where(zero.any(axis=1, keepdims=True), zero, 1.0 / distance)
        if self._sample_weight is not None:
            w = w * self._sample_weight[neighbours]
            # no silent fallback when every neighbour has weight zero
            if (w.sum(axis=1) <= 0).any():
                raise ValueError(
                    "every neighbour of some query point has sample_weight 0; "
                    "increase n_neighbors or drop zero-weight training rows."
                )
        return weighted_quantile(self._y[neighbours], levels, sample_weight=w)
