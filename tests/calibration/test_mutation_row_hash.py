"""The classifier's per-row draws (``row_uniforms``), checked from outside.

The reference is an independent pure-Python splitmix64 on Python integers
(no NumPy uint64 arithmetic), so a changed constant, shift or mixing step
fails; the statistical tests check that the draws behave as independent
uniforms over seeds and over rows (the doubt left from session 16).
"""

import hashlib
import struct

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from skvariance.calibration import _classifier
from skvariance.calibration._classifier import row_uniforms

M64 = (1 << 64) - 1


def _mix(z):
    z &= M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def _bits(v):
    return struct.unpack("<Q", struct.pack("<d", v))[0]


def _row_key(row):
    key = 0
    for j, v in enumerate(row):
        v = float(v) + 0.0
        if v != 0 or np.isnan(v):
            if np.isnan(v):
                v = float("nan")
            key += _mix(_bits(v) ^ _mix(j + 0x9E3779B97F4A7C15))
    return key & M64


def _u(row_key, seed):
    h = _mix(_mix((row_key + _mix(seed)) & M64))
    return ((h >> 11) + 0.5) * 2.0**-53


ROWS = np.array(
    [
        [0.0, 1.0, 2.5],
        [-3.25, 0.0, 1e-300],
        [1e300, -7.0, 0.1],
        [0.0, 0.0, 0.0],
        [np.nan, 2.0, -0.0],
    ]
)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**63 + 17, 2**64 - 1])
def test_row_uniforms_equal_a_pure_python_splitmix64(seed):
    expected = [_u(_row_key(row), seed) for row in ROWS]
    np.testing.assert_array_equal(row_uniforms(ROWS, seed), expected)


def test_object_rows_are_hashed_from_their_repr():
    X = np.array([["a", 1], ["b", 2.5]], dtype=object)
    keys = [
        int.from_bytes(
            hashlib.blake2b(repr(tuple(r)).encode(), digest_size=8).digest(), "little"
        )
        for r in X.tolist()
    ]
    np.testing.assert_array_equal(row_uniforms(X, 7), [_u(k, 7) for k in keys])


def test_a_row_draw_is_a_function_of_its_content_only():
    rng = np.random.default_rng(0)
    X = rng.integers(-3, 4, size=(300, 6)).astype(float)
    u = row_uniforms(X, 99)
    # alone, shifted in the batch, reversed
    np.testing.assert_array_equal(row_uniforms(X[[5]], 99), u[[5]])
    np.testing.assert_array_equal(row_uniforms(X[1:], 99), u[1:])
    np.testing.assert_array_equal(row_uniforms(X[::-1], 99), u[::-1])
    # the same rows stored sparse (explicit zeros dropped) and -0.0 as 0.0
    np.testing.assert_array_equal(row_uniforms(sp.csr_matrix(X), 99), u)
    np.testing.assert_array_equal(row_uniforms(sp.csc_matrix(X), 99), u)
    np.testing.assert_array_equal(row_uniforms(np.where(X == 0, -0.0, X), 99), u)
    # integer input hashes as the same float64 values
    np.testing.assert_array_equal(row_uniforms(X.astype(int), 99), u)


def test_chunked_hashing_gives_the_same_keys(monkeypatch):
    X = np.random.default_rng(1).standard_normal((50, 7))
    u = row_uniforms(X, 3)
    monkeypatch.setattr(_classifier, "_HASH_CHUNK", 10)
    np.testing.assert_array_equal(row_uniforms(X, 3), u)


def test_one_row_over_seeds_is_uniform():
    # the draw a row gets over fits (seeds 0..3999): uniform on (0, 1)
    row = np.array([[1.0, 0.0, 2.0]])
    u = np.array([row_uniforms(row, s)[0] for s in range(4000)])
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert 0.0 < u.min() and u.max() < 1.0


def test_distinct_rows_are_uniform_and_uncorrelated():
    # worst case for an additive row hash: small-integer grids, rows that
    # differ in one entry
    grid = np.array(np.meshgrid(*[np.arange(10.0)] * 3)).reshape(3, -1).T
    u = row_uniforms(grid, 2024)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # neighbours in the grid: over seeds, their draws are uncorrelated
    seeds = np.arange(2000)
    a = np.array([row_uniforms(grid[[11]], s)[0] for s in seeds])
    b = np.array([row_uniforms(grid[[12]], s)[0] for s in seeds])
    c = np.array([row_uniforms(grid[[111]], s)[0] for s in seeds])
    bound = 4.0 / np.sqrt(seeds.size)
    assert abs(np.corrcoef(a, b)[0, 1]) < bound
    assert abs(np.corrcoef(a, c)[0, 1]) < bound
    # and the uniforms of a row and its neighbour are not identical
    assert np.mean(a == b) == 0.0


def test_sparse_integer_rows_hash_as_their_float64_values():
    X = np.array([[0, 3, -2], [5, 0, 0], [0, 0, 0], [7, -1, 4]], dtype=np.int64)
    expected = [_u(_row_key(row), 11) for row in X.astype(float)]
    for fmt in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        np.testing.assert_array_equal(row_uniforms(fmt(X), 11), expected)
    int32 = sp.csr_matrix(X.astype(np.int32))
    np.testing.assert_array_equal(row_uniforms(int32, 11), expected)


def test_every_nan_bit_pattern_hashes_as_one_nan():
    quiet = np.array([[np.nan, 1.0]])
    payloads = [0x7FF8000000000001, 0xFFF8000000000000, 0x7FF0000000000001]
    expected = row_uniforms(quiet, 5)
    assert expected[0] == _u(_row_key([float("nan"), 1.0]), 5)
    for bits in payloads:
        nan = np.array([bits], dtype=np.uint64).view(np.float64)[0]
        assert np.isnan(nan)
        X = np.array([[nan, 1.0]])
        np.testing.assert_array_equal(row_uniforms(X, 5), expected)
        np.testing.assert_array_equal(row_uniforms(sp.csr_matrix(X), 5), expected)
