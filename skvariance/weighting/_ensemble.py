"""Minimum-variance combination of estimates and of regressors."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.covariance import ledoit_wolf
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed

from ..utils._seeds import set_random_state
from ..utils._sklearn_compat import (
    Integral,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from ..utils.intervals import predict_gaussian_interval
from ..utils.metadata import sample_weight_params
from ..utils.parallel import aligned
from ..utils.validation import (
    check_n_jobs,
    check_sample_weight,
    passthrough_tags,
    validate_passthrough,
)
from .base import (
    build_router,
    check_splits,
    cross_fit_predict,
    derive_seed,
    fill_doc,
    fit_with_weights,
    route_fit_params,
)

__all__ = ["InverseVarianceEnsembleRegressor", "inverse_variance_combine"]


def inverse_variance_combine(means, variances, *, axis: int = 0):
    """Combine unbiased estimates with weights proportional to 1/variance.

    For independent unbiased estimates :math:`m_k` with variances
    :math:`\\sigma_k^2` the minimum-variance linear combination is

    .. math::

        \\hat m = \\frac{\\sum_k m_k / \\sigma_k^2}{\\sum_k 1 / \\sigma_k^2},
        \\qquad \\operatorname{Var}[\\hat m] = \\frac{1}{\\sum_k 1/\\sigma_k^2}.

    Parameters
    ----------
    means : array-like
        The estimates, stacked along ``axis`` (for example shape
        ``(n_estimates, n_samples)`` for per-sample combination).
    variances : array-like of the same shape as ``means``
        Their variances: finite and strictly positive (a zero variance would
        be an infinite weight; floor it yourself if that is what you mean).
    axis : int, default=0
        The axis along which the estimates are stacked, in
        ``[-means.ndim, means.ndim - 1]`` (a ``ValueError`` otherwise).

    Returns
    -------
    mean : ndarray
        The combined estimate, ``means`` with ``axis`` removed.
    variance : ndarray
        Its variance ``1 / sum(1 / variances)``, same shape as ``mean``.

    See Also
    --------
    InverseVarianceEnsembleRegressor : weights from cross-fitted errors of
        correlated models.

    References
    ----------
    .. [1] Hartung, J., Knapp, G. and Sinha, B. K. "Statistical Meta-Analysis
       with Applications", Wiley, 2008, chapter 4.

    Examples
    --------
    >>> from skvariance.weighting import inverse_variance_combine
    >>> mean, var = inverse_variance_combine([[1.0, 2.0], [3.0, 2.0]],
    ...                                      [[1.0, 1.0], [1.0, 3.0]])
    >>> mean.tolist(), var.tolist()
    ([2.0, 2.0], [0.5, 0.75])
    """
    means = np.asarray(means, dtype=float)
    variances = np.asarray(variances, dtype=float)
    if means.shape != variances.shape:
        raise ValueError(
            f"means and variances must have the same shape, got {means.shape} "
            f"and {variances.shape}."
        )
    if means.ndim == 0 or means.size == 0:
        raise ValueError("means must be a non-empty array of estimates.")
    ndim = means.ndim
    if (
        not isinstance(axis, (int, np.integer))
        or isinstance(axis, bool)
        or not -ndim <= axis < ndim
    ):
        raise ValueError(
            f"axis must be an int in [{-ndim}, {ndim - 1}] for means with "
            f"{ndim} dimension(s), got {axis!r}."
        )
    if not np.all(np.isfinite(means)):
        raise ValueError("means must be finite; found NaN or infinity.")
    if not np.all(np.isfinite(variances)):
        raise ValueError("variances must be finite; found NaN or infinity.")
    if not np.all(variances > 0):
        raise ValueError(
            "variances must be strictly positive; found "
            f"{int(np.sum(~(variances > 0)))} value(s) <= 0."
        )
    precision = 1.0 / variances
    total = precision.sum(axis=axis)
    return (precision * means).sum(axis=axis) / total, 1.0 / total


def _min_variance_weights(cov, non_negative):
    """w = S^-1 1 / 1'S^-1 1, or its minimiser on the simplex."""
    k = cov.shape[0]
    ones = np.ones(k)
    raw = np.linalg.lstsq(cov, ones, rcond=None)[0]
    weights = raw / raw.sum()
    if not non_negative or np.all(weights >= 0):
        return weights
    start = np.clip(weights, 0, None)
    start = start / start.sum() if start.sum() > 0 else ones / k
    # the weights do not depend on the covariance's scale, SLSQP's absolute
    # ftol does: errors in small units (cov ~1e-6) stopped it at the start
    scaled = cov / (np.trace(cov) / k)
    result = minimize(
        lambda w: w @ scaled @ w,
        start,
        jac=lambda w: 2 * scaled @ w,
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 500},
    )
    weights = np.clip(result.x, 0.0, None)
    return weights / weights.sum()


