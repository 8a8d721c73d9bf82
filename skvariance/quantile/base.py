"""What the quantile family shares: finding a model's quantile parameter,
checking requested levels, and the WIS ``score`` of every multi-quantile model.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from inspect import signature

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ..metrics import weighted_interval_score
from ..utils._sklearn_compat import check_is_fitted
from ..utils.intervals import (
    coverage_columns,
    default_coverage,
    interval_levels,
    stack_interval,
)
from ..utils.validation import check_quantile_levels

__all__ = [
    "BaseQuantileRegressor",
    "check_quantile_estimator",
    "match_levels",
    "predicts_quantiles",
    "quantile_parameter",
]

#: The loss / objective values that make ``alpha`` a quantile level
#: (scikit-learn's GradientBoostingRegressor, LightGBM).
_QUANTILE_LOSSES = ("quantile",)


def _final_step(estimator):
    """The last step of a (possibly nested) Pipeline, else the estimator."""
    final = getattr(estimator, "_final_estimator", None)
    if final is None or final == "passthrough" or final is estimator:
        return estimator
    return _final_step(final)


def predicts_quantiles(estimator) -> bool:
    """Whether ``estimator.predict`` takes a ``quantiles`` argument.

    Native multi-quantile models (quantile-forest's
    ``RandomForestQuantileRegressor``, this family's estimators) answer any
    levels from one fit. For a Pipeline the final step decides.
    """
    predict = getattr(_final_step(estimator), "predict", None)
    if predict is None:
        return False
    try:
        return "quantiles" in signature(predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def quantile_parameter(estimator) -> str | None:
    """The name of the parameter that sets ``estimator``'s quantile level.

    Looks through nested parameters (Pipelines, meta-estimators) for

    * ``quantile`` (scikit-learn's ``QuantileRegressor``,
      ``HistGradientBoostingRegressor(loss="quantile")``), where a sibling
      ``loss`` parameter, if any, must be ``"quantile"``;
    * ``alpha`` with a sibling ``loss="quantile"`` (``GradientBoostingRegressor``)
      or ``objective="quantile"`` (LightGBM's ``LGBMRegressor``, which takes
      ``alpha`` even when it is not among its parameters yet).

    Returns ``None`` when there is none. Raises a ``ValueError`` when the
    parameter exists but the loss is not the quantile loss, because fitting
    would silently give mean (or squared-error) predictions at every level.
    """
    params = estimator.get_params(deep=True)
    found = []
    for key in params:
        prefix, _, last = key.rpartition("__")
        prefix = f"{prefix}__" if prefix else ""
        if last == "quantile":
            loss = params.get(f"{prefix}loss")
            if f"{prefix}loss" in params and loss not in _QUANTILE_LOSSES:
                raise ValueError(
                    f"estimator {type(estimator).__name__} has a '{key}' parameter "
                    f"but {prefix}loss={loss!r}; set {prefix}loss='quantile' so "
                    "that each level is fitted with the pinball loss."
                )
            found.append(key)
        elif (
            last in ("loss", "objective")
            and params[key] in _QUANTILE_LOSSES
            and f"{prefix}quantile" not in params
        ):
            found.append(f"{prefix}alpha")
    found = sorted(set(found))
    if len(found) > 1:
        raise ValueError(
            f"estimator {type(estimator).__name__} has several quantile "
            f"parameters {found}; wrap the one quantile model you mean."
        )
    return found[0] if found else None


def check_quantile_estimator(estimator, *, name: str = "estimator") -> str | None:
    """``None`` for a native multi-quantile model, else its quantile parameter.

    Raises a ``TypeError`` naming the estimator when it has neither.
    """
    if predicts_quantiles(estimator):
        return None
    param = quantile_parameter(estimator)
    if param is None:
        raise TypeError(
            f"{name} {type(estimator).__name__} has no quantile parameter "
            "('quantile', or 'alpha' with loss/objective='quantile') and its "
            "predict takes no 'quantiles' argument; it cannot predict quantiles."
        )
    return param


def match_levels(requested, fitted, *, name: str = "quantiles") -> np.ndarray:
    """Column indices of ``requested`` levels among the ``fitted`` ones.

    Raises a ``ValueError`` listing the fitted levels when one is missing.
    """
    requested = check_quantile_levels(requested, name=name)
    index = np.abs(fitted[None, :] - requested[:, None]).argmin(axis=1)
    ok = np.isclose(fitted[index], requested, rtol=0.0, atol=1e-12)
    if not ok.all():
        raise ValueError(
            f"{name} {requested[~ok].tolist()} were not fitted; this model "
            f"predicts only the levels it was fitted at, {fitted.tolist()}. "
            "Refit with those levels."
        )
    return index


class BaseQuantileRegressor(RegressorMixin, BaseEstimator, metaclass=ABCMeta):
    """Base of the family: ``predict(X)`` gives one column per level.

    Subclasses set ``quantiles_`` (sorted fitted levels) in ``fit`` and
    implement ``predict(X, quantiles=None)``. ``score`` is the negative
    weighted interval score over ``quantiles_``, so ``GridSearchCV`` ranks
    models by WIS without a custom scorer.
    """

    @abstractmethod
    def predict(self, X, quantiles=None):
        """Predicted quantiles, shape (n_samples, n_quantiles)."""

    def _predicts_any_level(self) -> bool:
        """Whether ``predict(X, quantiles=...)`` answers levels not fitted."""
        return True

    def predict_interval(self, X, coverage=None) -> np.ndarray:
        """Central interval between the levels ``(1 - c)/2`` and ``(1 + c)/2``.

        The bounds are the columns :meth:`predict` gives at those two levels:
        a model-based interval, whose coverage holds only as far as the
        quantile model is right (no finite-sample guarantee; see
        :class:`~skvariance.calibration.ConformalQuantileRegressor` for one).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        coverage : float or array-like of float, default=None
            Nominal coverage(s) in (0, 1). ``None`` uses the outermost
            symmetric pair of levels ``(tau, 1 - tau)`` in ``quantiles_``
            (0.9 for the default levels; a ``ValueError`` if there is none).
            A model that predicts only its fitted levels raises a
            ``ValueError`` naming the coverages it offers for any other
            coverage; it never interpolates between levels.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)
            Lower and upper bounds; a third axis when ``coverage`` is an
            array, one entry per level in the order given.

        Examples
        --------
        >>> import numpy as np
        >>> from skvariance.quantile import KNNQuantileRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(size=(200, 1))
        >>> y = X[:, 0] + rng.normal(scale=0.1, size=200)
        >>> knn = KNNQuantileRegressor().fit(X, y)
        >>> knn.predict_interval(X[:2]).shape  # levels 0.05 and 0.95
        (2, 2)
        >>> knn.predict_interval(X[:2], coverage=[0.5, 0.8]).shape
        (2, 2, 2)
        """
        check_is_fitted(self)
        if coverage is None:
            coverage = default_coverage(self.quantiles_)
        if not self._predicts_any_level():
            lower, upper, scalar = coverage_columns(coverage, self.quantiles_)
            q = self.predict(X)
            return stack_interval(q[:, lower], q[:, upper], scalar)
        coverages, scalar = interval_levels(coverage)
        lower, upper = (1.0 - coverages) / 2.0, (1.0 + coverages) / 2.0
        levels, index = np.unique(np.concatenate([lower, upper]), return_inverse=True)
        q = self.predict(X, quantiles=levels)[:, index]
        return stack_interval(q[:, : lower.size], q[:, lower.size :], scalar)

    def score(self, X, y, sample_weight=None) -> float:
        """Negative weighted interval score of ``predict(X)`` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            ``-weighted_interval_score(y, self.predict(X), self.quantiles_)``.
        """
        return -weighted_interval_score(
            y, self.predict(X), self.quantiles_, sample_weight=sample_weight
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags
