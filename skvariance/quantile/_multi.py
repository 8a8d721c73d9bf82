"""One quantile model per level, or a native multi-quantile model, as one."""

from __future__ import annotations

import numpy as np
from sklearn.base import MetaEstimatorMixin, clone
from sklearn.utils import check_array
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed

from ..utils._sklearn_compat import (
    HasMethods,
    Integral,
    _fit_context,
    check_is_fitted,
)
from ..utils.metadata import routing_enabled, sample_weight_params
from ..utils.parallel import fit_estimator
from ..utils.validation import (
    check_n_jobs,
    check_quantile_levels,
    num_samples,
    passthrough_tags,
    validate_passthrough,
)
from .base import BaseQuantileRegressor, check_quantile_estimator, match_levels

__all__ = ["MultiQuantileRegressor"]


def _fit_one(estimator, X, y, fit_params):
    return fit_estimator(estimator, X, y, **fit_params)


def native_quantile_predict(estimator, X, levels) -> np.ndarray:
    """``estimator.predict(X, quantiles=levels)`` as (n_samples, n_levels)."""
    pred = np.asarray(estimator.predict(X, quantiles=list(levels)), dtype=np.float64)
    if pred.ndim == 1 and len(levels) == 1:
        pred = pred[:, None]
    n_samples = num_samples(X)
    if pred.shape != (n_samples, len(levels)):
        raise ValueError(
            f"{type(estimator).__name__}.predict(X, quantiles=...) returned shape "
            f"{pred.shape}; expected (n_samples, n_quantiles) = "
            f"({n_samples}, {len(levels)})."
        )
    return pred


class MultiQuantileRegressor(MetaEstimatorMixin, BaseQuantileRegressor):
    """Several quantile levels of one regressor, predicted without crossing.

    Estimators with a quantile parameter (``quantile`` of scikit-learn's
    ``QuantileRegressor`` and ``HistGradientBoostingRegressor(loss="quantile")``,
    ``alpha`` of ``GradientBoostingRegressor(loss="quantile")`` and of
    LightGBM's ``LGBMRegressor(objective="quantile")``, also inside a
    Pipeline) are cloned once per level and fitted in parallel. Native
    multi-quantile estimators, whose ``predict`` takes ``quantiles``
    (quantile-forest), are fitted once and asked for the levels.

    Predictions are sorted across levels, so they never cross.

    Parameters
    ----------
    estimator : estimator object
        The quantile regressor. It is cloned, never modified.
    quantiles : array-like of float, default=(0.05, 0.5, 0.95)
        Levels in (0, 1), strictly increasing: the columns of
        :meth:`predict` and the levels :meth:`score` uses.
    n_jobs : int, default=None
        Per-level clones fitted in parallel through
        :class:`sklearn.utils.parallel.Parallel` (``None`` means 1 unless in a
        :func:`joblib.parallel_config` context). Results do not depend on it.

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_quantiles,)
        The fitted levels, sorted.
    estimators_ : list of estimators
        One fitted clone per level (per-level models), or a list holding the
        one fitted native model.
    quantile_parameter_ : str or None
        The parameter set per level (``"quantile"``, ``"alpha"``,
        ``"step__quantile"``...), or ``None`` for a native model.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    QuantileAggregator : weighted combination of several quantile models.
    KNNQuantileRegressor : quantiles of neighbour targets.

    Notes
    -----
    ``predict(X, quantiles=...)`` answers any level for a native model; a
    per-level model answers only the levels it was fitted at (a subset of
    ``quantiles_``), and raises a ``ValueError`` for others rather than
    interpolating.

    References
    ----------
    .. [1] Koenker, R. and Bassett, G. "Regression Quantiles", Econometrica
       46(1) (1978).
    .. [2] Chernozhukov, V., Fernandez-Val, I. and Galichon, A. "Quantile and
       probability curves without crossing", Econometrica 78(3) (2010).

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from skvariance.quantile import MultiQuantileRegressor
    >>> X, y = make_regression(n_samples=200, n_features=3, noise=10, random_state=0)
    >>> hgb = HistGradientBoostingRegressor(loss="quantile", max_iter=20)
    >>> model = MultiQuantileRegressor(hgb, quantiles=[0.1, 0.5, 0.9]).fit(X, y)
    >>> model.predict(X[:4]).shape
    (4, 3)
    >>> model.predict(X[:4], quantiles=[0.1, 0.9]).shape
    (4, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "quantiles": ["array-like"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, estimator, *, quantiles=(0.05, 0.5, 0.95), n_jobs=None):
        self.estimator = estimator
        self.quantiles = quantiles
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit one clone per level (or the native model once).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN or infinity raise a ``ValueError``.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to the estimator's ``fit`` (to a Pipeline's final step when
            metadata routing is disabled; by request when it is enabled).
        **fit_params : dict
            Other fit parameters, only with metadata routing enabled.

        Returns
        -------
        self : MultiQuantileRegressor
        """
        levels = check_quantile_levels(self.quantiles)
        check_n_jobs(self.n_jobs)
        param = check_quantile_estimator(self.estimator)
        X, y = validate_passthrough(self, X, y)
        params = self._route_fit_params(sample_weight, fit_params)
        if param is None:
            members = [clone(self.estimator)]
        else:
            members = [
                clone(self.estimator).set_params(**{param: float(level)})
                for level in levels
            ]
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(member, X, y, params) for member in members
        )
        self.quantile_parameter_ = param
        self.quantiles_ = levels
        return self

    def _route_fit_params(self, sample_weight, fit_params):
        if routing_enabled():
            params = dict(fit_params)
            if sample_weight is not None:
                # a None passed explicitly counts as passed metadata
                params["sample_weight"] = sample_weight
            routed = process_routing(self, "fit", **params)
            return routed.estimator.fit
        if fit_params:
            raise TypeError(
                f"fit got unexpected parameters {sorted(fit_params)}; enable "
                "metadata routing to pass fit parameters to the estimator."
            )
        return sample_weight_params(self.estimator, sample_weight)

    def predict(self, X, quantiles=None) -> np.ndarray:
        """Predicted quantiles, sorted across levels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        quantiles : array-like of float, default=None
            Levels to predict, strictly increasing in (0, 1); ``None`` means
            ``quantiles_``. A per-level model only has its fitted levels.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles)
        """
        check_is_fitted(self)
        X = validate_passthrough(self, X, reset=False)
        if self.quantile_parameter_ is None:
            levels = (
                self.quantiles_
                if quantiles is None
                else check_quantile_levels(quantiles)
            )
            pred = native_quantile_predict(self.estimators_[0], X, levels)
        else:
            index = (
                np.arange(self.quantiles_.size)
                if quantiles is None
                else match_levels(quantiles, self.quantiles_)
            )
            pred = np.column_stack(
                [
                    np.asarray(self.estimators_[k].predict(X), dtype=np.float64)
                    for k in index
                ]
            )
        pred = check_array(pred, input_name="predictions of the estimator")
        return np.sort(pred, axis=1)

    def _predicts_any_level(self) -> bool:
        return self.quantile_parameter_ is None

    def __sklearn_tags__(self):
        # X reaches the quantile model(s) as given
        return passthrough_tags(super().__sklearn_tags__(), [self.estimator])

    def get_metadata_routing(self):
        """Metadata routing of this object: ``fit`` metadata go to the estimator.

        Returns
        -------
        routing : MetadataRouter
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
