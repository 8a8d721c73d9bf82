"""ACI, conformal PID and EnbPI: update equations, guarantees, MAPIE, bad input."""

import math
import warnings

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression

from skvariance.calibration import AdaptiveConformalRegressor, EnbPIRegressor
from skvariance.calibration._online import (
    _tan_saturated,
    enbpi_bounds,
    pid_step,
    score_quantile,
)


def lagged(y, n_lags=4):
    """Rows of the ``n_lags`` previous values, target the next value."""
    X = np.column_stack([y[i : len(y) - n_lags + i] for i in range(n_lags)])
    return X, y[n_lags:]


def series(name):
    datasets = pytest.importorskip("statsmodels.datasets")
    if name == "co2":
        return datasets.co2.load_pandas().data["co2"].interpolate().bfill().to_numpy()
    if name == "elnino":
        return datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel()
    if name == "nile":
        return datasets.nile.load_pandas().data["volume"].to_numpy(dtype=float)
    return datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()


def shifted(n=400, seed=0):
    """A trend with a noise scale that triples halfway (a regime change)."""
    rng = np.random.default_rng(seed)
    x = np.arange(n, dtype=float)
    y = 0.05 * x + rng.normal(size=n) * np.where(x < n / 2, 1.0, 3.0)
    return x.reshape(-1, 1), y


# -- independent references -------------------------------------------------------
def ref_quantile(window_scores, level):
    w = np.sort(np.asarray(window_scores))
    if level >= 1:
        return np.inf
    if level <= 0:
        return -np.inf
    k = math.ceil((len(w) + 1) * level - 1e-9)
    return np.inf if k > len(w) else w[k - 1]


def ref_aci(cal, scores, alpha, gamma, window):
    past, a = list(cal), alpha
    alphas, qs, errs = [], [], []
    for s in scores:
        w = past if window is None else past[-window:]
        q = ref_quantile(w, 1 - a)
        e = 1.0 if s > q else 0.0
        alphas.append(a)
        qs.append(q)
        errs.append(e)
        a = a + gamma * (alpha - e)
        past.append(s)
    return np.array(alphas), np.array(qs), np.array(errs)


def ref_pid(cal, scores, alpha, lr, burnin, c_sat, k_i):
    past = list(cal)
    q_p = ref_quantile(cal, 1 - alpha)
    integral, n_err = 0.0, 0.0
    qs, errs = [], []
    for t, s in enumerate(scores, start=1):
        q = q_p + integral
        e = 1.0 if s > q else 0.0
        qs.append(q)
        errs.append(e)
        recent = np.asarray(past[-burnin:])
        q_p = q_p + lr * (recent.max() - recent.min()) * (e - alpha)
        n_err += e
        arg = (n_err - t * alpha) * np.log(t) / (c_sat * t)
        if arg >= np.pi / 2:
            integral = np.inf
        elif arg <= -np.pi / 2:
            integral = -np.inf
        else:
            integral = k_i * np.tan(arg)
        past.append(s)
    return np.array(qs), np.array(errs)


def split_scores(X, y, n_cal):
    model = LinearRegression().fit(X[:-n_cal], y[:-n_cal])
    return model, np.abs(y[-n_cal:] - model.predict(X[-n_cal:]))


