"""bootstrap_ci: intervals, reproducibility, methods, coverage, bad input."""

import numpy as np
import pytest
from scipy.stats import binom, norm, trim_mean

from skvariance.evaluation import BootstrapCI, BootstrapCIDict, bootstrap_ci
from skvariance.utils._seeds import MAX_SEED

# -- an independent reference: the documented SplitMix64 streams in Python ----
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _draws(seed, b, n_draws, n):
    """Draws 0 ... n_draws - 1 of resample b, integers in [0, n)."""
    state = _mix(seed ^ _mix((b + _GOLDEN) & _MASK))
    return np.array(
        [
            (_mix((state + (k + 1) * _GOLDEN) & _MASK) >> 32) * n >> 32
            for k in range(n_draws)
        ]
    )


def _seed_of(random_state):
    """The one seed bootstrap_ci draws from an integer random_state."""
    return int(np.random.RandomState(random_state).randint(MAX_SEED))


def _reference_distribution(
    scores, statistic, n_resamples, random_state, stratified=True
):
    """statistic on every resample, the resamples rebuilt from the streams."""
    n_runs, n_tasks = scores.shape
    seed = _seed_of(random_state)
    out = []
    for b in range(n_resamples):
        k = _draws(seed, b, n_runs * n_tasks, n_runs)
        if stratified:  # task t uses draws t * n_runs ... (t + 1) * n_runs - 1
            rows = k.reshape(n_tasks, n_runs).T
        else:  # whole runs: the first n_runs draws for every task
            rows = np.repeat(k[:n_runs, None], n_tasks, axis=1)
        out.append(statistic(scores[rows, np.arange(n_tasks)]))
    return np.array(out)


@pytest.fixture
def scores():
    return np.random.RandomState(0).normal(0.7, 0.1, size=(10, 6))


@pytest.mark.parametrize("statistic", ["iqm", "mean", "median", "optimality_gap"])
@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_interval_brackets_estimate_and_is_reproducible(scores, statistic, method):
    ci = bootstrap_ci(
        scores, statistic, n_resamples=2000, method=method, random_state=3
    )
    assert isinstance(ci, BootstrapCI)
    assert ci.low < ci.estimate < ci.high
    again = bootstrap_ci(
        scores, statistic, n_resamples=2000, method=method, random_state=3
    )
    assert (ci.low, ci.high) == (again.low, again.high)
    np.testing.assert_array_equal(
        ci.bootstrap_distribution, again.bootstrap_distribution
    )


def test_point_estimates(scores):
    kw = dict(n_resamples=10, random_state=0)
    assert bootstrap_ci(scores, "iqm", **kw).estimate == pytest.approx(
        trim_mean(scores, 0.25, axis=None)
    )
    assert bootstrap_ci(scores, "median", **kw).estimate == pytest.approx(
        np.median(scores.mean(axis=0))
    )
    assert bootstrap_ci(scores, "optimality_gap", gamma=0.8, **kw).estimate == (
        pytest.approx(0.8 - np.minimum(scores, 0.8).mean())
    )


def test_percentile_matches_quantiles_and_basic_reflects(scores):
    ci = bootstrap_ci(scores, "mean", n_resamples=3000, random_state=0)
    q = np.quantile(ci.bootstrap_distribution, [0.025, 0.975])
    assert (ci.low, ci.high) == (q[0], q[1])
    basic = bootstrap_ci(
        scores, "mean", n_resamples=3000, method="basic", random_state=0
    )
    assert basic.low == pytest.approx(2 * ci.estimate - q[1])
    assert basic.high == pytest.approx(2 * ci.estimate - q[0])


def test_callable_uses_the_same_resamples_as_the_kernels(scores):
    builtin = bootstrap_ci(scores, "mean", n_resamples=3000, random_state=5)
    custom = bootstrap_ci(scores, np.mean, n_resamples=3000, random_state=5)
    np.testing.assert_allclose(
        custom.bootstrap_distribution, builtin.bootstrap_distribution, rtol=1e-12
    )
    assert custom.statistic == "mean"


