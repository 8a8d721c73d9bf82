"""ConformalRegressor's prefit and split calibration step, checked by hand.

Written against mutants of ``_calibrate_prefit``, ``_check_sigma_source`` and
``_calibrate_split``: the fitted attributes, the scores (NumPy by hand) and
the whole message of a missing sigma source.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from skvariance.calibration import ConformalRegressor

from ._helpers import whole


def _data():
    rng = np.random.RandomState(7)
    X = rng.normal(size=(60, 2))
    y = X @ np.array([1.0, -2.0]) + rng.normal(size=60) * (1 + np.abs(X[:, 0]))
    return X, y


def test_prefit_absolute_attributes_and_scores():
    X, y = _data()
    model = LinearRegression().fit(X[:30], y[:30])
    groups = np.array(["a", "b", "c"] * 10)
    reg = ConformalRegressor(model).conformalize(X[30:], y[30:], groups=groups)
    assert reg.sigma_estimator_ is None
    assert reg.estimator_ is model
    assert reg.estimators_ == [model]
    assert list(reg.groups_) == ["a", "b", "c"]
    np.testing.assert_allclose(
        reg.conformity_scores_, np.abs(y[30:] - model.predict(X[30:]))
    )


def test_prefit_normalized_scores_divide_by_sigma():
    X, y = _data()
    model = LinearRegression().fit(X[:30], y[:30])
    res = np.abs(y[:30] - model.predict(X[:30]))
    sigma = Ridge().fit(X[:30], res + 1.0)
    reg = ConformalRegressor(model, score="normalized", sigma_estimator=sigma)
    reg.conformalize(X[30:], y[30:])
    s = sigma.predict(X[30:])
    assert s.min() > 0.1
    np.testing.assert_allclose(
        reg.conformity_scores_, np.abs(y[30:] - model.predict(X[30:])) / s
    )


def test_missing_sigma_source_message_whole():
    X, y = _data()
    model = LinearRegression().fit(X, y)
    with pytest.raises(
        TypeError,
        match=whole(
            "score='normalized' needs sigma(x): estimator LinearRegression has "
            "no predict(X, return_std=True); give a sigma_estimator or an "
            "estimator that returns a std."
        ),
    ):
        ConformalRegressor(model, score="normalized").conformalize(X, y)
