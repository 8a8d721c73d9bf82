"""Tests written against mutants of ``ConformalQuantileRegressor.predict_interval``.

They survived the CQR test files: the CV+ refusal of groups and shift weights
and the CV+ small-calibration warning had no whole-message test, and no test
predicted a Mondrian CQR for test points outside its too-small group (only the
groups of the test points are named in the warning). Messages are matched
whole; references are computed here.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import norm

from skvariance.calibration import CalibrationSizeWarning, ConformalQuantileRegressor

from ._helpers import Gaussian, whole


def _data(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + rng.normal(size=n)


def _infinite_message(where, size, consequence):
    return whole(
        f"{where} has {size} samples; coverage 0.9 needs at least 9: the conformal "
        f"quantile is +inf, so {consequence} (the exact conformal answer). Use more "
        "calibration data, a larger calibration_size or a lower coverage for a "
        "finite one."
    )


INTERVALS = "the prediction intervals of its test points are (-inf, inf)"


def test_cv_plus_refuses_groups_and_shift_weight_at_predict_time():
    X, y = _data(20)
    cqr = ConformalQuantileRegressor(
        Gaussian(), method="cv_plus", cv=4, random_state=0
    ).fit(X, y)
    message = whole(
        "groups and shift_weight need method='split'; this "
        "ConformalQuantileRegressor was fitted with method='cv_plus'."
    )
    with pytest.raises(ValueError, match=message):
        cqr.predict_interval(X[:3], groups=np.zeros(3))
    with pytest.raises(ValueError, match=message):
        cqr.predict_interval(X[:3], shift_weight=np.ones(3))


def test_cv_plus_too_few_rows_warns_that_the_intervals_are_infinite():
    # 8 rows: CV+'s upper rank ceil(0.9 * 9) = 9 exceeds n at coverage 0.9
    X, y = _data(8)
    cqr = ConformalQuantileRegressor(Gaussian(), method="cv_plus", cv=4, random_state=0)
    cqr.fit(X, y)
    with pytest.warns(
        CalibrationSizeWarning,
        match=_infinite_message("the calibration set", 8, INTERVALS),
    ):
        bounds = cqr.predict_interval(X[:3])
    np.testing.assert_array_equal(bounds, np.tile([-np.inf, np.inf], (3, 1)))


def test_mondrian_cqr_names_only_the_test_points_groups():
    # group "s" (rows 0 and 1) has too few calibration rows for 0.9; test
    # points of group "a" alone get the finite CQR interval of "a", no warning
    X, y = _data(40)
    groups = np.array(["s", "s"] + ["a"] * 38)
    cqr = ConformalQuantileRegressor(
        Gaussian(), calibration_size=20, random_state=0
    ).fit(X, y, groups=groups)
    # split by hand: calibration_size rows drawn by a permutation of the seed
    cal = np.sort(np.random.RandomState(0).permutation(40)[:20])
    cal_a = cal[groups[cal] == "a"]
    lo, hi = X[cal_a, 0] + norm.ppf(0.05), X[cal_a, 0] + norm.ppf(0.95)
    scores = np.sort(np.maximum(lo - y[cal_a], y[cal_a] - hi))
    q = scores[int(np.ceil((cal_a.size + 1) * 0.9)) - 1]
    X_test = X[:4] + 0.25
    want = np.column_stack(
        [X_test[:, 0] + norm.ppf(0.05) - q, X_test[:, 0] + norm.ppf(0.95) + q]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bounds = cqr.predict_interval(X_test, groups=["a"] * 4)
    np.testing.assert_allclose(bounds, want, atol=1e-12)

    n_s = int(np.isin(cal, [0, 1]).sum())
    with pytest.warns(
        CalibrationSizeWarning,
        match=_infinite_message("calibration group 's'", n_s, INTERVALS),
    ):
        bounds = cqr.predict_interval(X_test, groups=["s", "a", "a", "s"])
    np.testing.assert_array_equal(bounds[[0, 3]], np.tile([-np.inf, np.inf], (2, 1)))
    np.testing.assert_allclose(bounds[[1, 2]], want[[1, 2]], atol=1e-12)
