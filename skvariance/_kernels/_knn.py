"""Exact k nearest neighbours: fused top-k selection over blocks of a Gram matrix.

The caller computes, with BLAS, the Gram block ``G = Z[I] @ Z[J].T`` of two
blocks of rows ``I`` and ``J`` of the (possibly centred) data ``Z`` (``J``
after or equal to ``I``: the distance matrix is symmetric, so only its upper
block triangle is ever computed). :func:`topk_update_pair` uses each entry
as a cheap *filter*: the expansion ``|z_i|^2 + |z_j|^2 - 2 G`` (plus a fixed
``penalty`` per mismatching categorical code, SMOTE-NC) is within a proven
rounding bound of the exact distance, so a pair whose expansion exceeds the
current k-th distance of both rows by more than the bound cannot enter either
list. Every other pair gets its distance computed *directly* from the
original rows, ``sum_t (x_it - x_jt)^2`` in float64 in column order (plus the
penalty), and that exact value is merged into the running top-k lists of
*both* ``i`` and ``j`` -- without ever materialising the distance matrix.

Order and ties: every list holds the first ``k`` candidates in the
lexicographic order of ``(direct distance, index)``, whatever the order in
which candidates arrive, so per-thread lists over disjoint candidate sets
merge (:func:`merge_topk`) into the same answer for any number of threads. A
row never selects itself. Because the order uses the direct distances and not
the rounded expansion, equal distances are equal numbers and the tie rule
(lower index first) holds exactly, e.g. on integer data.

The rounding bound
------------------
Let ``u = 2**-53`` (float64 unit round-off), ``d`` the number of columns,
``z = fl(x - m)`` the stored centred rows (``m`` any vector; ``z = x`` for
sparse input, which is not centred) and ``s_i = fl(|z_i|^2)``. Standard
error analysis (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., sec. 3.1: a dot product of length ``d`` in any summation order,
with or without FMA, errs by at most ``gamma_d = d u / (1 - d u)`` times the
sum of the absolute products) gives, for the expansion ``e_ij``, the direct
sum ``D_ij`` and the true distance ``T_ij = |x_i - x_j|^2``:

* centring: ``|z_i - z_j - (x_i - x_j)|`` is at most ``u (|z_i| + |z_j|)``
  componentwise, so ``|T(z) - T_ij| <= (4u + O(u^2)) (s_i + s_j)``;
* expansion: the norms err by ``gamma_d s``, the Gram entry by
  ``gamma_d |z_i| |z_j| <= gamma_d (s_i + s_j) / 2``, the two final
  operations by ``2u`` times their operands: ``|e_ij - T(z)| <=
  (2 gamma_d + 4u + O(u^2)) (s_i + s_j)``;
* direct sum: one subtraction, one product and ``d`` terms of the sum,
  ``|D_ij - T_ij| <= gamma_{d+2} T_ij <= 2 gamma_{d+2} (s_i + s_j)``;
* penalty: adding ``p = penalty * mismatches`` rounds once on either side,
  at most ``u (e_ij + D_ij + 2p)``.

In all, ``|e_ij - D_ij| <= ((4d + 16) u + O(u^2)) (s_i + s_j + p)``. The
kernels use twice that, :func:`rounding_slack`, for margin; a larger
slack only costs a few more direct distances, never a wrong answer. A pair
is skipped only if ``e_ij - slack (s_i + s_j + penalty * n_cat) > worst``
for both rows, hence ``D_ij > worst``: it can neither enter a list nor tie
with its last entry. A NaN expansion (overflow) is never skipped.

Float32 Gram blocks
-------------------
Dense data take their Gram blocks in float32 (single-precision BLAS is
about twice as fast and moves half the bytes): the centred rows are scaled
by a power of two ``2**-e`` (exact) so that their largest entry lies in
[0.5, 1), rounded to float32 (``w = fl32(z 2**-e)``, ``|w - z 2**-e| <=
u32 |z 2**-e|`` componentwise, ``u32 = 2**-24``), and ``G = fl32(w_i . w_j)``
errs from ``w_i . w_j`` by at most ``gamma_d(u32) sum |w_it w_jt|``; so
``|2 G 2**(2e) - 2 z_i . z_j| <= (gamma_d(u32) (1 + u32)^2 + 2 u32 + u32^2)
(s_i + s_j) (1 + O(u)) <= (d + 3) u32 / (1 - (d + 3) u32) (s_i + s_j)``
(with ``sum |z_it z_jt| <= (|z_i|^2 + |z_j|^2) / 2``). Underflow (entries or
products below 2**-126 after scaling) adds at most ``2**-150`` per rounded
operation, ``(2 d + 2) 2**-150 2**(2e)`` in all, an absolute term. The norms
``s`` and everything after the Gram entry stay float64, so the float64
bound above still holds for those steps: :func:`rounding_slack32` is that
bound plus twice the float32 term, and the absolute term (doubled) is
subtracted as ``eta``, together with :func:`underflow_slack` (float64
products in the subnormal range), which is all unscaled float64 blocks
subtract. Only the filter sees float32; the order is still
decided by the direct float64 distances, so the neighbours are exactly
those of the float64 filter.
"""

