"""Mondrian group codes: counts, a stable counting sort and a table lookup.

Group codes are small non-negative integers (an index into the sorted group
labels). Counting them, gathering the rows of each group in row order and
mapping integer labels to codes through a table are single passes here,
where NumPy's ``bincount``, stable ``argsort`` and ``searchsorted`` each
take several passes or a sort.
"""

import numpy as np

from ._config import kernel


@kernel
def count_codes(codes, counts):
    """Add one to ``counts[c]`` for every code ``c`` (``np.bincount``)."""
    for i in range(codes.shape[0]):
        counts[codes[i]] += 1


@kernel
def stable_group_order(codes, sizes, order):
    """Counting sort of ``codes`` (``np.argsort(codes, kind="stable")``).

    ``sizes`` (zeros, one per group) receives the number of rows of each
    group and ``order`` the rows of group 0 in row order, then those of group
    1, and so on.
    """
    n_groups = sizes.shape[0]
    for i in range(codes.shape[0]):
        sizes[codes[i]] += 1
    start = np.empty(n_groups, dtype=np.int64)
    total = 0
    for g in range(n_groups):
        start[g] = total
        total += sizes[g]
    for i in range(codes.shape[0]):
        c = codes[i]
        order[start[c]] = i
        start[c] += 1


@kernel
def lookup_codes(values, low, high, table, out):
    """``out[i] = table[values[i] - low]``; the number of values not in it.

    A value outside ``[low, high]`` (compared before subtracting, so nothing
    overflows) or whose table entry is negative is not in the table; its
    ``out`` entry is then meaningless and the caller must not use ``out``.
    """
    missing = 0
    for i in range(values.shape[0]):
        v = values[i]
        if v < low or v > high:
            missing += 1
            continue
        code = table[v - low]
        if code < 0:
            missing += 1
        out[i] = code
    return missing
