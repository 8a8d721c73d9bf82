"""Bootstrap kernels against plain NumPy / Python references."""

import numba
import numpy as np
import pytest
from scipy.stats import trim_mean

from skvariance._kernels._bootstrap import (
    bootstrap_exceedance,
    bootstrap_indices,
    bootstrap_mean,
    bootstrap_median_of_task_means,
    bootstrap_probability_of_improvement,
    bootstrap_task_mean_exceedance,
    bootstrap_trimmed_mean,
)
from skvariance.evaluation.base import _pair_inputs, _ranks

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def py_index(seed, b, k, n):
    """Reference SplitMix64 counter-based draw, in Python integers."""
    state = _mix(seed ^ _mix((b + GOLDEN) & MASK))
    r = _mix((state + (k + 1) * GOLDEN) & MASK)
    return ((r >> 32) * n) >> 32


def py_indices(seed, n_resamples, n_runs, n_tasks, stratified, task_bootstrap=False):
    """Run indices (n_resamples, n_runs, n_tasks) and task slots (.., n_tasks)."""
    out = np.empty((n_resamples, n_runs, n_tasks), dtype=np.int64)
    tasks = np.empty((n_resamples, n_tasks), dtype=np.int64)
    for b in range(n_resamples):
        for t in range(n_tasks):
            tasks[b, t] = (
                py_index(seed, b, n_runs * n_tasks + t, n_tasks)
                if task_bootstrap
                else t
            )
            for i in range(n_runs):
                k = t * n_runs + i if stratified else i
                out[b, i, t] = py_index(seed, b, k, n_runs)
    return out, tasks


def resamples(scores, seed, n_resamples, stratified, task_bootstrap=False):
    n_runs, n_tasks = scores.shape
    idx, tasks = py_indices(
        seed, n_resamples, n_runs, n_tasks, stratified, task_bootstrap
    )
    return scores[idx, tasks[:, None, :]]


BOOTSTRAPS = [(True, False), (False, False), (True, True), (False, True)]


@pytest.mark.parametrize("stratified, task_bootstrap", BOOTSTRAPS)
def test_indices_match_python_splitmix(stratified, task_bootstrap):
    seed, n_runs, n_tasks = 12345, 7, 3
    got = np.empty((20, n_runs, n_tasks), dtype=np.int64)
    got_tasks = np.empty((20, n_tasks), dtype=np.int64)
    bootstrap_indices(
        seed, 0, n_runs, n_tasks, stratified, task_bootstrap, got, got_tasks
    )
    expected, expected_tasks = py_indices(
        seed, 20, n_runs, n_tasks, stratified, task_bootstrap
    )
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_tasks, expected_tasks)
    if not stratified:  # whole runs: the same row for every task
        assert (got == got[:, :, :1]).all()
    if task_bootstrap:  # some slot holds another task than its own
        assert (got_tasks != np.arange(n_tasks)).any()
    else:
        assert (got_tasks == np.arange(n_tasks)).all()
    # a block starting later continues the same streams
    later = np.empty((5, n_runs, n_tasks), dtype=np.int64)
    later_tasks = np.empty((5, n_tasks), dtype=np.int64)
    bootstrap_indices(
        seed, 15, n_runs, n_tasks, stratified, task_bootstrap, later, later_tasks
    )
    np.testing.assert_array_equal(later, expected[15:])
    np.testing.assert_array_equal(later_tasks, expected_tasks[15:])


def test_indices_are_uniform():
    n_runs, n_tasks = 5, 3
    idx = np.empty((4000, n_runs, n_tasks), dtype=np.int64)
    tasks = np.empty((4000, n_tasks), dtype=np.int64)
    bootstrap_indices(7, 0, n_runs, n_tasks, True, True, idx, tasks)
    # chi-square 0.999 quantiles: 18.47 (4 dof), 13.82 (2 dof)
    for values, n, limit in [(idx, n_runs, 18.47), (tasks, n_tasks, 13.82)]:
        counts = np.bincount(values.ravel(), minlength=n)
        expected = values.size / n
        assert ((counts - expected) ** 2 / expected).sum() < limit


def _scores(seed, shape, ties=False):
    rng = np.random.RandomState(seed)
    if ties:
        return rng.randint(0, 4, size=shape).astype(float)
    return rng.normal(size=shape)


