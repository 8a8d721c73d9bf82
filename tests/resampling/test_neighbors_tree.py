"""The KD-tree path of the neighbour search gives the brute force's graph.

With few features :func:`class_kneighbors` takes candidates from
scikit-learn's ``KDTree`` and re-ranks them by our direct distances,
widening the candidates until the cut is proven exact
(``_kernels._knn.rerank_candidates``). Every test compares the tree path
(``_neighbors._METHOD = "tree"``) with the brute force (``"brute"``, the
path the rest of the suite checks against an independent reference), on
data where a wrong re-rank shows: exact ties at the cut (integer grids),
duplicated rows and near-ties within one ulp.
"""

import numba
import numpy as np
import pytest
from scipy import sparse
from sklearn.neighbors import KDTree

import skvariance
from skvariance._kernels._knn import (
    _direct_dense,
    rerank_candidates,
    rounding_slack,
    tree_underflow_slack,
)
from skvariance.resampling import SMOTE, SMOTER, _neighbors
from skvariance.resampling._neighbors import _compute_tree, _use_tree, class_kneighbors


@pytest.fixture(autouse=True)
def _no_cache():
    with skvariance.config_context(neighbors_cache=False):
        yield


def _graphs(monkeypatch, X, k, **kwargs):
    out = {}
    for method in ("brute", "tree"):
        monkeypatch.setattr(_neighbors, "_METHOD", method)
        out[method] = class_kneighbors(X, k, **kwargs)
    monkeypatch.setattr(_neighbors, "_METHOD", "auto")
    return out["brute"], out["tree"]


def _direct(X, i, j):
    """Our distance in numpy (column order), for checking the data's ties."""
    s = np.zeros(np.broadcast(i, j).shape)
    for t in range(X.shape[1]):
        diff = X[i, t] - X[j, t]
        s = s + diff * diff
    return s


def _grid(n, d, high, seed):
    return np.random.default_rng(seed).integers(0, high, size=(n, d)).astype(float)


def _duplicated(n, d, seed):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, d))
    X = np.repeat(base, rng.integers(1, 13, size=n), axis=0)
    return X[rng.permutation(X.shape[0])]


def _shells(n_shells, seed):
    """The origin and every signed permutation of a few random 3-vectors.

    The 48 points of a shell are at the same exact distance from the
    origin, but their float sums of squares differ in the last bits with
    the order of the terms: near-ties within an ulp, at the cut for k <= 48.
    """
    rng = np.random.default_rng(seed)
    perms = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
    signs = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, -1).T
    rows = [np.zeros((1, 3))]
    while len(rows) <= n_shells:
        v = rng.uniform(0.5, 2.0, size=3)
        q = v * v
        if len({(q[0] + q[1]) + q[2], (q[0] + q[2]) + q[1], (q[1] + q[2]) + q[0]}) > 1:
            # the order of the sum changes its last bits: keep this shell
            rows.append((v[perms][:, None, :] * signs[None]).reshape(-1, 3))
    X = np.concatenate(rows)
    return X[np.r_[0, 1 + rng.permutation(X.shape[0] - 1)]]


DATA = {
    "grid 1 feature": lambda: _grid(400, 1, 60, 0),
    "grid 3 features": lambda: _grid(600, 3, 6, 1),
    "grid 8 features": lambda: _grid(400, 8, 2, 2),
    "duplicates 1 feature": lambda: _duplicated(60, 1, 3),
    "duplicates 3 features": lambda: _duplicated(80, 3, 4),
    "duplicates 8 features": lambda: _duplicated(60, 8, 5),
    "near-ties 3 features": lambda: _shells(8, 6),
}


def _subnormal():
    """Squared differences of a few 2**-1074: products round in the
    subnormal range (an absolute error, not a relative one)."""
    return _duplicated(60, 3, 12) * 2.0**-535


@numba.njit(cache=False)
def _all_pairs(X):
    """Our direct distances (the same compiled sum) for every pair."""
    n = X.shape[0]
    D = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            D[i, j] = _direct_dense(X, min(i, j), X, max(i, j))
    return D


