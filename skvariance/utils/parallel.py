"""Fitting inside :class:`sklearn.utils.parallel.Parallel`, reproducibly.

A Dask worker receives arrays deserialized into buffers of arbitrary memory
alignment -- not even aligned to their dtype (a float64 array starting 27
bytes past a 64-byte boundary was observed). Numerical code takes different
paths (and so different summation orders) for such data, so the same fit of
scikit-learn's ``LogisticRegression`` differed in the last bit between
``n_jobs=1`` and a Dask cluster.
:func:`fit_estimator` gives the estimator 64-byte aligned arrays on every
backend, so that results are identical for any ``n_jobs`` and backend.
"""

from __future__ import annotations

import numpy as np

__all__ = ["aligned", "fit_estimator"]

ALIGNMENT = 64


def aligned(X, alignment: int = ALIGNMENT):
    """``X`` itself unless it is a misaligned numeric array; then an aligned copy.

    The copy keeps the dtype, shape and memory order (C or Fortran).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12.0).reshape(3, 4)
    >>> Y = aligned(X[:, 1:])
    >>> Y.ctypes.data % 64, bool(np.array_equal(Y, X[:, 1:]))
    (0, True)
    """
    if not isinstance(X, np.ndarray) or X.size == 0 or X.dtype.hasobject:
        return X  # object arrays hold references: nothing for BLAS to misread
    contiguous = X.flags.c_contiguous or X.flags.f_contiguous
    if contiguous and X.ctypes.data % alignment == 0:
        return X
    buffer = np.empty(X.nbytes + alignment, dtype=np.uint8)
    offset = (-buffer.ctypes.data) % alignment
    flat = buffer[offset : offset + X.nbytes].view(X.dtype)
    if X.flags.f_contiguous and not X.flags.c_contiguous:
        out = flat.reshape(X.shape[::-1]).T
    else:
        out = flat.reshape(X.shape)
    out[...] = X
    return out


def fit_estimator(estimator, X, y=None, **fit_params):
    """``estimator.fit(X, y, **fit_params)`` on aligned arrays; returns the estimator.

    Use it as the function run by ``Parallel``, so that a worker of any
    backend fits on data laid out like the caller's.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> fit_estimator(LinearRegression(), X, X[:, 0]).coef_.shape
    (2,)
    """
    return estimator.fit(aligned(X), aligned(y), **fit_params)
