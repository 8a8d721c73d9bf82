"""Coverage of ConformalRegressor by simulation, with binomial tolerances.

Split conformal with continuous scores has expected coverage exactly
``k / (n + 1)`` with ``k = ceil((n + 1)(1 - alpha))``: the tests check that
value (so an off-by-one rank fails them), which is both the lower bound
``1 - alpha`` and the upper bound ``1 - alpha + 1 / (n + 1)``.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from skvariance.calibration import ConformalRegressor

from ._helpers import LinearWithStd, heteroscedastic, rep_variance, within

N_CAL = 24  # ceil(25 * 0.9) = 23: expected coverage 23 / 25 = 0.92
EXACT = 23 / 25


def _covered(bounds, y):
    return (y >= bounds[:, 0]) & (y <= bounds[:, 1])


def _simulate(make, n_reps=300, n_train=64, n_test=100, **fit):
    cover = np.empty(n_reps)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = heteroscedastic(rng, n_train)
        X_test, y_test = heteroscedastic(rng, n_test)
        model = make(r).fit(X, y, **fit)
        cover[r] = _covered(model.predict_interval(X_test), y_test).mean()
    return cover


@pytest.mark.parametrize("score", ["absolute", "normalized"])
def test_split_coverage_is_exactly_k_over_n_plus_one(score):
    estimator = LinearWithStd() if score == "normalized" else LinearRegression()
    cover = _simulate(
        lambda r: ConformalRegressor(
            estimator, score=score, calibration_size=N_CAL, random_state=r
        )
    )
    ok, se = within(cover.mean(), EXACT, rep_variance(EXACT, N_CAL, 100), cover.size)
    assert ok, (cover.mean(), se)
    # lower and upper finite-sample bounds of split conformal
    assert cover.mean() >= 0.9 - 4 * se
    assert cover.mean() <= 0.9 + 1 / (N_CAL + 1) + 4 * se


@pytest.mark.slow
# 15 bootstrap samples of 40 rows: a row is in all of them in ~4% of fits
@pytest.mark.filterwarnings("ignore:.*never out of bag:UserWarning")
@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_methods_cover_nominally(method):
    cover = _simulate(
        lambda r: ConformalRegressor(
            LinearRegression(),
            method=method,
            cv=4,
            n_resamples=15,
            random_state=r,
        ),
        n_reps=120,
        n_train=40,
    )
    # theory guarantees 1 - 2 alpha; in practice (and here) 1 - alpha
    se = np.sqrt(rep_variance(0.9, 40, 100) / cover.size)
    assert cover.mean() >= 0.9 - 4 * se, (cover.mean(), se)
    # from above: no wider than split conformal's 0.9 + 1 / (n + 1)
    assert cover.mean() <= 0.9 + 1 / 41 + 4 * se, (cover.mean(), se)


def test_mondrian_covers_each_group_where_marginal_does_not():
    n_reps, n, n_test = 150, 240, 200
    marginal_b, mondrian = [], {0: [], 1: []}
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X = rng.normal(size=(n + n_test, 2))
        groups = (rng.uniform(size=n + n_test) < 0.3).astype(int)  # group 1 rare
        noise = np.where(groups == 1, 3.0, 0.3)
        y = X[:, 0] + noise * rng.normal(size=n + n_test)
        Xtr, ytr, gtr = X[:n], y[:n], groups[:n]
        Xte, yte, gte = X[n:], y[n:], groups[n:]
        plain = ConformalRegressor(
            LinearRegression(), calibration_size=0.5, random_state=r
        ).fit(Xtr, ytr)
        hit = _covered(plain.predict_interval(Xte), yte)
        marginal_b.append(hit[gte == 1].mean())
        per_group = ConformalRegressor(
            LinearRegression(), calibration_size=0.5, random_state=r
        ).fit(Xtr, ytr, groups=gtr)
        hit = _covered(per_group.predict_interval(Xte, groups=gte), yte)
        for g in (0, 1):
            mondrian[g].append(hit[gte == g].mean())
    # group 1 has about 36 calibration points and 60 test points per rep
    se = np.sqrt(rep_variance(0.9, 30, 50) / n_reps)
    for g in (0, 1):
        assert np.mean(mondrian[g]) >= 0.9 - 4 * se, (g, np.mean(mondrian[g]))
        # split conformal within the group: at most 0.9 + 1 / (n_g + 1), with
        # n_g >= 25 calibration points in (nearly) every repetition
        assert np.mean(mondrian[g]) <= 0.9 + 1 / 26 + 4 * se, np.mean(mondrian[g])
    assert np.mean(marginal_b) < 0.8


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
@pytest.mark.slow
def test_weighted_conformal_restores_coverage_under_known_shift():
    shift = 1.0

    def density_ratio(X):
        # N(shift, 1) / N(0, 1) in the first coordinate
        return np.exp(shift * X[:, 0] - shift**2 / 2)

    n_reps = 100
    plain, weighted = np.empty(n_reps), np.empty(n_reps)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = heteroscedastic(rng, 400)
        X_test, y_test = heteroscedastic(rng, 200, shift=shift)
        base = ConformalRegressor(
            LinearRegression(), calibration_size=0.5, random_state=r
        )
        plain[r] = _covered(base.fit(X, y).predict_interval(X_test), y_test).mean()
        base.set_params(weight_function=density_ratio)
        bounds = base.fit(X, y).predict_interval(X_test)
        weighted[r] = _covered(bounds, y_test).mean()
    se = np.sqrt(rep_variance(0.9, 50, 200) / n_reps)
    assert weighted.mean() >= 0.9 - 4 * se, weighted.mean()
    # from above: 0.9 + E[max normalised weight] (Tibshirani et al., 2019),
    # a few points with 200 calibration points; (-inf, inf) would cover 1
    assert weighted.mean() <= 0.9 + 0.05 + 4 * se, weighted.mean()
    assert plain.mean() < 0.9 - 4 * se, plain.mean()


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
def test_weighted_shift_weight_arrays_equal_weight_function():
    rng = np.random.RandomState(0)
    X, y = heteroscedastic(rng, 200)
    X_test, _ = heteroscedastic(rng, 30, shift=1.0)

    def ratio(Z):
        return np.exp(Z[:, 0] - 0.5)

    by_function = ConformalRegressor(
        LinearRegression(), weight_function=ratio, random_state=0
    ).fit(X, y)
    by_array = ConformalRegressor(LinearRegression(), random_state=0).fit(
        X, y, shift_weight=ratio(X)
    )
    np.testing.assert_array_equal(
        by_function.predict_interval(X_test),
        by_array.predict_interval(X_test, shift_weight=ratio(X_test)),
    )
    # unit weights are plain split conformal
    unit = ConformalRegressor(LinearRegression(), random_state=0).fit(
        X, y, shift_weight=np.ones(200)
    )
    plain = ConformalRegressor(LinearRegression(), random_state=0).fit(X, y)
    np.testing.assert_array_equal(
        unit.predict_interval(X_test, shift_weight=np.ones(30)),
        plain.predict_interval(X_test),
    )


@pytest.mark.parametrize(
    "method",
    # the CV+ case (~2 s) runs with -m slow in CI; the split case stays here
    ["split", pytest.param("cv_plus", marks=pytest.mark.slow)],
)
def test_predictive_distribution_is_calibrated(method):
    levels = np.array([0.1, 0.5, 0.9])
    n_reps = 150
    below = np.empty((n_reps, levels.size))
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = heteroscedastic(rng, 64)
        X_test, y_test = heteroscedastic(rng, 100)
        model = ConformalRegressor(
            LinearRegression(),
            method=method,
            calibration_size=N_CAL,
            cv=4,
            random_state=r,
        ).fit(X, y)
        q = model.predict_quantiles(X_test, levels)
        assert np.all(np.diff(q, axis=1) >= 0)
        below[r] = (y_test[:, None] <= q).mean(axis=0)
    if method == "split":
        # ceil(p (n + 1)) / (n + 1) exactly, for each level
        expected = np.ceil(levels * (N_CAL + 1)) / (N_CAL + 1)
        for k, p in enumerate(expected):
            ok, se = within(below[:, k].mean(), p, rep_variance(p, N_CAL, 100), n_reps)
            assert ok, (levels[k], below[:, k].mean(), p, se)
    else:
        se = np.sqrt(rep_variance(0.5, 64, 100) / n_reps)
        assert np.all(np.abs(below.mean(axis=0) - levels) <= 0.03 + 4 * se)
