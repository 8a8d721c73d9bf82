"""CQR with CV+: ``ConformalQuantileRegressor(method="cv_plus")``.

The reference interval is written out with NumPy: fold models refitted by
hand, out-of-fold CQR scores ``E_i``, the full ``n_test x n`` matrices of
``q_lo^{-k(i)}(x) - E_i`` and ``q_hi^{-k(i)}(x) + E_i``, and their
``floor(alpha (n + 1))``-th and ``ceil((1 - alpha)(n + 1))``-th smallest.
"""

import math

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import QuantileRegressor
from sklearn.model_selection import KFold, ShuffleSplit

from skvariance.calibration import CalibrationSizeWarning, ConformalQuantileRegressor

from ._helpers import heteroscedastic


class ResidualQuantiles(RegressorMixin, BaseEstimator):
    """Linear fit plus empirical quantiles of its residuals (a cheap CQR model)."""

    def __init__(self, quantiles=(0.05, 0.1, 0.25, 0.75, 0.9, 0.95)):
        self.quantiles = quantiles

    def fit(self, X, y):
        design = np.column_stack([np.ones(len(X)), X])
        self.coef_ = np.linalg.lstsq(design, y, rcond=None)[0]
        self.offsets_ = np.quantile(y - design @ self.coef_, self.quantiles)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        mean = self.coef_[0] + np.asarray(X) @ self.coef_[1:]
        return mean[:, None] + self.offsets_[None, :]


def _ranks(n, coverage):
    alpha = 1.0 - coverage
    low = math.floor(round(alpha * (n + 1), 9))
    high = math.ceil(round(coverage * (n + 1), 9))
    return low, high


def _kth_or_inf(values, k):
    """Row-wise k-th smallest (1-based); -inf for k < 1, +inf for k > n."""
    if k < 1:
        return np.full(values.shape[0], -np.inf)
    if k > values.shape[1]:
        return np.full(values.shape[0], np.inf)
    return np.sort(values, axis=1)[:, k - 1]


def _reference(make_fold_model, X, y, X_test, folds, coverage, lo, hi):
    """CV+ CQR bounds by brute force (``lo``/``hi``: prediction columns)."""
    n = len(y)
    lower_q = np.empty((len(X_test), n))
    upper_q = np.empty((len(X_test), n))
    scores = np.empty(n)
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        predict = make_fold_model(X[train], y[train])
        oof = predict(X[test])
        scores[test] = np.maximum(oof[:, lo] - y[test], y[test] - oof[:, hi])
        at_test = predict(X_test)
        lower_q[:, test] = at_test[:, [lo]]
        upper_q[:, test] = at_test[:, [hi]]
    k_low, k_high = _ranks(n, coverage)
    return np.column_stack(
        [
            _kth_or_inf(lower_q - scores[None, :], k_low),
            _kth_or_inf(upper_q + scores[None, :], k_high),
        ]
    )


def test_cv_plus_intervals_equal_the_brute_force_reference_at_every_coverage():
    rng = np.random.RandomState(0)
    X, y = heteroscedastic(rng, 57)
    X_test, _ = heteroscedastic(rng, 9)
    cv = KFold(4)
    levels = (0.05, 0.1, 0.25, 0.75, 0.9, 0.95)
    cqr = ConformalQuantileRegressor(
        ResidualQuantiles(levels), method="cv_plus", cv=cv, random_state=0
    ).fit(X, y)
    coverages = [0.5, 0.8, 0.9]
    got = cqr.predict_interval(X_test, coverage=coverages)
    folds = [test for _, test in cv.split(X)]

    def make(Xt, yt):
        return ResidualQuantiles(levels).fit(Xt, yt).predict

    # the fitted levels closest to (1 -+ c) / 2: columns (2, 3), (1, 4), (0, 5)
    for k, (c, (lo, hi)) in enumerate(zip(coverages, [(2, 3), (1, 4), (0, 5)])):
        want = _reference(make, X, y, X_test, folds, c, lo, hi)
        np.testing.assert_allclose(got[:, :, k], want, rtol=1e-12, atol=1e-12)
        one = cqr.predict_interval(X_test, coverage=c)
        np.testing.assert_array_equal(one, got[:, :, k])
    # the point prediction and the quantiles are the fold models' mean
    trains = [np.setdiff1d(np.arange(57), t) for t in folds]
    mean = np.mean([make(X[tr], y[tr])(X_test) for tr in trains], axis=0)
    np.testing.assert_allclose(cqr.predict_quantiles(X_test), mean)
    np.testing.assert_allclose(cqr.predict(X_test), (mean[:, 0] + mean[:, 5]) / 2)


