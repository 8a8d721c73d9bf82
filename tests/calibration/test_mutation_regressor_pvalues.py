"""Mutation tests of ConformalRegressor.predict_pvalue's helpers."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from skvariance.calibration import ConformalRegressor
from skvariance.utils._seeds import derive_seeds


def _prefit(n=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, 2))
    y = X @ np.array([1.0, -0.5]) + rng.normal(size=2 * n)
    model = LinearRegression().fit(X[:n], y[:n])
    reg = ConformalRegressor(model)
    return reg, model, X[n:], y[n:]


def test_weighted_pvalue_when_the_total_weight_is_below_one():
    # weights summing to less than 1 (test weight included): still a fraction
    reg, model, X_cal, y_cal = _prefit()
    w_cal = np.full(20, 0.01)
    reg.conformalize(X_cal, y_cal, shift_weight=w_cal)
    X_test = X_cal[:4] + 0.1
    y_test = model.predict(X_test) + np.array([0.1, 0.5, 1.0, 3.0])
    w_test = np.array([0.01, 0.02, 0.05, 0.0])
    p = reg.predict_pvalue(X_test, y_test, shift_weight=w_test, smoothing=False)
    scores = np.abs(y_cal - model.predict(X_cal))
    a = np.abs(y_test - model.predict(X_test))
    expected = [
        (w_cal[scores >= a_j].sum() + w_j) / (w_cal.sum() + w_j)
        for a_j, w_j in zip(a, w_test)
    ]
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert (p < 1).any()


def test_uniforms_without_smoothing_message():
    reg, _, X_cal, y_cal = _prefit()
    reg.conformalize(X_cal, y_cal)
    with pytest.raises(
        ValueError, match=r"^uniforms are only used with smoothing=True\.$"
    ):
        reg.predict_pvalue(X_cal, y_cal, smoothing=False, uniforms=np.ones(20))


def test_smoothing_draws_consume_one_seed_of_a_given_random_state():
    # one seed is derived from the caller's RandomState, and no more: the
    # caller's generator then continues as after one derive_seeds(rs, 1)
    reg, _, X_cal, y_cal = _prefit()
    reg.conformalize(X_cal, y_cal)
    rs = np.random.RandomState(5)
    reg.predict_pvalue(X_cal, y_cal, random_state=rs)
    reference = np.random.RandomState(5)
    derive_seeds(reference, 1)
    assert rs.randint(2**31) == reference.randint(2**31)
