"""Fixtures and session hooks of the test suite (the root ``conftest.py``
holds the settings shared with the doctests).

Run as a script (``python tests/conftest.py SHARE N_SHARES``), this file
compiles one share of :data:`KERNEL_SIGNATURES` into numba's on-disk cache;
the xdist controller does that before its workers start (see
:func:`pytest_sessionstart`).
"""

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

#: The argument types the package passes to each compiled kernel
#: (``module.kernel`` of ``skvariance._kernels``, types as NumPy codes: ``f8``
#: float64, ``i4`` int32, ``b1`` bool...; ``f8[2]`` is a C-contiguous,
#: writable two-dimensional float64 array, ``float64[:, ::1]``). A kernel
#: called with types not listed here is compiled by the worker that first
#: calls it, as without the list: the list saves time, it changes no result.
#: ``tests/test_numba_warmup.py`` checks that every entry still compiles.
KERNEL_SIGNATURES = [
    # the costliest first, so that the two shares take about as long
    ("_bootstrap.bootstrap_median_of_task_means", "f8[2] i8 b1 b1 f8[1]"),
    ("_bootstrap.bootstrap_task_mean_exceedance", "f8[2] f8[1] i8 b1 b1 f8[2]"),
    ("_bootstrap.bootstrap_exceedance", "i8[2] i8[1] i8 b1 b1 f8[2]"),
    ("_bootstrap.bootstrap_mean", "f8[2] i8 b1 b1 f8[1]"),
    (
        "_bootstrap.bootstrap_probability_of_improvement",
        "i8[2] i8[2] i8[2] i8[2] i8 b1 b1 f8[1]",
    ),
    ("_conformal.cumulative_label_scores", "f8[2] f8[1] f8 i8 f8[2]"),
    (
        "_knn.topk_update_pair",
        "f4[2] f8[1] f8[1] i4[2] i4[2] f8 i8 i8 f8[2] i8[2] f8[2] f8[2] i4[1] "
        "i4[1] f8[1] f8 f8 f8",
    ),
    ("_bootstrap.bootstrap_trimmed_mean", "f8[1] i8[2] i8 i8 i8 b1 b1 f8[1]"),
    ("_smote.mode_of_neighbours", "i4[2] i8[2] i8[1] f8[2] i4[2]"),
    (
        "_knn.topk_update_pair",
        "f8[2] f8[1] f8[1] i4[2] i4[2] f8 i8 i8 f8[2] i8[2] f8[2] f8[2] i4[1] "
        "i4[1] f8[1] f8 f8 f8",
    ),
    ("_bootstrap.bootstrap_indices", "i8 i8 i8 i8 b1 b1 i8[3] i8[2]"),
    ("_isotonic.isotonic_rows", "f8[2] f8[2]"),
    (
        "_conformal.grouped_cv_plus_order_statistics",
        "f8[1] i8[2] i8[1] f8[2] f8[2] i8 i8[2] f8[2]",
    ),
    ("_venn_abers.label_one_fits", "f8[1] f8[1]"),
    ("_quantile.weighted_quantile_sorted_rows", "f8[2] f8[2] f8[1] f8[2]"),
    (
        "_smote.smote_interpolate_csr",
        "i4[1] i4[1] f8[1] i4[2] i8[1] i8[1] f8[1] i8[1] i4[1] f8[1]",
    ),
    (
        "_smote.smote_interpolate_csr",
        "i4[1] i4[1] f4[1] i4[2] i8[1] i8[1] f8[1] i8[1] i4[1] f4[1]",
    ),
    (
        "_smote.smote_interpolate_csr_count",
        "i4[1] i4[1] f8[1] i4[2] i8[1] i8[1] f8[1] i8[1]",
    ),
    (
        "_smote.smote_interpolate_csr_count",
        "i4[1] i4[1] f4[1] i4[2] i8[1] i8[1] f8[1] i8[1]",
    ),
    ("_smote.smote_interpolate", "f8[2] i4[2] i8[1] i8[1] f8[1] f8[2]"),
    ("_smote.smote_interpolate", "f4[2] i4[2] i8[1] i8[1] f8[1] f4[2]"),
    ("_conformal.weighted_conformal_quantiles", "f8[1] f8[1] f8[1] f8[1] f8[2]"),
    ("_knn.merge_topk", "f8[2] i8[2] f8[2] i8[2]"),
    ("_knn.rerank_candidates", "f8[2] i8[1] i8[2] i8 f8 f8 i8[2] b1[1]"),
    ("_conformal._count_at_most", "f8[1] i8[1] f8[2] f8[2] i8 i8 f8"),
    ("_knn._direct_csr", "i4[1] i4[1] f8[1] i8 i8"),
    ("_conformal.conformal_quantiles", "f8[1] f8[1] f8[1]"),
    ("_knn._direct_dense", "f8[2] i8 f8[2] i8"),
    ("_conformal.conformal_rank", "i8 f8"),
    ("_groups.count_codes", "i8[1] i8[1]"),
    ("_groups.stable_group_order", "i8[1] i8[1] i8[1]"),
    ("_groups.lookup_codes", "i8[1] i8 i8 i8[1] i8[1]"),
]


