"""The package's thread rule for compiled loops, and exact neighbours with
float32 Gram blocks.

Rule (``skvariance._config.compiled_n_threads``): every core, capped by
``set_config(max_threads=...)``, numba's ``NUMBA_NUM_THREADS`` and the
OpenMP limit (threadpoolctl, ``OMP_NUM_THREADS``); ``n_jobs`` does not
enter. Results never depend on the number of threads. The suite runs under
an OpenMP limit of one thread: the tests that count threads lift it
(``openmp_every_core`` / ``parallel_kernels`` in ``tests/conftest.py``).
"""

import importlib
import pkgutil

import joblib
import numba
import numpy as np
import pytest
from kernels._probe import EVERY_CORE, multicore, threads_seen
from numba import prange

import skvariance
import skvariance._kernels
from skvariance._config import compiled_n_threads
from skvariance._kernels import _bootstrap, _config, _conformal, _quantile
from skvariance._kernels._config import SMALL_WORK, array_elements, kernel
from skvariance._kernels._knn import (
    UNIT_ROUNDOFF32,
    rounding_slack,
    rounding_slack32,
)
from skvariance.evaluation import bootstrap_ci
from skvariance.resampling import SMOTE, _neighbors
from skvariance.resampling._neighbors import class_kneighbors
from skvariance.utils.validation import effective_n_threads


@pytest.mark.usefixtures("openmp_every_core")
def test_rule_is_every_core_capped_by_max_threads_whatever_n_jobs():
    assert skvariance.get_config()["max_threads"] == -1
    assert compiled_n_threads() == EVERY_CORE
    for n_jobs in (None, 1, 2, -1):
        assert effective_n_threads(n_jobs) == EVERY_CORE
    with joblib.parallel_config(n_jobs=1):
        assert compiled_n_threads() == EVERY_CORE
    with skvariance.config_context(max_threads=1):
        assert compiled_n_threads() == effective_n_threads(-1) == 1
    with skvariance.config_context(max_threads=10_000):
        assert compiled_n_threads() == EVERY_CORE
    assert compiled_n_threads() == EVERY_CORE


@pytest.mark.parametrize(
    "value, error",
    [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError)],
)
def test_max_threads_is_checked_before_anything_changes(value, error):
    before = skvariance.get_config()
    with pytest.raises(error, match="max_threads must be a positive int or -1"):
        skvariance.set_config(neighbors_cache=False, max_threads=value)
    assert skvariance.get_config() == before


@pytest.mark.usefixtures("parallel_kernels")
def test_a_parallel_kernel_runs_on_the_rule():
    out = np.zeros(64, dtype=np.int64)
    assert set(threads_seen(out)) == {EVERY_CORE}
    with skvariance.config_context(max_threads=1):
        assert set(threads_seen(out)) == {1}
    # the caller's numba setting is restored, and a lower one honoured
    assert numba.get_num_threads() == EVERY_CORE
    try:
        numba.set_num_threads(1)
        assert set(threads_seen(out)) == {1}
    finally:
        numba.set_num_threads(EVERY_CORE)


@kernel(parallel=True, cache=False, work=lambda out, scale: out.size * scale)
def threads_seen_scaled(out, scale):
    for i in prange(out.shape[0]):
        out[i] = numba.get_num_threads()
    return out


