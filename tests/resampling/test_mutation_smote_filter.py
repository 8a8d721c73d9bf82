"""Hand mutants of the SMOTE neighbour search's float32 pre-filter (issue 17).

Dense rows are filtered through float32 Gram blocks, with a bound widened
for float32 rounding, and the candidates that pass are ranked by float64
distances of the original rows (``skvariance/_kernels/_knn.py`` and
``skvariance/resampling/_neighbors.py``). The kernel is compiled, so mutmut
cannot reach it: each mutant was applied by hand and these tests (with
``tests/resampling/test_threads.py`` and ``tests/kernels/test_*knn.py``)
run against it; the closing note lists which test kills which. The
reference is a brute-force NumPy search in exact (integer) arithmetic.
"""

import numpy as np
import pytest

from skvariance.resampling import _neighbors
from skvariance.resampling._neighbors import class_kneighbors


def _brute_force(X_int, k):
    """(squared distance, index) order, in int64: no rounding at all."""
    D = ((X_int[:, None, :] - X_int[None, :, :]) ** 2).sum(-1)
    n = X_int.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        cand = np.delete(np.arange(n), i)
        out[i] = cand[np.lexsort((cand, D[i, cand]))[:k]]
    return out


@pytest.mark.parametrize("block", [256, 8])
def test_far_apart_tight_clusters_keep_their_neighbours(monkeypatch, block):
    # two clusters 2**21 apart, each spread over a few units: after centring
    # |z|^2 ~ 2**40, so a float32 Gram entry errs by ~2**16 -- thousands of
    # times the within-cluster distances. Only the float32-widened bound
    # keeps the true neighbours in (the float64 bound, 2**-50 relative,
    # would drop them); the float64 re-rank then orders them exactly.
    monkeypatch.setattr(_neighbors, "BLOCK", block)
    rng = np.random.RandomState(5)
    a = rng.randint(-6, 7, size=(40, 3))
    b = rng.randint(-6, 7, size=(40, 3)) + 2**21
    X_int = np.vstack([a, b]).astype(np.int64)
    X = X_int.astype(np.float64)
    for k in (1, 3, 7):
        np.testing.assert_array_equal(
            class_kneighbors(X, k, use_cache=False), _brute_force(X_int, k)
        )


@pytest.mark.parametrize("exponent", [-470, -300, 0, 300, 470])
def test_graph_does_not_depend_on_a_power_of_two_scale(exponent):
    # scaling by 2**e is exact in float64, so the neighbours (decided by
    # float64 distances) cannot change; the float32 filter scales the rows
    # back to [0.5, 1) and must not lose any of them at either end of the
    # float64 range
    rng = np.random.RandomState(6)
    X_int = rng.randint(-20, 21, size=(60, 4)).astype(np.int64)
    X = np.ldexp(X_int.astype(np.float64), exponent)
    for k in (1, 5):
        np.testing.assert_array_equal(
            class_kneighbors(X, k, use_cache=False), _brute_force(X_int, k)
        )