def _fit_one(estimator, X, y, sample_weight, fit_params, name):
    # aligned: a Dask worker may receive X misaligned (see utils.parallel)
    return fit_with_weights(
        estimator, aligned(X), aligned(y), sample_weight, fit_params, name=name
    )


@fill_doc
class InverseVarianceEnsembleRegressor(
    MetaEstimatorMixin, RegressorMixin, BaseEstimator
):
    """Minimum-variance combination of regressors from their cross-fitted errors.

    Each member's out-of-fold errors :math:`e_{ik} = y_i - \\hat f_{k,-i}(x_i)`
    estimate the second-moment matrix :math:`\\Sigma` of the members' errors;
    the combination weights are the minimum-variance weights

    .. math::

        w = \\frac{\\Sigma^{-1} \\mathbf 1}{\\mathbf 1^\\top \\Sigma^{-1} \\mathbf 1},

    which for uncorrelated errors reduce to :math:`w_k \\propto 1/\\sigma_k^2`.
    The members are then refitted on all rows.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The members, as ``(name, regressor)`` pairs (names unique). Cloned,
        never modified.
    {cv}
    covariance : {"shrunk", "full", "diagonal"}, default="shrunk"
        How :math:`\\Sigma` is estimated from the error matrix (errors are not
        centred: a member's bias counts as error). ``"full"``: the empirical
        second moments, unstable with many correlated members;
        ``"shrunk"``: Ledoit-Wolf shrinkage towards a scaled identity;
        ``"diagonal"``: mean squared errors only, that is classical inverse-MSE
        weights ignoring correlations.
    non_negative : bool, default=False
        Restrict the weights to the simplex (no short positions); the
        unconstrained weights can be negative for strongly correlated members.
    {n_jobs}
    {random_state}

    Attributes
    ----------
    estimators_ : list of estimators
        The members refitted on all rows, in the order of ``estimators``.
    estimator_names_ : list of str
        The members' names, in the order of ``estimators_`` and ``weights_``.
    weights_ : ndarray of shape (n_estimators,)
        Combination weights; they sum to 1. :meth:`weights_to_frame` labels
        them with ``estimator_names_``.
    covariance_ : ndarray of shape (n_estimators, n_estimators)
        The error second-moment matrix the weights are computed from, as
        ``covariance`` says (shrunk, full or diagonal).
    error_covariance_ : ndarray of shape (n_estimators, n_estimators)
        The full empirical (weighted) second-moment matrix of the
        cross-fitted errors, :math:`\\hat\\Sigma = E^\\top E / n`: what
        ``predict(return_std=True)`` uses, whatever ``covariance`` is.
    oof_predictions_ : ndarray of shape (n_samples, n_estimators)
        The members' cross-fitted predictions.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    inverse_variance_combine : per-sample combination of means and variances.
    sklearn.ensemble.StackingRegressor : a learned, unconstrained combiner.
    sklearn.ensemble.VotingRegressor : fixed weights.

    Notes
    -----
    ``predict(X, return_std=True)`` returns
    :math:`\\sqrt{w^\\top \\hat\\Sigma w}` with the full empirical
    :math:`\\hat\\Sigma` (``error_covariance_``) whatever ``covariance`` the
    weights use: the cross-fitted root mean squared error of the
    combination, one number for every row, since the error moments are
    estimated globally, not as a function of ``x``. A diagonal (or shrunk)
    :math:`\\Sigma` is a choice of weights, not a claim that the members'
    errors are uncorrelated: with correlated members
    :math:`w^\\top \\operatorname{diag}(\\hat\\Sigma) w` would be far below the
    combination's error (90% bands covering 63-69%). With
    ``sample_weight`` the errors' moments are weighted and the members are
    fitted with the weights (they must accept them).

    References
    ----------
    .. [1] Bates, J. M. and Granger, C. W. J. "The Combination of Forecasts",
       Operational Research Quarterly, 1969.
    .. [2] Ledoit, O. and Wolf, M. "A well-conditioned estimator for
       large-dimensional covariance matrices", Journal of Multivariate
       Analysis, 2004.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from skvariance.weighting import InverseVarianceEnsembleRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=10, random_state=0)
    >>> ens = InverseVarianceEnsembleRegressor(
    ...     [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=4))],
    ...     random_state=0,
    ... ).fit(X, y)
    >>> bool(ens.weights_[0] > ens.weights_[1])
    True
    >>> float(ens.weights_.sum())
    1.0
    """

    _parameter_constraints: dict = {
        "estimators": [list],
        "cv": ["cv_object"],
        "covariance": [StrOptions({"shrunk", "full", "diagonal"})],
        "non_negative": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimators,
        *,
        cv=5,
        covariance: str = "shrunk",
        non_negative: bool = False,
        n_jobs: int | None = None,
        random_state=None,
    ):
        self.estimators = estimators
        self.cv = cv
        self.covariance = covariance
        self.non_negative = non_negative
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _members(self):
        if not self.estimators:
            raise ValueError("estimators must be a non-empty list of (name, model).")
        names = []
        for item in self.estimators:
            if (
                not isinstance(item, tuple)
                or len(item) != 2
                or not isinstance(item[0], str)
                or not hasattr(item[1], "fit")
                or not hasattr(item[1], "predict")
            ):
                raise TypeError(
                    "estimators must be a list of (str, regressor) pairs, got "
                    f"{item!r}."
                )
            names.append(item[0])
        if len(set(names)) != len(names):
            raise ValueError(f"estimators names must be unique, got {names}.")
        return self.estimators

    def __sklearn_tags__(self):
        # X reaches every member as given
        members = [
            item[1]
            for item in (self.estimators if isinstance(self.estimators, list) else [])
            if isinstance(item, tuple) and len(item) == 2
        ]
        return passthrough_tags(super().__sklearn_tags__(), members)

    def get_metadata_routing(self):
        """Routing of ``fit`` metadata to every member (by its name).

        Returns
        -------
        routing : MetadataRouter
        """
        return build_router(self, **dict(self._members()))

    def _covariance(self, errors, sample_weight, second):
        if self.covariance == "shrunk":
            scaled = errors * np.sqrt(sample_weight / sample_weight.mean())[:, None]
            return ledoit_wolf(scaled, assume_centered=True)[0]
        if self.covariance == "diagonal":
            return np.diag(np.diag(second))
        return second

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Cross-fit every member, estimate the weights, refit on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Given to every member's ``fit`` and used to weight the error
            moments.
        **fit_params : dict
            Other metadata for the members; only with metadata routing
            enabled.

        Returns
        -------
        self : InverseVarianceEnsembleRegressor
            The fitted ensemble.
        """
        check_n_jobs(self.n_jobs)
        members = self._members()
        X, y = validate_passthrough(self, X, y)
        sw = None
        if sample_weight is not None:
            sw = check_sample_weight(np.asarray(sample_weight), X)
            for name, est in members:
                sample_weight_params(est, sw, name=f"estimators[{name!r}]")
        routed = route_fit_params(self, [n for n, _ in members], fit_params)
        rng = check_random_state(self.random_state)
        clones = [set_random_state(clone(est), derive_seed(rng)) for _, est in members]
        splits = check_splits(self.cv, X, y, derive_seed(rng))
        oof = np.column_stack(
            [
                cross_fit_predict(
                    est,
                    X,
                    y,
                    splits,
                    sample_weight=sw,
                    fit_params=routed[name],
                    n_jobs=self.n_jobs,
                    name=f"estimators[{name!r}]",
                )
                for (name, _), est in zip(members, clones)
            ]
        )
        errors = y[:, None] - oof
        weight = np.ones(len(y)) if sw is None else sw
        # the full second moments: the std of the combination, and the
        # weights' matrix unless ``covariance`` asks for another
        self.error_covariance_ = (errors * weight[:, None]).T @ errors / weight.sum()
        self.covariance_ = self._covariance(errors, weight, self.error_covariance_)
        self.weights_ = _min_variance_weights(self.covariance_, self.non_negative)
        self.oof_predictions_ = oof
        self.estimator_names_ = [name for name, _ in members]
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(est, X, y, sw, routed[name], f"estimators[{name!r}]")
            for (name, _), est in zip(members, clones)
        )
        return self

    def weights_to_frame(self):
        """Per-member results as a pandas DataFrame, one row per member.

        Returns
        -------
        frame : pandas.DataFrame
            Index ``estimator_names_`` (named ``"estimator"``); columns
            ``"weight"`` (``weights_``) and ``"cv_rmse"``, each member's
            cross-fitted root mean squared error (square root of the diagonal
            of ``error_covariance_``).

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import LinearRegression, Ridge
        >>> from skvariance.weighting import InverseVarianceEnsembleRegressor
        >>> X, y = make_regression(n_samples=100, n_features=3, noise=5, random_state=0)
        >>> ens = InverseVarianceEnsembleRegressor(
        ...     [("ols", LinearRegression()), ("ridge", Ridge(alpha=50.0))],
        ...     random_state=0,
        ... ).fit(X, y)
        >>> frame = ens.weights_to_frame()
        >>> frame.index.tolist(), frame.columns.tolist()
        (['ols', 'ridge'], ['weight', 'cv_rmse'])
        """
        check_is_fitted(self)
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dep
            raise ImportError(
                "weights_to_frame needs pandas; weights_ holds the same numbers."
            ) from exc
        return pd.DataFrame(
            {
                "weight": self.weights_,
                "cv_rmse": np.sqrt(np.diag(self.error_covariance_)),
            },
            index=pd.Index(self.estimator_names_, name="estimator"),
        )

    def predict_members(self, X) -> np.ndarray:
        """Every member's prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        predictions : ndarray of shape (n_samples, n_estimators)
        """
        check_is_fitted(self)
        X = validate_passthrough(self, X, reset=False)
        return np.column_stack([est.predict(X) for est in self.estimators_])

    def predict(self, X, return_std: bool = False):
        """Weighted combination of the members' predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        return_std : bool, default=False
            Also return the cross-fitted RMSE of the combination (constant in
            ``x``; see Notes of the class).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        y_std : ndarray of shape (n_samples,)
            Only when ``return_std=True``.
        """
        y_pred = self.predict_members(X) @ self.weights_
        if not return_std:
            return y_pred
        rmse = float(
            np.sqrt(max(self.weights_ @ self.error_covariance_ @ self.weights_, 0))
        )
        return y_pred, np.full(y_pred.shape, rmse)

    def predict_interval(self, X, coverage=None) -> np.ndarray:
        """Gaussian prediction interval ``mean -/+ z * std`` (model-based).

        ``std`` is the cross-fitted RMSE of the combination (see Notes of the
        class), the same for every row, so the interval has a constant width:
        on heteroscedastic data it over-covers where the noise is small and
        under-covers where it is large, even when its average coverage is
        right. No finite-sample guarantee; see
        :class:`~skvariance.calibration.ConformalRegressor` for one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.
        coverage : float or array-like of float, default=None
            Nominal coverage(s) in (0, 1); ``None`` means 0.9.

        Returns
        -------
        intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)
            Lower and upper bounds; a third axis when ``coverage`` is an
            array, one entry per level in the order given.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import LinearRegression, Ridge
        >>> from skvariance.weighting import InverseVarianceEnsembleRegressor
        >>> X, y = make_regression(n_samples=100, n_features=3, noise=5, random_state=0)
        >>> ens = InverseVarianceEnsembleRegressor(
        ...     [("ols", LinearRegression()), ("ridge", Ridge(alpha=50.0))],
        ...     random_state=0,
        ... ).fit(X, y)
        >>> lower, upper = ens.predict_interval(X[:3], coverage=0.8).T
        >>> bool((upper - lower > 0).all())
        True
        """
        return predict_gaussian_interval(self, X, coverage, default=0.9)
