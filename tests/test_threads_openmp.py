"""The package's compiled loops honour threadpoolctl's OpenMP limit (issue 17).

As scikit-learn's own compiled loops (``HistGradientBoosting``, ``KMeans``)
do, a parallel kernel of skvariance runs on no more threads than the OpenMP
limit the calling thread sees: ``threadpool_limits(n, user_api="openmp")``
or ``OMP_NUM_THREADS``. The references are threadpoolctl's own report of
the OpenMP runtime and the threads a probe kernel sees. The suite runs
under an OpenMP limit of one thread: ``parallel_kernels`` lifts it to every
core, and each test sets its own limit inside.
"""

import sys

import joblib
import numba
import numpy as np
import pytest
from kernels._probe import EVERY_CORE, multicore, threads_seen
from threadpoolctl import threadpool_info, threadpool_limits

import skvariance
from skvariance._config import compiled_n_threads
from skvariance.evaluation import bootstrap_ci
from skvariance.resampling import SMOTE
from skvariance.utils import _sklearn_compat
from skvariance.utils._sklearn_compat import openmp_thread_limit


def _openmp_reported():
    """The OpenMP limits threadpoolctl reports for the calling thread."""
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"}


@pytest.mark.usefixtures("openmp_every_core")
def test_the_limit_read_is_the_one_threadpoolctl_sets():
    for limit in (1, EVERY_CORE):
        with threadpool_limits(limits=limit, user_api="openmp"):
            assert _openmp_reported() == {limit}
            assert openmp_thread_limit() == limit
            assert compiled_n_threads() == limit
    # the caller's limit is restored on exit
    assert _openmp_reported() == {joblib.cpu_count()}


@multicore
@pytest.mark.usefixtures("parallel_kernels")
def test_a_parallel_kernel_runs_on_the_openmp_limit():
    out = np.zeros(64, dtype=np.int64)
    before = numba.get_num_threads()
    with threadpool_limits(limits=1, user_api="openmp"):
        assert set(threads_seen(out)) == {1}
    assert numba.get_num_threads() == before  # the caller's setting restored
    with threadpool_limits(limits=2, user_api="openmp"):
        assert set(threads_seen(out)) == {min(2, EVERY_CORE)}
        # max_threads still caps below the OpenMP limit
        with skvariance.config_context(max_threads=1):
            assert set(threads_seen(out)) == {1}
    # and the OpenMP limit below max_threads
    with skvariance.config_context(max_threads=2):
        with threadpool_limits(limits=1, user_api="openmp"):
            assert set(threads_seen(out)) == {1}
    assert set(threads_seen(out)) == {EVERY_CORE}


@multicore
@pytest.mark.usefixtures("parallel_kernels")
def test_results_do_not_depend_on_the_openmp_limit():
    rng = np.random.RandomState(0)
    scores = rng.normal(size=(12, 4))
    X = rng.normal(size=(80, 3))
    y = np.r_[np.zeros(60, int), np.ones(20, int)]
    out = {}
    for limit in (1, 2):
        with threadpool_limits(limits=limit, user_api="openmp"):
            with skvariance.config_context(neighbors_cache=False):
                ci = bootstrap_ci(scores, n_resamples=300, random_state=0)
                out[limit] = (
                    np.array([ci.low, ci.high]),
                    SMOTE(random_state=0).fit_resample(X, y)[0],
                )
    for a, b in zip(out[1], out[2]):
        np.testing.assert_array_equal(a, b)


def test_the_limit_is_read_on_logical_cores(monkeypatch):
    # scikit-learn's helper counts physical cores by default; the package
    # rule counts logical ones (joblib.cpu_count()), the limit only caps it
    calls = []

    def helper(*args, **kwargs):
        calls.append((args, kwargs))
        return 3

    monkeypatch.setattr(_sklearn_compat, "_openmp_effective_n_threads", helper)
    assert openmp_thread_limit() == 3
    assert calls == [((), {"only_physical_cores": False})]


@pytest.mark.usefixtures("openmp_every_core")
def test_no_helper_no_cap(monkeypatch):
    # a scikit-learn without the private helper (or without OpenMP): the
    # OpenMP limit cannot be read, and caps nothing
    monkeypatch.setattr(_sklearn_compat, "_openmp_effective_n_threads", None)
    assert openmp_thread_limit() is None
    with threadpool_limits(limits=1, user_api="openmp"):
        assert compiled_n_threads() == EVERY_CORE


def test_the_helper_is_loaded_only_where_it_exists_and_openmp_is_built(
    monkeypatch,
):
    from sklearn.utils import _openmp_helpers

    found = _sklearn_compat._load_openmp_helper()
    assert found is _openmp_helpers._openmp_effective_n_threads
    # scikit-learn built without OpenMP: its helper would answer 1
    monkeypatch.setattr(_openmp_helpers, "_openmp_parallelism_enabled", lambda: False)
    assert _sklearn_compat._load_openmp_helper() is None
    monkeypatch.undo()
    # a scikit-learn without the private module
    monkeypatch.setitem(sys.modules, "sklearn.utils._openmp_helpers", None)
    assert _sklearn_compat._load_openmp_helper() is None
