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


def test_the_smallest_test_weight_in_a_group_without_weight_is_unbounded_too():
    # level * 5e-324 underflows to 0 below coverage 0.5: the bound must not
    # come back from the calibration values, split or CV+ alike
    X, y, g, w = _data(30)
    split = ConformalRegressor(LinearRegression(), calibration_size=0.5, random_state=0)
    loo = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    for reg in (split, loo):
        reg.fit(X, y, groups=g, shift_weight=w)
        with pytest.warns(CalibrationSizeWarning, match="^1 of 1 test points"):
            bounds = reg.predict_interval(
                X[:1], [0.4, 0.8], groups=[1], shift_weight=[5e-324]
            )
        np.testing.assert_array_equal(bounds, [[[-np.inf] * 2, [np.inf] * 2]])


def test_weighted_cv_plus_with_zero_weights_in_a_group_with_mass_is_finite():
    # the rows holding the smallest upper and the largest lower value weigh
    # 0: the group still has mass, so the jackknife+ bounds are the weighted
    # quantiles of the leave-one-out values, computed here
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    y = X[:, 0] + rng.normal(size=12)
    x = rng.normal(size=(3, 2))
    keep = ~np.eye(12, dtype=bool)
    models = [LinearRegression().fit(X[k], y[k]) for k in keep]
    mu = np.array([m.predict(x) for m in models])  # (12, 3)
    r = np.abs(y - np.array([m.predict(X[i : i + 1])[0] for i, m in enumerate(models)]))
    w = np.tile([1.0, 2.0], 6)
    w[[np.argmin(mu[:, 0] + r), np.argmax(mu[:, 0] - r), 5]] = 0.0

    def upper(values):  # smallest value whose weight reaches half of W + 1
        order = np.argsort(values)
        first = np.argmax(np.cumsum(w[order]) >= 0.5 * (w.sum() + 1.0))
        return values[order][first]

    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, shift_weight=w)
    bounds = reg.predict_interval(x, 0.5, shift_weight=[1.0] * 3)
    expected = [[-upper(-(mu[:, j] - r)), upper(mu[:, j] + r)] for j in range(3)]
    np.testing.assert_allclose(bounds, expected, rtol=1e-12)
