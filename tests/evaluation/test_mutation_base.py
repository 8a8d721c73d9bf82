"""Interval and checks of evaluation/base.py: what its mutants showed untested.

The bootstrap distributions used as references come from the built-in "mean"
kernel (checked against resamples rebuilt by hand in test_bootstrap_ci.py);
the interval levels are written out here with scipy.
"""

import numpy as np
import pytest
from scipy.stats import norm

from skvariance.evaluation import bootstrap_ci


@pytest.fixture
def scores():
    return np.random.RandomState(0).normal(0.7, 0.1, size=(10, 6))


def _bc(dist, z0, level):
    z = norm.ppf([(1 - level) / 2, (1 + level) / 2])
    return np.quantile(dist, norm.cdf(2 * z0 + z))


@pytest.mark.parametrize("side", [1.0, -1.0])
def test_an_estimate_outside_the_distribution_is_clipped_half_a_resample_in(
    scores, side
):
    # the statistic adds `side` on the observed matrix only, so every resample
    # lies below (side=1) or above (side=-1) the estimate
    def shifted(r):
        return float(np.mean(r)) + side * np.array_equal(r, scores)

    B = 400
    ci = bootstrap_ci(scores, shifted, n_resamples=B, method="bc", random_state=1)
    dist = bootstrap_ci(scores, "mean", n_resamples=B, random_state=1)
    dist = dist.bootstrap_distribution
    assert np.all(side * (ci.estimate - dist) > 0)
    frac = 1 - 0.5 / B if side > 0 else 0.5 / B
    expected = _bc(dist, norm.ppf(frac), 0.95)
    np.testing.assert_allclose([ci.low, ci.high], expected, rtol=1e-12)


def test_zero_jackknife_spread_gives_no_acceleration(scores):
    # leave-one-run-out samples (9 runs) all give 0: a = 0, BCa is bc, and
    # the 0 / 0 of the acceleration raises no warning
    def mean_or_zero(r):
        return 0.0 if r.shape[0] == 9 else float(np.mean(r))

    B = 300
    ci = bootstrap_ci(scores, mean_or_zero, n_resamples=B, method="bca", random_state=2)
    dist = bootstrap_ci(scores, "mean", n_resamples=B, random_state=2)
    dist = dist.bootstrap_distribution
    est = np.mean(scores)
    frac = (np.sum(dist < est) + 0.5 * np.sum(dist == est)) / B
    expected = _bc(dist, norm.ppf(frac), 0.95)
    np.testing.assert_allclose([ci.low, ci.high], expected, rtol=1e-12)


def test_basic_interval_of_a_vector_statistic_is_per_output(scores):
    def two(r):
        return np.array([np.mean(r), 2.0 + np.mean(r[:, 0])])

    ci = bootstrap_ci(scores, two, n_resamples=200, method="basic", random_state=3)
    dist = ci.bootstrap_distribution
    est = two(scores)
    for k in range(2):
        q_low, q_high = np.quantile(dist[:, k], [0.025, 0.975])
        assert ci.low[k] == pytest.approx(2 * est[k] - q_high, rel=1e-12)
        assert ci.high[k] == pytest.approx(2 * est[k] - q_low, rel=1e-12)


def test_bootstrap_ci_dict_repr(scores):
    res = bootstrap_ci(
        {"a": scores, "b": scores + 1}, "mean", n_resamples=20, random_state=0
    )
    assert repr(res) == f"BootstrapCIDict({{'a': {res['a']!r}, 'b': {res['b']!r}}})"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            dict(statistic=3),
            TypeError,
            r"^statistic must be a string or a callable, got int\.$",
        ),
        (
            dict(n_resamples=2.0),
            TypeError,
            r"^n_resamples must be an integer >= 1, got float\.$",
        ),
        (
            dict(confidence_level="a"),
            TypeError,
            r"^confidence_level must be a float strictly between 0 and 1, got str\.$",
        ),
        (
            dict(confidence_level=1.5),
            ValueError,
            r"^confidence_level must be strictly between 0 and 1, got 1\.5\.$",
        ),
        (dict(stratified=1), TypeError, r"^stratified must be a bool, got int\.$"),
        (
            dict(task_bootstrap=1),
            TypeError,
            r"^task_bootstrap must be a bool, got int\.$",
        ),
    ],
)
def test_parameter_messages(scores, kwargs, error, match):
    kwargs = {"statistic": "mean", "n_resamples": 20, **kwargs}
    with pytest.raises(error, match=match):
        bootstrap_ci(scores, **kwargs)
