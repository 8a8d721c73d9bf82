"""pytest configuration shared by the test suite and the doctests."""

import os

import matplotlib
import pytest

# No screen on CI: draw to memory only. Set before any pyplot import.
matplotlib.use("Agg")

# One OpenMP / BLAS thread per test process: the suite runs with one pytest
# worker per core (``-n 2``), and compiled loops that start a thread per core
# in every worker (HistGradientBoosting, BLAS) then spin-wait on each other --
# one 2,000-row boosting test took 109 s instead of 5 s. Tests that check
# threading set their own limits.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def pytest_collection_finish(session):
    """Move everything alive after collection (the imported libraries, the
    collected tests) out of the garbage collector's sight: a full collection
    then scans only what the tests create. Libraries that call
    ``gc.collect()`` themselves (statsmodels' ``multipletests``, matplotlib
    when it closes figures) took 0.1-0.2 s a call in a worker holding the
    whole suite."""
    import gc

    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True, scope="session")
def _one_thread_per_worker():
    """Limit the thread pools already loaded (the environment variables above
    only reach the ones loaded after this file)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
