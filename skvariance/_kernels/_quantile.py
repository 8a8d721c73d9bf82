"""Weighted quantiles (inverted-CDF definition) of pre-sorted rows."""

from numba import prange

from ._config import kernel


@kernel(parallel=True)
def weighted_quantile_sorted_rows(values, weights, quantiles, out):
    """Weighted quantiles of each row of ``values``, already sorted by row.

    For row ``i`` the quantile at level ``q`` is the smallest value ``v`` of
    the row whose cumulative normalised weight ``sum(w[values <= v]) / sum(w)``
    reaches ``q`` -- NumPy's ``method="inverted_cdf"`` when all weights are
    equal, and the definition split and weighted conformal prediction use.

    Sorting is left to the caller (NumPy's SIMD argsort beats a compiled
    sort); this kernel fuses the cumulative sum and a binary search per
    level, without temporaries.

    Parameters
    ----------
    values : float64 array (n_rows, n_values)
        Each row sorted in ascending order (NaN last, as ``np.sort`` does).
    weights : float64 array (n_rows, n_values)
        Weights in the same order as ``values``; non-negative, each row with
        a positive sum (not checked here).
    quantiles : float64 array (n_quantiles,)
        Levels in [0, 1], any order.
    out : float64 array (n_rows, n_quantiles)
        Written in place. Rows are independent, so the result does not depend
        on the number of threads.
    """
    n_rows, n_values = values.shape
    n_q = quantiles.shape[0]
    for i in prange(n_rows):
        total = 0.0
        for j in range(n_values):
            total += weights[i, j]
        for k in range(n_q):
            target = quantiles[k] * total
            # first position whose cumulative weight reaches the target: a
            # running sum, since rows are short relative to the sort
            cumulative = 0.0
            pos = n_values - 1
            for j in range(n_values):
                cumulative += weights[i, j]
                # a value carrying no mass is never the answer (level 0 with
                # leading zero weights)
                if cumulative >= target and weights[i, j] > 0.0:
                    pos = j
                    break
            out[i, k] = values[i, pos]
    return out
