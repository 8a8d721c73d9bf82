"""Exact k nearest neighbours within one class, with a bounded graph cache.

:func:`class_kneighbors` returns, for every row of ``X``, the indices of its
``k`` nearest *other* rows (the row itself is excluded by index, so exact
duplicates are legitimate neighbours at distance 0), sorted by
``(squared distance, index)``. The distance that decides the order is the
*direct* one, ``sum_t (x_it - x_jt)^2`` computed in float64 from the
original rows, plus a constant ``penalty`` per mismatching categorical code
(SMOTE-NC): equal distances are equal numbers (always on integer data), so
the tie rule -- the lower index first -- holds exactly. Gram blocks of the
centred data from BLAS -- only the upper block triangle, the distance
matrix being symmetric -- give the expansion ``|x|^2 + |y|^2 - 2 x.y``,
used only as a filter: a pair whose expansion exceeds the current k-th
distance by more than its proven rounding bound (see
:mod:`skvariance._kernels._knn`) is skipped, every other pair gets its
direct distance. The filter and the top-k selection of both the rows and
the columns of a block are fused into a numba kernel; block pairs run on
threads, each with one BLAS thread (faster than threaded BLAS on thin Gram
blocks) and its own top-k buffers, merged at the end; the number of
threads is the package's rule for compiled loops (every core, capped by
``skvariance.set_config(max_threads=...)``), not ``n_jobs``. Memory stays
O(block) rather than O(n^2) or O(n * k * d).

With few features (at most ``TREE_MAX_FEATURES`` dense columns, at least
``TREE_MIN_ROWS`` rows, no categorical codes) scikit-learn's ``KDTree``
replaces the Gram blocks, O(n log n) instead of O(d n^2): it supplies each
row's ``k + 1 + TREE_EXTRA`` nearest rows by its own distances, and
:func:`~skvariance._kernels._knn.rerank_candidates` orders them by the same
direct distances and tie rule. A row's list is kept only when its farthest
candidate, less a proven rounding bound, is strictly farther than its
``k``-th neighbour (no row outside the candidates can then enter or tie);
the other rows ask for twice as many candidates, up to all rows. The graph
is exactly the brute force's. Heavily duplicated rows (every query visits
all copies of its row) go to the brute force.

Sparse input (CSR/CSC) takes the same path: each Gram block is a sparse
product turned dense (``SPARSE_BLOCK x SPARSE_BLOCK``, one thread: SciPy's
sparse products hold the GIL), the squared norms come from the stored
values, the data are not centred (centring would fill them in), and the
direct distances merge the two rows' sorted column indices.

The graph cache
---------------
SMOTE is often called many times on the same class data: with different
seeds, for every member of an ensemble, at every refit in a search. The
graph is cached under a 128-bit BLAKE2b digest of the *content* of the
arrays (bytes, shape and dtype; for sparse input its format, data, indices
and pointers) together with the penalty, so a graph is only ever reused for
identical data -- a modified array has a different digest, never a stale
entry. A request for ``k`` is served by any cached graph with ``k' >= k``
(its first ``k`` columns, which are the same by the deterministic tie rule).
Cached arrays are read-only, least recently used evicted first. The cache
is controlled by the package config (:func:`skvariance.set_config`:
``neighbors_cache``, ``neighbors_cache_max_bytes``,
``neighbors_cache_max_entries``) and emptied by :func:`clear_neighbors_cache`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from .._config import get_config
from .._kernels._knn import (
    EMPTY,
    merge_topk,
    rerank_candidates,
    rounding_slack,
    rounding_slack32,
    topk_update_pair,
    tree_underflow_slack,
    underflow_slack,
    underflow_slack32,
)
from ..utils.validation import effective_n_threads

__all__ = [
    "class_kneighbors",
    "clear_neighbors_cache",
    "neighbors_cache_info",
]

#: Gram blocks are ``BLOCK x BLOCK`` float64 (512 kB per thread, L2-sized):
#: on 50,000 x 20 rows 256 beat 128, 512, 1024 and 2048 (measured).
BLOCK = 256
#: Sparse Gram blocks: on 5,000 TF-IDF-like rows of 20,000 columns (50
#: non-zeros a row) 1024 beat 256 and 2048 (measured).
SPARSE_BLOCK = 1024

#: The search takes a KD-tree's candidates (exactly re-ranked) for dense
#: data of at most ``TREE_MAX_FEATURES`` columns and at least
#: ``TREE_MIN_ROWS`` rows without categorical codes (measured, see
#: ``benchmarks/bench_smote_lowdim.py``).
TREE_MAX_FEATURES = 5
TREE_MIN_ROWS = 500
#: Candidates first asked of the tree: ``k + TREE_EXTRA`` besides the row.
TREE_EXTRA = 2
#: Private switch: ``"auto"`` (the rule above), ``"brute"`` or ``"tree"``.
_METHOD = "auto"

_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
_STATS = {"hits": 0, "misses": 0}


def clear_neighbors_cache() -> None:
    """Forget every cached neighbour graph and reset the hit counts.

    The SMOTE family caches the within-class neighbour graphs it computes
    (see :func:`skvariance.set_config` for the switch and the bounds); this
    frees them at once.

    See Also
    --------
    neighbors_cache_info : what the cache holds.
    skvariance.config_context : turn the cache off or bound it in a block.

    Examples
    --------
    >>> from skvariance.resampling import clear_neighbors_cache, neighbors_cache_info
    >>> clear_neighbors_cache()
    >>> neighbors_cache_info()["entries"]
    0
    """
    with _LOCK:
        _CACHE.clear()
        _STATS.update(hits=0, misses=0)


def neighbors_cache_info() -> dict:
    """What the neighbour-graph cache holds.

    Returns
    -------
    info : dict
        ``entries`` (number of cached graphs), ``bytes`` (their total size),
        ``hits`` and ``misses`` (look-ups since the last clear).

    Examples
    --------
    >>> from skvariance.resampling import neighbors_cache_info
    >>> sorted(neighbors_cache_info())
    ['bytes', 'entries', 'hits', 'misses']
    """
    with _LOCK:
        return {
            "entries": len(_CACHE),
            "bytes": int(sum(v.nbytes for v in _CACHE.values())),
            **_STATS,
        }


def _evict(max_entries, max_bytes):
    """Drop least recently used graphs until both bounds hold (lock held)."""
    while _CACHE and (
        len(_CACHE) > max_entries or sum(v.nbytes for v in _CACHE.values()) > max_bytes
    ):
        _CACHE.popitem(last=False)


def _digest(*arrays) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        if sparse.issparse(a):
            h.update(a.format.encode())
            h.update(_digest(a.data, a.indices, a.indptr, np.array(a.shape)))
            continue
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode())
        if a.size:
            h.update(memoryview(a).cast("B"))
    return h.digest()


def _pairs(X, Xc, sq, codes, penalty, pairs, k, block, slack, gram_scale, eta):
    """Top-k lists of every row over the candidates seen in ``pairs``.

    ``Xc`` (centred dense rows scaled to float32, or the CSR matrix itself)
    feeds the Gram filter; ``X`` (the original dense rows, or the CSR matrix
    with sorted indices) the direct distances that decide the order.
    """
    n = Xc.shape[0]
    best_dist = np.full((n, k), np.inf)
    best_idx = np.full((n, k), EMPTY, dtype=np.int64)
    gram = np.empty(min(block, n) ** 2, dtype=Xc.dtype)
    is_sparse = sparse.issparse(Xc)
    if is_sparse:
        csr = (X.indptr, X.indices, X.data)
        no_rows = np.empty((0, 0))
    else:
        # int32 like the usual CSR index arrays: one compiled signature less
        csr = (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0))
    for r0, r1, c0, c1 in pairs:
        # a C-contiguous view (the kernel's pre-filter reads rows as vectors)
        g = gram[: (r1 - r0) * (c1 - c0)].reshape(r1 - r0, c1 - c0)
        if is_sparse:
            g[...] = (Xc[r0:r1] @ Xc[c0:c1].T).toarray()
            X_rows = X_cols = no_rows
        else:
            np.matmul(Xc[r0:r1], Xc[c0:c1].T, out=g)
            X_rows, X_cols = X[r0:r1], X[c0:c1]
        topk_update_pair(
            g,
            sq[r0:r1],
            sq[c0:c1],
            codes[r0:r1],
            codes[c0:c1],
            penalty,
            r0,
            c0,
            best_dist,
            best_idx,
            X_rows,
            X_cols,
            *csr,
            slack,
            gram_scale,
            eta,
        )
    return best_dist, best_idx


def _compute(X, k, codes, penalty, n_jobs):
    n = X.shape[0]
    if sparse.issparse(X):
        # centring would fill the matrix in; sparse rows (TF-IDF) are small
        X = X.tocsr()
        if not X.has_sorted_indices:
            X = X.sorted_indices()
        Xc = X
        sq = np.asarray(Xc.multiply(Xc).sum(axis=1), dtype=np.float64).ravel()
    else:
        # distances are translation invariant; centring keeps |x|^2 small,
        # which keeps the |x|^2 + |y|^2 - 2 x.y filter tight (its rounding
        # bound is relative to |x|^2 + |y|^2); the order itself comes from
        # direct distances of the original rows
        Xc = X - X.mean(axis=0)
        sq = np.einsum("ij,ij->i", Xc, Xc)
    # float64 blocks: the absolute underflow bound covers subnormal products
    slack, gram_scale = rounding_slack(X.shape[1]), 2.0
    eta = underflow_slack(X.shape[1])
    top = float(np.abs(Xc).max()) if Xc.size and not sparse.issparse(Xc) else 0.0
    if 2.0**-400 < top < 2.0**400:
        # float32 Gram blocks of the rows scaled by 2**-e (exact), so that
        # the largest entry lies in [0.5, 1); the filter's bound widens to
        # cover float32 rounding and underflow (see _kernels._knn)
        e = int(np.frexp(top)[1])
        Xc = np.ascontiguousarray(np.ldexp(Xc, -e), dtype=np.float32)
        slack = rounding_slack32(X.shape[1])
        gram_scale = 2.0 * 2.0 ** (2 * e)
        eta += underflow_slack32(X.shape[1], e)
    block = SPARSE_BLOCK if sparse.issparse(Xc) else BLOCK
    edges = [(s, min(s + block, n)) for s in range(0, n, block)]
    pairs = [
        (r0, r1, c0, c1) for a, (r0, r1) in enumerate(edges) for (c0, c1) in edges[a:]
    ]
    # the package's rule for compiled loops (every core, capped by
    # set_config(max_threads=...)); n_jobs does not enter
    n_threads = min(effective_n_threads(n_jobs), len(pairs))
    if sparse.issparse(Xc):
        n_threads = 1
    # each thread takes every n_threads-th block pair into its own top-k
    # buffers (one BLAS thread each: faster than threaded BLAS on thin
    # blocks); the buffers cover disjoint candidates and merge exactly
    bounds = (slack, gram_scale, eta)
    with threadpool_limits(limits=1, user_api="blas"):
        if n_threads == 1:
            parts = [_pairs(X, Xc, sq, codes, penalty, pairs, k, block, *bounds)]
        else:
            with ThreadPoolExecutor(n_threads) as pool:
                parts = list(
                    pool.map(
                        lambda t: _pairs(
                            X,
                            Xc,
                            sq,
                            codes,
                            penalty,
                            pairs[t::n_threads],
                            k,
                            block,
                            *bounds,
                        ),  # fmt: skip
                        range(n_threads),
                    )
                )
    best_dist, best_idx = parts[0]
    for src_dist, src_idx in parts[1:]:
        merge_topk(src_dist, src_idx, best_dist, best_idx)
    dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    return best_idx.astype(dtype)


def _use_tree(X, k, codes):
    """Whether the tree path answers this search (``_METHOD`` forces it)."""
    if sparse.issparse(X) or codes.shape[1] > 0 or X.shape[0] < 2:
        return False
    if _METHOD != "auto":
        return _METHOD == "tree"
    n, d = X.shape
    return d <= TREE_MAX_FEATURES and n >= TREE_MIN_ROWS


def _tree_candidates(tree, X, rows, n_cand):
    """The tree's ``n_cand`` nearest rows to each of ``X[rows]``, any order."""
    return tree.query(X[rows], k=n_cand, return_distance=False, sort_results=False)


