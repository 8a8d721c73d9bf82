"""Hand mutations of skvariance/_kernels/_knn.py that the other tests missed.

k12 (dropping ``- slack * penalty * n_cat`` from the row filter bound) has no
test here because it is equivalent: the filter adds the same float ``p`` last
(``lower = fl(x + p)``) as the direct distance (``d = fl(D + p)``), and
rounding is monotone, so ``x <= D`` (the non-categorical bound) already gives
``lower <= d``; a pair with ``d <= worst`` is never skipped.
"""

import numpy as np

from skvariance._kernels._knn import EMPTY, rounding_slack, topk_update_pair


def _update(X, rows, cols, best_dist, best_idx):
    r0, r1 = rows
    c0, c1 = cols
    no_codes = np.empty((X.shape[0], 0), dtype=np.int32)
    topk_update_pair(
        X[r0:r1] @ X[c0:c1].T,
        np.einsum("ij,ij->i", X[r0:r1], X[r0:r1]),
        np.einsum("ij,ij->i", X[c0:c1], X[c0:c1]),
        no_codes[r0:r1],
        no_codes[c0:c1],
        0.0,
        r0,
        c0,
        best_dist,
        best_idx,
        X[r0:r1],
        X[c0:c1],
        np.empty(0, np.int32),
        np.empty(0, np.int32),
        np.empty(0),
        rounding_slack(X.shape[1]),
        2.0,
        0.0,
    )


def test_an_equal_distance_with_a_lower_index_replaces_the_last_entry():
    # The lists hold the first k candidates by (distance, index) "whatever
    # the order in which candidates arrive": rows 1 and 2 are both at
    # distance 1 from row 0; row 2 arrives first, then row 1 must replace it.
    # Kills ``if d <= worst`` -> ``if d < worst``.
    X = np.array([[0.0], [1.0], [-1.0]])
    best_dist = np.full((3, 1), np.inf)
    best_idx = np.full((3, 1), EMPTY, dtype=np.int64)
    _update(X, (0, 1), (2, 3), best_dist, best_idx)
    assert best_idx[0, 0] == 2
    _update(X, (0, 1), (1, 2), best_dist, best_idx)
    np.testing.assert_array_equal(best_idx[:, 0], [1, 0, 0])
    np.testing.assert_array_equal(best_dist[:, 0], [1.0, 1.0, 1.0])


def test_categorical_penalty_is_added_once_per_mismatching_column():
    # squared distance plus ``penalty * mismatches``: 0 for equal codes
    # (kills ``penalty * (mismatches + 1)``, which shifts every pair alike and
    # so keeps the neighbour order)
    X = np.array([[0.0], [1.0], [3.0]])
    codes = np.array([[0, 1], [0, 1], [1, 1]], dtype=np.int32)
    best_dist = np.full((3, 2), np.inf)
    best_idx = np.full((3, 2), EMPTY, dtype=np.int64)
    topk_update_pair(
        X @ X.T,
        (X**2).ravel(),
        (X**2).ravel(),
        codes,
        codes,
        0.5,
        0,
        0,
        best_dist,
        best_idx,
        X,
        X,
        np.empty(0, np.int32),
        np.empty(0, np.int32),
        np.empty(0),
        rounding_slack(1),
        2.0,
        0.0,
    )
    np.testing.assert_array_equal(best_idx, [[1, 2], [0, 2], [1, 0]])
    np.testing.assert_array_equal(best_dist, [[1.0, 9.5], [1.0, 4.5], [4.5, 9.5]])
