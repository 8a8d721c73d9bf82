"""Exact within-class k-NN and its graph cache."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

import skvariance
from skvariance.resampling import _neighbors
from skvariance.resampling import clear_neighbors_cache as clear_cache
from skvariance.resampling import neighbors_cache_info as cache_info
from skvariance.resampling._neighbors import class_kneighbors


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_cache()
    yield
    clear_cache()


def _sq_dist(X, i, idx):
    return ((X[idx] - X[i]) ** 2).sum(-1)


@pytest.mark.parametrize("n, d, k", [(300, 5, 5), (1500, 20, 6)])
def test_same_sets_as_sklearn_on_continuous_data(n, d, k):
    X = np.random.RandomState(n).normal(size=(n, d)) * 100 + 1e3  # offset
    ours = class_kneighbors(X, k, use_cache=False)
    ref = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)[1][:, 1:]
    assert all(set(a) == set(b) for a, b in zip(ours.tolist(), ref.tolist()))


def test_ties_and_duplicates_against_sklearn():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 4, size=(400, 3)).astype(float)  # exact ties
    X[50:60] = X[7]  # ten duplicates
    k = 5
    ours = class_kneighbors(X, k, use_cache=False)
    assert not np.any(ours == np.arange(400)[:, None])  # self excluded by index
    dist, ref = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    sk_sorted = np.sort(dist**2, axis=1)  # sklearn may return self anywhere
    ours_d = np.array([_sq_dist(X, i, ours[i]) for i in range(400)])
    # sklearn's k+1 include self (distance 0) or a duplicate in its place
    for i in range(400):
        ref_other = [j for j in ref[i] if j != i][:k]
        np.testing.assert_array_equal(ours_d[i], _sq_dist(X, i, ref_other))
        full = np.sort(_sq_dist(X, i, np.delete(np.arange(400), i)))
        if full[k - 1] < full[k]:  # no tie at the boundary: the set is unique
            assert set(ours[i]) == set(ref_other)
    assert sk_sorted.shape == (400, k + 1)
    # duplicates of row 7 find each other at distance 0, lowest indices first
    same = np.flatnonzero((X == X[7]).all(axis=1))
    assert ours[7].tolist() == [j for j in same if j != 7][:5]
    assert ours[50].tolist() == [j for j in same if j != 50][:5]


def test_blocked_paths_and_threads_give_the_same_graph(monkeypatch):
    X = np.random.RandomState(1).normal(size=(200, 4))
    whole = class_kneighbors(X, 4, use_cache=False, n_jobs=1)
    monkeypatch.setattr(_neighbors, "BLOCK", 13)
    monkeypatch.setattr(_neighbors, "SPARSE_BLOCK", 13)
    for n_jobs in (1, 2, -1):
        np.testing.assert_array_equal(
            class_kneighbors(X, 4, use_cache=False, n_jobs=n_jobs), whole
        )


def test_categorical_penalty_changes_neighbours():
    X = np.array([[0.0], [0.1], [0.2], [5.0]])
    codes = np.array([[0], [1], [1], [0]], dtype=np.int32)
    plain = class_kneighbors(X, 1, use_cache=False)
    assert plain[0, 0] == 1
    penalised = class_kneighbors(X, 1, codes=codes, penalty=100.0, use_cache=False)
    assert penalised[0, 0] == 3  # 25 < 0.01 + 100


def test_cache_reuses_and_never_goes_stale():
    X = np.random.RandomState(2).normal(size=(100, 3))
    first = class_kneighbors(X, 5)
    assert cache_info()["entries"] == 1
    again = class_kneighbors(X.copy(), 5)  # same content, another array
    assert cache_info()["hits"] == 1
    np.testing.assert_array_equal(first, again)
    fewer = class_kneighbors(X, 3)  # served by the k=5 graph
    assert cache_info()["hits"] == 2
    np.testing.assert_array_equal(fewer, first[:, :3])
    assert not first.flags.writeable
    X[0] = X[1] + 1e-9  # mutate in place: a new key, a new graph
    changed = class_kneighbors(X, 5)
    np.testing.assert_array_equal(changed, class_kneighbors(X, 5, use_cache=False))
    assert changed[1, 0] == 0 and first[1, 0] != 0


def test_cache_is_bounded_by_the_config():
    rng = np.random.RandomState(3)
    with skvariance.config_context(neighbors_cache_max_entries=3):
        for _ in range(6):
            class_kneighbors(rng.normal(size=(30, 2)), 2)
        assert cache_info()["entries"] == 3
    # a graph of 30 x 2 int32 is 240 bytes: a bound of two graphs keeps two
    with skvariance.config_context(neighbors_cache_max_bytes=30 * 2 * 4 * 2):
        class_kneighbors(rng.normal(size=(30, 2)), 2)
        assert cache_info()["entries"] == 2
        assert cache_info()["bytes"] == 480
    # a graph larger than the bound is never stored
    with skvariance.config_context(neighbors_cache_max_bytes=100):
        clear_cache()
        class_kneighbors(rng.normal(size=(30, 2)), 2)
        assert cache_info()["entries"] == 0


def test_cache_switched_off_by_the_config():
    X = np.random.RandomState(4).normal(size=(50, 3))
    with skvariance.config_context(neighbors_cache=False):
        first = class_kneighbors(X, 3)
        class_kneighbors(X, 3)
        assert cache_info() == {"entries": 0, "bytes": 0, "hits": 0, "misses": 0}
        assert first.flags.writeable  # not a shared cached array
    class_kneighbors(X, 3)
    class_kneighbors(X, 3)
    assert cache_info()["hits"] == 1 and cache_info()["entries"] == 1
    clear_cache()
    assert cache_info() == {"entries": 0, "bytes": 0, "hits": 0, "misses": 0}


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_graph(fmt):
    rng = np.random.RandomState(5)
    X = rng.normal(size=(120, 30)) * (rng.uniform(size=(120, 30)) < 0.2)
    dense = class_kneighbors(X, 4, use_cache=False)
    Xs = sparse.csr_matrix(X) if fmt == "csr" else sparse.csc_matrix(X)
    np.testing.assert_array_equal(class_kneighbors(Xs, 4, use_cache=False), dense)
    # several sparse blocks, merged across the upper block triangle
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_neighbors, "SPARSE_BLOCK", 17)
        blocked = class_kneighbors(Xs, 4, use_cache=False)
    np.testing.assert_array_equal(blocked, dense)
    # and the sparse graph is cached under its own key
    class_kneighbors(Xs, 4)
    class_kneighbors(Xs.copy(), 4)
    assert cache_info()["hits"] == 1


def _brute_force(X, k, codes=None, penalty=0.0):
    """Exact squared distances and a stable (distance, index) sort, row by row."""
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    if codes is not None:
        D = D + penalty * (codes[:, None, :] != codes[None, :, :]).sum(-1)
    n = X.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        others = np.delete(np.arange(n), i)
        out[i] = others[np.argsort(D[i, others], kind="stable")[:k]]
    return out


@pytest.mark.parametrize(
    "low, high, offset",
    [(0, 3, 0.0), (100, 110, 0.0), (-50, 50, 0.0), (0, 4, 1e8)],
)
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_tie_rule_holds_for_every_row_on_integer_data(low, high, offset, fmt):
    # integer data: every squared distance is an exact float, so the
    # documented rule -- equal distances broken by the lower index -- has one
    # right answer per row. Centring and the Gram expansion used to decide
    # these ties by rounding (12-99% of rows right).
    rng = np.random.RandomState(high)
    X = rng.randint(low, high, size=(500, 5)).astype(float)
    if fmt == "csr":
        X[rng.uniform(size=X.shape) < 0.4] = 0.0
    if offset:  # large stored values: |x|^2 > 2^53, the expansion rounds
        X[:, :2] = np.where(X[:, :2] != 0, X[:, :2] + offset, 0.0)
    Xin = sparse.csr_matrix(X) if fmt == "csr" else X
    for k in (1, 4, 10):
        got = class_kneighbors(Xin, k, use_cache=False, n_jobs=2)
        np.testing.assert_array_equal(got, _brute_force(X, k))


def test_tie_rule_holds_with_the_categorical_penalty():
    rng = np.random.RandomState(7)
    X = rng.randint(0, 5, size=(400, 3)).astype(float)
    codes = rng.randint(0, 3, size=(400, 2)).astype(np.int32)
    for penalty in (2.0, 0.75):
        for k in (1, 5, 10):
            got = class_kneighbors(X, k, codes=codes, penalty=penalty, use_cache=False)
            np.testing.assert_array_equal(got, _brute_force(X, k, codes, penalty))
