"""SMOTE / SMOTENC and their kernels: tests written against surviving mutants.

References come from NumPy by hand (segments, modes, counts), never from
the sampler's own state.
"""

import re
import threading
from contextlib import contextmanager

import numba
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from threadpoolctl import threadpool_info, threadpool_limits

import skvariance
from skvariance._config import compiled_n_threads
from skvariance.resampling import (
    SMOTE,
    SMOTENC,
    _neighbors,
    base,
    clear_neighbors_cache,
    neighbors_cache_info,
)


@pytest.fixture(autouse=True)
def _fresh_neighbors_cache():
    """No neighbour graph carried over from another test (or another run)."""
    clear_neighbors_cache()
    yield
    clear_neighbors_cache()


def _object_data(column, n_rare=15, seed=0):
    """Continuous columns 0 and 2 around the categorical column 1."""
    rng = np.random.RandomState(seed)
    n = len(column)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rng.normal(size=n)
    X[:, 1] = column
    X[:, 2] = rng.normal(size=n)
    y = np.r_[np.zeros(n - n_rare, dtype=int), np.ones(n_rare, dtype=int)]
    return X, y


def _categories(n=60, seed=0):
    return list(np.random.RandomState(seed).choice(["a", "b", "c"], size=n))


MISSING = (
    "categorical column 1 of X contains NaN, infinity or None; missing values "
    "are not categories."
)


def _bad(value, n=60):
    column = _categories(n)
    column[7] = value
    return column


@pytest.mark.parametrize("value", [None, float("nan"), float("inf")])
def test_smotenc_missing_values_in_an_object_column(value):
    X, y = _object_data(_bad(value))
    with pytest.raises(ValueError, match=f"^{re.escape(MISSING)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)


def test_smotenc_missing_values_in_float_and_pandas_columns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    X[:, 1] = rng.randint(0, 3, size=60)
    X[7, 1] = np.nan
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    with pytest.raises(ValueError, match=f"^{re.escape(MISSING)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)
    frame = pd.DataFrame(
        {
            "x0": X[:, 0],
            "colour": pd.Categorical(_bad(None), categories=["a", "b", "c"]),
            "x2": X[:, 2],
        }
    )
    with pytest.raises(ValueError, match=f"^{re.escape(MISSING)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(frame, y)


@pytest.mark.parametrize(
    "levels", [[10, 20, 30], [1, 2.5, 4], [1.5, 2.5, 3.5]], ids=["int", "mix", "float"]
)
def test_smotenc_object_column_of_numbers_is_a_category(levels):
    rng = np.random.RandomState(1)
    column = [levels[i] for i in rng.randint(0, 3, size=60)]
    X, y = _object_data(column)
    X_res, y_res = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [45, 45])
    assert X_res[:60].tolist() == X.tolist()
    assert set(X_res[60:, 1].tolist()) <= set(levels)


def test_smotenc_mixed_strings_and_numbers_message():
    X, y = _object_data(_bad(3))
    expected = (
        "categorical column 1 of X mixes strings and numbers (['int']); make its "
        "values all strings or all numbers."
    )
    with pytest.raises(TypeError, match=f"^{re.escape(expected)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)


def test_smotenc_unorderable_category_message():
    column = [1, 2, 3] * 20
    column[4] = 2j
    X, y = _object_data(column)
    expected = "categorical column 1 of X mixes types that cannot be ordered."
    with pytest.raises(TypeError, match=f"^{re.escape(expected)}$"):
        SMOTENC(categorical_features=[1]).fit_resample(X, y)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_smotenc_sparse_float32_keeps_its_dtype(fmt):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    X[:, 1] = rng.randint(0, 3, size=60)
    X[np.abs(X) < 0.4] = 0.0
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    X_res, y_res = SMOTENC(categorical_features=[1], random_state=0).fit_resample(
        sparse.csr_matrix(X).asformat(fmt), y
    )
    dense = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X, y)
    assert X_res.format == fmt
    assert X_res.dtype == np.float32 and dense[0].dtype == np.float32
    np.testing.assert_array_equal(X_res.toarray(), dense[0])


def _unsorted_csr(X):
    """CSR of ``X`` with every row's column indices stored in reverse order."""
    csr = sparse.csr_matrix(X)
    indices, data = csr.indices.copy(), csr.data.copy()
    for start, stop in zip(csr.indptr[:-1], csr.indptr[1:]):
        indices[start:stop] = indices[start:stop][::-1]
        data[start:stop] = data[start:stop][::-1]
    out = sparse.csr_matrix((data, indices, csr.indptr.copy()), shape=X.shape)
    out.has_sorted_indices = False
    return out


def test_smote_on_unsorted_csr_equals_dense():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 6))
    X[np.abs(X) < 0.6] = 0.0
    y = np.r_[np.zeros(60, dtype=int), np.ones(20, dtype=int)]
    X_unsorted = _unsorted_csr(X)
    assert not X_unsorted.has_sorted_indices
    bounds = zip(X_unsorted.indptr[:-1], X_unsorted.indptr[1:])
    assert any(np.any(np.diff(X_unsorted.indices[a:b]) < 0) for a, b in bounds)
    dense = SMOTE(random_state=0).fit_resample(X, y)
    X_res, y_res = SMOTE(random_state=0).fit_resample(X_unsorted, y)
    np.testing.assert_array_equal(y_res, dense[1])
    np.testing.assert_allclose(X_res.toarray(), dense[0], rtol=1e-12, atol=1e-12)
    # every synthetic row is stored once per column, as a CSR matrix should be
    new = sparse.csr_matrix(X_res)[80:]
    for start, stop in zip(new.indptr[:-1], new.indptr[1:]):
        cols = new.indices[start:stop]
        assert np.unique(cols).size == cols.size


