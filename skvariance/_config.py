"""Package-wide settings: get_config, set_config and config_context.

Modelled on scikit-learn's configuration: a dict of defaults, a copy per
thread (so a :func:`config_context` in one thread does not change another
thread's settings), and a context manager that restores the previous values
on exit. Every process-wide setting of skvariance lives here rather than in a
module global.

The settings control the neighbour-graph cache of the SMOTE family (see
:ref:`resampling_cache` in the user guide) and the number of threads of the
compiled (numba) loops (``max_threads``, see :ref:`threads` in the user
guide): ``compiled_n_threads()`` is that rule, the one every compiled
kernel of the package follows (every core, capped by ``max_threads``, by
threadpoolctl's / ``OMP_NUM_THREADS``' OpenMP limit and by
``NUMBA_NUM_THREADS``).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from numbers import Integral

__all__ = ["compiled_n_threads", "config_context", "get_config", "set_config"]

_global_config = {
    "neighbors_cache": True,
    "neighbors_cache_max_bytes": 128 * 2**20,
    "neighbors_cache_max_entries": 16,
    "max_threads": -1,
}
_threadlocal = threading.local()


def _get_threadlocal_config() -> dict:
    if not hasattr(_threadlocal, "global_config"):
        _threadlocal.global_config = _global_config.copy()
    return _threadlocal.global_config


def get_config() -> dict:
    """Current values of skvariance's settings (a copy).

    Returns
    -------
    config : dict
        Keys are the parameters of :func:`set_config`.

    See Also
    --------
    set_config : change the settings.
    config_context : change them inside a ``with`` block.

    Examples
    --------
    >>> import skvariance
    >>> skvariance.get_config()["neighbors_cache"]
    True
    """
    return _get_threadlocal_config().copy()


def _check_bound(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}.")
    return int(value)


def _check_max_threads(value):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"max_threads must be a positive int or -1, got {type(value).__name__}."
        )
    if value < 1 and value != -1:
        raise ValueError(
            f"max_threads must be a positive int or -1 (every core), got {value!r}."
        )
    return int(value)


_cpu_count = []  # joblib.cpu_count(), once read


def _process_cpu_count() -> int:
    """:func:`joblib.cpu_count`, read once per process.

    It reads the cgroup quota files at every call (about 50 us), and the
    rule is read around every parallel kernel call; scikit-learn keeps the
    count the same way for its own compiled loops.
    """
    if not _cpu_count:
        from joblib import cpu_count

        _cpu_count.append(cpu_count())
    return _cpu_count[0]


def compiled_n_threads() -> int:
    """Threads a compiled (numba) loop of skvariance uses: the package rule.

    Every core the process may use (:func:`joblib.cpu_count`, which honours
    CPU affinity and cgroup quotas; read once per process), capped by

    * ``max_threads`` (see :func:`set_config`), the package's own cap;
    * the OpenMP limit the calling thread sees, read as scikit-learn reads
      it for its own compiled loops (``HistGradientBoosting``, ``KMeans``):
      ``threadpoolctl.threadpool_limits(n, user_api="openmp")`` (for the
      thread that enters it) and the environment variable
      ``OMP_NUM_THREADS`` (for every thread) limit skvariance's compiled
      loops as they limit scikit-learn's. If the installed scikit-learn
      cannot report it (no OpenMP), this cap does not apply;
    * numba's own ceiling ``numba.config.NUMBA_NUM_THREADS`` (the
      environment variable ``NUMBA_NUM_THREADS``, which joblib's process
      workers set to their share of the cores, so nested parallelism does
      not oversubscribe).

    ``n_jobs`` does not enter: as in scikit-learn, whose compiled loops use
    every core whatever ``n_jobs`` says, ``n_jobs`` governs joblib-level
    parallelism (workers fitting estimators) only. Results never depend on
    the number of threads.

    Returns
    -------
    n_threads : int
        At least 1.

    See Also
    --------
    set_config : ``max_threads`` caps the count.

    Examples
    --------
    >>> import skvariance
    >>> from skvariance._config import compiled_n_threads
    >>> with skvariance.config_context(max_threads=1):
    ...     compiled_n_threads()
    1
    >>> from threadpoolctl import threadpool_limits
    >>> with threadpool_limits(limits=1, user_api="openmp"):
    ...     compiled_n_threads()
    1
    """
    import numba

    from .utils._sklearn_compat import openmp_thread_limit

    n = min(_process_cpu_count(), numba.config.NUMBA_NUM_THREADS)
    openmp = openmp_thread_limit()  # threadpoolctl's / OMP_NUM_THREADS' limit
    if openmp is not None:
        n = min(n, openmp)
    cap = _get_threadlocal_config()["max_threads"]
    if cap != -1:
        n = min(n, cap)
    return max(1, int(n))


def set_config(
    neighbors_cache: bool | None = None,
    neighbors_cache_max_bytes: int | None = None,
    neighbors_cache_max_entries: int | None = None,
    max_threads: int | None = None,
) -> None:
    """Set skvariance's settings; ``None`` leaves a setting unchanged.

    The settings are thread-local, as scikit-learn's: a thread starts from
    the defaults below, and changes made in one thread are not seen by
    another. The neighbour-graph cache they control is shared by the whole
    process.

    Parameters
    ----------
    neighbors_cache : bool, default=None
        Whether SMOTE, SMOTENC and SMOTER look up and store the within-class
        k-nearest-neighbour graphs in the process-wide cache. Default
        ``True``. With ``False`` every call computes its neighbours (the
        cache is neither read nor written; its entries stay until evicted
        or cleared with :func:`skvariance.resampling.clear_neighbors_cache`).
    neighbors_cache_max_bytes : int, default=None
        Largest total size of the cached graphs, in bytes. Default
        ``128 * 2**20`` (128 MiB, the graphs of about 6.7 million rows at
        ``k_neighbors=5``). The least recently used graphs are evicted
        first when a new graph is stored; a graph larger than the bound is
        never stored. ``0`` keeps nothing.
    neighbors_cache_max_entries : int, default=None
        Largest number of cached graphs. Default 16.
    max_threads : int, default=None
        Largest number of threads of a compiled loop (the numba kernels:
        the samplers' neighbour search and interpolation, the bootstrap,
        conformal, quantile and isotonic kernels). Default ``-1``: every
        core (the rule is ``skvariance._config.compiled_n_threads()``). A
        positive int caps the count, for example ``1`` to leave the other
        cores to other work. The OpenMP limit that governs scikit-learn's
        compiled loops (``threadpoolctl.threadpool_limits(n,
        user_api="openmp")``, ``OMP_NUM_THREADS``) caps the count too: the
        smaller of the two applies. It is independent of ``n_jobs``, which
        governs joblib workers only; results do not depend on it.

    See Also
    --------
    get_config : the current settings.
    config_context : change settings inside a ``with`` block.
    skvariance.resampling.clear_neighbors_cache : empty the cache.

    Examples
    --------
    >>> import skvariance
    >>> skvariance.set_config(neighbors_cache_max_bytes=64 * 2**20)
    >>> skvariance.get_config()["neighbors_cache_max_bytes"]
    67108864
    >>> skvariance.set_config(neighbors_cache_max_bytes=128 * 2**20)
    >>> skvariance.set_config(max_threads=1)
    >>> skvariance.get_config()["max_threads"]
    1
    >>> skvariance.set_config(max_threads=-1)
    """
    if max_threads is not None:  # checked before anything is changed
        max_threads = _check_max_threads(max_threads)
    config = _get_threadlocal_config()
    if neighbors_cache is not None:
        if not isinstance(neighbors_cache, bool):
            raise ValueError(
                f"neighbors_cache must be True or False, got {neighbors_cache!r}."
            )
        config["neighbors_cache"] = neighbors_cache
    if neighbors_cache_max_bytes is not None:
        config["neighbors_cache_max_bytes"] = _check_bound(
            neighbors_cache_max_bytes, "neighbors_cache_max_bytes"
        )
    if neighbors_cache_max_entries is not None:
        config["neighbors_cache_max_entries"] = _check_bound(
            neighbors_cache_max_entries, "neighbors_cache_max_entries"
        )
    if max_threads is not None:
        config["max_threads"] = max_threads


@contextmanager
def config_context(
    *,
    neighbors_cache: bool | None = None,
    neighbors_cache_max_bytes: int | None = None,
    neighbors_cache_max_entries: int | None = None,
    max_threads: int | None = None,
):
    """Change skvariance's settings inside a ``with`` block.

    The previous settings are restored on exit, also when the block raises.
    Parameters are those of :func:`set_config`; ``None`` leaves a setting
    unchanged.

    Yields
    ------
    None

    See Also
    --------
    set_config : change the settings for good.
    get_config : the current settings.

    Examples
    --------
    Recompute the neighbours on every call, for example to time the search:

    >>> import numpy as np
    >>> import skvariance
    >>> from skvariance.resampling import SMOTE
    >>> X = np.random.RandomState(0).normal(size=(60, 2))
    >>> y = np.array([0] * 50 + [1] * 10)
    >>> with skvariance.config_context(neighbors_cache=False):
    ...     X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    ...     skvariance.get_config()["neighbors_cache"]
    False
    >>> skvariance.get_config()["neighbors_cache"]
    True
    """
    old = get_config()
    set_config(
        neighbors_cache=neighbors_cache,
        neighbors_cache_max_bytes=neighbors_cache_max_bytes,
        neighbors_cache_max_entries=neighbors_cache_max_entries,
        max_threads=max_threads,
    )
    try:
        yield
    finally:
        set_config(**old)
