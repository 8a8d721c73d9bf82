"""topk_update_pair / merge_topk against a plain NumPy reference."""

import numpy as np
import pytest
from scipy import sparse

from skvariance._kernels._knn import (
    EMPTY,
    UNIT_ROUNDOFF,
    merge_topk,
    rounding_slack,
    topk_update_pair,
)


def direct_distances(X, codes, penalty):
    """Squared distances written out, sum((x_i - x_j)^2), plus the penalty."""
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return D + penalty * (codes[:, None, :] != codes[None, :, :]).sum(-1)


def reference(X, codes, penalty, k):
    """First k of (direct distance, index) order, self excluded, by brute force."""
    D = direct_distances(X, codes, penalty)
    n = X.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        cand = np.delete(np.arange(n), i)
        order = np.lexsort((cand, D[i, cand]))
        out[i] = cand[order[:k]]
    return out


def run_blocks(X, codes, penalty, k, block, n_buffers, *, centre=True, csr=False):
    """The caller's side of the kernel, as in resampling._neighbors."""
    n = X.shape[0]
    Z = X - X.mean(axis=0) if centre else X
    sq = (Z * Z).sum(1)
    edges = [(s, min(s + block, n)) for s in range(0, n, block)]
    pairs = [(a, b) for i, a in enumerate(edges) for b in edges[i:]]
    buffers = [
        (np.full((n, k), np.inf), np.full((n, k), EMPTY, dtype=np.int64))
        for _ in range(n_buffers)
    ]
    if csr:
        M = sparse.csr_matrix(X)
        arrays = (M.indptr, M.indices, M.data)
    else:
        # int32 placeholders, as resampling._neighbors passes them
        arrays = (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0))
    for p, ((r0, r1), (c0, c1)) in enumerate(pairs):
        dist, idx = buffers[p % n_buffers]
        g = np.ascontiguousarray(Z[r0:r1] @ Z[c0:c1].T)
        rows, cols = (np.empty((0, 0)),) * 2 if csr else (X[r0:r1], X[c0:c1])
        topk_update_pair(
            g, sq[r0:r1], sq[c0:c1], codes[r0:r1], codes[c0:c1],
            penalty, r0, c0, dist, idx, rows, cols, *arrays,
            rounding_slack(X.shape[1]), 2.0, 0.0,
        )  # fmt: skip
    dist, idx = buffers[0]
    for src in buffers[1:]:
        merge_topk(src[0], src[1], dist, idx)
    return idx


@pytest.mark.parametrize("block, n_buffers", [(64, 1), (7, 1), (7, 3), (16, 2)])
@pytest.mark.parametrize("n_cat", [0, 2])
def test_matches_reference_with_ties_and_duplicates(block, n_buffers, n_cat):
    rng = np.random.RandomState(block + n_buffers + n_cat)
    # small integers: every distance is exact, so ties are real ties
    X = rng.randint(0, 3, size=(40, 3)).astype(float)
    X[10:15] = X[3]  # duplicates
    codes = rng.randint(0, 2, size=(40, n_cat)).astype(np.int32)
    got = run_blocks(X, codes, 2.0, 4, block, n_buffers)
    np.testing.assert_array_equal(got, reference(X, codes, 2.0, 4))
    assert not np.any(got == np.arange(40)[:, None])  # never itself


def test_continuous_data_one_buffer_equals_many():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 4))
    codes = np.empty((50, 0), dtype=np.int32)
    a = run_blocks(X, codes, 0.0, 5, 8, 1)
    b = run_blocks(X, codes, 0.0, 5, 8, 4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, reference(X, codes, 0.0, 5))


def reference_from_distances(D, k):
    """First k of (distance, index) order, self and NaN distances excluded."""
    n = D.shape[0]
    out = np.full((n, k), EMPTY, dtype=np.int64)
    for i in range(n):
        cand = np.array([j for j in range(n) if j != i and not np.isnan(D[i, j])])
        if cand.size:
            order = np.lexsort((cand, D[i, cand]))[:k]
            out[i, : order.size] = cand[order]
    return out


@pytest.mark.parametrize("block", [5, 7, 30])
@pytest.mark.parametrize("csr", [False, True])
def test_nan_and_inf_distances(block, csr):
    # an infinite direct distance (overflow) is a valid, last-resort
    # neighbour ordered by index; a NaN distance is never a neighbour, and a
    # row with too few candidates keeps EMPTY slots. The Gram filter
    # overflows too (inf - inf = NaN) and must then never skip a pair.
    rng = np.random.RandomState(block)
    n, k = 30, 4
    X = rng.randint(0, 3, size=(n, 2)).astype(float)
    X[10:] = 1e200 * rng.randint(1, 6, size=(n - 10, 1))  # inf to the others
    X[3] = np.nan  # row 3 has no candidate at all
    codes = np.empty((n, 0), dtype=np.int32)
    with np.errstate(over="ignore", invalid="ignore"):
        D = direct_distances(X, codes, 0.0)
        got = run_blocks(X, codes, 0.0, k, block, 1, centre=False, csr=csr)
    assert np.isinf(D).any() and np.isnan(D).any()
    np.testing.assert_array_equal(got, reference_from_distances(D, k))
    assert (got[3] == EMPTY).all()


@pytest.mark.parametrize("offset", [1e4, 1e8])
@pytest.mark.parametrize("csr", [False, True])
def test_ties_on_direct_distances_where_the_expansion_rounds(offset, csr):
    # uncentred integers far from 0: |x|^2 + |y|^2 - 2 x.y loses the units
    # digit (1e8^2 > 2^53), so only the direct distances order the ties
    rng = np.random.RandomState(int(offset) % 97)
    X = rng.randint(0, 4, size=(120, 4)).astype(float)
    X[:, :2] += offset
    codes = np.empty((120, 0), dtype=np.int32)
    for k in (1, 6):
        got = run_blocks(X, codes, 0.0, k, 32, 2, centre=False, csr=csr)
        np.testing.assert_array_equal(got, reference(X, codes, 0.0, k))


def test_rounding_slack_bounds_the_expansion_error():
    # the slack is an upper bound of |expansion - direct| / (s_i + s_j): it
    # must cover the worst observed error on badly conditioned data (large
    # norms, centred by a rounded mean), and stay a few hundred u at most
    rng = np.random.RandomState(0)
    for d in (1, 5, 40):
        X = rng.normal(size=(300, d)) * 1e3 + rng.normal(size=d) * 1e6
        Z = X - X.mean(axis=0)
        sq = (Z * Z).sum(1)
        expansion = sq[:, None] + sq[None, :] - 2.0 * (Z @ Z.T)
        direct = direct_distances(X, np.empty((300, 0)), 0.0)
        ratio = np.abs(expansion - direct) / (sq[:, None] + sq[None, :])
        assert ratio.max() <= rounding_slack(d)
        assert rounding_slack(d) == 2 * (4 * d + 16) * UNIT_ROUNDOFF
