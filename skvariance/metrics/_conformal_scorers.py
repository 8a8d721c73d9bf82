"""Scorers for tuning conformal predictors with GridSearchCV.

A conformal predictor's coverage is guaranteed, so tuning it is about width
(regression) or set size (classification); but an empirical coverage below
the target on a validation fold -- a misspecified calibration, a shift --
must not be rewarded with a narrow interval. The scorers here combine both.
"""

from __future__ import annotations

import numpy as np

from ._scorers import _interval_of
from ._scores import coverage_score, mean_interval_width

__all__ = [
    "make_coverage_constrained_width_scorer",
    "neg_coverage_constrained_width_scorer",
    "neg_mean_set_size_scorer",
    "set_coverage_scorer",
]


def _target_coverage(estimator, coverage):
    if coverage is not None:
        return float(coverage)
    value = getattr(estimator, "coverage", None)
    if value is None:
        raise TypeError(
            f"{type(estimator).__name__} has no 'coverage' parameter; give the "
            "scorer a target coverage."
        )
    return float(value)


class _CoverageConstrainedWidth:
    def __init__(self, coverage=None, slack="binomial"):
        if coverage is not None and not 0.0 < coverage < 1.0:
            raise ValueError(f"coverage must be in (0, 1), got {coverage}.")
        if slack != "binomial" and not (
            isinstance(slack, (int, float)) and 0.0 <= slack < 1.0
        ):
            raise ValueError(
                f"slack must be 'binomial' or a float in [0, 1), got {slack}."
            )
        self.coverage, self.slack = coverage, slack

    def __call__(self, estimator, X, y_true, sample_weight=None):
        lower, upper = _interval_of(estimator, X)
        target = _target_coverage(estimator, self.coverage)
        width = mean_interval_width(lower, upper, sample_weight=sample_weight)
        covered = coverage_score(y_true, lower, upper, sample_weight=sample_weight)
        n = np.asarray(y_true).shape[0]
        if self.slack == "binomial":
            slack = 2.0 * np.sqrt(target * (1.0 - target) / n)
        else:
            slack = float(self.slack)
        shortfall = max(0.0, target - slack - covered)
        return -width * (1.0 + shortfall / (1.0 - target))

    def __repr__(self):
        return (
            f"make_coverage_constrained_width_scorer(coverage={self.coverage}, "
            f"slack={self.slack!r})"
        )


def make_coverage_constrained_width_scorer(coverage=None, *, slack="binomial"):
    """A scorer: minus the mean width, penalised when coverage falls short.

    The score is ``-width * (1 + shortfall / (1 - coverage))`` with
    ``shortfall = max(0, coverage - slack - empirical_coverage)``: a
    candidate that covers the validation fold as promised is ranked by its
    width alone, and one that misses by the whole ``alpha = 1 - coverage``
    counts as twice as wide. Scores are finite for finite intervals, so
    ``GridSearchCV`` can average them over folds.

    Parameters
    ----------
    coverage : float, default=None
        Target coverage in (0, 1); ``None`` reads the estimator's ``coverage``.
    slack : "binomial" or float, default="binomial"
        Tolerated shortfall before any penalty: ``"binomial"`` is two
        binomial standard errors ``2 sqrt(c (1 - c) / n)`` of the fold's
        empirical coverage; a float is used as is.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true, sample_weight=None)``, greater is
        better; the estimator needs ``predict_interval(X)``.

    Notes
    -----
    An interval with an infinite bound has infinite width, so the score of
    a fold holding one is ``-inf`` and ``GridSearchCV`` ranks the candidate
    last; its coverage counts the infinite bound as covering (see
    :func:`~skvariance.metrics.coverage_score`). NaN bounds raise a
    ``ValueError``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skvariance.calibration import ConformalRegressor
    >>> from skvariance.metrics import make_coverage_constrained_width_scorer
    >>> X, y = make_regression(n_samples=200, noise=5.0, random_state=0)
    >>> reg = ConformalRegressor(Ridge(), random_state=0).fit(X[:150], y[:150])
    >>> scorer = make_coverage_constrained_width_scorer()
    >>> bool(scorer(reg, X[150:], y[150:]) < 0)
    True
    """
    return _CoverageConstrainedWidth(coverage, slack)


#: Minus the mean width of ``predict_interval``, penalised when the empirical
#: coverage is more than two binomial standard errors below the estimator's
#: ``coverage`` (see :func:`make_coverage_constrained_width_scorer`); ``-inf``
#: when a bound is infinite.
neg_coverage_constrained_width_scorer = make_coverage_constrained_width_scorer()


def _sets_of(estimator, X):
    predict_set = getattr(estimator, "predict_set", None)
    if predict_set is None:
        raise TypeError(
            f"{type(estimator).__name__} has no predict_set method; set scorers "
            "need one that returns a boolean (n_samples, n_classes) mask."
        )
    sets = np.asarray(predict_set(X), dtype=bool)
    if sets.ndim != 2:
        raise ValueError(
            f"predict_set must return a 2-d mask for the default coverage, got "
            f"shape {sets.shape}."
        )
    return sets


def _weighted_mean(values, sample_weight):
    if sample_weight is None:
        return float(np.mean(values))
    return float(np.average(values, weights=np.asarray(sample_weight, dtype=float)))


class _SetScorer:
    def __init__(self, kind):
        self.kind = kind

    def __call__(self, estimator, X, y_true, sample_weight=None):
        sets = _sets_of(estimator, X)
        if self.kind == "size":
            return -_weighted_mean(sets.sum(axis=1), sample_weight)
        classes = np.asarray(estimator.classes_)
        y_true = np.asarray(y_true)
        pos = np.searchsorted(classes, y_true)
        pos = np.clip(pos, 0, classes.size - 1)
        known = classes[pos] == y_true
        hit = np.where(known, sets[np.arange(y_true.size), pos], False)
        return _weighted_mean(hit, sample_weight)

    def __repr__(self):
        return f"<{'neg_mean_set_size' if self.kind == 'size' else 'set_coverage'}>"


#: Minus the mean number of labels in ``predict_set`` (greater is better).
neg_mean_set_size_scorer = _SetScorer("size")
#: Share of samples whose true label is in ``predict_set`` (labels unseen at
#: fit count as missed).
set_coverage_scorer = _SetScorer("coverage")
