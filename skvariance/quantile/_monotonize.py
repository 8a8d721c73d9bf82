"""Remove crossing quantiles: sort, or isotonic regression across levels."""

from __future__ import annotations

import numba
import numpy as np
from sklearn.utils import check_array

from .._kernels._isotonic import isotonic_rows
from ..utils._sklearn_compat import Integral, StrOptions, validate_params
from ..utils.validation import effective_n_threads

__all__ = ["monotonize"]


@validate_params(
    {
        "y_quantiles": ["array-like"],
        "method": [StrOptions({"sort", "isotonic"}), None],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def monotonize(
    y_quantiles, method: str | None = "sort", *, n_jobs: int | None = None
) -> np.ndarray:
    """Make predicted quantiles non-decreasing across levels.

    Parameters
    ----------
    y_quantiles : array-like of shape (n_samples, n_quantiles)
        Predicted quantiles, one column per level, levels increasing.
    method : {"sort", "isotonic"} or None, default="sort"
        ``"sort"`` sorts each row (the rearrangement of Chernozhukov et al.);
        ``"isotonic"`` replaces each row by its least-squares non-decreasing
        fit (pool adjacent violators, equal weight per level, a numba kernel);
        ``None`` returns an unchanged copy.
    n_jobs : int, default=None
        Checked (``0`` is an error) but without effect: the isotonic kernel
        is a compiled loop, which uses every core, capped by
        ``skvariance.set_config(max_threads=...)`` (see :ref:`threads`).
        Rows are independent, so the result does not depend on the threads.

    Returns
    -------
    y_monotone : ndarray of shape (n_samples, n_quantiles)
        A new array; rows already non-decreasing are unchanged.

    Notes
    -----
    For every target value, both corrections can only lower the sum over
    levels of the pinball loss, hence the weighted interval score
    (Fakoor et al., Proposition 1 and 2; Chernozhukov et al. for sorting).
    Sorting keeps the set of predicted values; isotonic regression pools
    crossing levels into their mean, which keeps their average.

    References
    ----------
    .. [1] Fakoor, R., Kim, T., Mueller, J., Smola, A. J. and Tibshirani,
       R. J. "Flexible Model Aggregation for Quantile Regression", JMLR 24
       (2023).
    .. [2] Chernozhukov, V., Fernandez-Val, I. and Galichon, A. "Quantile and
       probability curves without crossing", Econometrica 78(3) (2010).

    Examples
    --------
    >>> from skvariance.quantile import monotonize
    >>> q = [[1.0, 3.0, 2.0, 4.0]]
    >>> monotonize(q, "sort")
    array([[1., 2., 3., 4.]])
    >>> monotonize(q, "isotonic")
    array([[1. , 2.5, 2.5, 4. ]])
    """
    q = check_array(
        y_quantiles, dtype=np.float64, ensure_all_finite=True, input_name="y_quantiles"
    )
    if method is None:
        return q.copy()
    if method == "sort":
        return np.sort(q, axis=1)
    n_threads = min(effective_n_threads(n_jobs), numba.config.NUMBA_NUM_THREADS)
    q = np.ascontiguousarray(q)
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        return isotonic_rows(q, np.empty_like(q))
    finally:
        numba.set_num_threads(previous)
