"""Mutation tests of ConformalRegressor._cross_values (J+aB, no weights)."""

import numpy as np
from sklearn.linear_model import LinearRegression

from skvariance.calibration import ConformalRegressor

from ._helpers import LinearWithStd, jab_by_hand
from .test_cv_plus_groups import _reference


def test_normalized_jackknife_after_bootstrap_equals_a_numpy_loop():
    rng = np.random.RandomState(4)
    X = rng.normal(size=(50, 2))
    y = X[:, 0] + (0.2 + np.abs(X[:, 0])) * rng.normal(size=50)
    X_test = rng.normal(size=(6, 2))
    reg = ConformalRegressor(
        LinearWithStd(),
        method="jackknife_plus_ab",
        score="normalized",
        n_resamples=20,
        random_state=2,
    ).fit(X, y)
    models, out_of = jab_by_hand(LinearWithStd(), X, y, 20, 2)
    assert out_of.sum(axis=1).min() > 0  # no row excluded for this seed
    levels = [0.6, 0.9]
    g, g_test = np.zeros(50, dtype=int), np.zeros(6, dtype=int)
    expected = _reference(models, out_of, X, y, X_test, g, g_test, levels, True)
    got = reg.predict_interval(X_test, coverage=levels)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_jackknife_after_bootstrap_one_test_row_of_the_last_group_only():
    # group 0 gets no test row (its loop is skipped, not the others) and
    # group 1 exactly one
    rng = np.random.RandomState(7)
    X = rng.normal(size=(40, 2))
    g = (X[:, 1] > 0).astype(int)
    y = X[:, 0] + rng.normal(size=40) * (1.0 + 4.0 * g)
    reg = ConformalRegressor(
        LinearRegression(), method="jackknife_plus_ab", n_resamples=15, random_state=1
    ).fit(X, y, groups=g)
    models, out_of = jab_by_hand(LinearRegression(), X, y, 15, 1)
    assert out_of.sum(axis=1).min() > 0
    X_test, g_test = np.array([[0.3, 1.0]]), np.array([1])
    expected = _reference(models, out_of, X, y, X_test, g, g_test, [0.6, 0.8])
    got = reg.predict_interval(X_test, coverage=[0.6, 0.8], groups=g_test)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