import numpy as np
from numba import uint64

from ._config import kernel

#: Index stored in empty slots; larger than any row index.
EMPTY = np.iinfo(np.int64).max

#: float64 unit round-off, 2**-53.
UNIT_ROUNDOFF = 2.0**-53

#: Columns per pre-filter chunk (see :func:`topk_update_pair`).
CHUNK = 32


def underflow_slack(n_features):
    """Absolute bound ``8 (d + 2) 2**-1074`` for float64 underflow.

    The relative bounds above assume no underflow; a product in the
    subnormal range (data of magnitude below about ``2**-511``) errs by up to
    ``2**-1075`` in absolute terms. The expansion and the direct sum of a
    pair hold ``4d`` products: ``4d 2**-1075`` in all, taken four times over
    (and ``d + 2`` for ``d``) for margin.
    """
    return 8.0 * (n_features + 2.0) * 2.0**-1074


def rounding_slack(n_features):
    """Relative bound used to filter pairs: ``2 (4d + 16) u`` (see above)."""
    return 2.0 * (4.0 * n_features + 16.0) * UNIT_ROUNDOFF


#: float32 unit round-off, 2**-24.
UNIT_ROUNDOFF32 = 2.0**-24


def rounding_slack32(n_features):
    """The relative bound with float32 Gram blocks (see above)."""
    g = (n_features + 3.0) * UNIT_ROUNDOFF32
    return rounding_slack(n_features) + 2.0 * g / (1.0 - g)


def underflow_slack32(n_features, exponent):
    """Absolute bound ``2 (2d + 2) 2**-150 2**(2e)`` for float32 underflow."""
    return 2.0 * (2.0 * n_features + 2.0) * 2.0 ** (2 * exponent - 150)


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
def _direct_dense(X_rows, a, X_cols, b):
    """``sum_t (X_rows[a, t] - X_cols[b, t])**2`` in column order."""
    s = 0.0
    for t in range(X_rows.shape[1]):
        diff = X_rows[a, t] - X_cols[b, t]
        s += diff * diff
    return s


