"""bootstrap_ci: intervals, reproducibility, methods, coverage, bad input."""

import numpy as np
import pytest
from scipy.stats import binom, trim_mean

from skvariance.evaluation import BootstrapCI, BootstrapCIDict, bootstrap_ci


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
    other = bootstrap_ci(
        scores, statistic, n_resamples=2000, method=method, random_state=4
    )
    assert (ci.low, ci.high) != (other.low, other.high)


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
def test_unstratified_differs_from_stratified(scores, stratified):
    ci = bootstrap_ci(
        scores, "mean", n_resamples=1000, stratified=stratified, random_state=0
    )
    other = bootstrap_ci(
        scores, "mean", n_resamples=1000, stratified=not stratified, random_state=0
    )
    assert ci.low != other.low


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
