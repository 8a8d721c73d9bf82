"""ConformalRegressor.predict_pvalue and predict_cdf: crepes 0.9.1's numbers,
the duality with intervals and quantiles, and validity by simulation."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from skvariance.calibration import ConformalRegressor

from ._helpers import LinearWithStd, heteroscedastic


@pytest.fixture(scope="module")
def fair():
    """statsmodels' ``fair`` affairs data: many tied targets (zeros)."""
    datasets = pytest.importorskip("statsmodels.datasets")
    data = datasets.fair.load_pandas().data
    X = data.drop(columns=["affairs", "occupation"]).to_numpy(dtype=float)
    y = data["affairs"].to_numpy(dtype=float)
    groups = data["occupation"].to_numpy().astype(int)
    rng = np.random.RandomState(0)
    test = rng.permutation(y.size)[:400]
    train = np.setdiff1d(np.arange(y.size), test)
    return X[train], y[train], groups[train], X[test], y[test], groups[test]


def _fitted(fair, groups=False):
    X, y, g, X_test, y_test, g_test = fair
    reg = ConformalRegressor(Ridge(), calibration_size=600, random_state=0)
    reg.fit(X, y, groups=g if groups else None)
    cal = reg.calibration_indices_
    # the peer gets residuals of the same model, computed here
    residuals = y[cal] - reg.estimator_.predict(X[cal])
    return reg, residuals, g[cal]


def _crepes_bin_uniforms(seed, bins_cal, bins_test):
    """The draws crepes' Mondrian p_values_batch makes, bin after bin."""
    rs = np.random.RandomState(seed)
    u = np.empty(bins_test.size)
    for b in np.unique(np.concatenate([bins_cal, bins_test])):
        rows = np.flatnonzero(bins_test == b)
        u[rows] = rs.rand(rows.size)
    return u


@pytest.mark.parametrize("candidate", ["truth", "scalar", "tied"])
def test_pvalues_identical_to_crepes(fair, candidate):
    crepes = pytest.importorskip("crepes")
    X, y, g, X_test, y_test, g_test = fair
    reg, residuals, _ = _fitted(fair)
    if candidate == "tied":
        # calibration rows as test rows: every score ties a calibration score
        rows = reg.calibration_indices_[:400]
        X_test, y_test = X[rows], y[rows]
    mu = reg.estimator_.predict(X_test)
    cand = np.full(y_test.size, 2.0) if candidate == "scalar" else y_test
    if candidate == "tied":
        assert np.isin(np.abs(cand - mu), np.abs(residuals)).all()
    peer = crepes.ConformalRegressor().fit(residuals)
    want = peer.predict_p(mu, cand, smoothing=False)
    got = reg.predict_pvalue(
        X_test, 2.0 if candidate == "scalar" else cand, smoothing=False
    )
    np.testing.assert_array_equal(got, want)
    smooth = peer.predict_p(mu, cand, smoothing=True, seed=11)
    u = np.random.RandomState(11).rand(y_test.size)
    np.testing.assert_allclose(
        reg.predict_pvalue(X_test, cand, uniforms=u), smooth, rtol=1e-15
    )


def test_mondrian_pvalues_identical_to_crepes(fair):
    crepes = pytest.importorskip("crepes")
    X, y, g, X_test, y_test, g_test = fair
    reg, residuals, g_cal = _fitted(fair, groups=True)
    mu = reg.estimator_.predict(X_test)
    peer = crepes.ConformalRegressor().fit(residuals, bins=g_cal)
    want = peer.predict_p(mu, y_test, bins=g_test, smoothing=False)
    got = reg.predict_pvalue(X_test, y_test, groups=g_test, smoothing=False)
    np.testing.assert_array_equal(got, want)
    smooth = peer.predict_p(mu, y_test, bins=g_test, seed=5)
    u = _crepes_bin_uniforms(5, g_cal, g_test)
    got = reg.predict_pvalue(X_test, y_test, groups=g_test, uniforms=u)
    np.testing.assert_allclose(got, smooth, rtol=1e-15)