def _reference(X, k):
    """First ``k`` other rows by (direct distance, index), all pairs."""
    D = _all_pairs(np.ascontiguousarray(X, dtype=np.float64))
    n = X.shape[0]
    np.fill_diagonal(D, np.inf)
    idx = np.broadcast_to(np.arange(n), D.shape)
    return np.lexsort((idx, D), axis=-1)[:, :k]


@pytest.mark.parametrize("method", ["brute", "tree", "adversarial tree"])
def test_subnormal_data_against_all_pairs(method, monkeypatch):
    # the brute force used to skip pairs here: its float64 filter bound was
    # relative only (no term for underflowing products), so tied rows at
    # distance 0 went to a higher index on 11 of 814 rows (k=2)
    if method == "adversarial tree":
        monkeypatch.setattr(_neighbors, "_tree_candidates", _adversarial_candidates)
    monkeypatch.setattr(_neighbors, "_METHOD", method.split()[-1])
    X = _subnormal()
    for k in (2, 5, 10):
        np.testing.assert_array_equal(class_kneighbors(X, k), _reference(X, k))


@pytest.mark.parametrize("name", list(DATA))
def test_tree_path_equals_brute_force(name, monkeypatch):
    X = DATA[name]()
    for k in (1, 2, 5, 10):
        brute, tree = _graphs(monkeypatch, X, k)
        np.testing.assert_array_equal(tree, brute, err_msg=f"{name}, k={k}")
    # float32 input: converted to float64 first on both paths
    X32 = X.astype(np.float32)
    brute, tree = _graphs(monkeypatch, X32, 5)
    np.testing.assert_array_equal(tree, brute)


def test_near_tie_data_has_ties_within_an_ulp_at_the_cut():
    # the data of the near-ties case do what they claim: the origin's 48
    # nearest are one shell whose distances differ, but by a few ulps only
    X = _shells(8, 6)
    others = np.arange(1, X.shape[0])
    D = _direct(X, 0, others)
    first = np.sort(D)[:48]
    assert np.unique(first).size > 1
    assert first[-1] - first[0] <= 4 * np.spacing(first[0])
    assert np.sort(D)[48] > first[-1] * (1 + 1e-6)  # the next shell


def test_tree_order_is_not_ours_but_the_result_is(monkeypatch):
    # KDTree's own order of tied neighbours is its heap's, not the lower
    # index first: a re-rank that trusted it would be wrong on this data
    k = 5
    X = _grid(600, 3, 6, 1)
    tree_nn = KDTree(X).query(X, k=k + 1, return_distance=False)
    # drop the row itself (where it came first) as imbalanced-learn does
    tree_order = np.array(
        [row[row != i][:k] for i, row in enumerate(tree_nn)], dtype=np.int64
    )
    brute, tree = _graphs(monkeypatch, X, k)
    assert (tree_order != brute).any(axis=1).mean() > 0.2
    np.testing.assert_array_equal(tree, brute)
    # and on the near-ties, the tree's order of the origin's shell
    X = _shells(8, 6)
    tree_first = KDTree(X).query(X[:1], k=11, return_distance=False)[0]
    brute, tree = _graphs(monkeypatch, X, 10)
    assert list(tree_first[tree_first != 0][:10]) != list(brute[0])
    np.testing.assert_array_equal(tree, brute)


def _adversarial_candidates(tree, X, rows, n_cand):
    """A legitimate tree with other rounding and the opposite tie rule.

    The ``n_cand`` nearest rows under squared distances summed in the
    reverse column order (a float64 sum, within the rounding bound of ours),
    ties going to the *higher* index: the proof must hold for any tree.
    """
    X = np.asarray(X)
    s = np.zeros((rows.size, X.shape[0]))
    for t in range(X.shape[1] - 1, -1, -1):
        diff = X[rows, t][:, None] - X[None, :, t]
        s = s + diff * diff
    order = np.lexsort((-np.arange(X.shape[0])[None, :] + 0 * s, s), axis=-1)
    return order[:, :n_cand]


@pytest.mark.parametrize("name", list(DATA))
def test_any_tree_rounding_and_tie_order_gives_the_brute_force(name, monkeypatch):
    monkeypatch.setattr(_neighbors, "_tree_candidates", _adversarial_candidates)
    X = DATA[name]()
    for k in (1, 5, 10):
        brute, tree = _graphs(monkeypatch, X, k)
        np.testing.assert_array_equal(tree, brute, err_msg=f"{name}, k={k}")


