"""InverseVarianceRegressor: units, bounded extrapolation, tempered weights,
calibrated variance targets, bad input, and the final weighted refit (issue 15).
"""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from skvariance.weighting import InverseVarianceRegressor
from skvariance.weighting._inverse_variance import LOG_CHI2_BIAS


def _linear_data(n, seed, low=0.1, high=3.1):
    # truly heteroscedastic linear data: sigma from `low` to `high` along x_0
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    sigma = low + (high - low) * (X[:, 0] + 1) / 2
    y = 1.0 + 2.0 * X[:, 0] - X[:, 1] + sigma * rng.standard_normal(n)
    return X, y, sigma


# -- 1. units ------------------------------------------------------------------
@pytest.mark.parametrize(
    "mean_model, rtol",
    [
        (Ridge(alpha=10.0), 1e-6),
        (HistGradientBoostingRegressor(max_iter=10, random_state=0), 1e-6),
    ],
)
def test_predictions_do_not_depend_on_the_units_of_y(mean_model, rtol):
    X, y, _ = _linear_data(300, 0)
    y = 500.0 + 200.0 * y
    kw = dict(random_state=0)
    # one OpenMP thread: HistGradientBoosting's threads crawl on a busy machine
    with threadpool_limits(limits=1):
        big = InverseVarianceRegressor(mean_model, **kw).fit(X, y)
        small = InverseVarianceRegressor(mean_model, **kw).fit(X, y / 1000)
    m_big, s_big = big.predict(X, return_std=True)
    m_small, s_small = small.predict(X, return_std=True)
    np.testing.assert_allclose(1000 * m_small, m_big, rtol=rtol)
    np.testing.assert_allclose(1000 * s_small, s_big, rtol=rtol)
    np.testing.assert_allclose(small.weights_, big.weights_, rtol=rtol)


# -- 2. bounded extrapolation --------------------------------------------------
def test_std_in_a_gap_of_x_stays_within_what_the_residuals_support():
    # 295 rows on [0, 1], 5 rows on [2.8, 3] and nothing in between (as the
    # Engel incomes); the true sigma in the gap is 1.2 .. 3.2
    rng = np.random.RandomState(0)
    x = np.concatenate([rng.uniform(0, 1, 295), rng.uniform(2.8, 3.0, 5)])
    sigma = 0.2 + x
    y = 1.0 + 2.0 * x + sigma * rng.standard_normal(len(x))
    reg = InverseVarianceRegressor(random_state=0).fit(x[:, None], y)
    gap = np.linspace(1.0, 2.8, 200)[:, None]
    _, std_gap = reg.predict(gap, return_std=True)
    _, std_train = reg.predict(x[:, None], return_std=True)
    # the documented bound: the range predicted for the training rows
    low, high = reg.variance_bounds_
    assert np.sqrt(low) <= std_gap.min() and std_gap.max() <= np.sqrt(high)
    np.testing.assert_allclose(
        [low, high], [std_train.min() ** 2, std_train.max() ** 2]
    )
    # and against the truth: never more than twice the largest true sigma
    # anywhere (3.2), never below the smallest (0.2) over two
    assert std_gap.max() < 2 * 3.2
    assert std_gap.min() > 0.1
    # far outside the training range too
    _, std_far = reg.predict(np.array([[-5.0], [10.0]]), return_std=True)
    assert np.all(std_far <= np.sqrt(high)) and np.all(std_far >= np.sqrt(low))


def test_engel_gap_band_stays_sane():
    engel = pytest.importorskip("statsmodels.datasets.engel")
    data = engel.load_pandas().data
    x = data[["income"]].to_numpy(float)
    y = data["foodexp"].to_numpy(float)
    reg = InverseVarianceRegressor(random_state=0).fit(x, y)
    lo, hi = np.sort(x[:, 0])[-2:]  # no income between 2,823 and 4,958
    mean, std = reg.predict(np.linspace(lo, hi, 300)[:, None], return_std=True)
    # before, the 90% band ran from -28,000 to 33,000 in the gap and the
    # std reached 18,600 (the largest std of a training row is below 2,000)
    _, std_train = reg.predict(x, return_std=True)
    assert std.max() <= std_train.max() * (1 + 1e-12) < 2500
    assert np.all(mean - 1.645 * std > -2000)
    assert np.all(mean + 1.645 * std < 7000)


# -- 3. tempered weights -------------------------------------------------------
def test_auto_power_keeps_full_weights_where_they_help():
    X, y, sigma = _linear_data(600, 1)
    reg = InverseVarianceRegressor(random_state=0).fit(X, y)
    assert reg.weight_power_ == 1.0
    assert set(reg.weight_power_scores_) == {0.0, 0.5, 1.0}
    # hand-computed Kish ESS of the weights
    w = reg.weights_
    assert reg.effective_sample_size_ == pytest.approx(w.sum() ** 2 / (w**2).sum())


def _misspecified(n, rng):
    # a linear mean model of a quadratic truth, noise growing with x: full
    # weights fit the quiet left half and miss the loud right half
    x = rng.uniform(-1, 1, size=(n, 1))
    sigma = 0.05 + 0.5 * (x[:, 0] + 1)
    return x, 3 * x[:, 0] ** 2 + sigma * rng.standard_normal(n)