# -- update equations against the loops ---------------------------------------------
@pytest.mark.parametrize("window", [None, 40, 70])  # 50 calibration scores
def test_aci_matches_independent_loop(window):
    X, y = shifted()
    model, cal = split_scores(X[:100], y[:100], 50)
    test = np.abs(y[100:] - model.predict(X[100:]))
    alphas, qs, errs = ref_aci(cal, test, 0.1, 0.03, window)
    aci = AdaptiveConformalRegressor(gamma=0.03, window=window, calibration_size=50)
    aci.fit(X[:100], y[:100]).update(X[100:], y[100:])
    np.testing.assert_allclose(aci.alpha_history_, alphas, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(aci.quantile_history_, qs)
    np.testing.assert_array_equal(aci.errors_, errs)
    assert errs.sum() > 10 and (np.diff(alphas) != 0).all()


def test_aci_one_step_at_a_time_equals_batch():
    X, y = shifted(200, seed=1)
    batch = AdaptiveConformalRegressor(gamma=0.05).fit(X[:80], y[:80])
    batch.update(X[80:], y[80:])
    steps = AdaptiveConformalRegressor(gamma=0.05).partial_fit(X[:80], y[:80])
    for i in range(80, 200):
        steps.partial_fit(X[i : i + 1], y[i : i + 1])
    np.testing.assert_array_equal(steps.alpha_history_, batch.alpha_history_)
    np.testing.assert_array_equal(steps.errors_, batch.errors_)


@pytest.mark.parametrize("k_i", [0.0, 2.0])
def test_pid_matches_independent_loop(k_i):
    X, y = shifted(300, seed=2)
    model, cal = split_scores(X[:100], y[:100], 50)
    test = np.abs(y[100:] - model.predict(X[100:]))
    qs, errs = ref_pid(cal, test, 0.1, 0.1, 30, 0.5, k_i)
    pid = AdaptiveConformalRegressor(
        method="pid",
        learning_rate=0.1,
        burnin=30,
        saturation=0.5,
        integral_gain=k_i,
        calibration_size=50,
    )
    pid.fit(X[:100], y[:100]).update(X[100:], y[100:])
    np.testing.assert_allclose(pid.quantile_history_, qs, rtol=1e-12)
    np.testing.assert_array_equal(pid.errors_, errs)
    assert 10 < errs.sum() < 60


def test_pid_scorecaster_adds_the_lag_regression_forecast():
    X, y = shifted(160, seed=3)
    model, cal = split_scores(X[:80], y[:80], 40)
    test = np.abs(y[80:] - model.predict(X[80:]))
    lags, alpha, past = 5, 0.1, list(cal)

    def forecast(s):
        s = np.asarray(s)
        A = np.column_stack([s[i : len(s) - lags + i] for i in range(lags)])
        A1 = np.column_stack([np.ones(len(A)), A])
        coef = np.linalg.lstsq(A1, s[lags:], rcond=None)[0]
        return coef[0] + s[-lags:] @ coef[1:]

    f = forecast(past)
    q_p = ref_quantile(cal, 1 - alpha) - f
    qs = []
    for s in test:
        q = q_p + f
        qs.append(q)
        recent = np.asarray(past[-lags:])
        q_p += 0.1 * np.ptp(recent) * (float(s > q) - alpha)
        past.append(s)
        f = forecast(past)
    pid = AdaptiveConformalRegressor(
        method="pid",
        burnin=lags,
        integral_gain=0.0,
        scorecaster=LinearRegression(),
        calibration_size=40,
    ).fit(X[:80], y[:80])
    pid.update(X[80:], y[80:])
    np.testing.assert_allclose(pid.quantile_history_, qs, rtol=1e-9)


def test_saturation_function_edges():
    half_pi = np.pi / 2
    assert _tan_saturated(half_pi) == np.inf and _tan_saturated(2.0) == np.inf
    assert _tan_saturated(-half_pi) == -np.inf and _tan_saturated(-2.0) == -np.inf
    for x in (1.2, -1.2, 0.3, -0.3):
        assert _tan_saturated(x) == pytest.approx(np.tan(x), rel=1e-14)


def test_pid_step_by_hand():
    # t = 3 steps, 2 misses at alpha = 0.1: E_3 = 2 - 0.3 = 1.7
    arg = 1.7 * np.log(3) / (0.5 * 3)
    q_p, integral = pid_step(1.0, 1.0, 0.1, 0.5, 2.0, 3, 0.5, 1.0)
    assert q_p == 1.0 + 0.5 * 0.9 and integral == pytest.approx(np.tan(arg), rel=1e-14)
    assert pid_step(1.0, 0.0, 0.1, 0.5, 2.0, 3, 0.5, 3.0) == pytest.approx(
        (0.95, 3 * np.tan(arg)), rel=1e-14
    )
    # saturated: +inf with a gain, exactly 0 (not 0 * inf = NaN) without one
    assert pid_step(1.0, 1.0, 0.1, 0.5, 3.0, 3, 0.01, 2.0)[1] == np.inf
    assert pid_step(1.0, 1.0, 0.1, 0.5, 3.0, 3, 0.01, 0.0)[1] == 0.0
    assert pid_step(1.0, 0.0, 0.1, 0.5, 0.0, 3, 0.01, 2.0)[1] == -np.inf


# -- the deterministic ACI guarantee ---------------------------------------------------
def aci_bound(alpha_1, gamma, T):
    return (max(alpha_1, 1 - alpha_1) + gamma) / (gamma * T)


def test_aci_long_run_bound_on_a_real_series():
    X, y = lagged(series("co2"))
    gamma, alpha = 0.05, 0.1
    aci = AdaptiveConformalRegressor(gamma=gamma, calibration_size=200)
    aci.fit(X[:400], y[:400]).update(X[400:], y[400:])
    T = aci.errors_.shape[0]
    gap = aci.errors_.mean() - alpha
    # the identity behind the bound: alpha_{T+1} = alpha_1 + gamma sum(alpha - err)
    assert gap == pytest.approx((alpha - aci.alpha_t_) / (gamma * T), abs=1e-12)
    assert abs(gap) <= aci_bound(alpha, gamma, T)
    assert abs(gap) <= 0.01


def test_aci_bound_against_an_adversary():
    """y lands just outside every finite interval: alpha_t must go below 0."""
    X, y = shifted(120, seed=4)
    gamma, alpha = 0.1, 0.2
    aci = AdaptiveConformalRegressor(coverage=0.8, gamma=gamma).fit(X[:60], y[:60])
    x = X[60:61]
    for _ in range(300):
        low, high = aci.predict_interval(x)[0]
        y_next = high + 1.0 if np.isfinite(high) else 0.0
        aci.update(x, [y_next])
    gap = aci.errors_.mean() - alpha
    assert abs(gap) <= aci_bound(alpha, gamma, 300)
    negative = aci.alpha_history_ <= 0
    assert negative.any() and aci.alpha_history_.min() < 0  # not clipped at 0
    assert np.isinf(aci.quantile_history_[negative]).all()
    # missed exactly where the interval was finite
    np.testing.assert_array_equal(aci.errors_, np.isfinite(aci.quantile_history_))


def test_aci_empty_interval_above_one():
    X, y = shifted(100, seed=5)
    aci = AdaptiveConformalRegressor(gamma=1.0).fit(X[:60], y[:60])
    mu = aci.predict(X[:1])
    for _ in range(10):  # always covered: alpha_t grows by gamma * alpha
        aci.update(X[:1], mu)
    assert (aci.errors_ == 0).all() and aci.alpha_t_ == pytest.approx(1.1)
    low, high = aci.predict_interval(X[:1])[0]
    assert low == np.inf and high == -np.inf
    aci.update(X[:1], mu)
    assert aci.errors_[-1] == 1.0  # even y = y_hat is outside the empty set


def test_score_quantile_edges():
    s = np.array([1.0, 2.0, 3.0, 4.0])
    assert score_quantile(s, 1.0) == np.inf and score_quantile(s, 1.2) == np.inf
    assert score_quantile(s, 0.0) == -np.inf and score_quantile(s, -0.1) == -np.inf
    assert score_quantile(s, 0.6) == 3.0  # rank ceil(5 * 0.6) = 3
    assert score_quantile(s, 0.61) == 4.0  # rank 4
    assert score_quantile(s, 0.81) == np.inf  # rank 5 > 4


@pytest.mark.parametrize("name", ["co2", "elnino"])
@pytest.mark.parametrize("method", ["aci", "pid"])
def test_long_run_coverage_within_one_point(name, method):
    X, y = lagged(series(name))
    n0 = len(y) // 5
    online = AdaptiveConformalRegressor(method=method, gamma=0.05, calibration_size=0.5)
    online.fit(X[:n0], y[:n0]).update(X[n0:], y[n0:])
    assert abs(online.errors_.mean() - 0.1) <= 0.01


def test_static_split_conformal_drifts_where_aci_does_not():
    X, y = lagged(series("co2"))
    n0 = len(y) // 5
    model, cal = split_scores(X[:n0], y[:n0], n0 // 2)
    q = ref_quantile(cal, 0.9)
    static = np.mean(np.abs(y[n0:] - model.predict(X[n0:])) <= q)
    aci = AdaptiveConformalRegressor(gamma=0.05, calibration_size=0.5)
    aci.fit(X[:n0], y[:n0]).update(X[n0:], y[n0:])
    assert static < 0.6 and abs(aci.errors_.mean() - 0.1) <= 0.01


# -- EnbPI ---------------------------------------------------------------------------
class FixedSamples:
    """A splitter that yields given training indices (out-of-bag: the rest)."""

    def __init__(self, samples):
        self.samples = samples

    def split(self, X):
        for s in self.samples:
            yield s, np.setdiff1d(np.arange(len(X)), s)


@pytest.mark.parametrize("aggregation", ["mean", "median"])
@pytest.mark.parametrize("symmetric", [True, False])
def test_enbpi_matches_numpy_reference(aggregation, symmetric):
    X, y = lagged(series("nile"), 3)
    Xtr, ytr, Xte, yte = X[:70], y[:70], X[70:], y[70:]
    rng = np.random.default_rng(6)
    samples = [rng.integers(0, 70, 70) for _ in range(12)]
    preds_tr = np.column_stack(
        [LinearRegression().fit(Xtr[s], ytr[s]).predict(Xtr) for s in samples]
    )
    preds_te = np.column_stack(
        [LinearRegression().fit(Xtr[s], ytr[s]).predict(Xte) for s in samples]
    )
    agg = np.mean if aggregation == "mean" else np.median
    oob = [[b for b, s in enumerate(samples) if i not in s] for i in range(70)]
    loo_tr = np.array([agg(preds_tr[i, oob[i]]) for i in range(70)])
    resid = ytr - loo_tr
    center = np.array([agg([agg(p[oob[i]]) for i in range(70)]) for p in preds_te])
    if symmetric:
        q = np.sort(np.abs(resid))[math.ceil(71 * 0.9) - 1]
        expected = np.column_stack([center - q, center + q])
    else:
        k = math.ceil(71 * 0.95)  # 68
        r = np.sort(resid)
        expected = np.column_stack([center + r[70 - k], center + r[k - 1]])
    enbpi = EnbPIRegressor(
        bootstrap=FixedSamples(samples), aggregation=aggregation, symmetric=symmetric
    ).fit(Xtr, ytr)
    np.testing.assert_allclose(enbpi.residuals_, resid, rtol=1e-10)
    np.testing.assert_allclose(enbpi.predict_interval(Xte), expected, rtol=1e-10)
    # the window slides: the new residuals replace the oldest ones
    enbpi.update(Xte[:5], yte[:5])
    np.testing.assert_allclose(
        enbpi.residuals_, np.r_[resid[5:], yte[:5] - center[:5]], rtol=1e-10
    )


def test_enbpi_bounds_ranks():
    center = np.array([0.0])
    r = np.arange(1.0, 20.0) - 10.0  # n = 19, residuals -9..9
    # symmetric: |r| sorted 0,1,1,...,9,9; rank ceil(20 * 0.9) = 18 -> 9
    assert enbpi_bounds(center, r, 0.9).tolist() == [[-9.0, 9.0]]
    # rank ceil(20 * 0.8) = 16 of |r| -> 8
    assert enbpi_bounds(center, r, 0.8).tolist() == [[-8.0, 8.0]]
    # the default is symmetric: |r + 1| sorted 0,1,1,...,8,8,9,10; rank 16 -> 8
    assert enbpi_bounds(center, r + 1, 0.8).tolist() == [[-8.0, 8.0]]
    # asymmetric at 0.8: k = ceil(20 * 0.9) = 18 -> r_(18) = 8, r_(2) = -8
    assert enbpi_bounds(center, r + 1, 0.8, symmetric=False).tolist() == [[-7, 9]]
    # k = ceil(20 * 0.925) = 19 = n: the extreme residuals, still finite
    b = enbpi_bounds(center, r, 0.85, symmetric=False)
    assert b.tolist() == [[-9.0, 9.0]]
    # k = ceil(20 * 0.975) = 20 > 19: infinite on both sides
    b = enbpi_bounds(center, r, 0.95, symmetric=False)
    assert b.tolist() == [[-np.inf, np.inf]]


@pytest.mark.parametrize("aggregation", ["mean", "median"])
def test_enbpi_identical_to_mapie(aggregation):
    pytest.importorskip("mapie")
    from mapie.conformity_scores import AbsoluteConformityScore
    from mapie.regression import TimeSeriesRegressor
    from mapie.subsample import BlockBootstrap

    X, y = lagged(series("sunspots"), 3)
    Xtr, ytr, Xte, yte = X[:200], y[:200], X[200:260], y[200:260]

    def cv():
        return BlockBootstrap(
            n_resamplings=30, length=8, overlapping=True, random_state=7
        )

    for sym in (False, True):
        mapie = TimeSeriesRegressor(
            LinearRegression(),
            method="enbpi",
            cv=cv(),
            agg_function=aggregation,
            conformity_score=AbsoluteConformityScore(sym=sym),
        ).fit(Xtr, ytr)
        ours = EnbPIRegressor(bootstrap=cv(), aggregation=aggregation, symmetric=sym)
        ours.fit(Xtr, ytr)
        _, theirs = mapie.predict(Xte, confidence_level=0.8)
        np.testing.assert_allclose(ours.predict_interval(Xte, 0.8), theirs[:, :, 0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # MAPIE's update notice
            mapie.update(Xte[:20], yte[:20], ensemble=True)
        ours.update(Xte[:20], yte[:20])
        _, theirs = mapie.predict(Xte[20:], confidence_level=0.8)
        np.testing.assert_allclose(
            ours.predict_interval(Xte[20:], 0.8), theirs[:, :, 0]
        )


@pytest.mark.parametrize("bootstrap", ["block", "iid"])
def test_enbpi_same_for_any_n_jobs(bootstrap):
    X, y = lagged(series("nile"), 3)
    one = EnbPIRegressor(bootstrap=bootstrap, random_state=3)
    two = EnbPIRegressor(bootstrap=bootstrap, random_state=3, n_jobs=2)
    a = one.fit(X[:80], y[:80]).predict_interval(X[80:])
    with parallel_backend("threading"):  # n_jobs=2 without starting processes
        b = two.fit(X[:80], y[:80]).predict_interval(X[80:])
    np.testing.assert_array_equal(a, b)
    idx = one.bootstrap_indices_
    assert all(len(i) == 80 for i in idx)
    if bootstrap == "block":  # moving blocks of ceil(80 ** (1/3)) = 5 rows
        assert all((np.diff(i.reshape(-1, 5), axis=1) == 1).all() for i in idx)


def test_enbpi_coverage_on_a_stationary_series():
    """Nominal from both sides on an AR(1): coverage of 0.9 within 3 points."""
    rng = np.random.default_rng(8)
    e = rng.normal(size=3000)
    y = np.empty(3000)
    y[0] = 0.0
    for t in range(1, 3000):
        y[t] = 0.6 * y[t - 1] + e[t]
    X, t = lagged(y, 2)
    enbpi = EnbPIRegressor(random_state=0).fit(X[:1000], t[:1000])
    b = enbpi.predict_interval(X[1000:])
    cover = np.mean((t[1000:] >= b[:, 0]) & (t[1000:] <= b[:, 1]))
    # 1998 test points: sd of the coverage about 0.007 given the window
    assert 0.87 <= cover <= 0.93


# -- bad input, rejected before any fit ---------------------------------------------
class Recorder(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        raise AssertionError("fit must not be called")

    def predict(self, X):  # pragma: no cover
        return np.zeros(len(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"gamma": 0.0}, "gamma"),
        ({"gamma": -0.1}, "gamma"),
        ({"coverage": 1.0}, "coverage"),
        ({"coverage": 0.0}, "coverage"),
        ({"method": "pi"}, "method"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"calibration_size": 200}, "calibration_size"),
    ],
)
def test_adaptive_rejects_bad_parameters(params, match):
    X, y = shifted(100)
    with pytest.raises(ValueError, match=match):
        AdaptiveConformalRegressor(Recorder(), **params).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"coverage": 1.5}, "coverage"),
        ({"n_bootstraps": 1}, "n_bootstraps"),
        ({"block_length": 500}, "block_length"),
        ({"aggregation": "max"}, "aggregation"),
    ],
)
def test_enbpi_rejects_bad_parameters(params, match):
    X, y = shifted(100)
    with pytest.raises(ValueError, match=match):
        EnbPIRegressor(Recorder(), **params).fit(X, y)


