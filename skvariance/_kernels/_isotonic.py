"""Isotonic regression (pool adjacent violators) of every row of a matrix."""

import numpy as np
from numba import prange

from ._config import kernel


@kernel(parallel=True)
def isotonic_rows(values, out):
    """Non-decreasing least-squares fit of each row, by PAVA, equal weights.

    Row ``i`` of ``out`` is the non-decreasing sequence closest to row ``i`` of
    ``values`` in squared error: adjacent violators are pooled into blocks
    holding their mean. Rows that are already non-decreasing are copied.

    Parameters
    ----------
    values : float64 array (n_rows, n_cols)
        Rows to fit. NaN never compares greater, so it is never pooled and is
        copied through; an infinity pooled with finite values gives an infinite
        block mean (``inf`` with ``-inf`` gives NaN), as the arithmetic says.
    out : float64 array (n_rows, n_cols)
        Written in place (may be ``values`` itself). Rows are independent, so
        the result does not depend on the number of threads.
    """
    n_rows, n_cols = values.shape
    for i in prange(n_rows):
        ordered = True
        for j in range(1, n_cols):
            if values[i, j - 1] > values[i, j]:
                ordered = False
                break
        if ordered:
            for j in range(n_cols):
                out[i, j] = values[i, j]
            continue
        sums = np.empty(n_cols)
        counts = np.empty(n_cols, dtype=np.int64)
        n_blocks = 0
        for j in range(n_cols):
            sums[n_blocks] = values[i, j]
            counts[n_blocks] = 1
            n_blocks += 1
            # pool while the previous block's mean exceeds the last one's
            # (a/ca > b/cb written without division; counts are positive)
            while (
                n_blocks > 1
                and sums[n_blocks - 2] * counts[n_blocks - 1]
                > sums[n_blocks - 1] * counts[n_blocks - 2]
            ):
                sums[n_blocks - 2] += sums[n_blocks - 1]
                counts[n_blocks - 2] += counts[n_blocks - 1]
                n_blocks -= 1
        j = 0
        for b in range(n_blocks):
            mean = sums[b] / counts[b]
            for _ in range(counts[b]):
                out[i, j] = mean
                j += 1
    return out