@multicore
@pytest.mark.usefixtures("openmp_every_core")
def test_small_inputs_run_on_one_thread():
    # waking the threads costs more than a small input's work: below
    # SMALL_WORK array elements one thread, from SMALL_WORK on every core
    assert SMALL_WORK == 2**15
    before = numba.get_num_threads()
    assert set(threads_seen(np.zeros(SMALL_WORK - 1, np.int64))) == {1}
    assert numba.get_num_threads() == before
    assert set(threads_seen(np.zeros(SMALL_WORK, np.int64))) == {EVERY_CORE}
    # a kernel's own work estimate replaces the count of elements
    out = np.zeros(64, np.int64)
    assert set(threads_seen_scaled(out, SMALL_WORK // 64 - 1)) == {1}
    assert set(threads_seen_scaled(out, SMALL_WORK // 64)) == {EVERY_CORE}
    # max_threads still caps a large input
    with skvariance.config_context(max_threads=1):
        assert set(threads_seen(np.zeros(SMALL_WORK, np.int64))) == {1}
    assert numba.get_num_threads() == before


@multicore
def test_small_input_rule_reads_the_module_setting(parallel_kernels):
    assert _config.SMALL_WORK == 0
    assert set(threads_seen(np.zeros(4, np.int64))) == {EVERY_CORE}


def test_work_estimates_of_the_kernels():
    a, b = np.zeros((3, 4)), np.zeros(5, np.int64)
    assert array_elements(a, 7, 0.5, b, None) == 17
    assert array_elements(1, 2) == 0
    # weighted quantiles: one pass over the elements (the default)
    assert _quantile.weighted_quantile_sorted_rows.work is array_elements
    # bootstrap statistics: every resample (row of out) redraws every entry
    scores, out = np.zeros((10, 3)), np.zeros(2000)
    assert _bootstrap.bootstrap_mean.work(scores, 0, True, False, out) == 60_000
    sorted_values, rank = np.zeros(30), np.zeros((10, 3), np.int64)
    args = (sorted_values, rank, 7, 23, 0, True, False, out)
    assert _bootstrap.bootstrap_trimmed_mean.work(*args) == 2000 * 60
    thresholds = np.zeros(9)
    out2 = np.zeros((2000, 9))
    work = _bootstrap.bootstrap_task_mean_exceedance.work
    assert work(scores, thresholds, 0, True, False, out2) == 2000 * 39
    # the resampled indices themselves: their number
    work = _bootstrap.bootstrap_indices.work
    assert work(0, 0, 10, 3, True, False, np.zeros((50, 10, 3)), out) == 1500 + 2000
    # CV+: per output entry K binary searches whose steps each cost K more
    res, centers, out3 = np.zeros(1000), np.zeros((40, 5)), np.zeros((40, 2))
    args = (res, np.zeros((1, 6)), np.zeros(40), centers, centers, -1, b, out3)
    work = _conformal.grouped_cv_plus_order_statistics.work(*args)
    assert work == 80 * (5 * 10) ** 2  # 1000 < 2**10: 10 steps


def test_work_is_for_parallel_kernels_only():
    with pytest.raises(TypeError, match=r"^work is for parallel=True kernels only\.$"):
        kernel(work=array_elements)

    def count(out):
        return out.size * 2

    def probe(out):
        for i in prange(out.shape[0]):
            out[i] = 1
        return out

    # both ways to call kernel keep the estimate
    assert kernel(probe, parallel=True, cache=False, work=count).work is count
    assert kernel(parallel=True, cache=False, work=count)(probe).work is count
    assert kernel(probe, parallel=True, cache=False).work is array_elements


def test_every_parallel_kernel_of_the_package_is_wrapped():
    # a numba dispatcher compiled with parallel=True but not wrapped would
    # run on numba's own thread count, outside the rule
    seen = 0
    for info in pkgutil.iter_modules(skvariance._kernels.__path__):
        module = importlib.import_module(f"skvariance._kernels.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, numba.core.registry.CPUDispatcher):
                assert not obj.targetoptions.get("parallel"), obj
            if hasattr(getattr(obj, "dispatcher", None), "targetoptions"):
                assert obj.dispatcher.targetoptions["parallel"]
                seen += 1
    assert seen >= 10


@multicore
@pytest.mark.usefixtures("parallel_kernels")
def test_bootstrap_and_smote_kernels_follow_max_threads(monkeypatch):
    calls = []
    original = numba.set_num_threads

    def spy(n):
        calls.append(n)
        original(n)

    monkeypatch.setattr(numba, "set_num_threads", spy)
    scores = np.random.RandomState(0).normal(size=(10, 3))
    X = np.random.RandomState(0).normal(size=(60, 3))
    y = np.array([0] * 50 + [1] * 10)
    with skvariance.config_context(max_threads=1, neighbors_cache=False):
        bootstrap_ci(scores, n_resamples=200, random_state=0)
        SMOTE(random_state=0, n_jobs=2).fit_resample(X, y)
    assert calls and set(calls[::2]) == {1}  # set to 1, then restored
    assert numba.get_num_threads() == EVERY_CORE


@multicore
@pytest.mark.usefixtures("openmp_every_core")
def test_neighbour_search_threads_follow_the_rule_not_n_jobs(monkeypatch):
    pools = []
    real = _neighbors.ThreadPoolExecutor

    def recording(n):
        pools.append(n)
        return real(n)

    monkeypatch.setattr(_neighbors, "ThreadPoolExecutor", recording)
    monkeypatch.setattr(_neighbors, "BLOCK", 16)
    X = np.random.RandomState(0).normal(size=(100, 3))
    class_kneighbors(X, 3, use_cache=False, n_jobs=1)
    assert pools == [EVERY_CORE]
    with skvariance.config_context(max_threads=1):
        class_kneighbors(X, 3, use_cache=False, n_jobs=-1)
    assert pools == [EVERY_CORE]


def _bounds(result):
    return np.array([result.low, result.high])


@multicore
@pytest.mark.usefixtures("parallel_kernels")
def test_results_do_not_depend_on_the_number_of_threads(monkeypatch):
    monkeypatch.setattr(_neighbors, "BLOCK", 32)
    rng = np.random.RandomState(3)
    X = np.vstack([rng.normal(size=(300, 5)), rng.randint(0, 3, size=(200, 5))])
    y = np.r_[np.zeros(380, int), np.ones(120, int)]
    scores = rng.normal(size=(12, 4))
    out = {}
    for n in (1, 2):
        with skvariance.config_context(max_threads=n, neighbors_cache=False):
            out[n] = (
                class_kneighbors(X, 7, use_cache=False),
                SMOTE(random_state=0).fit_resample(X, y)[0],
                _bounds(bootstrap_ci(scores, n_resamples=500, random_state=0)),
            )
    for a, b in zip(out[1], out[2]):
        np.testing.assert_array_equal(a, b)


# -- exact neighbours although the Gram blocks are float32 ----------------------
def _brute_force_int(X, k):
    """(distance, index) order by exact integer arithmetic (int64)."""
    Xi = X.astype(np.int64)
    D = ((Xi[:, None, :] - Xi[None, :, :]) ** 2).sum(-1)
    n = X.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        cand = np.delete(np.arange(n), i)
        out[i] = cand[np.lexsort((cand, D[i, cand]))[:k]]
    return out


def _float32_ranking(X, k):
    """What a float32 distance block would rank (a wrong re-rank)."""
    Z = (X - X.mean(0)).astype(np.float32)
    sq = (Z * Z).sum(1)
    D = (sq[:, None] + sq[None, :] - 2 * Z @ Z.T).astype(np.float64)
    n = X.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        cand = np.delete(np.arange(n), i)
        out[i] = cand[np.lexsort((cand, D[i, cand]))[:k]]
    return out


@pytest.mark.parametrize("block", [256, 16])
def test_near_ties_float32_cannot_separate_give_the_float64_neighbours(
    monkeypatch, block
):
    # integer points spread over 2**15 (squared distances up to 2**31, exact
    # in float64) far from the origin: distances that differ by 1 -- and
    # exact ties, broken by index -- are far below float32's resolution
    # (2**-24 of |x|^2 ~ 2**30), so only the float64 re-rank orders them
    monkeypatch.setattr(_neighbors, "BLOCK", block)
    rng = np.random.RandomState(0)
    centre = rng.randint(0, 2**15, size=(40, 3))
    X = np.vstack([c + rng.randint(-3, 4, size=(8, 3)) for c in centre])
    X = (X + 2**20).astype(np.float64)
    for k in (1, 5, 12):
        reference = _brute_force_int(X, k)
        assert (_float32_ranking(X, k) != reference).any(axis=1).mean() > 0.05
        np.testing.assert_array_equal(
            class_kneighbors(X, k, use_cache=False), reference
        )


def test_rows_near_the_mean_whose_products_underflow_in_float32():
    # two rows set the scale (|x| = 1); the others sit within 2**-80 of the
    # mean, where float32 products underflow to 0: only the absolute
    # underflow term of the bound keeps their true neighbours
    rng = np.random.RandomState(1)
    small = rng.randint(-8, 9, size=(60, 4)) * 2.0**-80
    small[:, 0] += rng.randint(0, 2, size=60) * 2.0**-78
    X = np.vstack([[1.0, 0, 0, 0], [-1.0, 0, 0, 0], small])
    exact = (small / 2.0**-80).astype(np.int64)
    for k in (1, 4):
        got = class_kneighbors(X, k, use_cache=False)[2:]
        ref = _brute_force_int(exact, k) + 2
        np.testing.assert_array_equal(got, ref)


def test_float32_slack_bounds_the_float32_expansion_error():
    # the float64 bound is far too tight for float32 Gram blocks, the
    # float32 bound holds on badly conditioned data
    rng = np.random.RandomState(0)
    for d in (2, 20):
        X = rng.normal(size=(300, d)) * 1e3 + rng.normal(size=d) * 1e6
        Z = X - X.mean(0)
        e = int(np.frexp(np.abs(Z).max())[1])
        W = np.ldexp(Z, -e).astype(np.float32)
        sq = (Z * Z).sum(1)
        G = (W @ W.T).astype(np.float64) * 2.0 ** (2 * e)
        expansion = sq[:, None] + sq[None, :] - 2.0 * G
        direct = np.zeros((300, 300))
        for t in range(d):
            direct += (X[:, None, t] - X[None, :, t]) ** 2
        ratio = np.abs(expansion - direct) / (sq[:, None] + sq[None, :])
        assert ratio.max() <= rounding_slack32(d)
        assert ratio.max() > 10 * rounding_slack(d)
        assert rounding_slack32(d) < 4 * (d + 4) * UNIT_ROUNDOFF32