@pytest.mark.parametrize("cls", [AdaptiveConformalRegressor, EnbPIRegressor])
def test_length_mismatch_and_update_checks(cls):
    X, y = shifted(100)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cls(Recorder()).fit(X, y[:-1])
    fitted = cls(random_state=0).fit(X, y) if cls is EnbPIRegressor else cls().fit(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fitted.update(X[:3], y[:2])
    with pytest.raises(ValueError, match="features"):
        fitted.update(np.c_[X[:3], X[:3]], y[:3])


def test_predict_interval_coverage_checks():
    X, y = shifted(100)
    aci = AdaptiveConformalRegressor().fit(X, y)
    assert aci.predict_interval(X[:2], coverage=0.9).shape == (2, 2)
    with pytest.raises(ValueError, match="coverage=0.8 differs"):
        aci.predict_interval(X[:2], coverage=0.8)
    enbpi = EnbPIRegressor(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="coverage must be a float in"):
        enbpi.predict_interval(X[:2], coverage=1.0)


def test_enbpi_rows_in_every_sample_are_an_error():
    X, y = shifted(30)
    everything = [np.arange(30), np.r_[np.arange(29), 0]]
    with pytest.raises(
        ValueError, match=r"29 training row\(s\) \(first: 0\) are in every"
    ):
        EnbPIRegressor(bootstrap=FixedSamples(everything)).fit(X, y)


def test_mapie_aci_is_our_update_clipped_to_zero_one():
    """MAPIE's ACI = aci_step + clip to [0, 1] + a strict miss rule.

    Its intervals read the EnbPI residuals but are centred on the single model
    fitted on all the training rows (``method="aci"`` is not "enbpi" in its
    ``EnsembleRegressor.predict``), not on the ensemble.
    """
    pytest.importorskip("mapie")
    from mapie.regression import TimeSeriesRegressor
    from mapie.subsample import BlockBootstrap

    X, y = lagged(series("elnino"), 3)
    Xtr, ytr, Xte, yte = X[:150], y[:150], X[150:190], y[150:190]

    def cv():
        return BlockBootstrap(
            n_resamplings=30, length=6, overlapping=True, random_state=2
        )

    mapie = TimeSeriesRegressor(LinearRegression(), method="aci", cv=cv()).fit(Xtr, ytr)
    ours = EnbPIRegressor(bootstrap=cv(), symmetric=False).fit(Xtr, ytr)
    single = LinearRegression().fit(Xtr, ytr)
    gamma, alpha, alpha_t = 0.3, 0.1, 0.1
    clipped = 0
    for t in range(len(yte)):
        x = Xte[t : t + 1]
        _, theirs = mapie.predict(x, confidence_level=0.9, allow_infinite_bounds=True)
        b = enbpi_bounds(
            single.predict(x), ours.residuals_, 1 - alpha_t, symmetric=False
        )
        np.testing.assert_allclose(b, theirs[:, :, 0], rtol=1e-10)
        miss = not (b[0, 0] < yte[t] < b[0, 1])
        new = alpha_t + gamma * (alpha - miss)
        clipped += not 0 <= new <= 1
        alpha_t = min(max(new, 0.0), 1.0)
        mapie.adapt_conformal_inference(x, yte[t : t + 1], gamma=gamma)
    assert clipped > 0  # the clipping was exercised


def test_enbpi_update_validates_like_fit():
    X, y = shifted(100)
    enbpi = EnbPIRegressor(random_state=0).fit(X[:80], y[:80])
    enbpi.update(X[80:83], y[80:83].astype(object))  # numeric y, object dtype
    assert enbpi.residuals_.dtype == np.float64
    with pytest.raises(ValueError, match="EnbPIRegressor is expecting 1 features"):
        enbpi.update(np.c_[X[:3], X[:3]], y[:3])
    assert enbpi.n_features_in_ == 1
