"""Small statistics shared by several families."""

from __future__ import annotations

import numpy as np

from .._kernels._conformal import conformal_rank as _conformal_rank
from .._kernels._quantile import weighted_quantile_sorted_rows

__all__ = ["conformal_rank", "weighted_quantile"]


def weighted_quantile(values, quantiles, sample_weight=None):
    """Weighted quantiles by the inverted CDF, row by row in a numba kernel.

    The quantile at level ``q`` is the smallest value whose cumulative
    normalised weight reaches ``q``. With equal weights this is
    ``np.quantile(values, q, method="inverted_cdf")``; with weights it is the
    quantile that weighted conformal prediction needs (an infinite value may
    carry the test point's mass).

    Parameters
    ----------
    values : array-like of shape (n_values,) or (n_rows, n_values)
        Values; ``+inf`` and ``-inf`` are allowed, NaN is not.
    quantiles : float or array-like of shape (n_quantiles,)
        Levels in [0, 1].
    sample_weight : array-like of shape (n_values,) or like ``values``, \
default=None
        Non-negative weights with a positive sum per row; a 1-d array is
        shared by every row. ``None`` gives equal weights.

    Returns
    -------
    result : float or ndarray
        Shape ``()`` for 1-d ``values`` and scalar ``quantiles``,
        ``(n_quantiles,)`` for 1-d values, ``(n_rows,)`` or
        ``(n_rows, n_quantiles)`` for 2-d values.

    Examples
    --------
    >>> import numpy as np
    >>> from skvariance.utils import weighted_quantile
    >>> weighted_quantile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.0
    >>> weighted_quantile([1.0, 2.0, 3.0, 4.0], 0.5, sample_weight=[1, 1, 1, 5])
    4.0
    >>> weighted_quantile([[1.0, 2.0, np.inf]], [0.5, 0.9])
    array([[ 2., inf]])
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim not in (1, 2) or v.shape[-1] == 0:
        raise ValueError(
            f"values must be a non-empty 1-d or 2-d array, got shape {v.shape}."
        )
    if np.isnan(v).any():
        raise ValueError("values contains NaN.")
    q = np.asarray(quantiles, dtype=np.float64)
    if q.ndim > 1:
        raise ValueError("quantiles must be a float or a 1-d array of floats.")
    if not np.all((q >= 0) & (q <= 1)):
        raise ValueError(f"quantiles must lie in [0, 1], got {q.tolist()}.")
    rows = np.ascontiguousarray(np.atleast_2d(v))
    if sample_weight is None:
        w = np.ones_like(rows)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.shape not in (rows.shape[-1:], v.shape):
            raise ValueError(
                f"sample_weight has shape {w.shape}; expected {rows.shape[-1:]} "
                f"or {v.shape}."
            )
        if not np.all(np.isfinite(w)) or (w < 0).any():
            raise ValueError("sample_weight must be finite and non-negative.")
        w = np.ascontiguousarray(np.broadcast_to(w, rows.shape))
        if (w.sum(axis=1) <= 0).any():
            raise ValueError("sample_weight must have a positive sum in every row.")
    order = np.argsort(rows, axis=1)
    sorted_rows = np.take_along_axis(rows, order, axis=1)
    sorted_weights = np.take_along_axis(w, order, axis=1)
    out = np.empty((rows.shape[0], q.size))
    # a writable copy of the levels: a read-only array (a frozen constant)
    # would compile a second signature of the kernel
    levels = np.array(q, dtype=np.float64, ndmin=1)
    weighted_quantile_sorted_rows(sorted_rows, sorted_weights, levels, out)
    if v.ndim == 1:
        out = out[0]
    if q.ndim == 0:
        out = out[..., 0]
        return float(out) if out.ndim == 0 else out
    return out


def conformal_rank(n: int, level: float) -> int:
    """Rank of the split-conformal quantile: ``ceil((n + 1) * level)``, at least 1.

    The conformal quantile of ``n`` calibration scores at coverage ``level``
    is the score of this (1-based) rank in ascending order; a rank above
    ``n`` means the quantile is ``+inf`` (too few scores for the level). A
    relative slack of ``1e-10`` keeps ``(n + 1) * 0.9`` computed as
    ``900.0000000000001`` at rank 900. This is the package's one owner of the
    rank: the numba kernels call the same compiled function.

    Parameters
    ----------
    n : int
        Number of calibration scores (>= 0).
    level : float
        Coverage level in [0, 1].

    Returns
    -------
    rank : int

    Examples
    --------
    >>> from skvariance.utils.stats import conformal_rank
    >>> conformal_rank(99, 0.9)
    90
    >>> conformal_rank(8, 0.9)  # above n: the quantile is +inf
    9
    >>> conformal_rank(19, 0.95)
    19
    """
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}.")
    level = float(level)
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"level must lie in [0, 1], got {level!r}.")
    return int(_conformal_rank(int(n), level))
