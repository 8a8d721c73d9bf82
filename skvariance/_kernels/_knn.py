"""Exact k nearest neighbours: fused top-k selection over blocks of a Gram matrix.

The caller computes, with BLAS, the Gram block ``G = X[I] @ X[J].T`` of two
blocks of rows ``I`` and ``J`` (``J`` after or equal to ``I``: the distance
matrix is symmetric, so only its upper block triangle is ever computed).
:func:`topk_update_pair` turns each entry into a squared distance
``|x_i|^2 + |x_j|^2 - 2 G`` (clipped at 0), adds a fixed ``penalty`` per
mismatching categorical code (SMOTE-NC), and merges it into the running
top-k lists of *both* ``i`` and ``j`` -- without ever materialising the
distance matrix.

Order and ties: every list holds the first ``k`` candidates in the
lexicographic order of ``(distance, index)``, whatever the order in which
candidates arrive, so per-thread lists over disjoint candidate sets merge
(:func:`merge_topk`) into the same answer for any number of threads. A row
never selects itself.
"""

import numpy as np

from ._config import kernel

#: Index stored in empty slots; larger than any row index.
EMPTY = np.iinfo(np.int64).max


@kernel(inline="always")
def _insert(best_dist, best_idx, row, d, j):
    k = best_dist.shape[1]
    wd = best_dist[row, k - 1]
    if d < wd or (d == wd and j < best_idx[row, k - 1]):
        pos = k - 1
        while pos > 0:
            pd = best_dist[row, pos - 1]
            if pd > d or (pd == d and best_idx[row, pos - 1] > j):
                best_dist[row, pos] = pd
                best_idx[row, pos] = best_idx[row, pos - 1]
                pos -= 1
            else:
                break
        best_dist[row, pos] = d
        best_idx[row, pos] = j


@kernel
def topk_update_pair(
    gram,
    sq_rows,
    sq_cols,
    codes_rows,
    codes_cols,
    penalty,
    row_start,
    col_start,
    best_dist,
    best_idx,
):
    """Merge one Gram block into the top-k lists of its rows and columns.

    Parameters
    ----------
    gram : float64 array (n_rows_block, n_cols_block)
        ``X[I] @ X[J].T`` for ``I = row_start:row_start + n_rows_block`` and
        ``J = col_start:col_start + n_cols_block``, ``col_start >= row_start``.
        When ``col_start == row_start`` the block is diagonal and only its
        strict upper triangle is read (so ``d(i, j)`` and ``d(j, i)`` are the
        same number).
    sq_rows, sq_cols : float64 arrays
        Squared norms of the rows of ``I`` and ``J``.
    codes_rows, codes_cols : int32 arrays (., n_cat)
        Categorical codes (``n_cat`` may be 0).
    penalty : float
        Added to the squared distance once per mismatching categorical column.
    row_start, col_start : int
        Global indices of the first rows of ``I`` and ``J``.
    best_dist : float64 array (n, k)
        Running sorted distances for every row, ``inf`` when empty; in place.
    best_idx : int64 array (n, k)
        Running neighbour indices, :data:`EMPTY` when empty; in place.

    Serial: each thread owns its ``best_*`` buffers.
    """
    n_rows, n_cols = gram.shape
    n_cat = codes_rows.shape[1]
    k = best_dist.shape[1]
    diagonal = row_start == col_start
    # the current k-th distances live in locals, so that the common case (a
    # candidate worse than both lists) costs two comparisons and no reload
    col_worst = np.empty(n_cols)
    for b in range(n_cols):
        col_worst[b] = best_dist[col_start + b, k - 1]
    for a in range(n_rows):
        i = row_start + a
        sr = sq_rows[a]
        worst = best_dist[i, k - 1]
        b0 = a + 1 if diagonal else 0
        for b in range(b0, n_cols):
            d = sr + sq_cols[b] - 2.0 * gram[a, b]
            if d < 0.0:
                d = 0.0
            if n_cat > 0:
                mismatches = 0
                for t in range(n_cat):
                    if codes_rows[a, t] != codes_cols[b, t]:
                        mismatches += 1
                d = d + penalty * mismatches
            if d <= worst:
                _insert(best_dist, best_idx, i, d, col_start + b)
                worst = best_dist[i, k - 1]
            if d <= col_worst[b]:
                j = col_start + b
                _insert(best_dist, best_idx, j, d, i)
                col_worst[b] = best_dist[j, k - 1]
    return best_dist, best_idx


@kernel
def merge_topk(src_dist, src_idx, best_dist, best_idx):
    """Merge the top-k lists ``src_*`` into ``best_*`` row by row, in place."""
    n, k = src_dist.shape
    for i in range(n):
        for a in range(k):
            j = src_idx[i, a]
            if j == EMPTY:
                break
            _insert(best_dist, best_idx, i, src_dist[i, a], j)
    return best_dist, best_idx
