"""Mutation tests of the weighted jackknife+ (JAW) warning of infinite bounds.

Written against mutants of ``ConformalRegressor._weighted_cross_values``: the
whole message (how many rows, the highest coverage) and where it points.
"""

import warnings

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import LeaveOneOut

from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor


def test_weighted_infinite_bound_warning_whole_message_and_caller():
    # group 1 has no calibration weight: its two test rows are unbounded at
    # any level, the group-0 row is finite
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X[:, 0] + rng.normal(size=30)
    g = np.repeat([0, 1], 15)
    w = np.where(g == 1, 0.0, 1.0)
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, groups=g, shift_weight=w)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        bounds = reg.predict_interval(
            X[:3] + 0.1,
            [0.6, 0.8],
            groups=[1, 1, 0],
            shift_weight=np.array([0.0, 1.0, 0.0]),
        )
    assert np.isinf(bounds[:2]).all() and np.isfinite(bounds[2]).all()
    assert len(rec) == 1 and rec[0].category is CalibrationSizeWarning
    assert str(rec[0].message) == (
        "2 of 3 test points get an infinite bound: under covariate-shift "
        "weights their own weight is too large (or their group has no "
        "calibration point) for coverage 0.8, so the exact weighted "
        "jackknife+ answer is unbounded there. Use more calibration data or "
        "a lower coverage."
    )
    assert rec[0].filename == __file__
