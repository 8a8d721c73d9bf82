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
"""

import os

from numba import njit

FASTMATH = frozenset({"contract", "arcp", "nsz"})
CACHE = os.environ.get("SKVARIANCE_NUMBA_CACHE", "1") not in {"0", "false", "False"}


def kernel(*args, parallel: bool = False, **kwargs):
    """``numba.njit`` with skvariance's flags: use as ``@kernel``.

    ``parallel=True`` is only for kernels whose result does not depend on the
    number of threads (no reductions across ``prange`` iterations).
    """
    options = dict(cache=CACHE, fastmath=set(FASTMATH), nogil=True, parallel=parallel)
    options.update(kwargs)
    if args and callable(args[0]):
        return njit(**options)(args[0])
    return njit(*args, **options)
