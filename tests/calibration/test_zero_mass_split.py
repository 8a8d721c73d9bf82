"""Split conformal with weights: a Mondrian group with no calibration weight.

A group whose calibration weights are all 0 and a test point of weight 0
have no mass at all: the weighted conformal quantile is ``+inf`` (no
guarantee without calibration mass), as weighted CV+ gives and as
``predict_pvalue``'s p = 1 says, with the ``CalibrationSizeWarning`` of the
infinite quantiles -- not the group's smallest score.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import LeaveOneOut

from skvariance.calibration import (
    CalibrationSizeWarning,
    ConformalClassifier,
    ConformalRegressor,
)

MESSAGE = (
    r"^2 of 3 test points get an infinite conformal quantile: under "
    r"covariate-shift weights their own weight is too large \(or their group "
    r"has no calibration point or no calibration weight\) for coverage 0\.8, "
)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = X[:, 0] + rng.normal(size=n)
    g = np.repeat([0, 1], n // 2)
    return X, y, g, np.where(g == 1, 0.0, 1.0)


def test_split_bound_of_a_group_without_weight_is_infinite():
    X, y, g, w = _data()
    reg = ConformalRegressor(LinearRegression(), calibration_size=0.5, random_state=0)
    reg.fit(X, y, groups=g, shift_weight=w)
    X_test, g_test, w_test = X[:3] + 0.1, [1, 1, 0], np.array([0.0, 1.0, 0.0])
    with pytest.warns(CalibrationSizeWarning, match=MESSAGE):
        bounds = reg.predict_interval(X_test, 0.8, groups=g_test, shift_weight=w_test)
    np.testing.assert_array_equal(bounds[:2], [[-np.inf, np.inf]] * 2)
    # group 0 (unit weights), test weight 0: the ceil(0.8 * n0)-th score
    cal = reg.calibration_indices_
    in0 = cal[g[cal] == 0]
    model = LinearRegression().fit(np.delete(X, cal, 0), np.delete(y, cal))
    scores = np.sort(np.abs(y[in0] - model.predict(X[in0])))
    q = scores[int(np.ceil(0.8 * in0.size)) - 1]
    mu = model.predict(X_test[2:])[0]
    np.testing.assert_allclose(bounds[2], [mu - q, mu + q], rtol=1e-12)
    # the same point: p = 1 for any candidate, and weighted CV+ is unbounded
    p = reg.predict_pvalue(X_test[:1], [123.0], groups=[1], shift_weight=[0.0])
    assert p.tolist() == [1.0]
    loo = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    loo.fit(X, y, groups=g, shift_weight=w)
    with pytest.warns(CalibrationSizeWarning, match="infinite bound"):
        cv = loo.predict_interval(X_test[:1], 0.8, groups=[1], shift_weight=[0.0])
    np.testing.assert_array_equal(cv, [[-np.inf, np.inf]])


def test_split_set_of_a_group_without_weight_holds_every_class():
    X, y, g, w = _data(60, seed=1)
    labels = (y > 0).astype(int)
    clf = ConformalClassifier(
        LogisticRegression(), calibration_size=0.5, random_state=0
    )
    clf.fit(X, labels, groups=g, shift_weight=w)
    with pytest.warns(CalibrationSizeWarning, match=MESSAGE):
        sets = clf.predict_set(
            X[:3], 0.8, groups=[1, 1, 0], shift_weight=np.array([0.0, 1.0, 0.0])
        )
    assert sets[:2].all()
