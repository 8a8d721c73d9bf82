"""ConformalQuantileRegressor: coverage, base-model kinds, bad input."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.calibration import ConformalQuantileRegressor
from skvariance.metrics import neg_interval_score_scorer

from ._helpers import heteroscedastic, rep_variance, within


class KnownQuantiles(RegressorMixin, BaseEstimator):
    """A multi-quantile model with ``quantiles`` levels: the true conditional
    quantiles of ``heteroscedastic`` data, times ``shrink`` (miscalibrated)."""

    def __init__(self, quantiles=(0.05, 0.5, 0.95), shrink=0.5):
        self.quantiles = quantiles
        self.shrink = shrink

    def fit(self, X, y, sample_weight=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        from scipy.stats import norm

        z = norm.ppf(np.asarray(self.quantiles))
        scale = (0.2 + np.abs(X[:, 0]))[:, None]
        return X[:, [0]] + self.shrink * scale * z[None, :]


def _covered(bounds, y):
    return (y >= bounds[:, 0]) & (y <= bounds[:, 1])


def test_coverage_is_exactly_k_over_n_plus_one_at_every_level():
    n_cal, levels = 24, np.array([0.5, 0.8, 0.9])
    expected = np.ceil(levels * (n_cal + 1)) / (n_cal + 1)
    n_reps = 300
    cover = np.empty((n_reps, levels.size))
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = heteroscedastic(rng, 60)
        X_test, y_test = heteroscedastic(rng, 100)
        cqr = ConformalQuantileRegressor(
            KnownQuantiles(), calibration_size=n_cal, random_state=r
        ).fit(X, y)
        bounds = cqr.predict_interval(X_test, coverage=levels)
        cover[r] = _covered(bounds, y_test[:, None]).mean(axis=0)
    for k, p in enumerate(expected):
        ok, se = within(cover[:, k].mean(), p, rep_variance(p, n_cal, 100), n_reps)
        assert ok, (levels[k], cover[:, k].mean(), p, se)


def test_quantile_model_kinds():
    rng = np.random.RandomState(0)
    X, y = heteroscedastic(rng, 400)
    X_test, _ = heteroscedastic(rng, 20)
    # a single-quantile model cloned per level (quantile / alpha + loss)
    linear = ConformalQuantileRegressor(
        QuantileRegressor(alpha=0.0, solver="highs"), random_state=0
    ).fit(X, y)
    assert len(linear.estimators_) == 2
    assert [m.quantile for m in linear.estimators_] == pytest.approx([0.05, 0.95])
    gbr = ConformalQuantileRegressor(
        GradientBoostingRegressor(loss="quantile", n_estimators=20),
        quantile_levels=[0.05, 0.1, 0.9, 0.95],
        random_state=0,
    ).fit(X, y)
    assert [m.alpha for m in gbr.estimators_] == pytest.approx([0.05, 0.1, 0.9, 0.95])
    # a Pipeline whose final step has the level parameter
    pipe = ConformalQuantileRegressor(
        make_pipeline(StandardScaler(), QuantileRegressor(alpha=0.0)), random_state=0
    ).fit(X, y)
    assert pipe.predict_interval(X_test).shape == (20, 2)
    # a multi-quantile model with fixed levels: one fit, its own levels
    multi = ConformalQuantileRegressor(
        KnownQuantiles(quantiles=(0.05, 0.1, 0.5, 0.9, 0.95)), random_state=0
    ).fit(X, y)
    assert len(multi.estimators_) == 1
    np.testing.assert_allclose(multi.quantile_levels_, [0.05, 0.1, 0.5, 0.9, 0.95])
    assert multi.predict_quantiles(X_test).shape == (20, 5)


def test_several_coverages_use_their_own_levels():
    rng = np.random.RandomState(1)
    X, y = heteroscedastic(rng, 400)
    X_test, _ = heteroscedastic(rng, 20)
    cqr = ConformalQuantileRegressor(
        KnownQuantiles(quantiles=(0.05, 0.1, 0.9, 0.95), shrink=1.0), random_state=0
    ).fit(X, y)
    pred = cqr.predict_quantiles(X_test)
    both = cqr.predict_interval(X_test, coverage=[0.8, 0.9])
    # the calibration correction moves each bound by the same q
    q80 = pred[:, 1] - both[:, 0, 0]
    q90 = pred[:, 0] - both[:, 0, 1]
    np.testing.assert_allclose(q80, q80[0])
    np.testing.assert_allclose(q90, q90[0])
    np.testing.assert_allclose(both[:, 1, 0] - pred[:, 2], q80)


def test_quantile_forest_is_asked_for_the_levels():
    forest = pytest.importorskip("quantile_forest")
    rng = np.random.RandomState(2)
    X, y = heteroscedastic(rng, 300)
    cqr = ConformalQuantileRegressor(
        forest.RandomForestQuantileRegressor(n_estimators=20, min_samples_leaf=5),
        quantile_levels=[0.05, 0.25, 0.75, 0.95],
        random_state=0,
    ).fit(X, y)
    assert cqr.predict_interval(X[:5], coverage=[0.5, 0.9]).shape == (5, 2, 2)


def test_grid_search_and_mondrian():
    rng = np.random.RandomState(3)
    X, y = heteroscedastic(rng, 300)
    search = GridSearchCV(
        ConformalQuantileRegressor(QuantileRegressor(solver="highs"), random_state=0),
        {"estimator__alpha": [0.0, 0.1]},
        scoring=neg_interval_score_scorer,
        cv=3,
    ).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    groups = (X[:, 1] > 0).astype(int)
    cqr = ConformalQuantileRegressor(random_state=0).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match="groups is required"):
        cqr.predict_interval(X[:5])
    assert cqr.predict_interval(X[:5], groups=groups[:5]).shape == (5, 2)


def test_bad_input():
    rng = np.random.RandomState(4)
    X, y = heteroscedastic(rng, 200)
    with pytest.raises(TypeError, match="not a quantile model"):
        ConformalQuantileRegressor(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match="strictly increasing"):
        ConformalQuantileRegressor(quantile_levels=[0.9, 0.1]).fit(X, y)
    with pytest.raises(ValueError, match="below 0.5 and one above"):
        ConformalQuantileRegressor(quantile_levels=[0.6, 0.9]).fit(X, y)
    cqr = ConformalQuantileRegressor(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="coverage"):
        cqr.predict_interval(X, coverage=1.2)
    y_nan = y.copy()
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ConformalQuantileRegressor().fit(X, y_nan)


def test_levels_sharing_a_model_pair_match_a_hand_computed_quantile():
    # 0.8 and 0.82 share the (0.1, 0.9) pair, 0.9 uses the fit's (0.05, 0.95)
    # pair: calibrations kept from fit or reused within a call must still be
    # those of each level's own pair
    rng = np.random.RandomState(3)
    X, y = heteroscedastic(rng, 400)
    X_test, _ = heteroscedastic(rng, 10)
    cqr = ConformalQuantileRegressor(
        KnownQuantiles(quantiles=(0.05, 0.1, 0.9, 0.95)), random_state=0
    ).fit(X, y)
    levels = [0.8, 0.9, 0.82]
    bounds = cqr.predict_interval(X_test, coverage=levels)
    cal = cqr.calibration_indices_
    pred_cal, pred = cqr.predict_quantiles(X[cal]), cqr.predict_quantiles(X_test)
    for k, (level, lo, hi) in enumerate(zip(levels, [1, 0, 1], [2, 3, 2])):
        scores = np.maximum(pred_cal[:, lo] - y[cal], y[cal] - pred_cal[:, hi])
        q = np.sort(scores)[int(np.ceil((cal.size + 1) * level)) - 1]
        np.testing.assert_allclose(bounds[:, 0, k], pred[:, lo] - q)
        np.testing.assert_allclose(bounds[:, 1, k], pred[:, hi] + q)


def test_quantile_model_errors_agree_with_the_quantile_family():
    """One owner decides which parameter sets a model's quantile level: a
    model with a quantile parameter but the squared-error loss is a
    ValueError (a wrong value), a model with none a TypeError, in CQR as in
    MultiQuantileRegressor."""
    from sklearn.ensemble import (
        GradientBoostingRegressor,
        HistGradientBoostingRegressor,
    )

    from skvariance.quantile import MultiQuantileRegressor

    X = np.random.RandomState(0).normal(size=(60, 2))
    y = X[:, 0]
    for wrapper in (ConformalQuantileRegressor, MultiQuantileRegressor):
        with pytest.raises(ValueError, match="loss='quantile'"):
            wrapper(HistGradientBoostingRegressor()).fit(X, y)
        with pytest.raises(TypeError, match="GradientBoostingRegressor"):
            wrapper(GradientBoostingRegressor()).fit(X, y)
