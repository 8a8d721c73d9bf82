"""topk_update_pair / merge_topk against a plain NumPy reference."""

import numpy as np
import pytest

from skvariance._kernels._knn import EMPTY, merge_topk, topk_update_pair


def reference(X, codes, penalty, k):
    """First k of (distance, index) order, self excluded, by brute force."""
    sq = (X * X).sum(1)
    D = np.maximum(sq[:, None] + sq[None, :] - 2.0 * X @ X.T, 0.0)
    D = D + penalty * (codes[:, None, :] != codes[None, :, :]).sum(-1)
    n = X.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        cand = np.delete(np.arange(n), i)
        order = np.lexsort((cand, D[i, cand]))
        out[i] = cand[order[:k]]
    return out


def run_blocks(X, codes, penalty, k, block, n_buffers):
    n = X.shape[0]
    sq = (X * X).sum(1)
    edges = [(s, min(s + block, n)) for s in range(0, n, block)]
    pairs = [(a, b) for i, a in enumerate(edges) for b in edges[i:]]
    buffers = [
        (np.full((n, k), np.inf), np.full((n, k), EMPTY, dtype=np.int64))
        for _ in range(n_buffers)
    ]
    for p, ((r0, r1), (c0, c1)) in enumerate(pairs):
        dist, idx = buffers[p % n_buffers]
        g = np.ascontiguousarray(X[r0:r1] @ X[c0:c1].T)
        topk_update_pair(
            g, sq[r0:r1], sq[c0:c1], codes[r0:r1], codes[c0:c1],
            penalty, r0, c0, dist, idx,
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
def test_nan_and_inf_distances(block):
    # distances fed straight in (zero norms, gram = -D / 2): an infinite
    # distance is a valid, last-resort neighbour ordered by index; a NaN
    # distance is never a neighbour, and a row with too few candidates keeps
    # EMPTY slots
    rng = np.random.RandomState(block)
    n, k = 30, 4
    D = rng.randint(0, 5, size=(n, n)).astype(float)
    D[rng.uniform(size=(n, n)) < 0.15] = np.inf
    D[rng.uniform(size=(n, n)) < 0.15] = np.nan
    D = np.triu(D, 1)
    D = D + D.T  # symmetric; NaN and inf spread to both halves
    D[3, :] = D[:, 3] = np.nan  # row 3 has no candidate at all
    sq = np.zeros(n)
    codes = np.empty((n, 0), dtype=np.int32)
    dist = np.full((n, k), np.inf)
    idx = np.full((n, k), EMPTY, dtype=np.int64)
    edges = [(s, min(s + block, n)) for s in range(0, n, block)]
    for i, (r0, r1) in enumerate(edges):
        for c0, c1 in edges[i:]:
            gram = np.ascontiguousarray(-D[r0:r1, c0:c1] / 2.0)
            topk_update_pair(
                gram, sq[r0:r1], sq[c0:c1], codes[r0:r1], codes[c0:c1],
                0.0, r0, c0, dist, idx,
            )  # fmt: skip
    np.testing.assert_array_equal(idx, reference_from_distances(D, k))
    assert (idx[3] == EMPTY).all()
