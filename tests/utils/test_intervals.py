"""The shared interval helpers against formulas written out with scipy."""

import numpy as np
import pytest
from scipy.stats import norm

from skvariance.utils.intervals import (
    coverage_columns,
    default_coverage,
    gaussian_interval,
    interval_levels,
    symmetric_coverages,
)


def test_gaussian_interval_is_the_normal_central_interval():
    rng = np.random.default_rng(0)
    mean, std = rng.normal(size=40), rng.uniform(0.1, 3.0, size=40)
    coverages = [0.1, 0.5, 0.9, 0.999]
    got = gaussian_interval(mean, std, coverages)
    assert got.shape == (40, 2, 4)
    for k, c in enumerate(coverages):
        lo, hi = norm.interval(c, loc=mean, scale=std)
        np.testing.assert_allclose(got[:, 0, k], lo, rtol=1e-12)
        np.testing.assert_allclose(got[:, 1, k], hi, rtol=1e-12)
        # and the probability between the bounds is the coverage
        mass = norm.cdf(got[:, 1, k], mean, std) - norm.cdf(got[:, 0, k], mean, std)
        np.testing.assert_allclose(mass, c, rtol=1e-10)
    np.testing.assert_array_equal(gaussian_interval(mean, std, 0.5), got[:, :, 1])


def test_gaussian_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="coverage must be strictly between"):
        gaussian_interval([0.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        gaussian_interval([0.0], [-1.0], 0.9)
    with pytest.raises(ValueError, match="single-output"):
        gaussian_interval(np.zeros((3, 2)), np.ones((3, 2)), 0.9)


def test_levels_and_symmetric_pairs():
    assert interval_levels(0.9)[1] and not interval_levels([0.9])[1]
    q = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9])
    np.testing.assert_allclose(symmetric_coverages(q), [0.5, 0.8])
    assert default_coverage(q) == pytest.approx(0.8)
    lower, upper, scalar = coverage_columns([0.8, 0.5], q)
    assert scalar is False
    np.testing.assert_array_equal(lower, [1, 2])
    np.testing.assert_array_equal(upper, [5, 4])
    with pytest.raises(ValueError, match=r"offers coverages \[0.5, 0.8\]"):
        coverage_columns(0.9, q)
    with pytest.raises(ValueError, match="pass coverage explicitly"):
        default_coverage([0.1, 0.2])