@pytest.mark.parametrize("groups", [False, True])
def test_cdf_identical_to_crepes(fair, groups):
    crepes = pytest.importorskip("crepes")
    X, y, g, X_test, y_test, g_test = fair
    reg, residuals, g_cal = _fitted(fair, groups=groups)
    mu = reg.estimator_.predict(X_test)
    peer = crepes.ConformalPredictiveSystem().fit(
        residuals, bins=g_cal if groups else None
    )
    bins = g_test if groups else None
    kw = {"groups": g_test} if groups else {}
    for cand in (y_test, 1.5):  # one value per row (ties), one for all
        want = peer.predict(mu, bins=bins, y=cand, smoothing=False).reshape(-1)
        got = reg.predict_cdf(X_test, cand, smoothing=False, **kw)
        np.testing.assert_array_equal(got, want)
        want = peer.predict(mu, bins=bins, y=cand, seed=3).reshape(-1)
        u = np.random.RandomState(3).rand(y_test.size)  # one draw per row
        got = reg.predict_cdf(X_test, cand, uniforms=u, **kw)
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_normalized_pvalues_and_cdf_identical_to_crepes():
    crepes = pytest.importorskip("crepes")
    rng = np.random.RandomState(3)
    X, y = heteroscedastic(rng, 400)
    y = np.round(y, 1)  # ties
    X_test, y_test = heteroscedastic(rng, 200)
    y_test = np.round(y_test, 1)
    reg = ConformalRegressor(LinearWithStd(), score="normalized", random_state=0)
    reg.fit(X, y)
    cal = reg.calibration_indices_
    mu_cal, s_cal = reg.estimator_.predict(X[cal], return_std=True)
    mu, s = reg.estimator_.predict(X_test, return_std=True)
    cr = crepes.ConformalRegressor().fit(y[cal] - mu_cal, sigmas=s_cal)
    np.testing.assert_array_equal(
        reg.predict_pvalue(X_test, y_test, smoothing=False),
        cr.predict_p(mu, y_test, sigmas=s, smoothing=False),
    )
    cps = crepes.ConformalPredictiveSystem().fit(y[cal] - mu_cal, sigmas=s_cal)
    np.testing.assert_array_equal(
        reg.predict_cdf(X_test, y_test, smoothing=False),
        cps.predict(mu, sigmas=s, y=y_test, smoothing=False).reshape(-1),
    )


def test_pvalue_duality_with_intervals_and_cdf_inverts_quantiles():
    rng = np.random.RandomState(4)
    X, y = heteroscedastic(rng, 300)
    X_test, _ = heteroscedastic(rng, 60)
    g = (X[:, 1] > 0).astype(int)
    g_test = (X_test[:, 1] > 0).astype(int)
    reg = ConformalRegressor(LinearWithStd(), score="normalized", random_state=1)
    reg.fit(X, y, groups=g)
    sizes = np.bincount(g[reg.calibration_indices_])
    # y in the interval at coverage c  <=>  p(y) > 1 - c (levels whose
    # (n + 1) c is not an integer in either group)
    grid = np.linspace(-8, 8, 161)
    for c in (0.73, 0.9):
        bounds = reg.predict_interval(X_test, c, groups=g_test)
        for t in grid:
            p = reg.predict_pvalue(X_test, t, groups=g_test, smoothing=False)
            inside = (bounds[:, 0] <= t) & (t <= bounds[:, 1])
            np.testing.assert_array_equal(inside, p > 1 - c)
    # Q(p) is the smallest y with F(y) - 1/(n + 1) >= p
    levels = np.array([0.05, 0.31, 0.5, 0.77, 0.95])
    q = reg.predict_quantiles(X_test, levels, groups=g_test)
    step = 1.0 / (sizes[g_test] + 1)
    for k, p in enumerate(levels):
        at = reg.predict_cdf(X_test, q[:, k], groups=g_test, smoothing=False)
        below = reg.predict_cdf(
            X_test, np.nextafter(q[:, k], -np.inf), groups=g_test, smoothing=False
        )
        assert np.all(at - step >= p - 1e-12)
        assert np.all(below - step < p)


def test_pvalues_valid_and_exact_by_simulation():
    # 4000 Mondrian groups of about 9 calibration scores, one test point
    # each: one fit and one call. The unsmoothed p-value of the true y in a
    # group of n is uniform on {1/(n+1), ..., 1}, so P(p <= a) is exactly
    # floor(a (n + 1)) / (n + 1), and the smoothed p-value is uniform on
    # (0, 1). A (k + 2)/(n + 1) or k/(n + 1) convention moves P(p <= 0.2) by
    # about 0.1, 15 standard errors.
    rng = np.random.RandomState(5)
    n_groups, size = 4000, 9
    groups = np.repeat(np.arange(n_groups), size)
    y = rng.normal(size=groups.size)
    X = np.zeros((groups.size, 1))
    reg = ConformalRegressor(_Zero(), calibration_size=groups.size - 1)
    reg.fit(X, y, groups=groups)
    n_cal = np.bincount(groups[reg.calibration_indices_], minlength=n_groups)
    labels = np.arange(n_groups)
    y_test = rng.normal(size=n_groups)
    p_plain = reg.predict_pvalue(X[:n_groups], y_test, groups=labels, smoothing=False)
    p_smooth = reg.predict_pvalue(
        X[:n_groups], y_test, groups=labels, uniforms=rng.uniform(size=n_groups)
    )
    for a in (0.1, 0.2, 0.5, 0.75):
        se = np.sqrt(a * (1 - a) / n_groups)
        exact = np.mean(np.floor(a * (n_cal + 1) + 1e-9) / (n_cal + 1))
        assert abs(np.mean(p_plain <= a) - exact) < 4 * se
        assert np.mean(p_plain <= a) <= a + 4 * se
        assert abs(np.mean(p_smooth <= a) - a) < 4 * se