def test_cv_plus_with_one_model_per_level_equals_the_reference():
    rng = np.random.RandomState(1)
    X, y = heteroscedastic(rng, 40)
    X_test, _ = heteroscedastic(rng, 5)
    cv = KFold(5)
    base = QuantileRegressor(alpha=0.0, solver="highs")
    cqr = ConformalQuantileRegressor(base, method="cv_plus", cv=cv, coverage=0.8)
    got = cqr.fit(X, y).predict_interval(X_test)
    assert len(cqr.estimators_) == 5 and all(len(m) == 2 for m in cqr.estimators_)

    def make(Xt, yt):
        models = [
            QuantileRegressor(quantile=q, alpha=0.0, solver="highs").fit(Xt, yt)
            for q in (0.1, 0.9)
        ]
        return lambda Z: np.column_stack([m.predict(Z) for m in models])

    folds = [test for _, test in cv.split(X)]
    want = _reference(make, X, y, X_test, folds, 0.8, 0, 1)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_ranks_out_of_range_give_infinite_bounds_with_the_warning():
    rng = np.random.RandomState(2)
    X, y = heteroscedastic(rng, 8)  # floor(0.1 * 9) = 0, ceil(0.9 * 9) = 9 > 8
    cqr = ConformalQuantileRegressor(
        ResidualQuantiles((0.05, 0.95)), method="cv_plus", cv=4, random_state=0
    ).fit(X, y)
    with pytest.warns(CalibrationSizeWarning, match="has 8 samples; coverage 0.9"):
        bounds = cqr.predict_interval(X[:3], coverage=[0.5, 0.9])
    assert np.isfinite(bounds[:, :, 0]).all()
    np.testing.assert_array_equal(bounds[:, 0, 1], -np.inf)
    np.testing.assert_array_equal(bounds[:, 1, 1], np.inf)


def test_same_random_state_same_folds_and_intervals_for_any_n_jobs():
    rng = np.random.RandomState(3)
    X, y = heteroscedastic(rng, 50)
    base = QuantileRegressor(alpha=0.0, solver="highs")
    a = ConformalQuantileRegressor(base, method="cv_plus", random_state=7).fit(X, y)
    b = ConformalQuantileRegressor(base, method="cv_plus", random_state=7, n_jobs=2)
    with parallel_config(backend="threading"):
        b.fit(X, y)
    np.testing.assert_array_equal(a.predict_interval(X[:5]), b.predict_interval(X[:5]))


def _coverages(method, n_reps, n=39, n_test=200, seed=4):
    rng = np.random.RandomState(seed)
    cover = np.empty(n_reps)
    cqr = ConformalQuantileRegressor(
        ResidualQuantiles((0.05, 0.95)), method=method, coverage=0.9, random_state=0
    )
    for r in range(n_reps):
        X = rng.normal(size=(n + n_test, 2))
        y = X[:, 0] + rng.standard_t(3, size=n + n_test)
        bounds = cqr.fit(X[:n], y[:n]).predict_interval(X[n:])
        cover[r] = np.mean((bounds[:, 0] <= y[n:]) & (y[n:] <= bounds[:, 1]))
    return cover