def test_vector_valued_callable(scores):
    def stats(s):
        return np.array([np.mean(s), np.median(s)])

    ci = bootstrap_ci(scores, stats, n_resamples=500, method="bca", random_state=0)
    assert ci.estimate.shape == ci.low.shape == ci.high.shape == (2,)
    assert np.all(ci.low < ci.estimate) and np.all(ci.estimate < ci.high)


def test_dict_input_gives_per_algorithm_results(scores):
    res = bootstrap_ci(
        {"a": scores, "b": scores[:5] + 1}, "iqm", n_resamples=500, random_state=0
    )
    assert isinstance(res, BootstrapCIDict) and list(res) == ["a", "b"]
    assert res.low["b"] == res["b"].low
    # an algorithm's interval does not depend on the others in the dict
    alone = bootstrap_ci({"a": scores}, "iqm", n_resamples=500, random_state=0)
    assert alone["a"].low == res["a"].low


def test_probability_of_improvement_interval():
    rng = np.random.RandomState(1)
    x = rng.normal(1.0, 1.0, size=(10, 4))
    y = rng.normal(0.0, 1.0, size=(12, 4))
    ci = bootstrap_ci(
        (x, y), "probability_of_improvement", n_resamples=2000, random_state=0
    )
    assert 0.5 < ci.low < ci.estimate < ci.high <= 1.0
    pairs = bootstrap_ci(
        {"x>y": (x, y), "y>x": (y, x)},
        "probability_of_improvement",
        n_resamples=2000,
        method="bca",
        random_state=0,
    )
    assert pairs.estimate["x>y"] == pytest.approx(1 - pairs.estimate["y>x"])


@pytest.mark.parametrize("stratified", [True, False])
def test_distribution_equals_resamples_rebuilt_by_hand(scores, stratified):
    """Stratified: runs drawn per task; unstratified: whole rows, shared."""
    ci = bootstrap_ci(
        scores, "mean", n_resamples=300, stratified=stratified, random_state=11
    )
    ref = _reference_distribution(scores, np.mean, 300, 11, stratified=stratified)
    np.testing.assert_allclose(ci.bootstrap_distribution, ref, rtol=1e-12)
    iqm = bootstrap_ci(
        scores, "iqm", n_resamples=300, stratified=stratified, random_state=11
    )
    ref = _reference_distribution(
        scores, lambda r: trim_mean(r, 0.25, axis=None), 300, 11, stratified
    )
    np.testing.assert_allclose(iqm.bootstrap_distribution, ref, rtol=1e-12)


def _jackknife_acceleration(theta):
    """Efron's one-sample acceleration: sum d^3 / (6 (sum d^2)^1.5)."""
    d = theta.mean() - theta
    return np.sum(d**3) / (6.0 * np.sum(d**2) ** 1.5)


def _efron_levels(dist, estimate, a, confidence_level):
    """BCa levels Phi(z0 + (z0 + z) / (1 - a (z0 + z))), ties counted half."""
    B = dist.size
    frac = (np.sum(dist < estimate) + 0.5 * np.sum(dist == estimate)) / B
    z0 = norm.ppf(np.clip(frac, 0.5 / B, 1 - 0.5 / B))
    z = norm.ppf([(1 - confidence_level) / 2, (1 + confidence_level) / 2])
    return norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))


