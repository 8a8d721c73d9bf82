"""Mutation tests of the body of InverseVarianceRegressor.fit.

References by hand: explicit folds, least squares in closed form with the
routed metadata, the error messages spelled out in full.
"""

import re
import threading

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

from skvariance.weighting import InverseVarianceRegressor

from ._doubles import Boom, Shifted, ThreadRecorder


def _data(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 1, size=(n, 2))
    sigma = 0.05 + 2.0 * X[:, 0] ** 2
    y = 1.0 + 2.0 * X[:, 0] - X[:, 1] + sigma * rng.standard_normal(n)
    return X, y


def _folds(n, k=4):
    return list(KFold(k).split(np.zeros((n, 1))))


def _no_weights_msg(name, model):
    return (
        f"{name} {model} does not accept sample_weight in fit; choose an "
        "estimator, or a Pipeline whose final step, takes sample_weight, or "
        "enable metadata routing and request it with "
        "set_fit_request(sample_weight=True)."
    )


def test_n_jobs_zero_is_rejected_by_name():
    X, y = _data()
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        InverseVarianceRegressor(n_jobs=0).fit(X, y)


def test_mean_model_without_weights_is_refused_by_name_before_any_fit():
    # the mean model is weighted from the second round on: refused at once
    X, y = _data()
    reg = InverseVarianceRegressor(
        KNeighborsRegressor(n_neighbors=3), variance_estimator=Boom(), cv=_folds(40)
    )
    msg = _no_weights_msg("estimator", "KNeighborsRegressor")
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y)


def test_variance_model_without_weights_is_refused_by_name_before_any_fit():
    X, y = _data()
    reg = InverseVarianceRegressor(
        Boom(), variance_estimator=KNeighborsRegressor(n_neighbors=3), cv=_folds(40)
    )
    msg = _no_weights_msg("variance_estimator", "KNeighborsRegressor")
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y, sample_weight=np.ones(len(y)))
    # without user weights the variance model is never weighted: accepted
    reg = InverseVarianceRegressor(
        LinearRegression(),
        variance_estimator=KNeighborsRegressor(n_neighbors=3),
        cv=_folds(40),
        n_iter=1,
        weight_power=1.0,
    )
    assert reg.fit(X, y).variance_estimator_.n_neighbors == 3


def test_seeds_are_reproducible_and_follow_random_state():
    X, y = _data()
    Xt = np.random.RandomState(3).uniform(0, 1, (10, 2))

    def fit(rs):
        return InverseVarianceRegressor(
            DecisionTreeRegressor(max_depth=3, splitter="random"),
            variance_estimator=DecisionTreeRegressor(max_depth=2, splitter="random"),
            cv=3,
            n_iter=1,
            weight_power=1.0,
            random_state=rs,
        ).fit(X, y)

    a, b, c = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(a.residuals_, b.residuals_)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    np.testing.assert_array_equal(a.predict(Xt), b.predict(Xt))
    for attr in ("estimator_", "variance_estimator_"):
        ra = getattr(a, attr).random_state
        assert isinstance(ra, int) and ra == getattr(b, attr).random_state
        assert ra != getattr(c, attr).random_state
    assert not np.array_equal(a.residuals_, c.residuals_)


