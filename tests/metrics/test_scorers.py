import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression, QuantileRegressor
from sklearn.model_selection import GridSearchCV, KFold

from skvariance.calibration import ConformalRegressor
from skvariance.metrics import (
    coverage_score,
    coverage_scorer,
    neg_coverage_constrained_width_scorer,
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


# -- infinite bounds in scorers and GridSearchCV --------------------------------
class _InfiniteTop(_LinearQuantiles):
    """Quantiles [-1, 0, 1] around 0, the top one +inf on rows with X[:, 0] > 0."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        n = len(X)
        q = np.tile([-1.0, 0.0, 1.0], (n, 1))
        q[np.asarray(X)[:, 0] > 0, 2] = np.inf
        return q


def test_scorers_on_infinite_bounds_equal_hand_values():
    X = np.array([[1.0], [-1.0], [-1.0], [2.0]])
    y = np.array([0.5, 3.0, 0.0, 9.0])
    est = _InfiniteTop(coverage=0.8)
    # intervals [-1, inf), [-1, 1], [-1, 1], [-1, inf): rows 0, 2, 3 covered
    assert coverage_scorer(est, X, y) == 3 / 4
    assert neg_mean_interval_width_scorer(est, X, y) == -np.inf
    assert neg_interval_score_scorer(est, X, y) == -np.inf
    assert neg_pinball_loss_scorer(est, X, y) == -np.inf
    assert neg_weighted_interval_score_scorer(est, X, y) == -np.inf
    assert neg_coverage_constrained_width_scorer(est, X, y) == -np.inf
    # weight 0 on the infinite rows: row 1 misses 1 by 2 at alpha = 0.2
    w = np.array([0.0, 1.0, 1.0, 0.0])
    assert neg_interval_score_scorer(est, X, y, sample_weight=w) == pytest.approx(
        -((2.0 + 2 / 0.2 * 2.0) + 2.0) / 2, rel=1e-15
    )
    assert coverage_scorer(est, X, y, sample_weight=w) == 0.5


def _heavy_shift(X):
    """Covariate-shift weights so large on some rows that the bound is infinite."""
    return np.exp(4.0 * X[:, 0])


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
def test_grid_search_ranks_an_infinite_candidate_last_without_nan():
    """A conformal candidate with infinite bounds: -inf, ranked last, no NaN."""
    X, y = make_regression(n_samples=120, n_features=3, noise=1.0, random_state=0)
    reg = ConformalRegressor(LinearRegression(), random_state=0)
    bounds = reg.set_params(weight_function=_heavy_shift).fit(X, y).predict_interval(X)
    assert np.isinf(bounds).any()  # the candidate really has infinite bounds
    scoring = {
        "interval": neg_interval_score_scorer,
        "width": neg_mean_interval_width_scorer,
        "cc_width": neg_coverage_constrained_width_scorer,
        "coverage": coverage_scorer,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = GridSearchCV(
            reg.set_params(weight_function=None),
            {"weight_function": [_heavy_shift, None]},
            scoring=scoring,
            refit="interval",
            cv=KFold(3),
        ).fit(X, y)
    messages = [str(w.message) for w in caught]
    assert not any("Scoring failed" in m for m in messages), messages
    assert any("non-finite" in m for m in messages)  # sklearn says it, once
    res = search.cv_results_
    for name in scoring:
        keys = [f"split{i}_test_{name}" for i in range(3)]
        keys += [f"mean_test_{name}", f"rank_test_{name}"]
        assert not any(np.isnan(res[key]).any() for key in keys), name
    for name in ("interval", "width", "cc_width"):
        assert res[f"mean_test_{name}"][0] == -np.inf
        assert np.isfinite(res[f"mean_test_{name}"][1])
        assert list(res[f"rank_test_{name}"]) == [2, 1]
    assert search.best_params_ == {"weight_function": None}
    assert np.all(np.isfinite(res["mean_test_coverage"]))


def test_grid_search_quantile_scorers_with_an_infinite_quantile():
    X, y = make_regression(n_samples=90, n_features=2, noise=5.0, random_state=1)

    class Switch(_LinearQuantiles):
        def __init__(self, quantiles=(0.1, 0.5, 0.9), alpha=0.0, infinite=False):
            super().__init__(quantiles=quantiles, alpha=alpha)
            self.infinite = infinite

        def predict(self, X):
            q = super().predict(X)
            if self.infinite:
                q[:, -1] = np.inf
            return q

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = GridSearchCV(
            Switch(),
            {"infinite": [True, False]},
            scoring={
                "pinball": neg_pinball_loss_scorer,
                "wis": neg_weighted_interval_score_scorer,
            },
            refit="wis",
            cv=3,
        ).fit(X, y)
    assert not any("Scoring failed" in str(w.message) for w in caught)
    for name in ("pinball", "wis"):
        assert search.cv_results_[f"mean_test_{name}"][0] == -np.inf
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"][1])
        assert list(search.cv_results_[f"rank_test_{name}"]) == [2, 1]
    assert search.best_params_ == {"infinite": False}


def test_interval_scorers_pass_sample_weight_and_read_fitted_levels():
    X = np.array([[1.0], [-1.0], [-1.0], [-2.0]])
    y = np.array([0.5, 3.0, 0.0, 0.0])
    est = _InfiniteTop(coverage=0.8)  # rows 1-3: [-1, 1]; row 0: [-1, inf)
    w = np.array([0.0, 1.0, 2.0, 1.0])
    # weighted over rows 1-3: coverage (0 + 2 + 1) / 4, width 2,
    # interval score (2 + 10 * 2) * 1/4 + 2 * 3/4
    assert coverage_scorer(est, X, y, sample_weight=w) == 0.75
    assert neg_mean_interval_width_scorer(est, X, y, sample_weight=w) == -2.0
    assert neg_interval_score_scorer(est, X, y, sample_weight=w) == pytest.approx(
        -(22.0 / 4 + 1.5), rel=1e-15
    )
    # the quantile scorers: pinball of (-1, 0, 1) at (0.1, 0.5, 0.9) by hand
    q = est.predict(X)
    expected = pinball_loss(y, q, [0.1, 0.5, 0.9], sample_weight=w)
    assert neg_pinball_loss_scorer(est, X, y, sample_weight=w) == -expected
    row1 = (0.1 * 4 + 0.5 * 3 + 0.9 * 2) / 3  # y = 3 above every quantile
    row23 = (0.1 * 1 + 0 + 0.1 * 1) / 3  # y = 0: u = (1, 0, -1)
    assert expected == pytest.approx((row1 + 3 * row23) / 4, rel=1e-12)
    assert neg_weighted_interval_score_scorer(est, X, y, sample_weight=w) == (
        pytest.approx(-2 * expected, rel=1e-15)
    )
    # a fitted quantiles_ attribute wins over the quantiles parameter
    est.quantiles_ = np.array([0.2, 0.5, 0.8])
    assert neg_pinball_loss_scorer(est, X, y, sample_weight=w) == pytest.approx(
        -pinball_loss(y, q, [0.2, 0.5, 0.8], sample_weight=w), rel=1e-15
    )


def test_scorer_errors_name_the_estimator():
    class NoCoverage(_InfiniteTop):
        def __init__(self):
            super().__init__()
            del self.coverage

    X, y = np.zeros((2, 1)), np.zeros(2)
    with pytest.raises(TypeError, match="the interval score needs the nominal"):
        neg_interval_score_scorer(NoCoverage(), X, y)
    with pytest.raises(TypeError, match="quantile scorers need an estimator whose"):
        neg_pinball_loss_scorer(LinearRegression().fit(X, y), X, y)
    with pytest.raises(TypeError, match="interval scorers need one that returns"):
        neg_interval_score_scorer(LinearRegression().fit(X, y), X, y)
    with pytest.raises(TypeError, match="LinearRegression has no predict_interval"):
        neg_interval_score_scorer(LinearRegression().fit(X, y), X, y)
