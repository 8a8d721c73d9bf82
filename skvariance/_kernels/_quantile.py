"""Weighted quantiles (inverted-CDF definition), row by row."""

import numpy as np

from ._config import kernel


@kernel
def weighted_quantile_rows(values, weights, quantiles, out):
    """Weighted quantiles of each row of ``values``.

    For row ``i`` the quantile at level ``q`` is the smallest value ``v`` of
    the row whose cumulative normalised weight ``sum(w[values <= v]) / sum(w)``
    reaches ``q`` -- NumPy's ``method="inverted_cdf"`` when all weights are
    equal, and the definition split and weighted conformal prediction use.

    Parameters
    ----------
    values : float64 array (n_rows, n_values)
    weights : float64 array (n_rows, n_values)
        Non-negative; each row with a positive sum (not checked here).
    quantiles : float64 array (n_quantiles,)
        Levels in [0, 1], any order.
    out : float64 array (n_rows, n_quantiles)
        Written in place.

    NaN values sort last (as in ``np.argsort``) and are returned only when
    the level reaches their weight; ``+inf`` is an ordinary value.
    """
    n_rows, n_values = values.shape
    n_q = quantiles.shape[0]
    cumulative = np.empty(n_values)
    for i in range(n_rows):
        order = np.argsort(values[i], kind="mergesort")
        total = 0.0
        for j in range(n_values):
            total += weights[i, order[j]]
            cumulative[j] = total
        for k in range(n_q):
            target = quantiles[k] * total
            # First position whose cumulative weight reaches the target; a
            # binary search over the non-decreasing cumulative weights.
            lo = 0
            hi = n_values - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cumulative[mid] >= target:
                    hi = mid
                else:
                    lo = mid + 1
            # Skip zero-weight values so a level never lands on a value that
            # carries no mass (e.g. level 0 with a leading zero weight).
            while lo < n_values - 1 and weights[i, order[lo]] == 0.0:
                lo += 1
            out[i, k] = values[i, order[lo]]
    return out
