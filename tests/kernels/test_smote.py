"""smote_interpolate / mode_of_neighbours against plain NumPy references."""

import numpy as np
import pytest

from skvariance._kernels._smote import (
    mode_of_neighbours,
    smote_interpolate,
    smote_interpolate_csr,
    smote_interpolate_csr_count,
)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolation_matches_numpy(dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4)).astype(dtype)
    X[0, 0] = np.inf  # propagates exactly like NumPy
    nn = rng.randint(0, 30, size=(30, 3)).astype(np.int32)
    rows = rng.randint(0, 30, size=100).astype(np.int64)
    cols = rng.randint(0, 3, size=100).astype(np.int64)
    steps = rng.uniform(size=100)
    steps[:3] = [0.0, 1.0, 0.5]
    out = np.empty((100, 4), dtype=dtype)
    smote_interpolate(X, nn, rows, cols, steps, out)
    base = X[rows].astype(float)
    with np.errstate(invalid="ignore"):
        expected = base + steps[:, None] * (X[nn[rows, cols]] - base)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected.astype(dtype), rtol=tol, atol=tol)


def reference_mode(codes, nn, rows, tie_u):
    out = np.empty((rows.size, codes.shape[1]), dtype=np.int32)
    for i, r in enumerate(rows):
        for t in range(codes.shape[1]):
            values = codes[nn[r], t].tolist()
            firsts = list(dict.fromkeys(values))  # order of first appearance
            counts = [values.count(v) for v in firsts]
            tied = [v for v, c in zip(firsts, counts) if c == max(counts)]
            x = tie_u[i, t] * len(tied)
            ok = np.isfinite(x) and 0 <= x < len(tied)
            out[i, t] = tied[int(x) if ok else len(tied) - 1]
    return out


def test_mode_matches_reference_with_ties():
    rng = np.random.RandomState(1)
    codes = rng.randint(0, 3, size=(25, 3)).astype(np.int32)
    nn = rng.randint(0, 25, size=(25, 4)).astype(np.int64)  # k even: many ties
    rows = rng.randint(0, 25, size=200).astype(np.int64)
    tie_u = rng.uniform(size=(200, 3))
    out = np.empty((200, 3), dtype=np.int32)
    mode_of_neighbours(codes, nn, rows, tie_u, out)
    np.testing.assert_array_equal(out, reference_mode(codes, nn, rows, tie_u))


def test_mode_tie_break_uses_every_tied_value():
    codes = np.array([[0], [1], [0], [1]], dtype=np.int32)
    nn = np.array([[1, 2], [0, 2], [0, 1], [0, 1]])  # row 0: codes 1, 0 tie
    rows = np.zeros(1000, dtype=np.int64)
    tie_u = np.random.RandomState(0).uniform(size=(1000, 1))
    out = np.empty((1000, 1), dtype=np.int32)
    mode_of_neighbours(codes, nn, rows, tie_u, out)
    share = out.mean()
    # fair coin: 1000 draws, 5 standard deviations
    assert abs(share - 0.5) < 5 * np.sqrt(0.25 / 1000)


def test_mode_with_nan_and_inf_draws_takes_the_last_tied_code():
    rng = np.random.RandomState(2)
    codes = rng.randint(0, 3, size=(25, 2)).astype(np.int32)
    nn = rng.randint(0, 25, size=(25, 4)).astype(np.int64)
    rows = rng.randint(0, 25, size=60).astype(np.int64)
    tie_u = rng.uniform(size=(60, 2))
    tie_u[::4, 0] = np.nan
    tie_u[1::4, 1] = np.inf
    tie_u[2::4, 0] = 1.0
    tie_u[3::4, 1] = -np.inf
    out = np.full((60, 2), -1, dtype=np.int32)
    mode_of_neighbours(codes, nn, rows, tie_u, out)
    np.testing.assert_array_equal(out, reference_mode(codes, nn, rows, tie_u))
    assert (out >= 0).all()  # every cell written


