"""Quantile and interval scores.

Infinite bounds
---------------
Conformal predictors return an infinite bound on purpose when the
calibration set is too small for the level or a shift weight is too large.
Every metric here accepts them with one rule:

* an infinite bound is never crossed: it covers its side
  (``coverage_score``) and adds no miss penalty;
* the width, the interval score, the pinball loss of an infinite quantile and
  the weighted interval score of such a row are ``+inf``, and so is their
  mean over rows (a finite "worst value" would be a guess; ``+inf`` is what
  the interval is worth, and a ``neg_*`` scorer's ``-inf`` ranks last in
  ``GridSearchCV``);
* a row with ``sample_weight`` 0 counts for nothing, even when infinite;
* NaN raises a ``ValueError``, as do ``lower = +inf`` and ``upper = -inf``
  (no real value lies in such an interval) and an infinite ``y_true``.
"""

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


def _check_bound(values, name, forbidden):
    """A 1-d float array of interval bounds: infinities allowed, NaN not.

    ``forbidden`` is the infinity that leaves no real value inside the
    interval (``+inf`` for a lower bound, ``-inf`` for an upper bound).
    """
    b = column_or_1d(np.asarray(values, dtype=np.float64))
    if b.size == 0:
        raise ValueError(f"{name} is empty.")
    if np.any(np.isnan(b)):
        raise ValueError(
            f"{name} contains NaN ({int(np.sum(np.isnan(b)))} value(s)); an "
            "infinite bound is allowed, a missing one is not."
        )
    if np.any(b == forbidden):
        raise ValueError(
            f"{name} contains {forbidden:+}: such an interval holds no real "
            f"value; only {'-' if forbidden > 0 else '+'}inf is allowed in {name}."
        )
    return b


def _check_bounds(lower, upper, n=None):
    lo = _check_bound(lower, "lower", np.inf)
    hi = _check_bound(upper, "upper", -np.inf)
    check_consistent_length(lo, hi)
    if n is not None and lo.shape[0] != n:
        raise ValueError(f"lower and upper have {lo.shape[0]} rows, y_true has {n}.")
    if np.any(lo > hi):
        raise ValueError(
            f"lower must not exceed upper; found {int(np.sum(lo > hi))} crossed "
            "interval(s)."
        )
    return lo, hi


def _mean(values, w):
    """(Weighted) mean over rows in which a zero-weight row counts for nothing.

    ``np.average`` would turn ``0 * inf`` into NaN; rows of weight 0 are
    dropped first, so an infinite value in such a row leaves the mean finite
    and an infinite value in any other row makes it ``+inf``.
    """
    if w is None:
        return np.mean(values, axis=0)
    keep = w > 0
    return np.average(values[keep], axis=0, weights=w[keep])


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
    if np.any(np.isnan(q)):
        raise ValueError(
            f"y_quantiles contains NaN ({int(np.sum(np.isnan(q)))} value(s)); an "
            "infinite quantile is allowed, a missing one is not."
        )
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

    Notes
    -----
    A quantile of ``+inf`` or ``-inf`` has loss ``+inf`` on its row (the
    observation is infinitely far from it either way), so the mean over rows
    and, with ``"uniform_average"``, over levels is ``+inf`` unless that row's
    ``sample_weight`` is 0. NaN quantiles raise a ``ValueError``.

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
    # u * (tau - 1{u < 0}) is +inf for an infinite quantile on either side.
    losses = u * (levels[None, :] - (u < 0))
    per_level = _mean(losses, w)
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

    Notes
    -----
    As for :func:`pinball_loss`: an infinite quantile (for example the
    infinite bound of a conformal interval) makes the score ``+inf`` unless
    its row has ``sample_weight`` 0; NaN raises a ``ValueError``.

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

    Notes
    -----
    Infinite bounds: ``lower = -inf`` or ``upper = +inf`` gives the row a
    score of ``+inf`` (its width), and the average is ``+inf`` unless that
    row's ``sample_weight`` is 0. An infinite bound is never crossed, so it
    adds no miss penalty. NaN bounds, ``lower = +inf`` and ``upper = -inf``
    raise a ``ValueError``.

    References
    ----------
    Gneiting, T. and Raftery, A. E. (2007). "Strictly Proper Scoring Rules,
    Prediction, and Estimation". JASA 102(477).

    Examples
    --------
    >>> from skvariance.metrics import interval_score
    >>> interval_score([0.0, 3.0], [-1.0, -1.0], [1.0, 1.0], alpha=0.5)
    6.0
    >>> interval_score([0.0, 3.0], [-1.0, -1.0], [1.0, float("inf")], alpha=0.5)
    inf
    """
    y = _check_target(y_true)
    lo, hi = _check_bounds(lower, upper, y.shape[0])
    a = check_coverage(alpha, name="alpha")
    w = _check_weights(sample_weight, y.shape[0])
    # np.where, not a product with the indicator: (lo - y) * 0 is NaN when
    # lo = -inf. An infinite bound is never crossed, so it adds no penalty and
    # its width is +inf.
    below = np.where(y < lo, (2.0 / a) * (lo - y), 0.0)
    above = np.where(y > hi, (2.0 / a) * (y - hi), 0.0)
    scores = (hi - lo) + below + above
    if multioutput == "raw_values":
        return scores
    if multioutput != "average":
        raise ValueError(
            f"multioutput must be 'average' or 'raw_values', got {multioutput!r}."
        )
    return float(_mean(scores, w))


def coverage_score(y_true, lower, upper, *, sample_weight=None):
    """Fraction of targets inside their interval ``[lower, upper]``.

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    coverage : float

    Notes
    -----
    An infinite bound covers its side: ``y`` is inside ``[-inf, u]`` when
    ``y <= u`` and always inside ``[-inf, +inf]``. NaN bounds,
    ``lower = +inf`` and ``upper = -inf`` raise a ``ValueError``. Coverage
    alone rewards infinite intervals: report it next to a width or interval
    score.

    Examples
    --------
    >>> from skvariance.metrics import coverage_score
    >>> coverage_score([0.0, 1.0, 5.0], [-1.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    0.6666666666666666
    >>> coverage_score([0.0, 1.0, 5.0], [-1.0, 0.0, 0.0], [1.0, 1.0, float("inf")])
    1.0
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

    Notes
    -----
    A row with ``lower = -inf`` or ``upper = +inf`` has width ``+inf``, and
    the mean is ``+inf`` unless that row's ``sample_weight`` is 0. NaN bounds,
    ``lower = +inf`` and ``upper = -inf`` raise a ``ValueError``.

    Examples
    --------
    >>> from skvariance.metrics import mean_interval_width
    >>> mean_interval_width([0.0, 1.0], [2.0, 2.0])
    1.5
    >>> mean_interval_width([0.0, -float("inf")], [2.0, 2.0])
    inf
    >>> mean_interval_width([0.0, -float("inf")], [2.0, 2.0], sample_weight=[1, 0])
    2.0
    """
    lo, hi = _check_bounds(lower, upper)
    w = _check_weights(sample_weight, lo.shape[0])
    return float(_mean(hi - lo, w))