def test_cv_plus_coverage_by_simulation_from_both_sides():
    """39 rows, 90%: CV+ covers at least 1 - 2 alpha, and 0.9025 on average
    over 400 runs of this design (Monte-Carlo se 0.0027); one rank more on
    both sides covers 0.9235, one rank less 0.880 (here 150 runs, se 0.0045)."""
    cover = _coverages("cv_plus", 150)
    assert cover.mean() >= 0.8
    assert 0.889 <= cover.mean() <= 0.916, cover.mean()


@pytest.mark.slow
def test_cv_plus_coverage_is_close_to_split_cqr():
    """Over 400 runs: CV+ 0.9025 (se 0.0027), split CQR 0.8997 (se 0.0045);
    CV+ uses every row for both fitting and calibration, so its coverage
    varies less from run to run (sd 0.053 against 0.091)."""
    cv = _coverages("cv_plus", 400, seed=11)
    split = _coverages("split", 400, seed=11)
    assert abs(cv.mean() - split.mean()) < 0.015, (cv.mean(), split.mean())
    assert 0.8 <= cv.mean() and 0.894 <= cv.mean() <= 0.912
    assert cv.std() < split.std()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"groups": np.arange(20) % 2}, "groups .* need method='split'"),
        ({"shift_weight": np.ones(20)}, "shift-weights .* need method='split'"),
    ],
)
def test_groups_and_weights_are_refused_with_cv_plus(kwargs, match):
    rng = np.random.RandomState(5)
    X, y = heteroscedastic(rng, 20)
    cqr = ConformalQuantileRegressor(ResidualQuantiles(), method="cv_plus", cv=2)
    with pytest.raises(ValueError, match=match.replace("shift-weights", "weights")):
        cqr.fit(X, y, **kwargs)


def test_invalid_cv_plus_input():
    rng = np.random.RandomState(6)
    X, y = heteroscedastic(rng, 20)
    model = ResidualQuantiles()
    with pytest.raises(ValueError, match="Prinster"):
        ConformalQuantileRegressor(
            model, method="cv_plus", weight_function=lambda Z: np.ones(len(Z))
        ).fit(X, y)
    with pytest.raises(ValueError, match="exactly one test fold"):
        ConformalQuantileRegressor(
            model, method="cv_plus", cv=ShuffleSplit(3, random_state=0)
        ).fit(X, y)
    with pytest.raises(ValueError, match="cv=30 folds need at least 30 samples"):
        ConformalQuantileRegressor(model, method="cv_plus", cv=30).fit(X, y)
    fitted = ConformalQuantileRegressor(model, method="cv_plus", cv=2).fit(X, y)
    with pytest.raises(ValueError, match="groups and shift_weight need method='split'"):
        fitted.predict_interval(X[:2], groups=[0, 1])
    with pytest.raises(ValueError, match="cannot use a single"):
        fitted.conformalize(X, y)


def test_ranks_one_and_n_are_the_extreme_values_not_infinite():
    """9 rows at 90%: lower rank floor(0.1 * 10) = 1 and upper rank
    ceil(0.9 * 10) = 9 = n, the smallest and the largest value: finite."""
    rng = np.random.RandomState(7)
    X, y = heteroscedastic(rng, 9)
    X_test, _ = heteroscedastic(rng, 4)
    cv = KFold(3)
    levels = (0.05, 0.95)
    cqr = ConformalQuantileRegressor(
        ResidualQuantiles(levels), method="cv_plus", cv=cv, coverage=0.9
    ).fit(X, y)
    got = cqr.predict_interval(X_test)
    assert np.isfinite(got).all()

    def make(Xt, yt):
        return ResidualQuantiles(levels).fit(Xt, yt).predict

    folds = [test for _, test in cv.split(X)]
    want = _reference(make, X, y, X_test, folds, 0.9, 0, 1)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