@pytest.mark.parametrize(
    "statistic, func",
    [
        ("mean", np.mean),
        ("iqm", lambda r: trim_mean(r, 0.25, axis=None)),
        ("median", lambda r: np.median(np.mean(r, axis=0))),
    ],
)
def test_every_method_equals_its_formula(statistic, func):
    """percentile, basic, bc and BCa against formulas written out here."""
    rng = np.random.RandomState(3)
    skewed = rng.lognormal(0.0, 1.0, size=(12, 5))  # a clearly non-zero a
    level, B = 0.9, 400
    dist = _reference_distribution(skewed, func, B, 7)
    est = func(skewed)
    q = np.quantile(dist, [0.05, 0.95])
    theta = np.array([func(np.delete(skewed, i, axis=0)) for i in range(12)])
    a = _jackknife_acceleration(theta)
    expected = {
        "percentile": q,
        "basic": [2 * est - q[1], 2 * est - q[0]],
        "bc": np.quantile(dist, _efron_levels(dist, est, 0.0, level)),
        "bca": np.quantile(dist, _efron_levels(dist, est, a, level)),
    }
    got = {}
    for method, value in expected.items():
        ci = bootstrap_ci(
            skewed,
            statistic,
            n_resamples=B,
            confidence_level=level,
            method=method,
            random_state=7,
        )
        assert ci.estimate == pytest.approx(est, rel=1e-12)
        np.testing.assert_allclose([ci.low, ci.high], value, rtol=1e-10)
        got[method] = (ci.low, ci.high)
    # the acceleration moves the interval: BCa is not bc here
    assert abs(a) > 0.02
    assert got["bca"] != pytest.approx(got["bc"], rel=1e-3)


def test_bca_of_a_vector_statistic_equals_the_formula_per_output(scores):
    def two(r):
        return np.array([np.mean(r), np.max(r)])

    ci = bootstrap_ci(scores, two, n_resamples=300, method="bca", random_state=2)
    dist = _reference_distribution(scores, two, 300, 2)
    theta = np.array([two(np.delete(scores, i, axis=0)) for i in range(10)])
    for k in range(2):
        a = _jackknife_acceleration(theta[:, k])
        low, high = np.quantile(
            dist[:, k], _efron_levels(dist[:, k], two(scores)[k], a, 0.95)
        )
        assert (ci.low[k], ci.high[k]) == pytest.approx((low, high), rel=1e-10)


def test_bca_probability_of_improvement_uses_both_jackknifes():
    """Two samples: a = sum of U^3/m^3 over both / (6 (sum of U^2/m^2)^1.5)."""
    rng = np.random.RandomState(4)
    x = rng.normal(0.5, 1.0, size=(6, 2))
    y = rng.normal(0.0, 1.0, size=(9, 2))

    def poi(x, y):
        return np.mean((x[:, None, :] > y[None]) + 0.5 * (x[:, None, :] == y[None]))

    res = bootstrap_ci(
        (x, y),
        "probability_of_improvement",
        n_resamples=200,
        method="bca",
        random_state=0,
    )
    est = poi(x, y)
    assert res.estimate == pytest.approx(est, rel=1e-12)
    nums = dens = 0.0
    for theta in (
        np.array([poi(np.delete(x, i, axis=0), y) for i in range(6)]),
        np.array([poi(x, np.delete(y, j, axis=0)) for j in range(9)]),
    ):
        m = theta.size
        u = (m - 1) * (theta.mean() - theta)
        nums += np.sum(u**3) / m**3
        dens += np.sum(u**2) / m**2
    a = nums / (6 * dens**1.5)
    dist = res.bootstrap_distribution
    expected = np.quantile(dist, _efron_levels(dist, est, a, 0.95))
    assert (res.low, res.high) == pytest.approx(tuple(expected), rel=1e-10)
    no_a = np.quantile(dist, _efron_levels(dist, est, 0.0, 0.95))
    assert not np.allclose(expected, no_a)


