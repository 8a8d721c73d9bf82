"""Mondrian and weighted CV+ / jackknife+-after-bootstrap.

References are NumPy loops over groups (and over leave-one-out models), built
from the fold / bootstrap recipe the docstring documents, never from the
fitted object's calibration state.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, LeaveOneOut

from skvariance.calibration import CalibrationSizeWarning, ConformalRegressor

from ._helpers import LinearWithStd, jab_by_hand


def _two_groups(rng, n, scale_b=6.0):
    X = rng.normal(size=(n, 2))
    g = (X[:, 1] > 0).astype(int)
    y = X[:, 0] + rng.normal(size=n) * (1.0 + (scale_b - 1.0) * g)
    return X, y, g


def _bounds(lower_values, upper_values, level):
    """Jackknife+ bounds of Barber et al. by sorting, one test row."""
    n = lower_values.size
    k = int(np.ceil((n + 1) * level - 1e-9))
    if k > n:
        return -np.inf, np.inf
    return -np.sort(-lower_values)[k - 1], np.sort(upper_values)[k - 1]


def _reference(models, out_of, X, y, X_test, g, g_test, levels, sigma=False):
    """Grouped CV+/J+aB intervals: out-of-fold means, then a loop over groups."""
    if sigma:
        pairs = [m.predict(X, return_std=True) for m in models]
        pairs_t = [m.predict(X_test, return_std=True) for m in models]
        mu_all = np.array([p[0] for p in pairs])
        s_all = np.array([p[1] for p in pairs])
        mu_t = np.array([p[0] for p in pairs_t])
        s_t = np.array([p[1] for p in pairs_t])
    else:
        mu_all = np.array([m.predict(X) for m in models])
        mu_t = np.array([m.predict(X_test) for m in models])
        s_all, s_t = np.ones_like(mu_all), np.ones_like(mu_t)
    weights = out_of / out_of.sum(axis=1, keepdims=True)  # (n, n_models)
    mu_oof = (weights * mu_all.T).sum(axis=1)
    s_oof = (weights * s_all.T).sum(axis=1)
    r = np.abs(y - mu_oof) / s_oof
    out = np.empty((X_test.shape[0], 2, len(levels)))
    for j in range(X_test.shape[0]):
        rows = np.flatnonzero(g == g_test[j])
        c = weights[rows] @ mu_t[:, j]
        s = weights[rows] @ s_t[:, j]
        for k, level in enumerate(levels):
            out[j, :, k] = _bounds(c - r[rows] * s, c + r[rows] * s, level)
    return out


@pytest.mark.parametrize("normalized", [False, True])
def test_grouped_cv_plus_equals_a_numpy_loop_over_groups(normalized):
    rng = np.random.RandomState(0)
    X, y, g = _two_groups(rng, 80)
    X_test, _, g_test = _two_groups(rng, 15)
    est = LinearWithStd() if normalized else LinearRegression()
    reg = ConformalRegressor(
        est,
        method="cv_plus",
        cv=KFold(5),
        score="normalized" if normalized else "absolute",
    ).fit(X, y, groups=g)
    folds = [test for _, test in KFold(5).split(X)]
    models = [
        type(est)().fit(np.delete(X, test, 0), np.delete(y, test)) for test in folds
    ]
    out_of = np.zeros((80, 5))
    for k, test in enumerate(folds):
        out_of[test, k] = 1.0
    levels = [0.5, 0.8, 0.9]
    expected = _reference(models, out_of, X, y, X_test, g, g_test, levels, normalized)
    got = reg.predict_interval(X_test, coverage=levels, groups=g_test)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    # pooled (no groups) intervals differ: the groups are really used
    pooled = ConformalRegressor(est, method="cv_plus", cv=KFold(5)).fit(X, y)
    assert not np.allclose(pooled.predict_interval(X_test), got[:, :, 2])


def test_grouped_jackknife_after_bootstrap_equals_a_numpy_loop():
    rng = np.random.RandomState(1)
    X, y, g = _two_groups(rng, 60)
    X_test, _, g_test = _two_groups(rng, 12)
    reg = ConformalRegressor(
        LinearRegression(), method="jackknife_plus_ab", n_resamples=25, random_state=3
    ).fit(X, y, groups=g)
    models, out_of = jab_by_hand(LinearRegression(), X, y, 25, 3)
    assert out_of.sum(axis=1).min() > 0  # no row excluded for this seed
    levels = [0.6, 0.9]
    expected = _reference(models, out_of, X, y, X_test, g, g_test, levels)
    got = reg.predict_interval(X_test, coverage=levels, groups=g_test)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_kernel_and_numpy_paths_agree_with_groups():
    # leave-one-out CV+ by the numba kernel, and by the NumPy weighted path
    # with equal weights (which must reduce to the unweighted ranks); the
    # kernel may fuse c + s * r into one FMA, so equal up to the last bit
    rng = np.random.RandomState(2)
    X, y, g = _two_groups(rng, 50)
    X_test, _, g_test = _two_groups(rng, 20)
    kw = {"method": "cv_plus", "cv": LeaveOneOut(), "score": "normalized"}
    kernel = ConformalRegressor(LinearWithStd(), **kw).fit(X, y, groups=g)
    numpy_path = ConformalRegressor(LinearWithStd(), **kw).fit(
        X, y, groups=g, shift_weight=np.full(50, 2.5)
    )
    levels = [0.3, 0.8, 0.9]
    w_test = np.full(20, 2.5)
    np.testing.assert_allclose(
        kernel.predict_interval(X_test, coverage=levels, groups=g_test),
        numpy_path.predict_interval(
            X_test, coverage=levels, groups=g_test, shift_weight=w_test
        ),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        kernel.predict_quantiles(X_test, [0.1, 0.5, 0.95], groups=g_test),
        numpy_path.predict_quantiles(
            X_test, [0.1, 0.5, 0.95], groups=g_test, shift_weight=w_test
        ),
        rtol=1e-14,
    )


def test_jaw_equals_a_weighted_numpy_loop():
    rng = np.random.RandomState(4)
    n = 30
    X, y, _ = _two_groups(rng, n)
    X_test, _, _ = _two_groups(rng, 6)
    w = np.exp(X[:, 0])
    w_test = np.exp(X_test[:, 0])
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, shift_weight=w)
    got = reg.predict_interval(X_test, coverage=[0.7, 0.8], shift_weight=w_test)
    models = [
        LinearRegression().fit(np.delete(X, i, 0), np.delete(y, i)) for i in range(n)
    ]
    r = np.abs(y - np.array([m.predict(X[i : i + 1])[0] for i, m in enumerate(models)]))
    for j in range(6):
        mu = np.array([m.predict(X_test[j : j + 1])[0] for m in models])
        p = np.append(w, w_test[j]) / (w.sum() + w_test[j])
        for k, level in enumerate([0.7, 0.8]):
            # Prinster et al.: upper = weighted (1 - alpha)-quantile of
            # mu_{-i} + R_i with mass p_{n+1} at +inf; lower mirrored at -inf
            up = np.append(mu + r, np.inf)
            order = np.argsort(up)
            upper = up[order][np.searchsorted(np.cumsum(p[order]), level - 1e-12)]
            lo = np.append(mu - r, -np.inf)
            order = np.argsort(-lo)
            lower = lo[order][np.searchsorted(np.cumsum(p[order]), level - 1e-12)]
            assert got[j, 0, k] == pytest.approx(lower, abs=1e-12)
            assert got[j, 1, k] == pytest.approx(upper, abs=1e-12)


def test_validation_of_groups_and_weights_for_cross_methods():
    rng = np.random.RandomState(5)
    X, y, g = _two_groups(rng, 40)
    for method in ("cv_plus", "jackknife_plus_ab"):
        reg = ConformalRegressor(LinearRegression(), method=method, random_state=0)
        reg.fit(X, y, groups=g)
        with pytest.raises(ValueError, match="groups is required"):
            reg.predict_interval(X[:3])
        with pytest.raises(ValueError, match=r"unseen at fit: \[7\]"):
            reg.predict_quantiles(X[:3], [0.5], groups=np.full(3, 7))
    with pytest.raises(ValueError, match="method='cv_plus' have no finite-sample"):
        ConformalRegressor(method="cv_plus", cv=5).fit(X, y, shift_weight=np.ones(40))
    with pytest.raises(ValueError, match="'jackknife_plus_ab' have no finite-sample"):
        ConformalRegressor(
            method="jackknife_plus_ab", weight_function=lambda Z: np.ones(len(Z))
        ).fit(X, y)
    with pytest.raises(ValueError, match="shift_weight is zero for every"):
        ConformalRegressor(method="cv_plus", cv=LeaveOneOut()).fit(
            X, y, shift_weight=np.zeros(40)
        )


def test_small_group_gets_infinite_bounds_with_a_warning():
    rng = np.random.RandomState(6)
    X, y, _ = _two_groups(rng, 40)
    g = np.zeros(40, dtype=int)
    g[:5] = 1  # group 1 has 5 out-of-fold points: coverage 0.9 needs 9
    reg = ConformalRegressor(LinearRegression(), method="cv_plus").fit(X, y, groups=g)
    with pytest.warns(CalibrationSizeWarning, match="calibration group 1 has 5"):
        bounds = reg.predict_interval(X[:4], groups=[1, 1, 0, 0])
    assert np.all(np.isinf(bounds[:2])) and np.all(np.isfinite(bounds[2:]))
    # a group seen at fit whose rows are all excluded (never out of bag)
    # cannot occur for CV+; J+aB keeps it with an empty calibration
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, shift_weight=np.ones(40))
    with pytest.warns(CalibrationSizeWarning, match="infinite bound"):
        bounds = reg.predict_interval(X[:2], shift_weight=np.array([1.0, 1e6]))
    assert np.isfinite(bounds[0]).all() and np.isinf(bounds[1]).all()


class _Line(RegressorMixin, BaseEstimator):
    """Least-squares line on the first column, without input checks (fast)."""

    def fit(self, X, y):
        x = np.asarray(X)[:, 0]
        xc = x - x.mean()
        self.slope_ = (xc @ (y - y.mean())) / max(xc @ xc, 1e-300)
        self.intercept_ = y.mean() - self.slope_ * x.mean()
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return self.intercept_ + self.slope_ * np.asarray(X)[:, 0]


def _coverage_per_group(method, n_reps, n_a, n_b, level, seed):
    """Exact conditional coverage per group (normal CDF), averaged over fits."""
    rng = np.random.RandomState(seed)
    means, scales = np.array([0.0, 3.0]), np.array([1.0, 10.0])
    cover = np.empty((n_reps, 2))
    for rep in range(n_reps):
        g = np.repeat([0, 1], [n_a, n_b])
        X = g[:, None].astype(float)
        y = means[g] + scales[g] * rng.normal(size=g.size)
        reg = ConformalRegressor(
            _Line(),
            method=method,
            cv=KFold(3, shuffle=True, random_state=rep),
            n_resamples=20,
            random_state=rep,
        ).fit(X, y, groups=g)
        b = reg.predict_interval(np.array([[0.0], [1.0]]), level, groups=[0, 1])
        cover[rep] = norm.cdf((b[:, 1] - means) / scales) - norm.cdf(
            (b[:, 0] - means) / scales
        )
    return cover.mean(axis=0), cover.std(axis=0) / np.sqrt(n_reps)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_coverage_per_group_from_both_sides(method):
    # groups of 9 and 19 points at coverage 0.8: the conformal ranks 8 of 9
    # and 16 of 19 cover about 8/10 and 16/20; one rank more or less moves a
    # group's coverage by 1/10 or 1/20, many standard errors here. Pooled
    # calibration would over-cover group 0 (noise 1) and under-cover group 1
    # (noise 10).
    mean, se = _coverage_per_group(method, 150, 9, 19, 0.8, seed=7)
    assert np.all(mean >= 0.8 - 3 * se), (mean, se)
    assert np.all(mean <= 0.8 + 3 * se + 0.02), (mean, se)
    assert np.all(mean >= 1 - 2 * 0.2)


def test_grouped_kernel_equals_the_full_matrix_per_group():
    from skvariance._kernels._conformal import grouped_cv_plus_order_statistics

    rng = np.random.RandomState(9)
    n, n_test, n_folds, n_groups = 70, 25, 4, 3
    res = np.round(rng.exponential(size=n), 1)  # ties
    fold_of = rng.randint(0, n_folds, size=n)
    group_of = rng.randint(0, n_groups, size=n)
    group_of[group_of == 2] = 1  # group 2 is empty: every rank is +-inf
    centers = np.round(rng.normal(size=(n_test, n_folds)), 1)
    row_group = rng.randint(0, n_groups, size=n_test).astype(np.int64)
    cell = group_of * n_folds + fold_of
    order = np.lexsort((res, cell))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(cell, minlength=12))])
    fold_ptrs = ptr[np.arange(3)[:, None] * n_folds + np.arange(n_folds + 1)]
    sizes = np.bincount(group_of, minlength=3)
    ranks = np.array([[0, 1, s // 2, s, s + 1] for s in sizes], dtype=np.int64)
    for sign in (-1, 1):
        got = grouped_cv_plus_order_statistics(
            res[order],
            fold_ptrs.astype(np.int64),
            row_group,
            centers,
            np.ones_like(centers),
            sign,
            ranks,
            np.empty((n_test, 5)),
        )
        for j in range(n_test):
            g = row_group[j]
            rows = group_of == g
            values = np.sort(centers[j, fold_of[rows]] + sign * res[rows])
            padded = np.concatenate([[-np.inf], values, [np.inf]])
            want = padded[np.minimum(ranks[g], sizes[g] + 1)]
            np.testing.assert_array_equal(got[j], want)


def _shift_coverage(n_reps, n, level, seed):
    """Exact conditional coverage at a shifted target, averaged over fits.

    Train x ~ N(0, 1), target x ~ N(1, 1): density ratio exp(x - 1/2);
    y = x + (0.3 + x^2) e. Returns (weighted, unweighted) mean coverage and
    the weighted one's standard error.
    """
    rng = np.random.RandomState(seed)
    out = np.empty((n_reps, 2))
    for rep in range(n_reps):
        x = rng.normal(size=n)
        y = x + (0.3 + x**2) * rng.normal(size=n)
        x_t = rng.normal(1.0, 1.0, size=200)
        sd_t = 0.3 + x_t**2
        X, X_t = x[:, None], x_t[:, None]
        for k, weighted in enumerate((True, False)):
            reg = ConformalRegressor(_Line(), method="cv_plus", cv=LeaveOneOut())
            if weighted:
                reg.fit(X, y, shift_weight=np.exp(x - 0.5))
                with warnings.catch_warnings():
                    # a test point of large weight gets (-inf, inf): counted
                    warnings.simplefilter("ignore", CalibrationSizeWarning)
                    b = reg.predict_interval(X_t, level, shift_weight=np.exp(x_t - 0.5))
            else:
                b = reg.fit(X, y).predict_interval(X_t, level)
            cover = norm.cdf((b[:, 1] - x_t) / sd_t) - norm.cdf((b[:, 0] - x_t) / sd_t)
            out[rep, k] = cover.mean()
    return out.mean(axis=0), out[:, 0].std() / np.sqrt(n_reps)


@pytest.mark.slow
def test_weighted_jackknife_plus_covers_under_covariate_shift():
    # 100 fits of 40 points (about 0.85 and 0.67 with se 0.01 for seed 8)
    (weighted, plain), se = _shift_coverage(100, 40, 0.8, seed=8)
    # JAW: at least 1 - 2 alpha in theory, about 1 - alpha in practice, a
    # little above with 40 points (large-weight test points get (-inf, inf))
    assert weighted >= 1 - 2 * 0.2
    assert 0.8 - 3 * se <= weighted <= 0.8 + 0.07, (weighted, se)
    # the unweighted jackknife+ under-covers the shifted target
    assert plain < weighted - 5 * se, (plain, weighted, se)


@pytest.mark.parametrize("weight", [0.1, 1e-6])
def test_weighted_path_hits_integer_ranks_exactly(weight):
    # n = 19 leave-one-out points: (n + 1) c is an integer for these levels,
    # where only the rank tolerance and "cumulative weight < target" (not
    # "<=") give the unweighted ranks of conformal_rank; tiny weights check
    # that the tolerance is relative to the target
    rng = np.random.RandomState(10)
    X, y, _ = _two_groups(rng, 19)
    X_test, _, _ = _two_groups(rng, 8)
    kw = {"method": "cv_plus", "cv": LeaveOneOut()}
    plain = ConformalRegressor(LinearRegression(), **kw).fit(X, y)
    weighted = ConformalRegressor(LinearRegression(), **kw)
    weighted.fit(X, y, shift_weight=np.full(19, weight))
    levels = [0.5, 0.8, 0.9, 0.95]
    w_test = np.full(8, weight)
    np.testing.assert_array_equal(
        weighted.predict_interval(X_test, levels, shift_weight=w_test),
        plain.predict_interval(X_test, levels),
    )
    np.testing.assert_array_equal(
        weighted.predict_quantiles(X_test, [0.05, 0.5, 0.95], shift_weight=w_test),
        plain.predict_quantiles(X_test, [0.05, 0.5, 0.95]),
    )


def test_weighted_group_of_one_row_is_finite_when_its_weight_dominates():
    # group 1 holds one leave-one-out row of weight 10; a test point of
    # weight 0.1 needs 0.9 * 10.1 <= 10: its bounds are mu_{-i}(x) -+ R_i
    rng = np.random.RandomState(11)
    X, y, _ = _two_groups(rng, 20)
    g = np.zeros(20, dtype=int)
    g[7] = 1
    w = np.ones(20)
    w[7] = 10.0
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    reg.fit(X, y, groups=g, shift_weight=w)
    model = LinearRegression().fit(np.delete(X, 7, 0), np.delete(y, 7))
    r = abs(y[7] - model.predict(X[7:8])[0])
    mu = model.predict(X[:3])
    got = reg.predict_interval(
        X[:3], 0.9, groups=[1, 1, 1], shift_weight=np.full(3, 0.1)
    )
    np.testing.assert_allclose(got, np.c_[mu - r, mu + r], rtol=1e-12)
    # one test row in its group gives the same bounds as in a batch
    alone = reg.predict_interval(X[:1], 0.9, groups=[1], shift_weight=[0.1])
    np.testing.assert_allclose(alone, got[:1], rtol=1e-12)