@pytest.mark.parametrize("stratified, task_bootstrap", BOOTSTRAPS)
@pytest.mark.parametrize("shape", [(2, 1), (5, 3), (8, 4)])
def test_mean_and_median_match_reference(shape, stratified, task_bootstrap):
    scores = _scores(0, shape)
    res = resamples(scores, 99, 50, stratified, task_bootstrap)
    got = bootstrap_mean(scores, 99, stratified, task_bootstrap, np.empty(50))
    np.testing.assert_allclose(got, res.mean(axis=(1, 2)), rtol=1e-12)
    got = bootstrap_median_of_task_means(
        scores, 99, stratified, task_bootstrap, np.empty(50)
    )
    np.testing.assert_allclose(got, np.median(res.mean(axis=1), axis=1), rtol=1e-12)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("stratified, task_bootstrap", BOOTSTRAPS)
@pytest.mark.parametrize("shape", [(2, 1), (3, 3), (5, 4), (10, 7)])
def test_trimmed_mean_matches_scipy(shape, stratified, task_bootstrap, ties):
    scores = _scores(1, shape, ties=ties)
    sorted_values, rank = _ranks(scores)
    n = scores.size
    lo = int(0.25 * n)
    got = bootstrap_trimmed_mean(
        sorted_values, rank, lo, n - lo, 5, stratified, task_bootstrap, np.empty(40)
    )
    res = resamples(scores, 5, 40, stratified, task_bootstrap)
    expected = [trim_mean(r, 0.25, axis=None) for r in res]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("stratified, task_bootstrap", BOOTSTRAPS)
