"""Point statistics: iqm, optimality_gap, probability_of_improvement, profiles."""

import numpy as np
import pytest
from scipy.stats import mannwhitneyu, trim_mean

from skvariance.evaluation import (
    BootstrapCI,
    iqm,
    optimality_gap,
    performance_profile,
    probability_of_improvement,
)


def test_iqm_is_scipy_trimmed_mean_and_robust():
    rng = np.random.RandomState(0)
    scores = rng.normal(size=(10, 4))
    assert iqm(scores) == pytest.approx(trim_mean(scores, 0.25, axis=None))
    np.testing.assert_allclose(iqm(scores, axis=0), trim_mean(scores, 0.25, axis=0))
    polluted = scores.copy()
    polluted[0, 0] = 1e6  # one diverged run moves the mean, not the IQM much
    assert abs(iqm(polluted) - iqm(scores)) < 0.1
    assert abs(polluted.mean() - scores.mean()) > 1e3


def test_iqm_and_gap_accept_dicts():
    scores = {"a": [[0.5, 1.5]], "b": [[1.0, 1.0]]}
    assert optimality_gap(scores) == {"a": 0.25, "b": 0.0}
    assert iqm(scores) == {"a": 1.0, "b": 1.0}


def test_optimality_gap_with_gamma():
    scores = np.array([[0.2, 0.8], [3.0, 1.0]])
    assert optimality_gap(scores, gamma=2.0) == pytest.approx(
        2.0 - np.mean([0.2, 0.8, 2.0, 1.0])
    )


@pytest.mark.parametrize("n_tasks", [1, 3])
def test_probability_of_improvement_is_mann_whitney(n_tasks):
    rng = np.random.RandomState(n_tasks)
    x = rng.randint(0, 5, size=(7, n_tasks)).astype(float)  # ties
    y = rng.randint(0, 5, size=(4, n_tasks)).astype(float)
    expected = np.mean(
        [mannwhitneyu(x[:, t], y[:, t]).statistic / (7 * 4) for t in range(n_tasks)]
    )
    assert probability_of_improvement(x, y) == pytest.approx(expected)
    assert probability_of_improvement(x, y) + probability_of_improvement(
        y, x
    ) == pytest.approx(1.0)


def test_probability_of_improvement_rejects_task_mismatch():
    with pytest.raises(ValueError, match="same number of tasks"):
        probability_of_improvement(np.zeros((3, 2)), np.zeros((3, 3)))


def test_performance_profile_fraction_above():
    scores = np.array([[0.1, 0.5], [0.9, 0.7]])
    np.testing.assert_array_equal(
        performance_profile(scores, [0.0, 0.5, 0.9]), [1.0, 0.5, 0.0]
    )
    prof = performance_profile({"a": scores, "b": scores + 1}, 0.6)
    np.testing.assert_array_equal(prof["b"], [1.0])


def test_performance_profile_bands_are_reproducible_and_contain_profile():
    rng = np.random.RandomState(0)
    scores = rng.uniform(size=(8, 5))
    tau = np.linspace(0, 1, 11)
    band = performance_profile(scores, tau, n_resamples=500, random_state=1)
    assert isinstance(band, BootstrapCI)
    assert np.all(band.low <= band.estimate) and np.all(band.estimate <= band.high)
    again = performance_profile(scores, tau, n_resamples=500, random_state=1)
    np.testing.assert_array_equal(band.low, again.low)
    # profiles are non-increasing in the threshold, bands too
    assert np.all(np.diff(band.estimate) <= 0) and np.all(np.diff(band.high) <= 0)


@pytest.mark.parametrize(
    "func", [iqm, optimality_gap, lambda s: performance_profile(s, [0.5])]
)
def test_nan_scores_rejected(func):
    with pytest.raises(ValueError, match="NaN"):
        func([[1.0, np.nan], [0.5, 0.2]])


def test_bad_thresholds_and_gamma():
    with pytest.raises(ValueError, match="thresholds"):
        performance_profile([[1.0], [2.0]], [np.nan])
    with pytest.raises(TypeError, match="gamma"):
        optimality_gap([[1.0]], gamma="1")
