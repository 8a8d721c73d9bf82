"""Mutation tests of the blocks of test rows of ConformalRegressor's J+aB / JAW.

Written against mutants of ``_cross_values`` and ``_weighted_cross_values``:
with the block size forced to one test row, every block must be computed
once, and the bounds still equal a NumPy loop (independent of the blocks).
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import LeaveOneOut

from skvariance.calibration import ConformalRegressor, _regressor

from ._helpers import jab_by_hand
from .test_cv_plus_groups import _reference, _two_groups


def test_jackknife_after_bootstrap_in_blocks_of_one_test_row(monkeypatch):
    monkeypatch.setattr(_regressor, "_CHUNK_ELEMENTS", 1)
    rng = np.random.RandomState(1)
    X, y, g = _two_groups(rng, 40)
    X_test, _, g_test = _two_groups(rng, 7)
    assert np.bincount(g_test).min() >= 2  # several blocks in each group
    reg = ConformalRegressor(
        LinearRegression(), method="jackknife_plus_ab", n_resamples=15, random_state=3
    ).fit(X, y, groups=g)
    models, out_of = jab_by_hand(LinearRegression(), X, y, 15, 3)
    assert out_of.sum(axis=1).min() > 0
    levels = [0.6, 0.8]
    expected = _reference(models, out_of, X, y, X_test, g, g_test, levels)
    got = reg.predict_interval(X_test, coverage=levels, groups=g_test)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_weighted_jackknife_plus_in_blocks_of_one_test_row(monkeypatch):
    monkeypatch.setattr(_regressor, "_CHUNK_ELEMENTS", 1)
    rng = np.random.RandomState(4)
    n = 16
    X, y, _ = _two_groups(rng, n)
    X_test, _, _ = _two_groups(rng, 5)
    w, w_test = np.exp(X[:, 0]), np.exp(X_test[:, 0])
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, shift_weight=w)
    levels = [0.5, 0.7]
    got = reg.predict_interval(X_test, coverage=levels, shift_weight=w_test)
    keep = ~np.eye(n, dtype=bool)
    models = [LinearRegression().fit(X[k], y[k]) for k in keep]
    r = np.abs(y - np.array([m.predict(X[i : i + 1])[0] for i, m in enumerate(models)]))
    mu_t = np.array([m.predict(X_test) for m in models])  # (n, n_test)
    for j in range(5):
        # Prinster et al.: the weighted quantile of mu_{-i} + R_i with the
        # test point's mass at +inf; the lower bound mirrored at -inf
        p = np.append(w, w_test[j]) / (w.sum() + w_test[j])
        up, lo = np.append(mu_t[:, j] + r, np.inf), np.append(mu_t[:, j] - r, -np.inf)
        for k, level in enumerate(levels):
            o = np.argsort(up)
            upper = up[o][np.searchsorted(np.cumsum(p[o]), level - 1e-12)]
            o = np.argsort(-lo)
            lower = lo[o][np.searchsorted(np.cumsum(p[o]), level - 1e-12)]
            assert np.isfinite([lower, upper]).all()
            assert got[j, 0, k] == pytest.approx(lower, abs=1e-12)
            assert got[j, 1, k] == pytest.approx(upper, abs=1e-12)