def test_tree_path_is_chosen_by_the_rule_and_falls_back():
    rng = np.random.default_rng(0)
    codes = np.empty((1000, 0), dtype=np.int32)
    assert _use_tree(rng.normal(size=(1000, 3)), 5, codes)
    assert _use_tree(rng.normal(size=(1000, _neighbors.TREE_MAX_FEATURES)), 5, codes)
    assert not _use_tree(rng.normal(size=(1000, 6)), 5, codes)
    assert not _use_tree(rng.normal(size=(100, 3)), 5, codes[:100])
    assert not _use_tree(sparse.random(1000, 3, density=0.5, format="csr"), 5, codes)
    # SMOTE-NC's categorical penalty stays on the brute force
    assert not _use_tree(rng.normal(size=(1000, 3)), 5, np.zeros((1000, 1), np.int32))
    # heavy duplication (3 binary columns): the brute force is cheaper
    X = rng.integers(0, 2, size=(3000, 3)).astype(float)
    assert _compute_tree(X, 5, None) is None
    assert _compute_tree(X[:, :1] + rng.normal(size=(3000, 3)), 5, None) is not None
    # values that could overflow the squared distances: brute force (scaled)
    assert _compute_tree(rng.normal(size=(1000, 3)) * 1e200, 5, None) is None


@pytest.mark.usefixtures("openmp_every_core")
def test_tree_path_ignores_threads_and_n_jobs(monkeypatch):
    # 3,000 rows: the tree path splits them into chunks over threads
    X = _grid(3000, 3, 12, 7)
    monkeypatch.setattr(_neighbors, "_METHOD", "tree")
    whole = class_kneighbors(X, 5, n_jobs=1)
    for max_threads in (1, 2):
        with skvariance.config_context(max_threads=max_threads):
            for n_jobs in (None, 1, 2):
                np.testing.assert_array_equal(
                    class_kneighbors(X, 5, n_jobs=n_jobs), whole
                )
    monkeypatch.setattr(_neighbors, "_METHOD", "brute")
    np.testing.assert_array_equal(class_kneighbors(X, 5), whole)


def test_tree_path_uses_the_cache(monkeypatch):
    X = _grid(800, 2, 30, 8)
    monkeypatch.setattr(_neighbors, "_METHOD", "tree")
    skvariance.resampling.clear_neighbors_cache()
    with skvariance.config_context(neighbors_cache=True):
        first = class_kneighbors(X, 5)
        assert class_kneighbors(X.copy(), 3) is not None
        info = skvariance.resampling.neighbors_cache_info()
    assert (info["entries"], info["hits"]) == (1, 1)
    assert not first.flags.writeable
    skvariance.resampling.clear_neighbors_cache()