def test_auto_power_drops_weights_that_hurt():
    rng = np.random.RandomState(0)
    X, y = _misspecified(600, rng)
    Xte, yte = _misspecified(50000, rng)
    auto = InverseVarianceRegressor(random_state=0).fit(X, y)
    full = InverseVarianceRegressor(weight_power=1.0, random_state=0).fit(X, y)
    none = InverseVarianceRegressor(weight_power=0.0, random_state=0).fit(X, y)

    def mse(reg):
        return np.mean((reg.predict(Xte) - yte) ** 2)

    # the case is one where full weights hurt the held-out error
    assert mse(full) > 1.08 * mse(none)
    assert auto.weight_power_ < 1.0
    assert mse(auto) < 1.05 * mse(none)
    scores = auto.weight_power_scores_
    assert scores[1.0]["mse"] > scores[0.0]["mse"]


def test_degenerate_weights_warn_with_the_effective_sample_size():
    # 3% of the rows are (nearly) noise-free: full weights put almost all
    # the mass on them
    rng = np.random.RandomState(2)
    X = rng.uniform(-1, 1, size=(400, 2))
    sigma = np.where(X[:, 0] > 0.94, 1e-3, 1.0)
    y = 1 + 2 * X[:, 0] - X[:, 1] + sigma * rng.standard_normal(400)
    with pytest.warns(UserWarning, match="effective sample size is"):
        reg = InverseVarianceRegressor(weight_power=1.0, random_state=0).fit(X, y)
    w = reg.weights_
    assert reg.effective_sample_size_ == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert reg.effective_sample_size_ < 0.05 * len(y)
    # tempered weights are not degenerate (no warning: errors are raised)
    half = InverseVarianceRegressor(weight_power=0.5, random_state=0).fit(X, y)
    assert half.effective_sample_size_ > 0.05 * len(y)


def test_weight_power_zero_is_the_unweighted_fit():
    X, y, _ = _linear_data(200, 3)
    reg = InverseVarianceRegressor(weight_power=0.0, random_state=0).fit(X, y)
    ols = LinearRegression().fit(X, y)
    np.testing.assert_allclose(reg.estimator_.coef_, ols.coef_, rtol=1e-10)
    np.testing.assert_array_equal(reg.weights_, np.ones(len(y)))


# -- 4. calibrated variance ------------------------------------------------------
@pytest.mark.parametrize("target", ["log", "absolute"])
def test_held_out_z_squared_is_calibrated(target):
    # Gaussian heteroscedastic data, a correct linear mean: mean z^2 over
    # 50,000 fresh rows must be near 1 from both sides
    X, y, _ = _linear_data(3000, 4)
    Xte, yte, _ = _linear_data(50000, 5)
    reg = InverseVarianceRegressor(variance_target=target, random_state=0).fit(X, y)
    mean, std = reg.predict(Xte, return_std=True)
    z2 = np.mean(((yte - mean) / std) ** 2)
    assert 0.93 < z2 < 1.07


def test_squared_target_is_refused():
    X, y, _ = _linear_data(50, 0)
    with pytest.raises(ValueError, match="variance_target"):
        InverseVarianceRegressor(variance_target="squared").fit(X, y)


# -- 7. constant y -------------------------------------------------------------
def test_constant_y_is_refused_before_fitting():
    X, _, _ = _linear_data(50, 0)

    class Exploding(LinearRegression):
        def fit(self, X, y, sample_weight=None):
            raise AssertionError("fitted")

    with pytest.raises(ValueError, match="y is constant"):
        InverseVarianceRegressor(Exploding()).fit(X, np.full(50, 3.0))


# -- 8. the final refit uses the weights -------------------------------------------
def test_final_fit_is_weighted_least_squares_by_hand():
    # every step written out: cross-fitted OLS residuals on the same folds,
    # a linear model of log r^2, weights exp(-(g + LOG_CHI2_BIAS)), then WLS
    X, y, _ = _linear_data(400, 6)
    cv = KFold(5, shuffle=True, random_state=0)
    reg = InverseVarianceRegressor(
        variance_estimator=LinearRegression(), n_iter=1, cv=cv, random_state=0
    ).fit(X, y)
    Xc = np.column_stack([np.ones(len(y)), X])
    oof = np.empty(len(y))
    for train, test in cv.split(X):
        beta = np.linalg.lstsq(Xc[train], y[train], rcond=None)[0]
        oof[test] = Xc[test] @ beta
    r = y - oof
    gamma = np.linalg.lstsq(Xc, np.log(r**2 + 1e-12 * np.mean(r**2)), rcond=None)[0]
    variance = np.maximum(np.exp(Xc @ gamma + 1.2703628454614782), 1e-3 * np.mean(r**2))
    w = 1.0 / variance
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(Xc * sw[:, None], y * sw, rcond=None)[0]
    np.testing.assert_allclose(reg.estimator_.intercept_, beta[0], rtol=1e-8)
    np.testing.assert_allclose(reg.estimator_.coef_, beta[1:], rtol=1e-8)
    np.testing.assert_allclose(reg.weights_, w / w.mean(), rtol=1e-8)
    np.testing.assert_allclose(reg.predict_variance(X), variance, rtol=1e-8)
    assert LOG_CHI2_BIAS == pytest.approx(1.2703628454614782, rel=1e-15)


def test_predict_checks_the_features_without_refitting_them():
    X, y, _ = _linear_data(100, 7)
    reg = InverseVarianceRegressor(random_state=0).fit(X, y)
    for call in (
        reg.predict,
        lambda Z: reg.predict(Z, return_std=True),
        reg.predict_variance,
    ):
        with pytest.raises(ValueError, match="features"):
            call(X[:, :1])
        assert reg.n_features_in_ == 2