class _Zero(LinearRegression):
    """Predicts 0 whatever the data: the score of y is |y|."""

    def predict(self, X):
        return np.zeros(np.asarray(X).shape[0])


def test_bad_input_and_cross_methods():
    rng = np.random.RandomState(6)
    X, y = heteroscedastic(rng, 80)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"y must be a float or have shape \(5,\)"):
        reg.predict_pvalue(X[:5], y[:4])
    with pytest.raises(ValueError, match="y contains NaN"):
        reg.predict_cdf(X[:2], [1.0, np.nan])
    with pytest.raises(TypeError, match="smoothing must be a bool"):
        reg.predict_pvalue(X[:2], 0.0, smoothing="yes")
    with pytest.raises(ValueError, match="only used with smoothing=True"):
        reg.predict_pvalue(X[:2], 0.0, smoothing=False, uniforms=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"uniforms must have shape \(2,\)"):
        reg.predict_cdf(X[:2], 0.0, uniforms=[0.5, 1.5])
    with pytest.raises(ValueError, match="groups were given"):
        reg.predict_pvalue(X[:2], 0.0, groups=[0, 1])
    cv = ConformalRegressor(Ridge(), method="cv_plus").fit(X, y)
    with pytest.raises(ValueError, match="predict_pvalue needs method='split'"):
        cv.predict_pvalue(X[:2], 0.0)
    with pytest.raises(ValueError, match="predict_cdf needs method='split'"):
        cv.predict_cdf(X[:2], 0.0)


def test_smoothing_draws_follow_the_row_not_the_batch():
    rng = np.random.RandomState(7)
    X, y = heteroscedastic(rng, 200)
    reg = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    X_test = X[:20]
    cand = np.round(reg.predict(X_test), 0)
    batch = reg.predict_pvalue(X_test, cand, random_state=3)
    alone = [
        reg.predict_pvalue(X_test[i : i + 1], cand[i], random_state=3)[0]
        for i in (0, 7, 19)
    ]
    np.testing.assert_array_equal(batch[[0, 7, 19]], alone)
    reversed_ = reg.predict_pvalue(X_test[::-1], cand[::-1], random_state=3)
    np.testing.assert_array_equal(batch, reversed_[::-1])
    assert not np.array_equal(batch, reg.predict_pvalue(X_test, cand, random_state=4))


