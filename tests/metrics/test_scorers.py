import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression, QuantileRegressor
from sklearn.model_selection import GridSearchCV

from skvariance.metrics import (
    coverage_score,
    coverage_scorer,
    neg_interval_score_scorer,
    neg_mean_interval_width_scorer,
    neg_pinball_loss_scorer,
    neg_weighted_interval_score_scorer,
    pinball_loss,
)


class _LinearQuantiles(RegressorMixin, BaseEstimator):
    """Independent linear quantile regressions, one per level (test helper)."""

    def __init__(self, quantiles=(0.1, 0.5, 0.9), alpha=0.0, coverage=0.8):
        self.quantiles = quantiles
        self.alpha = alpha
        self.coverage = coverage

    def fit(self, X, y):
        self.models_ = [
            QuantileRegressor(quantile=q, alpha=self.alpha).fit(X, y)
            for q in self.quantiles
        ]
        return self

    def predict(self, X):
        return np.column_stack([m.predict(X) for m in self.models_])

    def predict_interval(self, X):
        pred = self.predict(X)
        return np.column_stack([pred[:, 0], pred[:, -1]])


@pytest.fixture
def data():
    X, y = make_regression(n_samples=120, n_features=3, noise=10.0, random_state=0)
    return X, y


def test_quantile_scorers_agree_with_metrics(data):
    X, y = data
    est = _LinearQuantiles().fit(X, y)
    loss = pinball_loss(y, est.predict(X), est.quantiles)
    assert neg_pinball_loss_scorer(est, X, y) == pytest.approx(-loss)
    assert neg_weighted_interval_score_scorer(est, X, y) == pytest.approx(-2 * loss)
    lower, upper = est.predict_interval(X).T
    assert coverage_scorer(est, X, y) == pytest.approx(coverage_score(y, lower, upper))
    assert neg_mean_interval_width_scorer(est, X, y) == pytest.approx(
        -np.mean(upper - lower)
    )
    assert neg_interval_score_scorer(est, X, y) < neg_mean_interval_width_scorer(
        est, X, y
    )


def test_scorers_drive_grid_search(data):
    X, y = data
    search = GridSearchCV(
        _LinearQuantiles(),
        {"alpha": [0.0, 100.0]},
        scoring={
            "wis": neg_weighted_interval_score_scorer,
            "coverage": coverage_scorer,
        },
        refit="wis",
        cv=3,
    ).fit(X, y)
    # heavy L1 shrinkage flattens the quantile lines: worse WIS
    assert search.best_params_ == {"alpha": 0.0}
    assert np.all(search.cv_results_["mean_test_coverage"] > 0.5)


def test_scorers_need_quantiles_and_intervals(data):
    X, y = data
    plain = LinearRegression().fit(X, y)
    with pytest.raises(TypeError, match="quantiles"):
        neg_pinball_loss_scorer(plain, X, y)
    with pytest.raises(TypeError, match="predict_interval"):
        coverage_scorer(plain, X, y)
