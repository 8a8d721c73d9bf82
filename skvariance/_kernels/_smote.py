"""SMOTE interpolation kernels: synthetic rows written straight into the output.

Random numbers are drawn by the caller (NumPy ``RandomState``) and passed in
as arrays: for synthetic row ``i``, the base row ``rows[i]``, the neighbour
slot ``cols[i]`` (a column of the neighbour table) and the step
``steps[i]`` in [0, 1).
"""

from numba import prange

from ._config import kernel


@kernel(parallel=True)
def smote_interpolate(X, nn, rows, cols, steps, out):
    """``out[i] = X[r] + steps[i] * (X[nn[r, cols[i]]] - X[r])`` with ``r = rows[i]``.

    Parameters
    ----------
    X : float array (n, d)
        Rows of one class.
    nn : integer array (n, k)
        Neighbour table of ``X`` (indices into ``X``).
    rows, cols : int64 arrays (m,)
        Base rows and neighbour slots.
    steps : float64 array (m,)
        Interpolation steps.
    out : float array (m, d)
        Written in place (typically a slice of the preallocated output).
    """
    m = rows.shape[0]
    d = X.shape[1]
    for i in prange(m):
        r = rows[i]
        j = nn[r, cols[i]]
        s = steps[i]
        for t in range(d):
            a = X[r, t]
            out[i, t] = a + s * (X[j, t] - a)
    return out


@kernel(inline="always")
def _first_occurrence_count(codes, nn, r, t, a):
    """How often neighbour ``a``'s code in column ``t`` occurs among row
    ``r``'s neighbours, or 0 if an earlier neighbour has the same code (so each
    distinct code is counted once, at its first occurrence; O(k) with k small).
    """
    v = codes[nn[r, a], t]
    for b in range(a):
        if codes[nn[r, b], t] == v:
            return 0
    c = 1
    for b in range(a + 1, nn.shape[1]):
        if codes[nn[r, b], t] == v:
            c += 1
    return c


@kernel(parallel=True)
def mode_of_neighbours(codes, nn, rows, tie_u, out):
    """Most frequent code among the ``k`` neighbours of each base row.

    For synthetic row ``i`` and categorical column ``t``, counts the codes of
    ``codes[nn[rows[i], :], t]``; among the codes with the highest count
    (listed in order of first appearance, nearest neighbour first) it picks
    number ``floor(tie_u[i, t] * n_tied)``, so ties are broken uniformly at
    random by the pre-drawn ``tie_u`` in [0, 1); a value outside [0, 1)
    (NaN, infinity, 1.0) picks the last of the tied codes.

    Parameters
    ----------
    codes : int32 array (n, n_cat)
    nn : integer array (n, k)
    rows : int64 array (m,)
    tie_u : float64 array (m, n_cat)
    out : int32 array (m, n_cat)
        Written in place.
    """
    m = rows.shape[0]
    n_cat = codes.shape[1]
    k = nn.shape[1]
    for i in prange(m):
        r = rows[i]
        for t in range(n_cat):
            best = 0
            n_tied = 0
            for a in range(k):
                c = _first_occurrence_count(codes, nn, r, t, a)
                if c == 0:
                    continue
                if c > best:
                    best = c
                    n_tied = 1
                elif c == best:
                    n_tied += 1
            # a draw outside [0, 1) -- NaN, inf, 1.0 -- takes the last tied code
            x = tie_u[i, t] * n_tied
            target = n_tied - 1
            if x >= 0.0 and x < n_tied:
                target = int(x)
            seen = 0
            for a in range(k):
                c = _first_occurrence_count(codes, nn, r, t, a)
                if c == 0:
                    continue
                if c == best:
                    if seen == target:
                        out[i, t] = codes[nn[r, a], t]
                        break
                    seen += 1
    return out


@kernel(inline="always")
def _csr_pair_value(indices, data, a, a_end, b, b_end, s):
    """The next union entry of rows ``a..a_end`` and ``b..b_end`` (sorted).

    Returns ``(column, value, a, b)`` with the positions advanced; the value
    is ``x + s * (z - x)`` with the missing side 0, the dense kernel's formula.
    """
    if b >= b_end or (a < a_end and indices[a] < indices[b]):
        x = data[a]
        return indices[a], x + s * (0.0 - x), a + 1, b
    if a >= a_end or indices[b] < indices[a]:
        z = data[b]
        return indices[b], 0.0 + s * (z - 0.0), a, b + 1
    x = data[a]
    return indices[a], x + s * (data[b] - x), a + 1, b + 1


@kernel(parallel=True)
def smote_interpolate_csr_count(indptr, indices, data, nn, rows, cols, steps, counts):
    """Non-zeros of each synthetic row of :func:`smote_interpolate_csr`.

    Parameters
    ----------
    indptr, indices, data : arrays
        A CSR matrix with sorted column indices (rows of one class).
    nn, rows, cols, steps :
        As in :func:`smote_interpolate`.
    counts : int64 array (m,)
        Written in place: the number of non-zero values of each new row.
    """
    m = rows.shape[0]
    for i in prange(m):
        r = rows[i]
        j = nn[r, cols[i]]
        s = steps[i]
        a, a_end, b, b_end = indptr[r], indptr[r + 1], indptr[j], indptr[j + 1]
        c = 0
        while a < a_end or b < b_end:
            _, v, a, b = _csr_pair_value(indices, data, a, a_end, b, b_end, s)
            if v != 0.0:
                c += 1
        counts[i] = c
    return counts


@kernel(parallel=True)
def smote_interpolate_csr(
    indptr, indices, data, nn, rows, cols, steps, out_indptr, out_indices, out_data
):
    """SMOTE rows of a CSR matrix, written into a preallocated CSR block.

    ``out_indptr`` is the cumulative sum of
    :func:`smote_interpolate_csr_count`'s counts (with a leading 0); row
    ``i`` gets the union of the columns of its two parents, sorted, with the
    values ``x + steps[i] * (z - x)`` that are not 0 -- the dense result,
    stored sparsely.
    """
    m = rows.shape[0]
    for i in prange(m):
        r = rows[i]
        j = nn[r, cols[i]]
        s = steps[i]
        a, a_end, b, b_end = indptr[r], indptr[r + 1], indptr[j], indptr[j + 1]
        pos = out_indptr[i]
        while a < a_end or b < b_end:
            col, v, a, b = _csr_pair_value(indices, data, a, a_end, b, b_end, s)
            if v != 0.0:
                out_indices[pos] = col
                out_data[pos] = v
                pos += 1
    return out_data
