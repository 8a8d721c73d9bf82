"""Scorers for GridSearchCV over quantile and interval estimators.

Infinite bounds follow the rule of :mod:`skvariance.metrics._scores`: the
``neg_*`` scorers return ``-inf`` for a fold with an infinite bound or
quantile (so ``GridSearchCV`` ranks that candidate last instead of turning a
raised error into NaN), and ``coverage_scorer`` counts an infinite bound as
covering. ``GridSearchCV`` warns that a mean test score is non-finite and its
``std_test_*`` of infinite split scores is NaN (``inf - inf``); the
``split*_test_*``, ``mean_test_*`` and ``rank_test_*`` entries are not.
"""

from __future__ import annotations

import numpy as np

from ._scores import (
    coverage_score,
    interval_score,
    mean_interval_width,
    pinball_loss,
    weighted_interval_score,
)

__all__ = [
    "coverage_scorer",
    "neg_interval_score_scorer",
    "neg_mean_interval_width_scorer",
    "neg_pinball_loss_scorer",
    "neg_weighted_interval_score_scorer",
]


def _levels_of(estimator):
    for name in ("quantiles_", "quantiles"):
        levels = getattr(estimator, name, None)
        if levels is not None:
            return np.asarray(levels, dtype=float)
    raise TypeError(
        f"{type(estimator).__name__} has no 'quantiles' attribute; quantile "
        "scorers need an estimator whose predict returns one column per level."
    )


def _interval_of(estimator, X):
    predict_interval = getattr(estimator, "predict_interval", None)
    if predict_interval is None:
        raise TypeError(
            f"{type(estimator).__name__} has no predict_interval method; interval "
            "scorers need one that returns (n_samples, 2) bounds."
        )
    bounds = np.asarray(predict_interval(X))
    return bounds[:, 0], bounds[:, 1]


class _QuantileScorer:
    def __init__(self, func, sign, name):
        self._func, self._sign, self._name = func, sign, name

    def __call__(self, estimator, X, y_true, sample_weight=None):
        score = self._func(
            y_true,
            estimator.predict(X),
            _levels_of(estimator),
            sample_weight=sample_weight,
        )
        return self._sign * score

    def __repr__(self):
        return f"<{self._name}>"


class _IntervalScorer:
    def __init__(self, kind, name):
        self._kind, self._name = kind, name

    def __call__(self, estimator, X, y_true, sample_weight=None):
        lower, upper = _interval_of(estimator, X)
        if self._kind == "coverage":
            return coverage_score(y_true, lower, upper, sample_weight=sample_weight)
        if self._kind == "width":
            return -mean_interval_width(lower, upper, sample_weight=sample_weight)
        coverage = getattr(estimator, "coverage", None)
        if coverage is None:
            raise TypeError(
                f"{type(estimator).__name__} has no 'coverage' parameter; the "
                "interval score needs the nominal coverage 1 - alpha."
            )
        return -interval_score(
            y_true, lower, upper, 1.0 - coverage, sample_weight=sample_weight
        )

    def __repr__(self):
        return f"<{self._name}>"


#: ``scoring=neg_pinball_loss_scorer``: minus the pinball loss averaged over
#: the estimator's ``quantiles``; greater is better; ``-inf`` when a predicted
#: quantile is infinite.
neg_pinball_loss_scorer = _QuantileScorer(pinball_loss, -1.0, "neg_pinball_loss")
#: Minus the weighted interval score of the estimator's quantiles (``-inf``
#: when a predicted quantile is infinite).
neg_weighted_interval_score_scorer = _QuantileScorer(
    weighted_interval_score, -1.0, "neg_weighted_interval_score"
)
#: Minus the interval score of ``predict_interval`` at the estimator's
#: ``coverage`` (``-inf`` when a bound is infinite).
neg_interval_score_scorer = _IntervalScorer("interval", "neg_interval_score")
#: Empirical coverage of ``predict_interval``; an infinite bound covers its
#: side (report it; tuning on coverage alone rewards infinitely wide
#: intervals).
coverage_scorer = _IntervalScorer("coverage", "coverage")
#: Minus the mean width of ``predict_interval`` (``-inf`` when a bound is
#: infinite).
neg_mean_interval_width_scorer = _IntervalScorer("width", "neg_mean_interval_width")
