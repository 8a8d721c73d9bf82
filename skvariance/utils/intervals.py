"""The one interval API: shapes, coverage levels and the Gaussian interval.

Every skvariance regressor that knows its uncertainty (a standard deviation
or quantiles) offers ``predict_interval(X, coverage=None)`` with the shapes of
the conformal estimators of :mod:`skvariance.calibration`: a scalar
``coverage`` gives an array of shape (n_samples, 2) holding the lower and
upper bounds; an array of coverages gives (n_samples, 2, n_levels), one entry
per level in the order given. Coverages are validated by
:func:`skvariance.utils.check_coverage` (strictly inside (0, 1)).

The helpers below are what those methods share:

- :func:`interval_levels`: the validated coverage(s) as a 1-d array and
  whether the caller asked for one level (the shape of the answer);
- :func:`gaussian_interval`: ``mean -/+ z_{(1 + c)/2} * std``, the
  model-based interval of a predictive normal distribution;
  :func:`predict_gaussian_interval` validates the coverage, then asks a
  model's ``predict(X, return_std=True)`` for them;
- :func:`symmetric_coverages` and :func:`coverage_columns`: which coverages a
  model fitted at fixed quantile levels can answer, and from which columns.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from .validation import check_coverage

__all__ = [
    "coverage_columns",
    "default_coverage",
    "gaussian_interval",
    "interval_levels",
    "predict_gaussian_interval",
    "stack_interval",
    "symmetric_coverages",
]

#: Absolute tolerance when matching a coverage to a pair of fitted levels.
LEVEL_ATOL = 1e-12


def interval_levels(coverage) -> tuple[np.ndarray, bool]:
    """Validated coverage level(s) as a 1-d array, and whether one was asked.

    Parameters
    ----------
    coverage : float or array-like of float
        Nominal coverage(s), strictly inside (0, 1).

    Returns
    -------
    levels : ndarray of shape (n_levels,)
    scalar : bool
        ``True`` for a scalar ``coverage``: the interval then has shape
        (n_samples, 2) instead of (n_samples, 2, n_levels).

    Examples
    --------
    >>> from skvariance.utils.intervals import interval_levels
    >>> interval_levels(0.9)
    (array([0.9]), True)
    >>> interval_levels([0.5, 0.9])
    (array([0.5, 0.9]), False)
    """
    checked = check_coverage(coverage)
    return np.atleast_1d(np.asarray(checked, dtype=np.float64)), np.ndim(checked) == 0


def stack_interval(lower, upper, scalar: bool) -> np.ndarray:
    """Bounds of shape (n_samples, n_levels) as the interval API's array.

    Returns shape (n_samples, 2) when ``scalar`` (one level), else
    (n_samples, 2, n_levels).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.utils.intervals import stack_interval
    >>> stack_interval(np.zeros((3, 1)), np.ones((3, 1)), True).shape
    (3, 2)
    >>> stack_interval(np.zeros((3, 2)), np.ones((3, 2)), False).shape
    (3, 2, 2)
    """
    out = np.stack([np.asarray(lower, float), np.asarray(upper, float)], axis=1)
    return out[:, :, 0] if scalar else out


def gaussian_interval(y_pred, y_std, coverage) -> np.ndarray:
    """Central interval of the normal distribution ``N(y_pred, y_std**2)``.

    ``y_pred -/+ z * y_std`` with ``z`` the ``(1 + coverage)/2`` quantile of
    the standard normal. It covers ``coverage`` of new targets only if the
    model's mean and standard deviation are right and the noise is
    Gaussian: a model-based interval, with no finite-sample guarantee.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Predictive means.
    y_std : array-like of shape (n_samples,)
        Predictive standard deviations (non-negative, finite).
    coverage : float or array-like of float
        Nominal coverage(s) in (0, 1).

    Returns
    -------
    intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)

    Examples
    --------
    >>> from skvariance.utils.intervals import gaussian_interval
    >>> gaussian_interval([0.0], [1.0], 0.95).round(3)
    array([[-1.96,  1.96]])
    """
    levels, scalar = interval_levels(coverage)
    return _gaussian_bounds(y_pred, y_std, levels, scalar)


def _gaussian_bounds(y_pred, y_std, levels, scalar):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_std = np.asarray(y_std, dtype=np.float64)
    if y_pred.ndim != 1 or y_std.shape != y_pred.shape:
        raise ValueError(
            "y_pred and y_std must be 1-d arrays of the same length, got shapes "
            f"{y_pred.shape} and {y_std.shape}; predict_interval needs a "
            "single-output model."
        )
    if not np.all(y_std >= 0):
        raise ValueError("y_std must be non-negative; found a negative or NaN std.")
    half = y_std[:, None] * ndtri((1.0 + levels) / 2.0)[None, :]
    return stack_interval(y_pred[:, None] - half, y_pred[:, None] + half, scalar)


def predict_gaussian_interval(estimator, X, coverage, *, default: float = 0.9):
    """``predict_interval`` of a model whose ``predict`` takes ``return_std``.

    Validates ``coverage`` (``None`` means ``default``) before predicting,
    then returns :func:`gaussian_interval` of
    ``estimator.predict(X, return_std=True)``.

    Parameters
    ----------
    estimator : fitted estimator
        Its ``predict(X, return_std=True)`` returns ``(mean, std)``.
    X : array-like of shape (n_samples, n_features)
        Input samples, passed to ``predict`` as given.
    coverage : float, array-like of float or None
        Nominal coverage(s) in (0, 1).
    default : float, default=0.9
        The coverage used when ``coverage`` is None.

    Returns
    -------
    intervals : ndarray of shape (n_samples, 2) or (n_samples, 2, n_levels)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import BayesianRidge
    >>> from skvariance.utils.intervals import predict_gaussian_interval
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> model = BayesianRidge().fit(X, 2 * X.ravel())
    >>> predict_gaussian_interval(model, X[:3], None).shape
    (3, 2)
    """
    levels, scalar = interval_levels(default if coverage is None else coverage)
    y_pred, y_std = estimator.predict(X, return_std=True)
    return _gaussian_bounds(y_pred, y_std, levels, scalar)


def symmetric_coverages(quantiles) -> np.ndarray:
    """Coverages of the symmetric pairs ``(tau, 1 - tau)`` among fitted levels.

    Parameters
    ----------
    quantiles : ndarray of shape (n_quantiles,)
        Fitted levels, strictly increasing.

    Returns
    -------
    coverages : ndarray of shape (n_pairs,)
        ``1 - 2 tau`` for every pair present, increasing.

    Examples
    --------
    >>> from skvariance.utils.intervals import symmetric_coverages
    >>> symmetric_coverages([0.05, 0.25, 0.5, 0.75, 0.9]).round(10).tolist()
    [0.5]
    """
    q = np.asarray(quantiles, dtype=np.float64)
    found = [
        1.0 - 2.0 * tau
        for tau in q[q < 0.5]
        if np.isclose(q, 1.0 - tau, rtol=0.0, atol=LEVEL_ATOL).any()
    ]
    return np.unique(np.round(np.asarray(found, dtype=np.float64), 12))


def default_coverage(quantiles) -> float:
    """The widest coverage of the symmetric pairs among ``quantiles``.

    What ``predict_interval(X, coverage=None)`` of a quantile model answers:
    its outermost symmetric pair of levels. Raises a ``ValueError`` when
    there is none (no guess).

    Examples
    --------
    >>> from skvariance.utils.intervals import default_coverage
    >>> round(default_coverage([0.05, 0.5, 0.95]), 10)
    0.9
    """
    coverages = symmetric_coverages(quantiles)
    if coverages.size == 0:
        levels = np.asarray(quantiles).tolist()
        raise ValueError(
            "coverage=None uses the outermost symmetric pair of quantile levels "
            f"(tau, 1 - tau), but the model's quantiles_ {levels} "
            "hold no such pair; pass coverage explicitly."
        )
    return float(coverages[-1])


def coverage_columns(coverage, quantiles) -> tuple[np.ndarray, np.ndarray, bool]:
    """Columns of ``quantiles`` holding the levels of each coverage.

    For a model that predicts only the levels it was fitted at: no
    interpolation between levels. Raises a ``ValueError`` naming the
    coverages the model can answer when a level is missing.

    Parameters
    ----------
    coverage : float or array-like of float
        Nominal coverage(s) in (0, 1).
    quantiles : ndarray of shape (n_quantiles,)
        Fitted levels.

    Returns
    -------
    lower, upper : ndarray of int of shape (n_levels,)
        Column indices of ``(1 - c)/2`` and ``(1 + c)/2``.
    scalar : bool
        Whether ``coverage`` was a scalar.

    Examples
    --------
    >>> from skvariance.utils.intervals import coverage_columns
    >>> coverage_columns(0.8, [0.1, 0.5, 0.9])
    (array([0]), array([2]), True)
    """
    levels, scalar = interval_levels(coverage)
    q = np.asarray(quantiles, dtype=np.float64)
    columns = []
    for tau in ((1.0 - levels) / 2.0, (1.0 + levels) / 2.0):
        index = np.abs(q[None, :] - tau[:, None]).argmin(axis=1)
        ok = np.isclose(q[index], tau, rtol=0.0, atol=LEVEL_ATOL)
        if not ok.all():
            bad = levels[~ok].tolist()
            available = np.round(symmetric_coverages(q), 10).tolist()
            raise ValueError(
                f"coverage {bad[0] if scalar else bad} needs quantile levels "
                f"(1 - coverage)/2 and (1 + coverage)/2, which were not fitted "
                f"(quantiles_ = {q.tolist()}); this model offers coverages "
                f"{available}. Refit with those levels."
            )
        columns.append(index)
    return columns[0], columns[1], scalar
