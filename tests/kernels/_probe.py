"""A probe kernel that records the threads it runs on, shared by the tests of
the thread rule (``tests/resampling/test_threads.py``,
``tests/test_threads_openmp.py``)."""

import joblib
import numba
import pytest
from numba import prange

from skvariance._kernels._config import kernel

#: Every core the rule can give on this machine.
EVERY_CORE = min(joblib.cpu_count(), numba.config.NUMBA_NUM_THREADS)
multicore = pytest.mark.skipif(EVERY_CORE < 2, reason="needs two cores")


@kernel(parallel=True, cache=False)  # reads numba globals: not cacheable
def threads_seen(out):
    """Write into every entry the number of threads the call runs on."""
    for i in prange(out.shape[0]):
        out[i] = numba.get_num_threads()
    return out