def test_exceedance_matches_reference(stratified, task_bootstrap):
    scores = _scores(2, (6, 3), ties=True)
    thresholds = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
    sorted_values, rank = _ranks(scores)
    positions = np.searchsorted(sorted_values, thresholds, side="right")
    got = bootstrap_exceedance(
        rank, positions, 3, stratified, task_bootstrap, np.empty((30, 6))
    )
    res = resamples(scores, 3, 30, stratified, task_bootstrap)
    expected = (res.reshape(30, -1)[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)


@pytest.mark.parametrize("stratified, task_bootstrap", BOOTSTRAPS)
def test_task_mean_exceedance_matches_reference(stratified, task_bootstrap):
    """Average-score profile: ties with thresholds, NaN and inf task means."""
    scores = _scores(6, (4, 7), ties=True) / 2  # task means on a 1/8 grid
    scores[0, 5] = np.nan  # task 5 has a NaN mean
    scores[1, 6] = np.inf  # task 6 an infinite one
    thresholds = np.array([-np.inf, 0.0, 0.25, 0.5, 0.75, 1.0, np.inf])
    got = bootstrap_task_mean_exceedance(
        scores, thresholds, 4, stratified, task_bootstrap, np.empty((40, 7))
    )
    res = resamples(scores, 4, 40, stratified, task_bootstrap)
    with np.errstate(invalid="ignore"):
        means = res.mean(axis=1)  # (40, n_tasks)
        expected = (means[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert np.isnan(means).any() and np.isinf(means).any()


def _reference_poi(x, y, seed, n_resamples, stratified, task_bootstrap=False):
    n_x, n_tasks = x.shape
    n_y = y.shape[0]
    per_task = n_x + n_y
    out = np.empty(n_resamples)
    for b in range(n_resamples):
        values = []
        for t in range(n_tasks):
            task = (
                py_index(seed, b, n_tasks * per_task + t, n_tasks)
                if task_bootstrap
                else t
            )
            base = t * per_task if stratified else 0
            xi = [py_index(seed, b, base + i, n_x) for i in range(n_x)]
            yj = [py_index(seed, b, base + n_x + j, n_y) for j in range(n_y)]
            xs, ys = x[xi, task], y[yj, task]
            wins = (xs[:, None] > ys[None, :]).sum() + 0.5 * (
                xs[:, None] == ys[None, :]
            ).sum()
            values.append(wins / (n_x * n_y))
        out[b] = np.mean(values)
    return out


@pytest.mark.parametrize("stratified, task_bootstrap", BOOTSTRAPS)
@pytest.mark.parametrize("ties", [False, True])
def test_probability_of_improvement_matches_mann_whitney(
    ties, stratified, task_bootstrap
):
    x = _scores(3, (6, 3), ties=ties)
    y = _scores(4, (4, 3), ties=ties)
    got = bootstrap_probability_of_improvement(
        *_pair_inputs(x, y), 11, stratified, task_bootstrap, np.empty(25)
    )
    expected = _reference_poi(x, y, 11, 25, stratified, task_bootstrap)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_infinities_and_nan_propagate_like_numpy():
    """No validation inside kernels: inf/NaN follow IEEE like the reference."""
    scores = np.array([[1.0, np.inf], [2.0, 3.0], [-np.inf, 0.5]])
    res = resamples(scores, 8, 30, True)
    with np.errstate(invalid="ignore"):
        expected = res.mean(axis=(1, 2))
    got = bootstrap_mean(scores, 8, True, False, np.empty(30))
    # inf, -inf and nan (inf - inf) in the same places; finite values equal
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    # the trimmed mean sorts +-inf to the ends (and NaN last, as np.argsort):
    # an infinity enters the mean only when it falls inside the window.
    scores = np.array([[1.0, np.nan], [2.0, 3.0], [np.inf, 0.5], [4.0, -np.inf]])
    sorted_values, rank = _ranks(scores)
    got = bootstrap_trimmed_mean(
        sorted_values, rank, 2, 6, 8, True, False, np.empty(30)
    )
    res = resamples(scores, 8, 30, True).reshape(30, -1)
    expected = [np.sort(r)[2:6].mean() for r in res]
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert np.isnan(got).any() and np.isfinite(got).any()


@pytest.mark.usefixtures("parallel_kernels")
def test_same_result_for_any_number_of_threads():
    scores = _scores(5, (10, 20))
    sorted_values, rank = _ranks(scores)
    n = scores.size
    before = numba.get_num_threads()
    results = []
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            trimmed = bootstrap_trimmed_mean(
                sorted_values, rank, n // 4, n - n // 4, 3, True, True, np.empty(3000)
            )
            profile = bootstrap_task_mean_exceedance(
                scores, np.linspace(-1, 1, 9), 3, True, True, np.empty((3000, 9))
            )
            results.append((trimmed, profile))
    finally:
        numba.set_num_threads(before)
    for trimmed, profile in results[1:]:
        np.testing.assert_array_equal(trimmed, results[0][0])
        np.testing.assert_array_equal(profile, results[0][1])


@pytest.mark.parametrize("n_resamples", [1, 64, 65, 129])
def test_every_resample_is_computed_whatever_the_chunking(n_resamples):
    """Resamples are split into 64 chunks: 65 = 64 + 1 leaves a remainder."""
    scores = _scores(9, (4, 3))
    sorted_values, rank = _ranks(scores)
    res = resamples(scores, 21, n_resamples, True, True)
    nan = np.full(n_resamples, np.nan)
    got = bootstrap_mean(scores, 21, True, True, nan.copy())
    np.testing.assert_allclose(got, res.mean(axis=(1, 2)), rtol=1e-12)
    got = bootstrap_median_of_task_means(scores, 21, True, True, nan.copy())
    np.testing.assert_allclose(got, np.median(res.mean(axis=1), axis=1), rtol=1e-12)
    got = bootstrap_trimmed_mean(sorted_values, rank, 3, 9, 21, True, True, nan.copy())
    expected = [np.sort(r.ravel())[3:9].mean() for r in res]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    thresholds = np.array([-0.5, 0.0, 0.5])
    positions = np.searchsorted(sorted_values, thresholds, side="right")
    got = bootstrap_exceedance(
        rank, positions, 21, True, True, np.full((n_resamples, 3), np.nan)
    )
    expected = (res.reshape(n_resamples, -1)[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    got = bootstrap_task_mean_exceedance(
        scores, thresholds, 21, True, True, np.full((n_resamples, 3), np.nan)
    )
    expected = (res.mean(axis=1)[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    x, y = scores, _scores(10, (5, 3))
    got = bootstrap_probability_of_improvement(
        *_pair_inputs(x, y), 21, True, True, nan.copy()
    )
    expected = _reference_poi(x, y, 21, n_resamples, True, True)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_task_mean_exceedance_when_every_task_mean_is_nan():
    """No valid task mean: above no threshold, 0 everywhere (not -1/n or 1/n)."""
    scores = np.array([[np.nan, 1.0], [0.0, np.nan], [1.0, 2.0]])
    thresholds = np.array([-np.inf, 0.0, 5.0])
    got = bootstrap_task_mean_exceedance(
        scores, thresholds, 2, False, False, np.empty((40, 3))
    )
    res = resamples(scores, 2, 40, False)
    with np.errstate(invalid="ignore"):
        expected = (res.mean(axis=1)[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    # some resamples hold a NaN in both tasks, others in one or none
    n_nan = np.isnan(res.mean(axis=1)).sum(axis=1)
    assert {0, 1, 2} <= set(n_nan.tolist())


def test_task_mean_exceedance_of_a_nan_threshold_is_zero():
    """A NaN threshold (sorted last) has no task mean above it, as in NumPy."""
    scores = _scores(3, (4, 5))
    thresholds = np.array([-0.5, 0.5, np.nan])
    got = bootstrap_task_mean_exceedance(
        scores, thresholds, 5, True, False, np.full((30, 3), -1.0)
    )
    res = resamples(scores, 5, 30, True)
    with np.errstate(invalid="ignore"):
        expected = (res.mean(axis=1)[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    np.testing.assert_array_equal(got[:, 2], 0.0)