def numba_type(code):
    """The numba type of a type code of :data:`KERNEL_SIGNATURES`."""
    import numpy as np
    from numba.core import types
    from numba.np.numpy_support import from_dtype

    dtype, _, ndim = code.partition("[")
    scalar = from_dtype(np.dtype(dtype))
    return types.Array(scalar, int(ndim[:-1]), "C") if ndim else scalar


def compile_kernel(qualname, signature):
    """Compile (or load from the on-disk cache) one kernel signature."""
    from importlib import import_module

    module, name = qualname.split(".")
    kernel = getattr(import_module(f"skvariance._kernels.{module}"), name)
    dispatcher = getattr(kernel, "dispatcher", kernel)  # parallel: the wrapper
    return dispatcher.compile(tuple(numba_type(t) for t in signature.split()))


def _warm_share(share, n_shares):
    for qualname, signature in KERNEL_SIGNATURES[share::n_shares]:
        try:
            compile_kernel(qualname, signature)
        except Exception:  # a stale entry: the worker compiles what it needs
            pass


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Warm numba's on-disk cache before xdist starts its workers.

    Every worker would otherwise compile the same kernels on a cold cache
    (a fresh clone): about 40 s of CPU each. Two processes share the list,
    so both cores work; a warm cache makes this a quick load.
    """
    config = session.config
    if hasattr(config, "workerinput") or not config.pluginmanager.has_plugin(
        "dsession"
    ):
        return  # a worker, or no xdist workers at all
    from skvariance._kernels._config import CACHE

    if not CACHE:
        return
    spec = find_spec("skvariance")
    env = dict(os.environ)
    root = str(Path(spec.origin).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    n_shares = 2
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, str(share), str(n_shares)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for share in range(n_shares)
    ]
    for process in processes:
        process.wait()


@pytest.fixture
def openmp_every_core():
    """Lift the suite's OpenMP limit of one thread for one test.

    The root ``conftest.py`` runs every worker under
    ``threadpool_limits(limits=1)`` with ``OMP_NUM_THREADS=1``, and the
    package's compiled loops honour that limit (see
    ``skvariance._config.compiled_n_threads``): without this fixture they
    run on one thread, and a test comparing thread counts would compare
    one with one. Yields the number of cores the limit is lifted to.
    """
    import joblib
    from threadpoolctl import threadpool_limits

    # imported for its side effect too: it loads scikit-learn's OpenMP
    # runtime, the one the package reads, before threadpoolctl looks
    from skvariance.utils._sklearn_compat import openmp_thread_limit

    cores = joblib.cpu_count()
    with threadpool_limits(limits=cores, user_api="openmp"):
        assert openmp_thread_limit() in (None, cores)
        yield cores


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    """The test modules hold no doctests: collect them as tests only.

    ``--doctest-modules`` (for the package's docstrings) would otherwise run
    the doctest finder over every test module too: about 1.3 s of each
    worker's collection.
    """
    collected = yield
    return [node for node in collected if type(node).__name__ != "DoctestModule"]


@pytest.fixture
def parallel_kernels(monkeypatch, openmp_every_core):
    """Parallel kernels start their threads whatever the size of the input.

    A parallel kernel runs on one thread when a call's work is below
    ``skvariance._kernels._config.SMALL_WORK``; the tests that compare
    thread counts (or record them) use this fixture so that their small
    inputs still run on every thread the rule gives. The suite's OpenMP
    limit of one thread is lifted too (:func:`openmp_every_core`).
    """
    import numba

    from skvariance._config import compiled_n_threads
    from skvariance._kernels import _config

    monkeypatch.setattr(_config, "SMALL_WORK", 0)
    # the fixture's promise, which the tests comparing one thread with
    # "every thread" rely on: the rule gives every core here
    every_core = min(openmp_every_core, numba.config.NUMBA_NUM_THREADS)
    assert compiled_n_threads() == every_core, "the OpenMP limit was not lifted"


if __name__ == "__main__":
    _warm_share(int(sys.argv[1]), int(sys.argv[2]))
