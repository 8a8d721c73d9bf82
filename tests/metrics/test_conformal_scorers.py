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