def test_weighted_pvalue_by_hand():
    rng = np.random.RandomState(8)
    X, y = heteroscedastic(rng, 100)
    w = np.exp(X[:, 0])
    reg = ConformalRegressor(LinearRegression(), calibration_size=30, random_state=0)
    reg.fit(X, y, shift_weight=w)
    cal = reg.calibration_indices_
    model = LinearRegression().fit(np.delete(X, cal, 0), np.delete(y, cal))
    s_cal = np.abs(y[cal] - model.predict(X[cal]))
    X_test = X[:6]
    w_test = np.exp(X_test[:, 0])
    cand = np.linspace(-2, 2, 6)
    s = np.abs(cand - model.predict(X_test))
    want = np.array(
        [
            (w[cal][s_cal >= s[j]].sum() + w_test[j]) / (w[cal].sum() + w_test[j])
            for j in range(6)
        ]
    )
    got = reg.predict_pvalue(X_test, cand, shift_weight=w_test, smoothing=False)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    r_cal = y[cal] - model.predict(X[cal])
    mu = model.predict(X_test)
    want = np.array(
        [
            (w[cal][mu[j] + r_cal <= cand[j]].sum() + w_test[j])
            / (w[cal].sum() + w_test[j])
            for j in range(6)
        ]
    )
    got = reg.predict_cdf(X_test, cand, shift_weight=w_test, smoothing=False)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_cdf_counts_support_points_by_the_exact_comparison():
    # candidates at and just below mu(x) + sigma(x) r_i: (y - mu) / sigma
    # rounds to either side of r_i, so only the exact comparison (crepes')
    # gives the right count; checked against a brute-force count
    rng = np.random.RandomState(9)
    X, y = heteroscedastic(rng, 400)
    reg = ConformalRegressor(LinearWithStd(), score="normalized", random_state=0)
    reg.fit(X, y)
    cal = reg.calibration_indices_
    mu_cal, s_cal = reg.estimator_.predict(X[cal], return_std=True)
    r = (y[cal] - mu_cal) / s_cal
    X_test, _ = heteroscedastic(rng, 3000)
    mu, s = reg.estimator_.predict(X_test, return_std=True)
    at = mu + s * r[rng.randint(0, r.size, size=3000)]
    lowest = mu + s * r.min()  # the walk down from k = 1 to 0
    n = r.size
    for cand in (
        at,
        np.nextafter(at, -np.inf),
        np.nextafter(at, np.inf),
        np.nextafter(lowest, -np.inf),
    ):
        values = mu[:, None] + s[:, None] * r[None, :]
        le = (values <= cand[:, None]).sum(axis=1)
        lt = (values < cand[:, None]).sum(axis=1)
        np.testing.assert_array_equal(
            reg.predict_cdf(X_test, cand, smoothing=False), (le + 1) / (n + 1)
        )
        zeros, ones = np.zeros(3000), np.ones(3000)
        np.testing.assert_array_equal(
            reg.predict_cdf(X_test, cand, uniforms=zeros), lt / (n + 1)
        )
        np.testing.assert_array_equal(
            reg.predict_cdf(X_test, cand, uniforms=ones), (le + 1) / (n + 1)
        )


def test_empty_group_and_zero_test_weight_give_p_value_one():
    X = np.arange(20.0)[:, None]
    y = np.sin(X[:, 0])
    groups = np.zeros(20, dtype=int)
    reg = ConformalRegressor(LinearRegression(), calibration_size=5, random_state=0)
    cal = reg.fit(X, y).calibration_indices_
    groups[np.setdiff1d(np.arange(20), cal)[0]] = 1  # group 1: training only
    reg.fit(X, y, groups=groups, shift_weight=np.ones(20))
    p = reg.predict_pvalue(
        X[:2], 0.0, groups=[1, 1], shift_weight=[0.0, 2.0], smoothing=False
    )
    np.testing.assert_array_equal(p, [1.0, 1.0])


def test_weighted_cdf_and_pvalue_in_tiny_groups_and_at_the_extremes():
    # groups of one and of no calibration row; candidates below and above
    # every calibration value; a brute-force weighted count as reference
    rng = np.random.RandomState(12)
    X = rng.normal(size=(30, 1))
    y = X[:, 0] + rng.normal(size=30)
    reg = ConformalRegressor(LinearRegression(), calibration_size=10, random_state=1)
    cal = reg.fit(X, y).calibration_indices_
    train = np.setdiff1d(np.arange(30), cal)
    groups = np.zeros(30, dtype=int)
    groups[cal[0]] = 1  # one calibration row
    groups[train[0]] = 2  # no calibration row
    w = rng.uniform(0.5, 2.0, size=30)
    reg.fit(X, y, groups=groups, shift_weight=w)
    model = LinearRegression().fit(X[train], y[train])
    r = y[cal] - model.predict(X[cal])
    g_cal, w_cal = groups[cal], w[cal]
    X_test = np.repeat(X[:3], 3, axis=0)
    g_test = np.tile([0, 1, 2], 3)
    w_test = rng.uniform(0.5, 2.0, size=9)
    mu = model.predict(X_test)
    for cand in (mu - 100.0, mu + 100.0, mu, mu + r[0]):
        cdf = reg.predict_cdf(
            X_test, cand, groups=g_test, shift_weight=w_test, smoothing=False
        )
        p = reg.predict_pvalue(
            X_test, cand, groups=g_test, shift_weight=w_test, smoothing=False
        )
        for j in range(9):
            inside = g_cal == g_test[j]
            total = w_cal[inside].sum() + w_test[j]
            le = w_cal[inside][mu[j] + r[inside] <= cand[j]].sum()
            ge = w_cal[inside][np.abs(r[inside]) >= abs(cand[j] - mu[j])].sum()
            assert cdf[j] == pytest.approx((le + w_test[j]) / total, rel=1e-12)
            assert p[j] == pytest.approx((ge + w_test[j]) / total, rel=1e-12)