def _resampled(monkeypatch, method, sampler, X, y):
    monkeypatch.setattr(_neighbors, "_METHOD", method)
    return sampler.fit_resample(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_smote_output_is_bit_identical_to_the_brute_force(dtype, monkeypatch):
    rng = np.random.default_rng(9)
    X = np.concatenate([_grid(1500, 3, 8, 9), _duplicated(60, 3, 10)]).astype(dtype)
    y = (rng.uniform(size=X.shape[0]) < 0.6).astype(int)
    assert _use_tree(X[y == 0], 5, np.empty((1, 0), np.int32))  # auto: tree
    for k in (1, 10):
        sampler = SMOTE(k_neighbors=k, random_state=0)
        Xb, yb = _resampled(monkeypatch, "brute", sampler, X, y)
        Xa, ya = _resampled(monkeypatch, "auto", sampler, X, y)
        assert Xa.dtype == Xb.dtype == dtype
        np.testing.assert_array_equal(Xa, Xb)
        np.testing.assert_array_equal(ya, yb)


def test_smoter_output_is_bit_identical_to_the_brute_force(monkeypatch):
    X = _grid(1200, 2, 40, 11)
    y = np.exp(X[:, 0] / 4) + 0.1 * X[:, 1]
    sampler = SMOTER(random_state=0)
    Xb, yb = _resampled(monkeypatch, "brute", sampler, X, y)
    Xa, ya = _resampled(monkeypatch, "tree", sampler, X, y)
    assert Xa.shape[0] > X.shape[0]
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(ya, yb)


@pytest.mark.parametrize("case", ["relative", "subnormal"])
def test_the_proof_refuses_a_cut_within_the_rounding_bound(case):
    # row 0 ties with rows 1 and 2 (the answer for k=1 is row 1, the lower
    # index); row 3 is farther by one rounding step only, which a tree's own
    # rounding (within the proven bound) may hide: a tree can legitimately
    # return rows 2 and 3 and leave row 1 out. The re-rank must not call
    # that list exact -- with a slack too small (or no absolute term for
    # subnormal distances) it would, and row 1 would be lost.
    if case == "relative":  # D = 1, 1 and 1 + 2**-51
        X = np.array([[0.0], [1.0], [-1.0], [1.0 + 2.0**-52]])
    else:  # D = 9, 9 and 10 units of 2**-1074
        X = np.array([[0, 0], [3, 0], [-3, 0], [3, 1]]) * 2.0**-537
    d = X.shape[1]
    bounds = (rounding_slack(d), tree_underflow_slack(d))
    D = _direct(X, 0, np.arange(1, 4))
    assert D[0] == D[1] < D[2] and D[2] - D[1] == np.spacing(D[1]) * (
        2 if case == "relative" else 1
    )
    best = np.empty((1, 1), dtype=np.int64)
    proven = np.empty(1, dtype=np.bool_)
    rerank_candidates(X, np.array([0]), np.array([[0, 2, 3]]), 1, *bounds, best, proven)
    assert best[0, 0] == 2 and not proven[0]
    # every row a candidate: proven, and the tie goes to the lower index
    rerank_candidates(
        X, np.array([0]), np.array([[3, 2, 1, 0]]), 1, *bounds, best, proven
    )
    assert best[0, 0] == 1 and proven[0]


@pytest.mark.parametrize("case", ["relative", "subnormal"])
def test_a_tree_off_by_its_rounding_cannot_hide_a_tie(case, monkeypatch):
    # the same through class_kneighbors, with a tree whose distances from
    # row 0 err within what its arithmetic allows and which breaks ties
    # towards the higher index: it returns rows 0, 2 and two rows one step
    # farther than the tie at 1 and 2, leaving row 1 out; the re-rank must
    # widen the candidates and find row 1 (a slack or an absolute term too
    # small keeps row 2)
    if case == "relative":  # D = 1, 1, 1 + 2**-51 (twice); the tree reads
        # 1 + 2**-52 for all three (errors of 2u and 2u, below gamma_3)
        near = [[1.0], [-1.0], [1.0 + 2.0**-52], [-1.0 - 2.0**-52]]
        X = np.array([[0.0]] + near + [[40.0 + i] for i in range(6)])
        bumps = {1: 2.0**-52, 3: -(2.0**-52), 4: -(2.0**-52)}
        expected = [0, 2, 4, 3]
    else:  # D = 9, 9, 10 (four times) units of 2**-1074; the tree reads
        # 11 for row 1 (2 units: its products' absolute underflow error)
        near = [[3, 0], [-3, 0], [3, 1], [3, -1], [-3, 1], [-3, -1]]
        X = np.array([[0, 0]] + near + [[40 + i, 0] for i in range(6)]) * 2.0**-537
        bumps = {1: 2 * 2.0**-1074}
        expected = [0, 2, 6, 5]

    def rounded_tree(tree, X, rows, n_cand):
        R = _all_pairs(np.asarray(X))[rows]
        for j, bump in bumps.items():
            R[rows == 0, j] += bump
        idx = np.broadcast_to(-np.arange(X.shape[0]), R.shape)
        return np.lexsort((idx, R), axis=-1)[:, :n_cand]

    monkeypatch.setattr(_neighbors, "_tree_candidates", rounded_tree)
    assert list(rounded_tree(None, X, np.array([0]), 4)[0]) == expected
    monkeypatch.setattr(_neighbors, "_METHOD", "tree")
    np.testing.assert_array_equal(class_kneighbors(X, 1), _reference(X, 1))
    assert class_kneighbors(X, 1)[0, 0] == 1