@kernel
def _direct_csr(indptr, indices, data, i, j):
    """The same sum for rows ``i`` and ``j`` of a CSR matrix (sorted indices).

    Terms come in column order and a column missing from both rows adds an
    exact 0, so this equals :func:`_direct_dense` on the dense rows.
    """
    a, a_end, b, b_end = indptr[i], indptr[i + 1], indptr[j], indptr[j + 1]
    s = 0.0
    while a < a_end or b < b_end:
        if b >= b_end or (a < a_end and indices[a] < indices[b]):
            diff = data[a]
            a += 1
        elif a >= a_end or indices[b] < indices[a]:
            diff = -data[b]
            b += 1
        else:
            diff = data[a] - data[b]
            a += 1
            b += 1
        s += diff * diff
    return s


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
    X_rows,
    X_cols,
    indptr,
    indices,
    data,
    slack,
    gram_scale=2.0,
    eta=0.0,
):
    """Merge one Gram block into the top-k lists of its rows and columns.

    Parameters
    ----------
    gram : float64 array (n_rows_block, n_cols_block)
        ``Z[I] @ Z[J].T`` for ``I = row_start:row_start + n_rows_block`` and
        ``J = col_start:col_start + n_cols_block``, ``col_start >= row_start``,
        of the data ``Z`` used for the filter (the centred rows). When
        ``col_start == row_start`` the block is diagonal and only its strict
        upper triangle is read (so ``d(i, j)`` and ``d(j, i)`` are the same
        number).
    sq_rows, sq_cols : float64 arrays
        Squared norms of the rows of ``Z[I]`` and ``Z[J]``.
    codes_rows, codes_cols : int32 arrays (., n_cat)
        Categorical codes (``n_cat`` may be 0).
    penalty : float
        Added to the squared distance once per mismatching categorical column.
    row_start, col_start : int
        Global indices of the first rows of ``I`` and ``J``.
    best_dist : float64 array (n, k)
        Running sorted direct distances for every row, ``inf`` when empty;
        in place.
    best_idx : int64 array (n, k)
        Running neighbour indices, :data:`EMPTY` when empty; in place.
    X_rows, X_cols : float64 arrays (., d)
        The original rows ``X[I]`` and ``X[J]`` for the direct distances
        (dense input); unused, of any shape, when ``indptr`` is not empty.
    indptr, indices, data : arrays
        The whole original ``X`` as CSR with sorted indices (sparse input),
        indexed by global row; ``indptr`` of length 0 for dense input.
    slack : float
        :func:`rounding_slack` of the number of columns: a pair is skipped
        when its expansion exceeds both rows' k-th distance by more than
        ``slack * (sq_i + sq_j + penalty * n_cat)``.
    gram_scale : float, default=2.0
        ``2 * 2**(2e)`` when ``gram`` holds float32 products of rows scaled
        by ``2**-e`` (see above); 2 for an unscaled float64 block.
    eta : float, default=0.0
        Absolute rounding bound subtracted from every expansion
        (:func:`underflow_slack32` for float32 blocks, 0 otherwise).

    Serial: each thread owns its ``best_*`` buffers.
    """
    n_rows, n_cols = gram.shape
    n_cat = codes_rows.shape[1]
    k = best_dist.shape[1]
    diagonal = row_start == col_start
    is_sparse = indptr.shape[0] > 0
    # the filter's lower bound e_ij - slack (s_i + s_j + penalty n_cat),
    # regrouped per row and per column; the few extra roundings this costs
    # are far inside the factor 2 of the slack
    lower_rows = np.empty(n_rows)
    for a in range(n_rows):
        lower_rows[a] = sq_rows[a] * (1.0 - slack) - slack * penalty * n_cat - eta
    lower_cols = np.empty(n_cols)
    # the current k-th distances live in locals, so that the common case (a
    # candidate worse than both lists) costs a few flops and no reload
    col_worst = np.empty(n_cols)
    for b in range(n_cols):
        lower_cols[b] = sq_cols[b] * (1.0 - slack)
        col_worst[b] = best_dist[col_start + b, k - 1]
    # a pre-filter per chunk of CHUNK columns, branch-free so that it runs
    # in SIMD lanes: the expansion without the (non-negative) penalty, against
    # the larger of the two k-th distances as they stood when the chunk
    # started; those only decrease, so a chunk it rejects holds no pair the
    # exact test below would keep
    p_low = min(0.0, penalty * n_cat)
    for a in range(n_rows):
        i = row_start + a
        lr = lower_rows[a] + p_low
        gram_row = gram[a]
        worst = best_dist[i, k - 1]
        b0 = a + 1 if diagonal else 0
        for c0 in range(b0, n_cols, CHUNK):
            c1 = min(c0 + CHUNK, n_cols)
            hits = 0
            # unsigned indices: no negative-index wraparound, so LLVM loads
            # contiguous lanes instead of gathering
            for b in range(uint64(c0), uint64(c1)):
                lower = lr + lower_cols[b] - gram_scale * gram_row[b]
                hits += 0 if lower > max(worst, col_worst[b]) else 1
            if hits == 0:
                continue
            worst = _exact_chunk(
                gram, gram_scale, a, c0, c1, lower_rows[a], lower_cols,
                col_worst, worst, codes_rows, codes_cols, penalty, i,
                col_start, best_dist, best_idx, X_rows, X_cols, indptr, indices,
                data, is_sparse,
            )  # fmt: skip
    return best_dist, best_idx


@kernel(inline="always")
def _exact_chunk(
    gram, gram_scale, a, c0, c1, lr, lower_cols, col_worst, worst,
    codes_rows, codes_cols, penalty, i, col_start, best_dist, best_idx,
    X_rows, X_cols, indptr, indices, data, is_sparse,
):  # fmt: skip
    """The exact filter and the direct distances for columns ``c0:c1`` of row
    ``a``; returns row ``i``'s new k-th distance."""
    n_cat = codes_rows.shape[1]
    k = best_dist.shape[1]
    for b in range(c0, c1):
        p = 0.0
        if n_cat > 0:
            mismatches = 0
            for t in range(n_cat):
                if codes_rows[a, t] != codes_cols[b, t]:
                    mismatches += 1
            p = penalty * mismatches
        lower = lr + lower_cols[b] - gram_scale * gram[a, b] + p
        # written so that a NaN (overflow) is never skipped
        if lower > worst and lower > col_worst[b]:
            continue
        j = col_start + b
        if is_sparse:
            d = _direct_csr(indptr, indices, data, i, j) + p
        else:
            d = _direct_dense(X_rows, a, X_cols, b) + p
        if d <= worst:
            _insert(best_dist, best_idx, i, d, j)
            worst = best_dist[i, k - 1]
        if d <= col_worst[b]:
            _insert(best_dist, best_idx, j, d, i)
            col_worst[b] = best_dist[j, k - 1]
    return worst


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


