"""How every numba kernel in skvariance is compiled.

Conventions (see ``skvariance/_kernels/__init__.py``):

* ``FASTMATH`` is the one named set of LLVM fast-math flags. It never holds
  ``nnan`` or ``ninf``: those let LLVM delete NaN and infinity checks, and
  blanket ``fastmath=True`` includes them. ``reassoc`` is also left out, so a
  kernel's floating-point sums are evaluated in the written order and give
  bit-identical results on every machine of one architecture.
* ``CACHE`` writes compiled machine code next to the module (or to
  ``NUMBA_CACHE_DIR``) so a second interpreter does not compile again. Set the
  environment variable ``SKVARIANCE_NUMBA_CACHE=0`` to turn it off, for
  example on a read-only install without ``NUMBA_CACHE_DIR``.
* Kernels never draw random numbers from numba's ``np.random``, which NumPy's
  seeding does not reach: they take integer seeds or pre-drawn arrays.
* Threads: a ``parallel=True`` kernel runs on
  :func:`skvariance._config.compiled_n_threads` threads (every core, capped
  by ``skvariance.set_config(max_threads=...)``, by the OpenMP limit of the
  calling thread -- ``threadpoolctl.threadpool_limits(n,
  user_api="openmp")`` or ``OMP_NUM_THREADS``, read as scikit-learn reads
  it for its own compiled loops --, by ``NUMBA_NUM_THREADS`` and by a lower
  ``numba.set_num_threads`` of the calling thread), set around each call, so
  every compiled loop of the package follows that one rule whoever calls
  it; ``n_jobs`` never reaches a kernel. Such kernels are called from
  Python only (the wrapper that sets the threads is not a numba function).
* Small inputs run on one thread: when a call's work estimate is below
  :data:`SMALL_WORK`, waking the other threads costs more than the work
  (OpenMP threads spin-wait for each other, on a loaded machine for
  milliseconds). The estimate is the total number of elements of the array
  arguments, or the kernel's own ``work`` function (``@kernel(parallel=True,
  work=...)``) where each element costs far more than one pass, as in the
  bootstrap kernels (every resample redraws all scores). Since results never
  depend on the number of threads, only the time changes.
"""

import functools
import os

import numba
import numpy as np
from numba import njit

FASTMATH = frozenset({"contract", "arcp", "nsz"})
CACHE = os.environ.get("SKVARIANCE_NUMBA_CACHE", "1") not in {"0", "false", "False"}

#: A parallel kernel whose work estimate for a call is below this runs on one
#: thread. Read at every call: the tests that compare thread counts set it to
#: 0 (the ``parallel_kernels`` fixture of ``tests/conftest.py``).
SMALL_WORK = 2**15


def kernel(*args, parallel: bool = False, work=None, **kwargs):
    """``numba.njit`` with skvariance's flags: use as ``@kernel``.

    ``parallel=True`` is only for kernels whose result does not depend on the
    number of threads (no reductions across ``prange`` iterations). ``work``
    (parallel kernels only) takes the kernel's arguments and returns an
    estimate of the elementary steps of the call, compared with
    :data:`SMALL_WORK`; by default the total number of array elements.
    """
    if work is not None and not parallel:
        raise TypeError("work is for parallel=True kernels only.")
    options = dict(cache=CACHE, fastmath=set(FASTMATH), nogil=True, parallel=parallel)
    options.update(kwargs)
    if args and callable(args[0]):
        compiled = njit(**options)(args[0])
        return _threaded(compiled, work) if parallel else compiled
    if parallel:
        return lambda func: _threaded(njit(*args, **options)(func), work)
    return njit(*args, **options)


def array_elements(*args) -> int:
    """Total number of elements of the NumPy arrays among ``args``."""
    return sum(a.size for a in args if isinstance(a, np.ndarray))


def _threaded(dispatcher, work=None):
    """Call ``dispatcher`` on the package's number of threads (see above)."""
    from .._config import compiled_n_threads

    estimate = array_elements if work is None else work

    @functools.wraps(dispatcher.py_func)
    def call(*args):
        previous = numba.get_num_threads()
        # a lower numba setting of the calling thread (numba.set_num_threads)
        # is honoured too, as scikit-learn honours threadpoolctl's limits
        if estimate(*args) < SMALL_WORK:
            # waking the other threads would cost more than the work; the
            # rule is not read either (joblib.cpu_count: ~50 us a call)
            n = 1
        else:
            n = min(compiled_n_threads(), previous)
        if n == previous:
            return dispatcher(*args)
        numba.set_num_threads(n)
        try:
            return dispatcher(*args)
        finally:
            numba.set_num_threads(previous)

    call.dispatcher = dispatcher
    call.py_func = dispatcher.py_func
    call.work = estimate
    return call
