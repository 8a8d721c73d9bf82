"""Mutation tests of ConformalRegressor's candidate checks (p-values, CDF).

Written against mutants of ``_check_candidates``: every message of
``predict_pvalue`` / ``predict_cdf`` is matched whole.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from skvariance.calibration import ConformalRegressor
from skvariance.calibration._classifier import row_uniforms
from skvariance.utils._seeds import derive_seeds

from ._helpers import whole


def _fitted(method="split"):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(24, 2))
    y = X[:, 0] + rng.normal(size=24)
    kw = {"cv": 3} if method == "cv_plus" else {}
    reg = ConformalRegressor(LinearRegression(), method=method, random_state=0, **kw)
    return reg.fit(X, y), X[:3]


@pytest.mark.parametrize("what", ["pvalue", "cdf"])
def test_candidate_messages_whole(what):
    reg, X = _fitted()
    call = getattr(reg, f"predict_{what}")
    with pytest.raises(
        TypeError, match=whole("y must be a float or an array of floats.")
    ):
        call(X, "abc")
    with pytest.raises(
        ValueError,
        match=whole(
            "y must be a float or have shape (3,) (one value per row of X), "
            "got shape (2,)."
        ),
    ):
        call(X, [1.0, 2.0])
    with pytest.raises(ValueError, match=whole("y contains NaN.")):
        call(X, [1.0, np.nan, 2.0])
    with pytest.raises(TypeError, match=whole("smoothing must be a bool, got 1.")):
        call(X, 0.0, smoothing=1)
    # a missing draw (None) is read as NaN and refused with the same message
    for bad in ([0.5, 0.5], [0.5, -0.1, 0.5], [0.5, 1.5, 0.5], [0.5, None, 0.5]):
        with pytest.raises(
            ValueError,
            match=whole("uniforms must have shape (3,) and values in [0, 1]."),
        ):
            call(X, 0.0, uniforms=bad)


@pytest.mark.parametrize("what", ["pvalue", "cdf"])
def test_cross_method_message_whole(what):
    reg, X = _fitted("cv_plus")
    with pytest.raises(
        ValueError,
        match=whole(
            f"predict_{what} needs method='split' (inductive conformal "
            "prediction, as crepes); the p-values of CV+ and "
            "jackknife+-after-bootstrap are only valid up to a factor 2 "
            "(Barber et al., 2021). Got method='cv_plus'."
        ),
    ):
        getattr(reg, f"predict_{what}")(X, 0.0)


def test_uniforms_at_zero_and_one_are_accepted_and_used():
    # the smoothed p-value (#{a_i > a} + u (#{a_i = a} + 1)) / (n + 1) by hand
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + rng.normal(size=40)
    model = LinearRegression().fit(X[:20], y[:20])
    reg = ConformalRegressor(model).conformalize(X[20:], y[20:])
    scores = np.abs(y[20:] - model.predict(X[20:]))
    X_test = X[:3]
    # the third candidate ties with a calibration score
    y_test = model.predict(X_test) + np.array([0.3, -0.8, np.sort(scores)[7]])
    a = np.abs(y_test - model.predict(X_test))
    u = np.array([0.0, 1.0, 0.25])
    above = (scores[None, :] > a[:, None]).sum(axis=1)
    at = (scores[None, :] == a[:, None]).sum(axis=1)
    expected = (above + u * (at + 1)) / 21
    np.testing.assert_allclose(reg.predict_pvalue(X_test, y_test, uniforms=u), expected)


def test_cdf_smoothing_draws_come_from_the_given_random_state():
    # u = row_uniforms(X, seed) with the one seed derived from random_state,
    # and the caller's generator consumed by exactly that one seed
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + rng.normal(size=40)
    model = LinearRegression().fit(X[:20], y[:20])
    reg = ConformalRegressor(model).conformalize(X[20:], y[20:])
    r = y[20:] - model.predict(X[20:])
    X_test, t = X[:4], np.array([-1.0, 0.0, 0.5, 2.0])
    rs = np.random.RandomState(5)
    got = reg.predict_cdf(X_test, t, random_state=rs)
    reference = np.random.RandomState(5)
    u = row_uniforms(X_test, int(derive_seeds(reference, 1)[0]))
    assert rs.randint(2**31) == reference.randint(2**31)
    v = model.predict(X_test)[:, None] + r[None, :]
    below = (v < t[:, None]).sum(axis=1)
    at = (v == t[:, None]).sum(axis=1)
    np.testing.assert_allclose(got, (below + u * (at + 1)) / 21)
