"""Mutation tests of the weighted jackknife+ (JAW) warning of infinite bounds.

Written against mutants of ``ConformalRegressor._weighted_cross_values``: the
whole message (how many rows, the highest coverage) and where it points.
"""

import warnings

import numpy as np

from skvariance.calibration import CalibrationSizeWarning

from ._helpers import massless_group_cv_plus


def test_weighted_infinite_bound_warning_whole_message_and_caller():
    # group 1 has no calibration weight: its two test rows are unbounded at
    # any level, the group-0 row is finite
    X, reg = massless_group_cv_plus()
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
