"""Mutation tests of the weighted jackknife+ bound (_weighted_upper)."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import LeaveOneOut

from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor


def test_group_without_weight_and_test_point_without_weight_is_unbounded():
    # a group whose calibration weights are all 0, and a test point of weight
    # 0: no mass at all, as an empty group (infinite bounds) and as
    # predict_pvalue's p = 1 -- not the smallest value of the group
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X[:, 0] + rng.normal(size=30)
    g = np.repeat([0, 1], 15)
    w = np.where(g == 1, 0.0, 1.0)
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, groups=g, shift_weight=w)
    X_test = X[:3] + 0.1
    with pytest.warns(CalibrationSizeWarning, match="infinite bound"):
        bounds = reg.predict_interval(
            X_test, 0.8, groups=[1, 1, 0], shift_weight=np.array([0.0, 1.0, 0.0])
        )
    assert np.isinf(bounds[:2]).all() and np.isfinite(bounds[2]).all()
    np.testing.assert_array_equal(bounds[:2], [[-np.inf, np.inf]] * 2)
