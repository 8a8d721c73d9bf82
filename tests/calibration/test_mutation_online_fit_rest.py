"""Tests written against the mutants of the online estimators left open.

``AdaptiveConformalRegressor.fit`` and ``EnbPIRegressor.fit`` (checked on
their bodies moved out by ``tools/mutation_unwrap.py``) and the shared
``partial_fit``. References are computed here.
"""

import threading

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.linear_model import LinearRegression

from skvariance.calibration import AdaptiveConformalRegressor, EnbPIRegressor

from .test_online import shifted


class Lenient(RegressorMixin, BaseEstimator):
    """Accepts any ``y`` and predicts 0; records the thread of every fit."""

    fits = []

    def fit(self, X, y):
        Lenient.fits.append(threading.current_thread().name)
        return self

    def predict(self, X):
        return np.zeros(len(X))


@pytest.mark.parametrize("cls", [AdaptiveConformalRegressor, EnbPIRegressor])
def test_non_numeric_y_is_refused_before_any_model_is_fitted(cls):
    # the forecaster accepts anything: the refusal is the estimator's own
    X, _ = shifted(20)
    y = np.array([f"v{v}" for v in range(20)], dtype=object)
    Lenient.fits = []
    with pytest.raises(ValueError, match=r"^could not convert string to float: 'v0'$"):
        cls(Lenient()).fit(X, y)
    assert Lenient.fits == []


def _trees():
    # shallow random-threshold trees: the fit depends on the seed (fully grown
    # ones interpolate the sorted training rows whatever the seed)
    return ExtraTreesRegressor(n_estimators=3, max_depth=2, random_state=None)


def test_random_state_seeds_the_forecaster():
    X, y = shifted(60)
    kw = dict(calibration_size=20)
    a, b, c = (
        AdaptiveConformalRegressor(_trees(), random_state=s, **kw).fit(X, y)
        for s in (3, 3, 4)
    )
    grid = X[::7] + 0.5
    np.testing.assert_array_equal(a.predict_interval(grid), b.predict_interval(grid))
    assert a.estimator_.random_state == b.estimator_.random_state
    # the check is not vacuous: another seed gives other trees
    assert not np.array_equal(a.predict(grid), c.predict(grid))


def test_random_state_seeds_the_scorecaster():
    # a deterministic forecaster: only the scorecaster is random; burnin=5
    # makes it forecast from the calibration scores on
    X, y = shifted(70)
    kw = dict(method="pid", calibration_size=30, burnin=5, scorecaster=_trees())
    a, b, c = (
        AdaptiveConformalRegressor(LinearRegression(), random_state=s, **kw)
        .fit(X[:50], y[:50])
        .update(X[50:], y[50:])
        for s in (3, 3, 4)
    )
    np.testing.assert_array_equal(a.quantile_history_, b.quantile_history_)
    assert a.quantile_ == b.quantile_
    assert not np.array_equal(a.quantile_history_, c.quantile_history_)


def test_pid_starts_at_the_largest_calibration_score_when_the_quantile_is_infinite():
    # 5 calibration scores cannot give a finite 0.9 quantile (rank 6 > 5):
    # ACI returns +inf, PID starts from the largest score instead
    X, y = shifted(30, seed=5)
    slope, intercept = np.polyfit(X[:25, 0], y[:25], 1)
    scores = np.abs(y[25:] - (slope * X[25:, 0] + intercept))
    assert np.unique(scores).size == 5
    pid = AdaptiveConformalRegressor(method="pid", calibration_size=5).fit(X, y)
    assert pid.quantile_ == pytest.approx(scores.max(), rel=1e-9)
    aci = AdaptiveConformalRegressor(calibration_size=5).fit(X, y)
    assert aci.quantile_ == np.inf


def test_enbpi_oob_mask_is_the_boolean_complement_of_each_sample():
    X, y = shifted(25)
    enbpi = EnbPIRegressor(n_bootstraps=6, bootstrap="iid", random_state=1).fit(X, y)
    assert enbpi.oob_mask_.dtype == np.bool_
    for b, idx in enumerate(enbpi.bootstrap_indices_):
        want = ~np.isin(np.arange(25), idx)
        np.testing.assert_array_equal(enbpi.oob_mask_[:, b], want)


def test_enbpi_models_follow_n_jobs():
    # n_jobs=1 fits every model here even inside a context asking for 2 workers
    X, y = shifted(20)
    Lenient.fits = []
    with parallel_config(backend="threading", n_jobs=2):
        EnbPIRegressor(Lenient(), n_bootstraps=8, n_jobs=1, random_state=0).fit(X, y)
    assert Lenient.fits == [threading.current_thread().name] * 8


def test_enbpi_partial_fit_fits_once_then_slides_the_window():
    X, y = shifted(40)
    enbpi = EnbPIRegressor(n_bootstraps=20, random_state=0).partial_fit(X[:30], y[:30])
    models = enbpi.estimators_
    enbpi.partial_fit(X[30:], y[30:])
    assert enbpi.estimators_ is models  # not refitted
    assert enbpi.residuals_.shape == (30,)
    # the new residuals: y minus the mean over rows of the leave-one-out
    # means of the models' predictions
    weights = enbpi.oob_mask_ / enbpi.oob_mask_.sum(axis=1, keepdims=True)
    preds = np.column_stack([m.predict(X[30:]) for m in models])
    np.testing.assert_allclose(
        enbpi.residuals_[-10:], y[30:] - preds @ weights.mean(axis=0), rtol=1e-12
    )