def test_coverage_of_the_mean_by_simulation():
    """95% percentile intervals of the mean cover the true mean ~95% of the time."""
    rng = np.random.RandomState(0)
    n_sim = 200
    covered = 0
    for _ in range(n_sim):
        s = rng.normal(0.0, 1.0, size=(20, 5))
        ci = bootstrap_ci(s, "mean", n_resamples=2000, random_state=rng)
        covered += ci.low <= 0.0 <= ci.high
    # percentile intervals undercover slightly at n=100 (~0.94): allow for it
    # and for binomial noise (0.001 quantile of Binomial(200, 0.935)).
    assert covered >= binom.ppf(0.001, n_sim, 0.935)
    assert covered <= binom.ppf(0.999, n_sim, 0.955)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(scores=[[1.0, np.nan], [1.0, 2.0]]), ValueError, "NaN"),
        (
            dict(scores={"a": np.ones((3, 2)), "b": np.ones((3, 3))}),
            ValueError,
            "ragged",
        ),
        (dict(scores=[[1.0, 2.0]]), ValueError, "at least 2 runs"),
        (dict(confidence_level=1.0), ValueError, "confidence_level"),
        (dict(confidence_level=0.0), ValueError, "confidence_level"),
        (dict(confidence_level="high"), TypeError, "confidence_level"),
        (dict(n_resamples=0), ValueError, "n_resamples"),
        (dict(n_resamples=10.5), TypeError, "n_resamples"),
        (dict(method="bias"), ValueError, "method"),
        (dict(task_bootstrap=1), TypeError, "task_bootstrap"),
        (dict(statistic="max"), ValueError, "statistic"),
        (dict(statistic=3), TypeError, "statistic"),
        (dict(stratified="yes"), TypeError, "stratified"),
        (dict(statistic="probability_of_improvement"), TypeError, "pair"),
        (dict(scores={}), ValueError, "empty"),
    ],
)
def test_bad_input(kwargs, error, match):
    params = dict(scores=np.ones((3, 2)), statistic="iqm", n_resamples=10)
    params.update(kwargs)
    scores = params.pop("scores")
    with pytest.raises(error, match=match):
        bootstrap_ci(scores, **params)


# -- a callable statistic that returns NaN: an error, never a NaN interval -----
def test_callable_returning_nan_everywhere_raises(scores):
    def always_nan(s):
        return np.nan

    with pytest.raises(ValueError, match="statistic 'always_nan' returned NaN"):
        bootstrap_ci(scores, always_nan, n_resamples=50, random_state=0)


def test_callable_returning_nan_on_some_resamples_raises_with_the_count(scores):
    top = scores.max()
    calls = {"nan": 0, "all": 0}

    def nan_without_top(s):
        # NaN on the resamples that miss the largest score (not the data)
        calls["all"] += 1
        if s.max() < top:
            calls["nan"] += 1
            return np.nan
        return float(np.mean(s))

    with pytest.raises(ValueError) as err:
        bootstrap_ci(scores, nan_without_top, n_resamples=2000, random_state=0)
    assert calls["all"] == 2001  # the scores themselves, then every resample
    # the largest score's column has 10 draws: P(miss) = 0.9 ** 10 ~ 0.35
    assert 500 < calls["nan"] < 900
    assert f"returned NaN on {calls['nan']} of 2000 bootstrap resamples" in str(
        err.value
    )


def test_callable_returning_nan_on_jackknife_samples_raises_for_bca(scores):
    n_runs = scores.shape[0]

    def nan_on_fewer_runs(s):
        return float(np.mean(s)) if s.shape[0] == n_runs else np.nan

    # percentile needs no jackknife: every value is a number
    ci = bootstrap_ci(scores, nan_on_fewer_runs, n_resamples=200, random_state=0)
    assert np.isfinite([ci.low, ci.high]).all()
    with pytest.raises(ValueError, match=r"on 10 of 10 leave-one-run-out"):
        bootstrap_ci(
            scores, nan_on_fewer_runs, n_resamples=200, method="bca", random_state=0
        )


def test_vector_callable_with_one_nan_output_raises(scores):
    def half_nan(s):
        return np.array([np.mean(s), np.nan if s[0, 0] > 0.7 else 0.0])

    with pytest.raises(ValueError, match="statistic 'half_nan' returned NaN"):
        bootstrap_ci(scores, half_nan, n_resamples=300, random_state=0)
