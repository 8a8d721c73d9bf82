"""weighted_quantile_sorted_rows against a plain NumPy reference."""

import numpy as np
import pytest

from skvariance._kernels._quantile import weighted_quantile_sorted_rows


def naive_weighted_quantile(values, weights, q):
    """Reference: smallest value whose normalised cumulative weight >= q."""
    order = np.argsort(values, kind="mergesort")
    v, w = values[order], weights[order]
    cdf = np.cumsum(w)
    idx = int(np.searchsorted(cdf, q * cdf[-1], side="left"))
    while idx < len(v) - 1 and w[idx] == 0.0:
        idx += 1
    return v[min(idx, len(v) - 1)]


def run_kernel(values, weights, q):
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    order = np.argsort(values, axis=1, kind="mergesort")
    out = np.empty((values.shape[0], q.size))
    return weighted_quantile_sorted_rows(
        np.take_along_axis(values, order, axis=1),
        np.take_along_axis(weights, order, axis=1),
        np.asarray(q, dtype=float),
        out,
    )


LEVELS = np.array([0.0, 0.01, 0.1, 0.25, 0.5, 0.5 + 1e-12, 0.75, 0.9, 0.99, 1.0])


@pytest.mark.parametrize("seed", range(5))
def test_matches_reference_with_ties_and_zero_weights(seed):
    rng = np.random.RandomState(seed)
    values = rng.randint(0, 6, size=(30, 17)).astype(float)  # many ties
    weights = rng.exponential(size=values.shape)
    weights[rng.uniform(size=values.shape) < 0.2] = 0.0
    weights[:, 0] += 1e-3  # every row keeps a positive sum
    got = run_kernel(values, weights, LEVELS)
    for i in range(values.shape[0]):
        for k, q in enumerate(LEVELS):
            assert got[i, k] == naive_weighted_quantile(values[i], weights[i], q)


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_equal_weights_match_numpy_inverted_cdf(n):
    rng = np.random.RandomState(n)
    values = rng.normal(size=(8, n))
    got = run_kernel(values, np.ones_like(values), LEVELS)
    expected = np.quantile(values, LEVELS, axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(got, expected)


def test_infinities_are_ordinary_values():
    values = np.array([[1.0, np.inf, -np.inf, 3.0]])
    weights = np.array([[1.0, 1.0, 1.0, 1.0]])
    got = run_kernel(values, weights, LEVELS)
    expected = [naive_weighted_quantile(values[0], weights[0], q) for q in LEVELS]
    np.testing.assert_array_equal(got[0], expected)
    assert got[0, 0] == -np.inf and got[0, -1] == np.inf


def test_nan_sorts_last_like_numpy():
    values = np.array([[2.0, np.nan, 1.0, 3.0]])
    weights = np.ones_like(values)
    got = run_kernel(values, weights, LEVELS)
    expected = [naive_weighted_quantile(values[0], weights[0], q) for q in LEVELS]
    np.testing.assert_array_equal(got[0], expected)
    assert np.isnan(got[0, -1]) and got[0, 4] == 2.0


def test_output_written_in_place():
    values = np.arange(6.0).reshape(2, 3)
    out = np.full((2, 1), -1.0)
    returned = weighted_quantile_sorted_rows(
        values, np.ones_like(values), np.array([0.5]), out
    )
    assert returned is out
    np.testing.assert_array_equal(out[:, 0], [1.0, 4.0])


@pytest.mark.usefixtures("parallel_kernels")
def test_same_result_for_any_number_of_threads():
    import numba

    rng = np.random.RandomState(3)
    values = rng.normal(size=(64, 33))
    weights = rng.exponential(size=values.shape)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_kernel(values, weights, LEVELS)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run_kernel(values, weights, LEVELS)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)


def test_exact_ties_of_the_cumulative_weight_take_the_lower_value():
    """Inverted CDF: at q = k / n the answer is the k-th value, not the next."""
    values = np.array([[1.0, 2.0, 3.0, 4.0]])
    q = np.array([0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(
        run_kernel(values, np.ones((1, 4)), q), [[1, 2, 3, 4]]
    )


def test_level_zero_skips_values_without_weight():
    values = np.array([[1.0, 2.0, 3.0]])
    out = run_kernel(values, np.array([[0.0, 1.0, 1.0]]), np.array([0.0, 0.5]))
    np.testing.assert_array_equal(out, [[2.0, 2.0]])
