"""Mutation tests of the weighted jackknife+ bound (_weighted_upper)."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import LeaveOneOut

from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor

from ._helpers import massless_group_cv_plus


def test_group_without_weight_and_test_point_without_weight_is_unbounded():
    # a group whose calibration weights are all 0, and a test point of weight
    # 0: no mass at all, as an empty group (infinite bounds) and as
    # predict_pvalue's p = 1 -- not the smallest value of the group
    X, reg = massless_group_cv_plus()
    X_test = X[:3] + 0.1
    with pytest.warns(CalibrationSizeWarning, match="infinite bound"):
        bounds = reg.predict_interval(
            X_test, 0.8, groups=[1, 1, 0], shift_weight=np.array([0.0, 1.0, 0.0])
        )
    assert np.isinf(bounds[:2]).all() and np.isfinite(bounds[2]).all()
    np.testing.assert_array_equal(bounds[:2], [[-np.inf, np.inf]] * 2)


def test_cumulative_weight_exactly_at_the_level_reaches_it():
    # 10 unit weights and a test weight w with 0.8 (10 + w) (1 - 1e-10) == 9
    # exactly in floating point: the 9th smallest value reaches the level
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2))
    y = X[:, 0] + rng.normal(size=10)
    x = rng.normal(size=(1, 2))
    w = 1.2500000011249979
    target = 0.8 * (10.0 + w)
    target -= 1e-10 * target
    assert target == 9.0
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, shift_weight=np.ones(10))
    bounds = reg.predict_interval(x, 0.8, shift_weight=np.array([w]))
    # leave-one-out models by hand
    keep = ~np.eye(10, dtype=bool)
    models = [LinearRegression().fit(X[k], y[k]) for k in keep]
    mu_x = np.array([m.predict(x)[0] for m in models])
    r = np.abs(y - np.array([m.predict(X[i : i + 1])[0] for i, m in enumerate(models)]))
    expected = [np.sort(mu_x - r)[1], np.sort(mu_x + r)[8]]
    np.testing.assert_allclose(bounds[0], expected, rtol=1e-12)