# -- candidates from a tree -------------------------------------------------
#
# With few features a space-partitioning tree (scikit-learn's ``KDTree``)
# finds neighbours in O(n log n); it computes its own squared distances,
# ``R(p)``, so its order and its ties are not ours. It only supplies
# *candidates*: :func:`rerank_candidates` computes our direct distances
# ``D`` for them, keeps the first ``k`` in the order ``(D, index)``, and
# proves that no row outside the candidates can enter or tie.
#
# The proof. Let ``T(p)`` be the exact squared distance from row ``i`` to row
# ``p``. ``D`` and ``R`` are both float64 sums of ``d`` squared rounded
# differences (in any order, with or without FMA), and the tree's lower
# bound ``B`` to a node (a box holding rows ``p``, so ``B_exact <= T(p)``) is
# such a sum too; each errs by at most ``gamma = gamma_{d+2}`` relative
# (Higham, sec. 3.1) plus ``alpha = d 2**-1075`` absolute for underflowing
# products. A depth-first query with a heap of the ``K`` best keeps every
# row it rejects at ``R(p) >= H`` and prunes a node only when ``B > H'``,
# where ``H' >= H`` and ``H = max_{c in C} R(c)`` is the final heap maximum
# over the returned candidates ``C``. Hence for every row ``p`` outside
# ``C``: ``T(p) >= (H - alpha) / (1 + gamma)``, while ``H >= R(c) >= (1 -
# gamma) T(c) - alpha`` and ``T(c) >= (D(c) - alpha) / (1 + gamma)`` for the
# candidate ``c`` of largest ``D``, ``F = D(c)``; so
# ``D(p) >= F (1 - gamma)^2 / (1 + gamma)^2 - 4 alpha (1 + O(u))
# >= F (1 - (4d + 8) u - O(u^2)) - 4 alpha``. :func:`rounding_slack`
# (``2 (4d + 16) u``) covers the relative part with a margin of two, and
# :func:`tree_underflow_slack` (``8 (d + 2) 2**-1075``) the absolute part.
# A row's list is proven exact when ``F (1 - slack) - eta > D_k``, its
# ``k``-th distance: then every row outside ``C`` is strictly farther, so it
# can neither enter nor tie (a tie would go to the lower index). Otherwise
# the caller asks the tree for more candidates, up to all rows.


def tree_underflow_slack(n_features):
    """Absolute bound ``8 (d + 2) 2**-1075`` for underflow (see above)."""
    return (n_features + 2.0) * 2.0**-1072


@kernel
def rerank_candidates(X, rows, cand, k, slack, eta, best_idx, proven):
    """Our first ``k`` neighbours of ``rows`` among the tree's candidates.

    Parameters
    ----------
    X : float64 array (n, d)
        All rows (the direct distances are :func:`_direct_dense` of the
        lower and the higher index, exactly as in :func:`topk_update_pair`).
    rows : int64 array (m,)
        Global indices of the rows to answer.
    cand : int64 array (m, K)
        Candidate indices of each row from the tree (the row itself may be
        among them; it is skipped).
    k : int
        Neighbours to keep, ``k <= K - 1``.
    slack, eta : float
        :func:`rounding_slack` and :func:`tree_underflow_slack` of ``d``.
    best_idx : int64 array (m, k)
        Output: sorted by ``(D, index)`` over the candidates; in place.
    proven : bool array (m,)
        Output: the list is exact over *all* rows (see above), or the
        candidates are every other row; in place.
    """
    m, n_cand = cand.shape
    n = X.shape[0]
    best_dist = np.empty((1, k))
    row_idx = np.empty((1, k), dtype=np.int64)
    for r in range(m):
        i = rows[r]
        for a in range(k):
            best_dist[0, a] = np.inf
            row_idx[0, a] = EMPTY
        far = 0.0
        others = 0
        for c in range(n_cand):
            j = cand[r, c]
            if j == i:
                continue
            others += 1
            if i < j:
                d = _direct_dense(X, i, X, j)
            else:
                d = _direct_dense(X, j, X, i)
            far = max(far, d)
            _insert(best_dist, row_idx, 0, d, j)
        for a in range(k):
            best_idx[r, a] = row_idx[0, a]
        # written so that a NaN never proves anything
        proven[r] = others >= n - 1 or far * (1.0 - slack) - eta > best_dist[0, k - 1]
    return best_idx, proven
