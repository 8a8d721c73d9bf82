"""The one place where skvariance imports private scikit-learn names.

scikit-learn keeps its parameter-validation machinery, ``_fit_context`` and a
few validation helpers private. Every module of skvariance imports them from
here, so that a change in scikit-learn is mended in one file.

:func:`openmp_thread_limit` reads the OpenMP thread limit the way
scikit-learn reads it for its own compiled loops (its private
``_openmp_effective_n_threads``), so that ``threadpoolctl`` and
``OMP_NUM_THREADS`` govern skvariance's compiled loops as they govern
scikit-learn's.
"""

from numbers import Integral, Real

from sklearn.base import _fit_context
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import (
    _check_method_params,
    _check_n_features,
    _check_sample_weight,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)


def _load_openmp_helper():
    """scikit-learn's ``_openmp_effective_n_threads``, or ``None``.

    ``None`` when the private helper is missing (a future scikit-learn) or
    when scikit-learn was built without OpenMP: there is no OpenMP runtime
    whose limit could be read then (the helper would answer 1), so the
    limit does not cap anything.
    """
    try:
        from sklearn.utils._openmp_helpers import (
            _openmp_effective_n_threads,
            _openmp_parallelism_enabled,
        )
    except ImportError:
        return None
    if not _openmp_parallelism_enabled():
        return None
    return _openmp_effective_n_threads


_openmp_effective_n_threads = _load_openmp_helper()


def openmp_thread_limit():
    """The OpenMP thread limit the calling thread sees, or ``None``.

    What scikit-learn's compiled loops (``HistGradientBoosting``,
    ``KMeans``...) read: ``omp_get_max_threads()`` of scikit-learn's OpenMP
    runtime -- the limit ``threadpoolctl.threadpool_limits(n,
    user_api="openmp")`` sets for the calling thread, and
    ``OMP_NUM_THREADS`` sets for every thread -- capped by the logical cores
    unless ``OMP_NUM_THREADS`` is set. Logical, not physical, cores
    (``only_physical_cores=False``): the core count of skvariance's rule is
    :func:`joblib.cpu_count`, and this reading is only meant to cap it.
    ``None`` when scikit-learn has no such helper or no OpenMP: no cap.
    About a microsecond a call.

    Returns
    -------
    n_threads : int or None
        At least 1, or ``None``.
    """
    if _openmp_effective_n_threads is None:
        return None
    return _openmp_effective_n_threads(only_physical_cores=False)


__all__ = [
    "BaseSearchCV",
    "HasMethods",
    "Integral",
    "Interval",
    "Options",
    "Real",
    "StrOptions",
    "_check_method_params",
    "_check_n_features",
    "_check_sample_weight",
    "_fit_context",
    "_safe_indexing",
    "check_is_fitted",
    "has_fit_parameter",
    "openmp_thread_limit",
    "validate_data",
    "validate_params",
]