# -- class_kneighbors ----------------------------------------------------------
def _brute_force(X, k, codes=None, penalty=0.0):
    """float64 squared distances (+ penalty per mismatch), stable sort by row."""
    X = np.asarray(X, dtype=np.float64)
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    if codes is not None:
        D = D + penalty * (codes[:, None, :] != codes[None, :, :]).sum(-1)
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1, kind="stable")[:, :k]


def _int_data(n=40, d=3, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randint(0, 4, size=(n, d)).astype(float)


def test_kneighbors_on_unsorted_csr_equals_brute_force():
    X = _int_data(seed=1)
    X_unsorted = _unsorted_csr(X)
    got = _neighbors.class_kneighbors(X_unsorted, 5, use_cache=False)
    np.testing.assert_array_equal(got, _brute_force(X, 5))


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_kneighbors_distances_are_float64_for_float32_input(fmt):
    # |row1 - row0|^2 = (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24, which float32
    # rounds to 1 + 2^-11 = |row2 - row0|^2: in float64 row 2 is nearer
    e = 2.0**-6
    X = np.array(
        [[0.0, 0.0, 0.0], [1.0 + 2.0**-12, 0.0, 0.0], [1.0, e, e], [5.0, 5.0, 5.0]],
        dtype=np.float32,
    )
    Xin = X if fmt == "dense" else sparse.csr_matrix(X)
    got = _neighbors.class_kneighbors(Xin, 2, use_cache=False)
    np.testing.assert_array_equal(got[0], [2, 1])
    np.testing.assert_array_equal(got, _brute_force(X, 2))


def test_kneighbors_penalty_defaults_to_zero_and_needs_codes():
    X = _int_data(seed=2)
    codes = np.random.RandomState(0).randint(0, 2, size=(40, 1)).astype(np.int32)
    plain = _brute_force(X, 4)
    with_codes = _neighbors.class_kneighbors(X, 4, codes=codes, use_cache=False)
    np.testing.assert_array_equal(with_codes, plain)
    no_codes = _neighbors.class_kneighbors(X, 4, penalty=5.0, use_cache=False)
    np.testing.assert_array_equal(no_codes, plain)


def test_kneighbors_cache_is_keyed_by_the_codes():
    X = _int_data(seed=3)
    rng = np.random.RandomState(1)
    first, second = (rng.randint(0, 3, size=(40, 2)).astype(np.int32) for _ in "ab")
    clear_neighbors_cache()
    for codes in (first, second):
        got = _neighbors.class_kneighbors(X, 4, codes=codes, penalty=1.5)
        np.testing.assert_array_equal(got, _brute_force(X, 4, codes, 1.5))
    info = neighbors_cache_info()
    assert (info["entries"], info["hits"], info["misses"]) == (2, 0, 2)
    _neighbors.class_kneighbors(X, 3, codes=first, penalty=1.5)
    _neighbors.class_kneighbors(X[::-1], 3)
    info = neighbors_cache_info()
    assert (info["entries"], info["hits"], info["misses"]) == (3, 1, 3)
    clear_neighbors_cache()


def test_kneighbors_cache_bounds_are_inclusive():
    X = _int_data(seed=4)
    nbytes = 40 * 4 * np.dtype(np.int32).itemsize
    clear_neighbors_cache()
    with skvariance.config_context(
        neighbors_cache_max_bytes=nbytes, neighbors_cache_max_entries=1
    ):
        _neighbors.class_kneighbors(X, 4)
        assert neighbors_cache_info()["entries"] == 1
        again = _neighbors.class_kneighbors(X, 4)
        assert neighbors_cache_info()["hits"] == 1
        assert not again.flags.writeable  # cached graphs are read-only
    clear_neighbors_cache()
    with skvariance.config_context(neighbors_cache_max_entries=0):
        nn = _neighbors.class_kneighbors(X, 4)
        assert neighbors_cache_info()["entries"] == 0
        assert nn.flags.writeable  # not cached: the caller's own array
    clear_neighbors_cache()


_PAIRS = _neighbors._pairs


def _spy_pairs(monkeypatch, barrier=None):
    """Record every _pairs call with the BLAS thread limits inside it."""
    calls = []
    original = _PAIRS

    lock = threading.Lock()

    def spy(*args, **kwargs):
        if barrier is not None:
            barrier.wait()  # both workers must be running at once
        with lock:  # threadpoolctl's look-ups one thread at a time
            info = threadpool_info()
        calls.append({i["num_threads"] for i in info if i["user_api"] == "blas"})
        return original(*args, **kwargs)

    monkeypatch.setattr(_neighbors, "_pairs", spy)
    return calls


def test_kneighbors_threads_and_blas_limits(monkeypatch, openmp_every_core):
    # the search is a compiled loop: threads by the package rule, not n_jobs
    if min(openmp_every_core, numba.config.NUMBA_NUM_THREADS) < 2:
        pytest.skip("compiled loops run on one thread here (NUMBA_NUM_THREADS)")
    assert compiled_n_threads() >= 2  # the suite's OpenMP limit is lifted
    X = _int_data(n=60, seed=5)
    monkeypatch.setattr(_neighbors, "BLOCK", 13)
    monkeypatch.setattr(_neighbors, "SPARSE_BLOCK", 13)
    calls = _spy_pairs(monkeypatch, threading.Barrier(2, timeout=20))
    with threadpool_limits(limits=2):
        with skvariance.config_context(max_threads=2):
            got = _neighbors.class_kneighbors(X, 4, use_cache=False, n_jobs=1)
    np.testing.assert_array_equal(got, _brute_force(X, 4))
    assert len(calls) == 2
    assert all(blas == {1} for blas in calls)  # one BLAS thread per worker
    # sparse input: one thread whatever n_jobs (SciPy's products hold the GIL)
    calls = _spy_pairs(monkeypatch)
    got = _neighbors.class_kneighbors(
        sparse.csr_matrix(X), 4, use_cache=False, n_jobs=2
    )
    np.testing.assert_array_equal(got, _brute_force(X, 4))
    assert len(calls) == 1


# -- BaseSMOTE._smote -----------------------------------------------------------
def test_smote_needs_exactly_k_plus_one_rows():
    X, y = (
        _int_data(n=30, seed=6),
        np.r_[np.zeros(24, dtype=int), np.ones(6, dtype=int)],
    )
    X_res, y_res = SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [24, 24])
    expected = (
        "Class 1 has 5 sample(s); SMOTE needs at least k_neighbors + 1 = 6 "
        "samples in every class it over-samples. Lower k_neighbors or do not "
        "over-sample this class."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        SMOTE(k_neighbors=5).fit_resample(X[:-1], y[:-1])


def test_smote_sparse_float32_keeps_its_dtype():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    X[np.abs(X) < 0.5] = 0.0
    y = np.r_[np.zeros(45, dtype=int), np.ones(15, dtype=int)]
    dense = SMOTE(random_state=0).fit_resample(X, y)
    X_res, _ = SMOTE(random_state=0).fit_resample(sparse.csr_matrix(X), y)
    assert X_res.dtype == np.float32 == dense[0].dtype
    np.testing.assert_array_equal(X_res.toarray(), dense[0])


def test_smote_runs_its_kernels_on_n_jobs_threads(monkeypatch):
    seen = []
    original = base.numba_threads

    @contextmanager
    def spy(n_jobs):
        seen.append(n_jobs)
        with original(n_jobs):
            yield

    monkeypatch.setattr(base, "numba_threads", spy)
    X, y = (
        _int_data(n=30, seed=7),
        np.r_[np.zeros(20, dtype=int), np.ones(10, dtype=int)],
    )
    SMOTE(k_neighbors=3, n_jobs=2, random_state=0).fit_resample(X, y)
    assert seen == [2]


def test_smotenc_multiclass_categories_follow_their_class():
    # every class has one category of its own: the mode of any row's
    # neighbours (same class) is that category, for every over-sampled class
    rng = np.random.RandomState(0)
    counts = [50, 20, 12]
    y = np.repeat([0, 1, 2], counts)
    X = np.empty((len(y), 3), dtype=object)
    X[:, 0] = rng.normal(size=len(y))
    X[:, 1] = np.array(["p", "q", "r"])[y]
    X[:, 2] = rng.normal(size=len(y))
    X_res, y_res = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [50, 50, 50])
    new = X_res[len(y) :]
    assert new[:, 1].tolist() == np.array(["p", "q", "r"])[y_res[len(y) :]].tolist()


def test_kneighbors_limits_only_blas_around_its_workers(monkeypatch):
    # the search limits BLAS to one thread while its workers run, and leaves
    # the OpenMP pool (other libraries' threads) as the caller set it
    seen = []

    original = _neighbors._pairs

    def spy(*args):
        info = threadpool_info()
        seen.append(
            {
                api: {i["num_threads"] for i in info if i["user_api"] == api}
                for api in ("blas", "openmp")
            }
        )
        return original(*args)

    monkeypatch.setattr(_neighbors, "_pairs", spy)
    X = _int_data(seed=8)
    with threadpool_limits(limits=2):
        outside = {
            i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"
        }
        got = _neighbors.class_kneighbors(X, 4, use_cache=False)
    np.testing.assert_array_equal(got, _brute_force(X, 4))
    assert outside == {2}
    assert seen and all(w == {"blas": {1}, "openmp": {2}} for w in seen)
