"""Quantile and interval scores."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_consistent_length, column_or_1d

from ..utils.validation import check_coverage, check_quantile_levels

__all__ = [
    "coverage_score",
    "interval_score",
    "mean_interval_width",
    "pinball_loss",
    "weighted_interval_score",
]


def _check_target(y_true, name="y_true"):
    y = column_or_1d(np.asarray(y_true, dtype=np.float64))
    if y.size == 0:
        raise ValueError(f"{name} is empty.")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return y


def _check_bounds(lower, upper, n=None):
    lo = _check_target(lower, "lower")
    hi = _check_target(upper, "upper")
    check_consistent_length(lo, hi)
    if n is not None and lo.shape[0] != n:
        raise ValueError(f"lower and upper have {lo.shape[0]} rows, y_true has {n}.")
    if np.any(lo > hi):
        raise ValueError(
            f"lower must not exceed upper; found {int(np.sum(lo > hi))} crossed "
            "interval(s)."
        )
    return lo, hi


def _check_weights(sample_weight, n):
    if sample_weight is None:
        return None
    w = column_or_1d(np.asarray(sample_weight, dtype=np.float64))
    if w.shape[0] != n:
        raise ValueError(f"sample_weight has {w.shape[0]} entries, y_true has {n}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative, not all zero.")
    return w


def _check_quantile_predictions(y_true, y_quantiles, quantiles):
    y = _check_target(y_true)
    levels = check_quantile_levels(quantiles)
    q = np.asarray(y_quantiles, dtype=np.float64)
    if q.ndim == 1 and levels.size == 1:
        q = q[:, None]
    if q.ndim != 2 or q.shape != (y.shape[0], levels.size):
        raise ValueError(
            f"y_quantiles must have shape (n_samples, n_quantiles) = "
            f"({y.shape[0]}, {levels.size}), got {q.shape}."
        )
    if not np.all(np.isfinite(q)):
        raise ValueError("y_quantiles contains NaN or infinity.")
    return y, q, levels


def pinball_loss(
    y_true,
    y_quantiles,
    quantiles,
    *,
    sample_weight=None,
    multioutput: str = "uniform_average",
):
    """Pinball (quantile) loss, averaged over samples, for several levels.

    :math:`\\rho_\\tau(u) = u\\,(\\tau - \\mathbb{1}\\{u < 0\\})` with
    :math:`u = y - \\hat q_\\tau(x)`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    y_quantiles : array-like of shape (n_samples, n_quantiles)
        Predicted quantiles, one column per level.
    quantiles : array-like of shape (n_quantiles,)
        The levels, strictly increasing in (0, 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Average over levels, or return one loss per level.

    Returns
    -------
    loss : float or ndarray of shape (n_quantiles,)

    See Also
    --------
    weighted_interval_score : twice the level-averaged pinball loss.

    References
    ----------
    Koenker, R. and Bassett, G. (1978). "Regression Quantiles".
    Econometrica 46(1).

    Examples
    --------
    >>> from skvariance.metrics import pinball_loss
    >>> pinball_loss([1.0, 2.0], [[0.0, 1.0], [2.0, 3.0]], [0.1, 0.9])
    0.05
    """
    y, q, levels = _check_quantile_predictions(y_true, y_quantiles, quantiles)
    w = _check_weights(sample_weight, y.shape[0])
    u = y[:, None] - q
    losses = u * (levels[None, :] - (u < 0))
    per_level = np.average(losses, axis=0, weights=w)
    if multioutput == "raw_values":
        return per_level
    if multioutput != "uniform_average":
        raise ValueError(
            "multioutput must be 'uniform_average' or 'raw_values', got "
            f"{multioutput!r}."
        )
    return float(per_level.mean())


def weighted_interval_score(y_true, y_quantiles, quantiles, *, sample_weight=None):
    """Weighted interval score (WIS) of predicted quantiles.

    For :math:`K` central intervals at levels :math:`\\alpha_k` plus the
    median :math:`m`,

    .. math::

        \\mathrm{WIS} = \\frac{1}{K + 1/2}\\Big(\\tfrac12 |y - m|
        + \\sum_k \\tfrac{\\alpha_k}{2}\\, \\mathrm{IS}_{\\alpha_k}\\Big),

    which equals twice the pinball loss averaged over the :math:`2K + 1`
    levels. That identity is used as the definition for any set of levels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_quantiles : array-like of shape (n_samples, n_quantiles)
    quantiles : array-like of shape (n_quantiles,)
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    score : float
        Lower is better.

    References
    ----------
    Bracher, J., Ray, E. L., Gneiting, T. and Reich, N. G. (2021).
    "Evaluating epidemic forecasts in an interval format". PLOS Computational
    Biology 17(2).

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.metrics import interval_score, weighted_interval_score
    >>> y = np.array([0.3, 2.5])
    >>> q = np.array([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]])
    >>> wis = weighted_interval_score(y, q, [0.1, 0.5, 0.9])
    >>> by_hand = (0.5 * np.abs(y) + 0.1 * interval_score(
    ...     y, q[:, 0], q[:, 2], 0.2, multioutput="raw_values")) / 1.5
    >>> bool(np.isclose(wis, by_hand.mean()))
    True
    """
    return 2.0 * pinball_loss(
        y_true, y_quantiles, quantiles, sample_weight=sample_weight
    )


def interval_score(
    y_true, lower, upper, alpha, *, sample_weight=None, multioutput="average"
):
    """Interval score of central (1 - alpha) prediction intervals.

    .. math::

        \\mathrm{IS}_\\alpha(l, u; y) = (u - l)
        + \\tfrac{2}{\\alpha}(l - y)\\mathbb{1}\\{y < l\\}
        + \\tfrac{2}{\\alpha}(y - u)\\mathbb{1}\\{y > u\\}.

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n_samples,)
    alpha : float
        Miscoverage level in (0, 1); the interval's nominal coverage is
        ``1 - alpha``.
    sample_weight : array-like of shape (n_samples,), default=None
    multioutput : {"average", "raw_values"}, default="average"
        The (weighted) mean score or one score per sample.

    Returns
    -------
    score : float or ndarray of shape (n_samples,)
        Lower is better.

    References
    ----------
    Gneiting, T. and Raftery, A. E. (2007). "Strictly Proper Scoring Rules,
    Prediction, and Estimation". JASA 102(477).

    Examples
    --------
    >>> from skvariance.metrics import interval_score
    >>> interval_score([0.0, 3.0], [-1.0, -1.0], [1.0, 1.0], alpha=0.5)
    6.0
    """
    y = _check_target(y_true)
    lo, hi = _check_bounds(lower, upper, y.shape[0])
    a = check_coverage(alpha, name="alpha")
    w = _check_weights(sample_weight, y.shape[0])
    scores = (
        (hi - lo) + (2.0 / a) * (lo - y) * (y < lo) + (2.0 / a) * (y - hi) * (y > hi)
    )
    if multioutput == "raw_values":
        return scores
    if multioutput != "average":
        raise ValueError(
            f"multioutput must be 'average' or 'raw_values', got {multioutput!r}."
        )
    return float(np.average(scores, weights=w))


def coverage_score(y_true, lower, upper, *, sample_weight=None):
    """Fraction of targets inside their interval ``[lower, upper]``.

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    coverage : float

    Examples
    --------
    >>> from skvariance.metrics import coverage_score
    >>> coverage_score([0.0, 1.0, 5.0], [-1.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    0.6666666666666666
    """
    y = _check_target(y_true)
    lo, hi = _check_bounds(lower, upper, y.shape[0])
    w = _check_weights(sample_weight, y.shape[0])
    return float(np.average((y >= lo) & (y <= hi), weights=w))


def mean_interval_width(lower, upper, *, sample_weight=None):
    """Mean width ``upper - lower`` of prediction intervals.

    Parameters
    ----------
    lower, upper : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    width : float

    Examples
    --------
    >>> from skvariance.metrics import mean_interval_width
    >>> mean_interval_width([0.0, 1.0], [2.0, 2.0])
    1.5
    """
    lo, hi = _check_bounds(lower, upper)
    w = _check_weights(sample_weight, lo.shape[0])
    return float(np.average(hi - lo, weights=w))