def _tree_part(tree, X, rows, k, n_cand, slack, eta):
    """Exact lists of ``rows`` from ``n_cand`` candidates, and which are proven."""
    cand = np.asarray(_tree_candidates(tree, X, rows, n_cand), dtype=np.int64)
    best_idx = np.empty((rows.size, k), dtype=np.int64)
    proven = np.empty(rows.size, dtype=np.bool_)
    rerank_candidates(
        X, rows, np.ascontiguousarray(cand), k, slack, eta, best_idx, proven
    )
    return best_idx, proven


def _compute_tree(X, k, n_jobs):
    """The search from a KD-tree's candidates, exactly re-ranked, or ``None``.

    Every row asks the tree for ``k + 1 + TREE_EXTRA`` candidates; rows whose
    list :func:`~skvariance._kernels._knn.rerank_candidates` cannot prove
    exact (ties or near-ties at the cut, many duplicates) ask again for twice
    as many, up to all rows. ``None`` (the caller then runs the brute force)
    when the data could overflow the distances or the widening would cost
    more than the brute force (many duplicated rows).
    """
    n, d = X.shape
    top = float(np.abs(X).max()) if X.size else 0.0
    if not top < 2.0**400:
        return None
    if _METHOD == "auto":
        # a row's query visits every duplicate of it (all at distance 0):
        # with sum(m_g^2) over groups of m_g equal rows near n^2 the tree
        # costs more than the brute force (measured: 3 binary columns)
        rows = X.view(np.dtype((np.void, X.itemsize * d))).ravel()
        counts = np.unique(rows, return_counts=True)[1].astype(np.float64)
        if counts @ counts > n * n / 64:
            return None
    from sklearn.neighbors import KDTree

    tree = KDTree(X)
    slack, eta = rounding_slack(d), tree_underflow_slack(d)
    n_threads = effective_n_threads(n_jobs)
    out = np.empty((n, k), dtype=np.int64)
    # rows in the tree's order: consecutive queries visit the same nodes
    # (a quarter less time than the rows' own order, measured at 50,000 x 3)
    pending = np.asarray(tree.get_arrays()[1], dtype=np.int64)
    n_cand = min(n, k + 1 + TREE_EXTRA)
    while pending.size:
        if n_cand > k + 1 + TREE_EXTRA and _METHOD == "auto":
            # a tree candidate costs some 50 times a pair of the brute
            # force's Gram blocks (measured): many rows tied far down their
            # lists (heavy duplication) are cheaper by brute force
            if pending.size * n_cand > n * n / 128:
                return None
        # rows are answered independently: the chunks (and so the number of
        # threads) cannot change a list
        n_chunks = max(1, min(n_threads, pending.size // 1024))
        part = partial(_tree_part, tree, X, k=k, n_cand=n_cand, slack=slack, eta=eta)
        if n_chunks == 1:
            parts = [part(pending)]
        else:
            with ThreadPoolExecutor(n_chunks) as pool:
                parts = list(pool.map(part, np.array_split(pending, n_chunks)))
        proven = np.concatenate([p[1] for p in parts])
        best_idx = np.concatenate([p[0] for p in parts])
        out[pending[proven]] = best_idx[proven]
        pending = pending[~proven]
        n_cand = min(n, 2 * n_cand)
    return out


def class_kneighbors(
    X: np.ndarray,
    k: int,
    *,
    codes: np.ndarray | None = None,
    penalty: float = 0.0,
    n_jobs: int | None = None,
    use_cache: bool | None = None,
) -> np.ndarray:
    """Indices of the ``k`` nearest other rows of every row of ``X``.

    Parameters
    ----------
    X : ndarray or CSR/CSC matrix of shape (n, d)
        Continuous features of one class (finite; not checked here).
    k : int
        Number of neighbours, ``1 <= k <= n - 1``.
    codes : ndarray of shape (n, n_cat), int32, default=None
        Categorical codes; each mismatch adds ``penalty`` to the squared
        distance.
    penalty : float, default=0.0
        Squared-distance penalty per mismatching categorical column.
    n_jobs : int, default=None
        Checked (:func:`skvariance.utils.check_n_jobs`) but without effect:
        the search runs on the package's number of threads for compiled
        loops (every core, capped by ``skvariance.set_config(max_threads=...)``,
        :func:`skvariance.utils.validation.effective_n_threads`); the result
        does not depend on it.
    use_cache : bool, default=None
        Look up and store the graph in the process-wide bounded cache;
        ``None`` follows ``skvariance.get_config()["neighbors_cache"]``.

    Returns
    -------
    nn : ndarray of shape (n, k), int32 (int64 beyond 2**31 rows)
        Sorted by (squared distance, index), the distance computed directly
        as ``sum((x_i - x_j) ** 2)`` (plus ``penalty`` per mismatch), so ties
        go to the lower index exactly; read-only when cached.
    """
    if sparse.issparse(X):
        X = sparse.csr_matrix(X, dtype=np.float64)
    else:
        X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    if codes is None:
        codes = np.empty((n, 0), dtype=np.int32)
    codes = np.ascontiguousarray(codes, dtype=np.int32)
    penalty = float(penalty)
    config = get_config()
    if use_cache is None:
        use_cache = config["neighbors_cache"]
    key = None
    if use_cache:
        key = (_digest(X, codes), penalty)
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is not None and cached.shape[1] >= k:
                _CACHE.move_to_end(key)
                _STATS["hits"] += 1
                return cached[:, :k]
            _STATS["misses"] += 1
    nn = _compute_tree(X, k, n_jobs) if _use_tree(X, k, codes) else None
    if nn is None:
        nn = _compute(X, k, codes, penalty, n_jobs)
    else:
        nn = nn.astype(np.int32 if n < np.iinfo(np.int32).max else np.int64)
    max_bytes = config["neighbors_cache_max_bytes"]
    max_entries = config["neighbors_cache_max_entries"]
    if use_cache and nn.nbytes <= max_bytes and max_entries > 0:
        nn.flags.writeable = False
        with _LOCK:
            _CACHE[key] = nn
            _CACHE.move_to_end(key)
            _evict(max_entries, max_bytes)
    return nn
