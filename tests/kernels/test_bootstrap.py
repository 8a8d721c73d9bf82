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
    bootstrap_trimmed_mean,
)
from skvariance.evaluation._bootstrap import _pair_inputs, _ranks

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


def py_indices(seed, n_resamples, n_runs, n_tasks, stratified):
    out = np.empty((n_resamples, n_runs, n_tasks), dtype=np.int64)
    for b in range(n_resamples):
        for t in range(n_tasks):
            for i in range(n_runs):
                k = t * n_runs + i if stratified else i
                out[b, i, t] = py_index(seed, b, k, n_runs)
    return out


def resamples(scores, seed, n_resamples, stratified):
    n_runs, n_tasks = scores.shape
    idx = py_indices(seed, n_resamples, n_runs, n_tasks, stratified)
    return scores[idx, np.arange(n_tasks)]


@pytest.mark.parametrize("stratified", [True, False])
def test_indices_match_python_splitmix(stratified):
    seed, n_runs, n_tasks = 12345, 7, 3
    got = np.empty((20, n_runs, n_tasks), dtype=np.int64)
    bootstrap_indices(seed, 0, n_runs, n_tasks, stratified, got)
    expected = py_indices(seed, 20, n_runs, n_tasks, stratified)
    np.testing.assert_array_equal(got, expected)
    if not stratified:  # whole runs: the same row for every task
        assert (got == got[:, :, :1]).all()
    # a block starting later continues the same streams
    later = np.empty((5, n_runs, n_tasks), dtype=np.int64)
    bootstrap_indices(seed, 15, n_runs, n_tasks, stratified, later)
    np.testing.assert_array_equal(later, expected[15:])


def test_indices_are_uniform():
    n_runs = 5
    idx = np.empty((4000, n_runs, 2), dtype=np.int64)
    bootstrap_indices(7, 0, n_runs, 2, True, idx)
    counts = np.bincount(idx.ravel(), minlength=n_runs)
    expected = idx.size / n_runs
    # chi-square with 4 dof; 0.999 quantile is 18.47
    assert ((counts - expected) ** 2 / expected).sum() < 18.47


def _scores(seed, shape, ties=False):
    rng = np.random.RandomState(seed)
    if ties:
        return rng.randint(0, 4, size=shape).astype(float)
    return rng.normal(size=shape)


@pytest.mark.parametrize("stratified", [True, False])
@pytest.mark.parametrize("shape", [(2, 1), (5, 3), (8, 4)])
def test_mean_and_median_match_reference(shape, stratified):
    scores = _scores(0, shape)
    res = resamples(scores, 99, 50, stratified)
    got = bootstrap_mean(scores, 99, stratified, np.empty(50))
    np.testing.assert_allclose(got, res.mean(axis=(1, 2)), rtol=1e-12)
    got = bootstrap_median_of_task_means(scores, 99, stratified, np.empty(50))
    np.testing.assert_allclose(got, np.median(res.mean(axis=1), axis=1), rtol=1e-12)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("stratified", [True, False])
@pytest.mark.parametrize("shape", [(2, 1), (3, 3), (5, 4), (10, 7)])
def test_trimmed_mean_matches_scipy(shape, stratified, ties):
    scores = _scores(1, shape, ties=ties)
    sorted_values, rank = _ranks(scores)
    n = scores.size
    lo = int(0.25 * n)
    got = bootstrap_trimmed_mean(
        sorted_values, rank, lo, n - lo, 5, stratified, np.empty(40)
    )
    res = resamples(scores, 5, 40, stratified)
    expected = [trim_mean(r, 0.25, axis=None) for r in res]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("stratified", [True, False])
def test_exceedance_matches_reference(stratified):
    scores = _scores(2, (6, 3), ties=True)
    thresholds = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
    sorted_values, rank = _ranks(scores)
    positions = np.searchsorted(sorted_values, thresholds, side="right")
    got = bootstrap_exceedance(rank, positions, 3, stratified, np.empty((30, 6)))
    res = resamples(scores, 3, 30, stratified)
    expected = (res.reshape(30, -1)[:, :, None] > thresholds).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def _reference_poi(x, y, seed, n_resamples, stratified):
    n_x, n_tasks = x.shape
    n_y = y.shape[0]
    per_task = n_x + n_y
    out = np.empty(n_resamples)
    for b in range(n_resamples):
        values = []
        for t in range(n_tasks):
            base = t * per_task if stratified else 0
            xi = [py_index(seed, b, base + i, n_x) for i in range(n_x)]
            yj = [py_index(seed, b, base + n_x + j, n_y) for j in range(n_y)]
            xs, ys = x[xi, t], y[yj, t]
            wins = (xs[:, None] > ys[None, :]).sum() + 0.5 * (
                xs[:, None] == ys[None, :]
            ).sum()
            values.append(wins / (n_x * n_y))
        out[b] = np.mean(values)
    return out


@pytest.mark.parametrize("stratified", [True, False])
@pytest.mark.parametrize("ties", [False, True])
def test_probability_of_improvement_matches_mann_whitney(ties, stratified):
    x = _scores(3, (6, 3), ties=ties)
    y = _scores(4, (4, 3), ties=ties)
    got = bootstrap_probability_of_improvement(
        *_pair_inputs(x, y), 11, stratified, np.empty(25)
    )
    expected = _reference_poi(x, y, 11, 25, stratified)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_infinities_and_nan_propagate_like_numpy():
    """No validation inside kernels: inf/NaN follow IEEE like the reference."""
    scores = np.array([[1.0, np.inf], [2.0, 3.0], [-np.inf, 0.5]])
    res = resamples(scores, 8, 30, True)
    with np.errstate(invalid="ignore"):
        expected = res.mean(axis=(1, 2))
    got = bootstrap_mean(scores, 8, True, np.empty(30))
    # inf, -inf and nan (inf - inf) in the same places; finite values equal
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    # the trimmed mean sorts +-inf to the ends (and NaN last, as np.argsort):
    # an infinity enters the mean only when it falls inside the window.
    scores = np.array([[1.0, np.nan], [2.0, 3.0], [np.inf, 0.5], [4.0, -np.inf]])
    sorted_values, rank = _ranks(scores)
    got = bootstrap_trimmed_mean(sorted_values, rank, 2, 6, 8, True, np.empty(30))
    res = resamples(scores, 8, 30, True).reshape(30, -1)
    expected = [np.sort(r)[2:6].mean() for r in res]
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert np.isnan(got).any() and np.isfinite(got).any()


def test_same_result_for_any_number_of_threads():
    scores = _scores(5, (10, 20))
    sorted_values, rank = _ranks(scores)
    n = scores.size
    before = numba.get_num_threads()
    results = []
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            results.append(
                bootstrap_trimmed_mean(
                    sorted_values, rank, n // 4, n - n // 4, 3, True, np.empty(3000)
                )
            )
    finally:
        numba.set_num_threads(before)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