def test_interpolation_propagates_nan_like_numpy():
    X = np.array([[0.0, 1.0], [np.nan, 2.0], [4.0, np.inf]])
    nn = np.array([[1, 2], [0, 2], [0, 1]], dtype=np.int32)
    rows = np.array([0, 0, 1, 2], dtype=np.int64)
    cols = np.array([0, 1, 1, 0], dtype=np.int64)
    steps = np.array([0.5, 0.25, 0.0, 1.0])
    out = np.empty((4, 2))
    smote_interpolate(X, nn, rows, cols, steps, out)
    base = X[rows]
    with np.errstate(invalid="ignore"):
        expected = base + steps[:, None] * (X[nn[rows, cols]] - base)
    np.testing.assert_array_equal(out, expected)  # NaN where NumPy has NaN


@pytest.mark.usefixtures("parallel_kernels")
def test_kernels_do_not_depend_on_the_thread_count():
    import numba

    rng = np.random.RandomState(3)
    X = rng.normal(size=(40, 3))
    codes = rng.randint(0, 3, size=(40, 2)).astype(np.int32)
    nn = rng.randint(0, 40, size=(40, 5)).astype(np.int64)
    rows = rng.randint(0, 40, size=500).astype(np.int64)
    cols = rng.randint(0, 5, size=500).astype(np.int64)
    steps, tie_u = rng.uniform(size=500), rng.uniform(size=(500, 2))
    previous = numba.get_num_threads()
    results = []
    try:
        for n_threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(n_threads)
            # int32 table for the interpolation, int64 for the mode: the
            # types the samplers pass (one compiled signature each)
            out = smote_interpolate(
                X, nn.astype(np.int32), rows, cols, steps, np.empty((500, 3))
            )
            mode = mode_of_neighbours(
                codes, nn, rows, tie_u, np.empty((500, 2), np.int32)
            )
            results.append((out, mode))
    finally:
        numba.set_num_threads(previous)
    (out_1, mode_1), (out_n, mode_n) = results
    np.testing.assert_array_equal(out_1, out_n)  # bit for bit
    np.testing.assert_array_equal(mode_1, mode_n)
    np.testing.assert_allclose(
        out_1, X[rows] + steps[:, None] * (X[nn[rows, cols]] - X[rows]), rtol=1e-12
    )
    np.testing.assert_array_equal(mode_1, reference_mode(codes, nn, rows, tie_u))


def _csr_smote(X, nn, rows, cols, steps):
    from scipy import sparse

    nn = nn.astype(np.int32)  # the samplers' table type (one signature)
    counts = np.empty(rows.size, dtype=np.int64)
    smote_interpolate_csr_count(
        X.indptr, X.indices, X.data, nn, rows, cols, steps, counts
    )
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.empty(indptr[-1], dtype=X.indices.dtype)
    data = np.empty(indptr[-1])
    smote_interpolate_csr(
        X.indptr, X.indices, X.data, nn, rows, cols, steps, indptr, indices, data
    )
    return sparse.csr_matrix((data, indices, indptr), shape=(rows.size, X.shape[1]))


def test_csr_interpolation_matches_dense_numpy_with_nan_and_inf():
    import numba
    from scipy import sparse

    rng = np.random.RandomState(4)
    dense = rng.normal(size=(30, 12)) * (rng.uniform(size=(30, 12)) < 0.3)
    dense[2, 3] = np.nan
    dense[5, 7] = np.inf
    dense[6] = 0.0  # an empty row
    X = sparse.csr_matrix(dense)
    nn = rng.randint(0, 30, size=(30, 4)).astype(np.int64)
    nn[0] = 6  # partners with the empty row
    rows = rng.randint(0, 30, size=300).astype(np.int64)
    rows[:4] = [0, 2, 5, 6]
    cols = rng.randint(0, 4, size=300).astype(np.int64)
    steps = rng.uniform(size=300)
    steps[:4] = [1.0, 0.5, 0.0, 0.3]
    with np.errstate(invalid="ignore"):
        expected = dense[rows] + steps[:, None] * (dense[nn[rows, cols]] - dense[rows])
    previous = numba.get_num_threads()
    try:
        results = []
        for n_threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(n_threads)
            results.append(_csr_smote(X, nn, rows, cols, steps))
    finally:
        numba.set_num_threads(previous)
    got = results[0]
    np.testing.assert_array_equal(got.toarray(), results[1].toarray())
    np.testing.assert_allclose(got.toarray(), expected, rtol=1e-12, atol=1e-15)
    assert got.has_sorted_indices
    assert not np.any(got.data == 0.0)  # zeros are not stored
    assert np.isnan(got.data).sum() == np.isnan(expected).sum()
