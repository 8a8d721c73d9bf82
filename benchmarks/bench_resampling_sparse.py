"""SMOTE on sparse TF-IDF-like data: skvariance vs imbalanced-learn.

Data: a CSR matrix of 100,000 rows and 20,000 columns with about 50
non-zeros a row (exponential weights at random columns, rows L2-normalised,
as TF-IDF rows are) and a 5% minority class; ``--quick`` uses 20,000 rows.
Both samplers run single-threaded (ours ``n_jobs=1``; imbalanced-learn with
``k_neighbors=NearestNeighbors(n_neighbors=6, n_jobs=1)``): SciPy's sparse
products hold the GIL, so our sparse search uses one thread anyway.

Cases, each with median wall time and peak resident-set growth:

* ``single call``: one ``fit_resample``, our neighbour-graph cache off
  (``skvariance.config_context(neighbors_cache=False)``), so the search is
  always paid;
* ``ten seeds``: ten ``fit_resample`` calls with seeds 0..9 on the same
  data, our cache on (cleared once at the start).

Quality columns: ``same_counts`` (class counts equal), ``same_format`` (both
outputs CSR) and ``max_abs_diff`` between the two outputs for the same seed
(0 when both find the same neighbours, as they do here: no duplicate rows).
"""

from collections import Counter
from functools import partial

import numpy as np
from _harness import compare, print_table
from scipy import sparse
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize

import skvariance
from skvariance.resampling import SMOTE, clear_neighbors_cache

try:
    from imblearn.over_sampling import SMOTE as ImbSMOTE
except ImportError:  # pragma: no cover
    ImbSMOTE = None

N_FEATURES = 20_000
NNZ_PER_ROW = 50


def tfidf_like(n, seed=0):
    """CSR (n, 20,000) with ~50 non-zeros a row, rows of unit norm; 5% class 1."""
    rng = np.random.RandomState(seed)
    rows = np.repeat(np.arange(n), NNZ_PER_ROW)
    cols = rng.randint(0, N_FEATURES, size=n * NNZ_PER_ROW)
    values = rng.exponential(size=n * NNZ_PER_ROW)
    X = sparse.csr_matrix((values, (rows, cols)), shape=(n, N_FEATURES))
    X.sum_duplicates()
    y = (rng.uniform(size=n) < 0.05).astype(np.int64)
    return normalize(X), y


def _ours_single(X, y):
    with skvariance.config_context(neighbors_cache=False):
        return SMOTE(random_state=0, n_jobs=1).fit_resample(X, y)


def _peer(X, y, seed=0):
    nn = NearestNeighbors(n_neighbors=6, n_jobs=1)
    return ImbSMOTE(random_state=seed, k_neighbors=nn).fit_resample(X, y)


def _ours_seeds(X, y):
    clear_neighbors_cache()
    out = [SMOTE(random_state=s, n_jobs=1).fit_resample(X, y) for s in range(10)]
    return out[-1]


def _peer_seeds(X, y):
    return [_peer(X, y, seed=s) for s in range(10)][-1]


def _quality(ours, peer):
    if peer is None:
        return {}
    same = Counter(ours[1].tolist()) == Counter(peer[1].tolist())
    diff = abs(ours[0] - peer[0]).max() if same else float("nan")
    return {
        "same_counts": same,
        "same_format": ours[0].format == peer[0].format == "csr",
        "max_abs_diff": float(diff),
    }


def main(quick: bool = False):
    n = 20_000 if quick else 100_000
    X, y = tfidf_like(n)
    _ours_single(X[:2000], y[:2000])  # compile the kernels outside the timings
    label = f"n={n:,} x {N_FEATURES:,}, nnz={X.nnz:,}"
    rows = [
        compare(
            f"SMOTE sparse {label} single call",
            partial(_ours_single, X, y),
            partial(_peer, X, y) if ImbSMOTE else None,
            repeat=3,
            warmup=False,
            memory=True,
            quality=_quality,
        ),
        compare(
            f"SMOTE sparse {label} ten seeds",
            partial(_ours_seeds, X, y),
            partial(_peer_seeds, X, y) if ImbSMOTE else None,
            repeat=1,
            warmup=False,
            memory=False,
            quality=_quality,
        ),
    ]
    clear_neighbors_cache()
    return print_table(
        "SMOTE on sparse TF-IDF-like data, 5% minority", rows, peer="imblearn"
    )


if __name__ == "__main__":
    main()