def test_routed_metadata_reaches_the_mean_models_cross_fits():
    X, y = _data()
    shift = np.linspace(0.0, 2.0, len(y)) ** 2
    folds = _folds(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        reg = InverseVarianceRegressor(
            Shifted().set_fit_request(sample_weight=True, shift=True),
            variance_estimator=LinearRegression(),
            cv=folds,
            n_iter=1,
            weight_power=1.0,
        ).fit(X, y, shift=shift)
    # the first round's residuals: unweighted least squares per fold, plus
    # the mean shift of the fold's training rows
    oof = np.empty(len(y))
    for train, test in folds:
        A = np.column_stack([np.ones(len(train)), X[train]])
        beta = np.linalg.lstsq(A, y[train], rcond=None)[0]
        oof[test] = beta[0] + X[test] @ beta[1:] + shift[train].mean()
    np.testing.assert_allclose(reg.residuals_, y - oof, rtol=1e-9, atol=1e-12)


def test_n_jobs_one_overrides_a_joblib_context_in_the_cross_fits():
    X, y = _data()
    ThreadRecorder.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        InverseVarianceRegressor(
            ThreadRecorder(),
            variance_estimator=LinearRegression(),
            cv=_folds(len(y)),
            n_iter=1,
            weight_power=1.0,
            n_jobs=1,
        ).fit(X, y)
    # two cross-fits of 4 folds and the final refit, all in this thread
    assert ThreadRecorder.threads == [threading.current_thread().name] * 9


@pytest.mark.parametrize("n", [1, 8])
def test_constant_y_is_refused_with_its_value(n):
    X = np.arange(2.0 * n).reshape(n, 2)
    y = np.full(n, 2.5)
    folds = [(np.array([], dtype=int), np.array([0]))] if n == 1 else _folds(n)
    msg = (
        "y is constant (every value is np.float64(2.5)): there is no noise "
        "variance to model; InverseVarianceRegressor needs a varying y."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        InverseVarianceRegressor(cv=folds).fit(X, y)


class _Table(RegressorMixin, BaseEstimator):
    """Predicts ``table[id]`` for the id in column 0 (fit learns nothing)."""

    def __init__(self, table=None):
        self.table = table

    def fit(self, X, y, sample_weight=None):
        return self

    def predict(self, X):
        return np.asarray(self.table)[np.asarray(X)[:, 0].astype(int)]


def _exact(reg):
    return reg.variance_bounds_ == (0.0, 0.0) and reg.variance_estimator_ is None


def test_exact_fit_threshold_is_strict_at_eps_times_the_variance_of_y():
    # y in {0, 1}: mean((y - mean y)^2) = 1/4, the threshold is eps / 4 =
    # 2**-54; out-of-fold errors of +-2**-27 give exactly that mean square
    n = 8
    y = np.tile([0.0, 1.0], n // 2)
    d = 2.0**-27 * np.where(np.arange(n) % 3 == 0, 1.0, -1.0)
    assert np.mean((y - (y + d)) ** 2) == np.finfo(float).eps * 0.25
    X = np.column_stack([np.arange(n), np.linspace(0, 1, n)])
    reg = InverseVarianceRegressor(
        _Table(y + d), variance_estimator=LinearRegression(), cv=_folds(n)
    ).fit(X, y)
    assert _exact(reg)
    np.testing.assert_array_equal(reg.weights_, np.ones(n))


@pytest.mark.parametrize(
    "level, slope, noise, exact",
    [
        # large mean, small noise: still noise (the threshold uses the spread)
        (1e6, 1.0, 1e-4, False),
        # tiny y with tinier noise: still noise
        (0.0, 1e-3, 1e-6, False),
        # y exactly linear, skewed to the left: exact
        (0.0, -1.0, 0.0, True),
    ],
)
def test_exact_fit_threshold_scales_with_the_spread_of_y(level, slope, noise, exact):
    rng = np.random.RandomState(0)
    n = 24
    X = np.column_stack([np.exp(2 * rng.uniform(size=n)), rng.uniform(size=n)])
    y = level + slope * X[:, 0] + noise * rng.standard_normal(n)
    reg = InverseVarianceRegressor(
        LinearRegression(),
        variance_estimator=LinearRegression(),
        cv=_folds(n),
        n_iter=1,
        weight_power=1.0,
    ).fit(X, y)
    assert _exact(reg) == exact


def test_degenerate_weights_warning_in_full():
    from sklearn.linear_model import Ridge

    rng = np.random.RandomState(0)
    n = 48
    X = rng.uniform(0, 1, (n, 1))
    y = X[:, 0] + rng.standard_normal(n)
    reg = InverseVarianceRegressor(
        Ridge(alpha=3.0),
        variance_estimator=DecisionTreeRegressor(random_state=0),
        cv=_folds(n),
        n_iter=1,
        weight_power=1.0,
        variance_floor=1e-12,
    )
    with pytest.warns(UserWarning) as record:
        reg.fit(X, y)
    w = reg.weights_
    ess = w.sum() ** 2 / np.sum(w**2)
    msg = (
        f"The inverse-variance weights are degenerate: their effective sample "
        f"size is {ess:.1f} of 48 rows (max/min weight ratio "
        f"{w.max() / w.min():.3g}); the weighted fit rests on a few rows. "
        "Consider a smaller weight_power or a smoother variance_estimator."
    )
    assert [str(r.message) for r in record] == [msg]
    assert record[0].category is UserWarning
