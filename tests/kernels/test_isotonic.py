"""isotonic_rows (PAVA across the columns of each row) against references."""

import numba
import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from skvariance._kernels._isotonic import isotonic_rows


def naive_pava(row):
    """Reference: pool adjacent violators with Python lists, equal weights."""
    blocks = []  # [sum, count], Python floats: inf - inf is NaN without a warning
    for value in row.tolist():
        blocks.append([value, 1])
        while len(blocks) > 1 and (
            blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]
        ):
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return np.concatenate([np.full(c, s / c) for s, c in blocks])


def run(values):
    values = np.ascontiguousarray(values, dtype=float)
    return isotonic_rows(values, np.empty_like(values))


@pytest.mark.parametrize("seed", range(4))
def test_matches_sklearn_isotonic_regression(seed):
    rng = np.random.RandomState(seed)
    values = rng.normal(size=(40, 9)) + np.linspace(-1, 1, 9)
    got = run(values)
    for i in range(values.shape[0]):
        expected = IsotonicRegression().fit_transform(np.arange(9), values[i])
        np.testing.assert_allclose(got[i], expected, rtol=0, atol=1e-12)


def test_matches_reference_with_ties():
    rng = np.random.RandomState(1)
    values = rng.randint(0, 4, size=(60, 7)).astype(float)  # many ties
    got = run(values)
    for i in range(values.shape[0]):
        np.testing.assert_array_equal(got[i], naive_pava(values[i]))
        assert np.all(np.diff(got[i]) >= 0)


def test_sorted_rows_are_copied_unchanged():
    values = np.array([[1.0, 1.0, 2.0], [-np.inf, 0.0, np.inf]])
    np.testing.assert_array_equal(run(values), values)


def test_infinities_and_nan_follow_the_reference():
    values = np.array(
        [
            [np.inf, 0.0, 1.0],  # inf pooled with finite values: inf block
            [np.inf, -np.inf, 1.0],  # inf with -inf: NaN, as the arithmetic says
            [2.0, np.nan, 1.0],  # NaN never compares greater: not pooled
        ]
    )
    got = run(values)
    for i in range(values.shape[0]):
        np.testing.assert_array_equal(got[i], naive_pava(values[i]))


def test_single_column_and_in_place():
    values = np.array([[3.0], [1.0]])
    np.testing.assert_array_equal(run(values), values)
    crossing = np.array([[2.0, 1.0]])
    isotonic_rows(crossing, crossing)
    np.testing.assert_array_equal(crossing, [[1.5, 1.5]])


@pytest.mark.usefixtures("parallel_kernels")
def test_same_result_for_any_number_of_threads():
    rng = np.random.RandomState(0)
    values = rng.normal(size=(500, 11))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = run(values)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        parallel = run(values)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(serial, parallel)
