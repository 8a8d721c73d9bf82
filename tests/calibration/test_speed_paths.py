"""Fast paths of the conformal regressor: same answers, never stale.

* the signed residuals behind ``predict_quantiles`` are sorted at its first
  call, not by ``fit``: the cache belongs to one fit;
* Mondrian groups are gathered by a stable counting sort of the group codes;
* a clean float64 ``y`` skips ``check_array``, every other ``y`` does not.

References are the formulas written out on rows drawn here as the
calibrator draws them (a seeded permutation), never the fitted state.
"""

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import LinearRegression

from skvariance.calibration import ConformalRegressor
from skvariance.calibration.base import ConformalCalibration, _is_clean_float_vector

LEVELS = [0.1, 0.5, 0.9]


def _data(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + (1 + np.abs(X[:, 0])) * rng.normal(size=n)
    return X, y


def _by_hand(X, y, X_test, levels, groups=None, groups_test=None):
    """Conformal predictive quantiles of a LinearRegression, from the formula."""
    n = len(y)
    n_cal = int(np.ceil(0.25 * n))
    cal = np.zeros(n, dtype=bool)
    cal[np.random.RandomState(0).permutation(n)[:n_cal]] = True
    model = LinearRegression().fit(X[~cal], y[~cal])
    signed = y[cal] - model.predict(X[cal])
    mu = model.predict(X_test)
    g_cal = np.zeros(cal.sum()) if groups is None else groups[cal]
    g_test = np.zeros(len(X_test)) if groups is None else groups_test
    out = np.empty((len(X_test), len(levels)))
    for g in np.unique(g_test):
        r = np.sort(signed[g_cal == g])
        for k, p in enumerate(levels):
            rank = int(np.ceil(p * (r.size + 1)))
            q = np.inf if rank > r.size else r[rank - 1]
            out[g_test == g, k] = mu[g_test == g] + q
    return out


def _reg():
    return ConformalRegressor(LinearRegression(), random_state=0)


def test_predict_quantiles_follows_every_refit():
    X_a, y_a = _data(200, 0)
    X_b, y_b = 3.0 * _data(300, 1)[0], _data(300, 1)[1] * 5.0 + 40.0
    X_test = _data(7, 2)[0]
    want_a = _by_hand(X_a, y_a, X_test, LEVELS)
    want_b = _by_hand(X_b, y_b, X_test, LEVELS)
    reg = _reg().fit(X_a, y_a)
    np.testing.assert_allclose(reg.predict_quantiles(X_test, LEVELS), want_a)
    # refitted after its sorted residuals were built...
    reg.fit(X_b, y_b)
    np.testing.assert_allclose(reg.predict_quantiles(X_test, LEVELS), want_b)
    # ... and refitted before they ever were
    reg = _reg().fit(X_a, y_a).fit(X_b, y_b)
    np.testing.assert_allclose(reg.predict_quantiles(X_test, LEVELS), want_b)
    # a refit with groups after one without (and back)
    groups = (X_b[:, 0] > 0).astype(int)
    g_test = (X_test[:, 0] > 0).astype(int)
    want_g = _by_hand(X_b, y_b, X_test, LEVELS, groups, g_test)
    reg.fit(X_b, y_b, groups=groups)
    got = reg.predict_quantiles(X_test, LEVELS, groups=g_test)
    np.testing.assert_allclose(got, want_g)
    reg.fit(X_a, y_a)
    np.testing.assert_allclose(reg.predict_quantiles(X_test, LEVELS), want_a)


def test_mondrian_quantiles_and_intervals_per_group():
    X, y = _data(900, 3)
    groups = np.digitize(X[:, 0], [-0.8, -0.2, 0.3, 0.9]) * 7 - 3  # 5 labels
    X_test = _data(40, 4)[0]
    g_test = np.digitize(X_test[:, 0], [-0.8, -0.2, 0.3, 0.9]) * 7 - 3
    reg = _reg().fit(X, y, groups=groups)
    got = reg.predict_quantiles(X_test, LEVELS, groups=g_test)
    np.testing.assert_allclose(got, _by_hand(X, y, X_test, LEVELS, groups, g_test))


@pytest.mark.parametrize("n_groups", [1, 2, 300, 2**15 - 1, 2**15])
def test_grouped_calibration_sorts_every_group(n_groups):
    rng = np.random.RandomState(n_groups)
    n = n_groups + 60
    codes = np.r_[np.arange(n_groups), rng.randint(0, n_groups, n - n_groups)]
    rng.shuffle(codes)
    scores = rng.normal(size=n)
    labels = np.arange(n_groups) * 2 + 1
    cal = ConformalCalibration(scores, (labels, codes))
    assert cal.sizes == np.bincount(codes, minlength=n_groups).tolist()
    for g in (0, n_groups // 2, n_groups - 1):
        np.testing.assert_array_equal(cal.sorted_scores[g], np.sort(scores[codes == g]))
    if n_groups > 300:
        return
    # weighted: tied scores accumulate their weights in row order
    w = rng.uniform(0.5, 2.0, size=n)
    tied = np.round(scores, 1)
    cal = ConformalCalibration(tied, (labels, codes), w)
    for g in (0, n_groups - 1):
        rows = np.flatnonzero(codes == g)
        order = rows[np.argsort(tied[rows], kind="stable")]
        np.testing.assert_array_equal(cal.cum_weights[g], np.cumsum(w[order]))


@pytest.mark.parametrize("y_kind", ["float64", "strided", "int", "float32", "list"])
def test_every_kind_of_y_gives_the_same_intervals(y_kind):
    X, y = _data(120, 5)
    X_test = _data(5, 6)[0]
    make = {
        "float64": lambda: y.copy(),
        "strided": lambda: np.repeat(y, 2)[::2],
        "int": lambda: np.round(y * 100).astype(int),
        "float32": lambda: y.astype(np.float32),
        "list": lambda: y.tolist(),
    }
    target = make[y_kind]()
    want = ConformalRegressor(LinearRegression(), random_state=0)
    want = want.fit(X, np.asarray(target, dtype=np.float64).copy())
    got = _reg().fit(X, target)
    np.testing.assert_array_equal(
        got.predict_interval(X_test), want.predict_interval(X_test)
    )


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_y_is_still_rejected(bad):
    X, y = _data(50, 7)
    y[10] = bad
    word = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=f"Input y contains {word}"):
        _reg().fit(X, y)


def test_a_column_y_still_warns_and_an_empty_one_still_fails():
    X, y = _data(50, 8)
    with pytest.warns(DataConversionWarning):
        _reg().fit(X, y[:, None])
    with pytest.raises(ValueError):
        _reg().fit(X[:0], y[:0])


def test_only_a_clean_float64_vector_skips_check_array():
    y = np.full(4, 1e308)  # finite, though its sum overflows
    assert _is_clean_float_vector(y)
    for bad in (y[::2], np.ones(4, np.float32), y[:, None], y[:0], [1.0, 2.0]):
        assert not _is_clean_float_vector(bad)
    for value in (np.nan, np.inf):
        z = y.copy()
        z[2] = value
        assert not _is_clean_float_vector(z)
