"""Scorers for conformal predictors."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV

from skvariance.calibration import ConformalClassifier, ConformalRegressor
from skvariance.metrics import (
    make_coverage_constrained_width_scorer,
    neg_coverage_constrained_width_scorer,
    neg_mean_set_size_scorer,
    set_coverage_scorer,
)


class FixedInterval(BaseEstimator):
    """predict_interval = [-half, half] for every sample."""

    def __init__(self, half=1.0, coverage=0.9):
        self.half = half
        self.coverage = coverage

    def predict_interval(self, X):
        n = len(X)
        return np.column_stack([-np.full(n, self.half), np.full(n, self.half)])


def test_width_alone_when_coverage_is_met():
    y = np.linspace(-1, 1, 100)  # all covered by half=1
    score = neg_coverage_constrained_width_scorer(FixedInterval(1.0), y[:, None], y)
    assert score == pytest.approx(-2.0)


def test_penalty_when_coverage_falls_short():
    y = np.linspace(-1, 1, 101)
    # half=0.5 covers about half: shortfall 0.9 - slack - 0.5
    scorer = make_coverage_constrained_width_scorer(slack=0.0)
    covered = np.mean(np.abs(y) <= 0.5)
    expected = -1.0 * (1 + (0.9 - covered) / 0.1)
    assert scorer(FixedInterval(0.5), y[:, None], y) == pytest.approx(expected)
    # the narrow interval that misses is ranked below the one that covers
    assert scorer(FixedInterval(0.5), y[:, None], y) < scorer(
        FixedInterval(1.0), y[:, None], y
    )
    # binomial slack tolerates a shortfall within two standard errors
    y_many = np.linspace(-1, 1, 1000)
    half = np.quantile(np.abs(y_many), 0.89)
    binom = neg_coverage_constrained_width_scorer(FixedInterval(half), y_many, y_many)
    assert binom == pytest.approx(-2 * half)


def test_bad_scorer_arguments():
    with pytest.raises(ValueError, match="coverage"):
        make_coverage_constrained_width_scorer(coverage=1.0)
    with pytest.raises(ValueError, match="slack"):
        make_coverage_constrained_width_scorer(slack=2.0)
    with pytest.raises(TypeError, match="predict_interval"):
        neg_coverage_constrained_width_scorer(Ridge(), np.zeros((2, 1)), np.zeros(2))


def test_grid_search_with_constrained_width():
    X, y = make_regression(n_samples=300, n_features=5, noise=10.0, random_state=0)
    search = GridSearchCV(
        ConformalRegressor(Ridge(), random_state=0),
        {"estimator__alpha": [0.1, 1000.0]},
        scoring=neg_coverage_constrained_width_scorer,
        cv=3,
    ).fit(X, y)
    # heavy shrinkage gives wider intervals
    assert search.best_params_["estimator__alpha"] == 0.1


def test_set_scorers():
    X, y = make_classification(
        n_samples=400, n_classes=3, n_informative=4, random_state=0
    )
    clf = ConformalClassifier(LogisticRegression(), random_state=0).fit(X, y)
    sets = clf.predict_set(X)
    assert neg_mean_set_size_scorer(clf, X, y) == pytest.approx(-sets.sum(1).mean())
    assert set_coverage_scorer(clf, X, y) == pytest.approx(
        sets[np.arange(400), y].mean()
    )
    search = GridSearchCV(
        clf, {"score": ["lac", "aps"]}, scoring=neg_mean_set_size_scorer, cv=3
    ).fit(X, y)
    assert search.best_params_["score"] == "lac"


class _Bounds(BaseEstimator):
    """predict_interval returns the bounds it was given (test helper)."""

    def __init__(self, lower=None, upper=None, coverage=0.9):
        self.lower = lower
        self.upper = upper
        self.coverage = coverage

    def predict_interval(self, X):
        return np.column_stack([self.lower, self.upper])


def test_binomial_slack_is_two_standard_errors_by_hand():
    # 100 rows, target 0.9: slack = 2 sqrt(0.9 * 0.1 / 100) = 0.06
    y = np.arange(100.0)
    lower, upper = np.zeros(100), np.full(100, 79.0)  # covers rows 0-79: 0.80
    est = _Bounds(lower, upper, coverage=0.9)
    shortfall = 0.9 - 0.06 - 0.80
    expected = -79.0 * (1 + shortfall / 0.1)
    score = neg_coverage_constrained_width_scorer(est, y[:, None], y)
    assert score == pytest.approx(expected, rel=1e-12)
    # a target given to the scorer overrides the estimator's coverage:
    # 0.8 - 2 sqrt(0.8 * 0.2 / 100) < 0.80, no penalty
    override = make_coverage_constrained_width_scorer(coverage=0.8)
    assert override(est, y[:, None], y) == -79.0
    fixed = make_coverage_constrained_width_scorer(slack=0.05)
    assert fixed(est, y[:, None], y) == pytest.approx(-79.0 * (1 + 0.05 / 0.1))


def test_constrained_width_uses_sample_weight():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    est = _Bounds(np.zeros(4), np.array([1.0, 1.0, 1.0, 5.0]), coverage=0.5)
    w = np.array([1.0, 1.0, 2.0, 0.0])
    # weighted width (1 + 1 + 2) / 4 = 1; weighted coverage 2 / 4 = 0.5
    scorer = make_coverage_constrained_width_scorer(slack=0.0)
    assert scorer(est, y[:, None], y, sample_weight=w) == pytest.approx(-1.0)
    # unweighted: width 2, coverage 3/4
    assert scorer(est, y[:, None], y) == pytest.approx(-2.0)
    w2 = np.array([1.0, 0.0, 3.0, 0.0])  # width 1, coverage 1/4: short by 1/4
    assert scorer(est, y[:, None], y, sample_weight=w2) == pytest.approx(
        -1.0 * (1 + 0.25 / 0.5)
    )


def test_scorers_need_a_coverage():
    class NoCoverage(BaseEstimator):
        def predict_interval(self, X):
            return np.zeros((len(X), 2))

    with pytest.raises(TypeError, match="give the scorer a target coverage"):
        neg_coverage_constrained_width_scorer(NoCoverage(), np.zeros((2, 1)), [0, 0])
    with pytest.raises(TypeError, match="NoCoverage has no 'coverage' parameter"):
        neg_coverage_constrained_width_scorer(NoCoverage(), np.zeros((2, 1)), [0, 0])
    scorer = make_coverage_constrained_width_scorer(coverage=0.5, slack=0.0)
    assert scorer(NoCoverage(), np.zeros((2, 1)), np.zeros(2)) == 0.0
