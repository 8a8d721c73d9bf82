"""Hand mutations of skvariance/_kernels/_conformal.py that the other tests missed."""

import numpy as np

from skvariance._kernels._conformal import RANK_TOLERANCE, weighted_conformal_quantiles


def test_weighted_quantile_takes_a_cumulative_weight_equal_to_the_target():
    # The rule is "first position whose cumulative weight is >= the target"
    # (the target being level * (W + w_test) less the relative tolerance).
    # Calibration weights (a, 1) and test weight 1 at level 0.5, with ``a``
    # the float for which the target equals ``a`` exactly: the first score
    # already reaches the level. Kills ``cum_weights[mid] <= target``.
    a = 1.9999999996
    target = 0.5 * ((a + 1.0) + 1.0)
    target -= RANK_TOLERANCE * target
    assert target == a  # the tie is exact in float64
    out = weighted_conformal_quantiles(
        np.array([10.0, 20.0]),
        np.cumsum([a, 1.0]),
        np.array([1.0]),
        np.array([0.5]),
        np.empty((1, 1)),
    )
    assert out[0, 0] == 10.0


def test_weighted_quantile_can_be_the_largest_calibration_score():
    # unit weights, n = 3, test weight 1, level 0.75: the target is 3 (less
    # the tolerance), reached by the third (last) cumulative weight, so the
    # quantile is the largest score, not +inf. Kills ``lo >= n - 1``.
    out = weighted_conformal_quantiles(
        np.array([1.0, 2.0, 3.0]),
        np.array([1.0, 2.0, 3.0]),
        np.array([1.0]),
        np.array([0.75, 0.76]),
        np.empty((1, 2)),
    )
    np.testing.assert_array_equal(out, [[3.0, np.inf]])


def _aps_reference(proba, u, penalty, k_reg):
    """Label ranks by decreasing probability, ties by label index (a loop)."""
    n, n_classes = proba.shape
    out = np.empty_like(proba)
    for i in range(n):
        order = sorted(range(n_classes), key=lambda c: (-proba[i, c], c))
        before = 0.0
        for r, c in enumerate(order):
            out[i, c] = before + u[i] * proba[i, c] + penalty * max(0, r + 1 - k_reg)
            before += proba[i, c]
    return out


def test_label_scores_break_ties_by_label_index_with_many_classes():
    # 64 classes drawn from three probability values: an unstable sort (the
    # kernel's argsort with kind="quicksort") reorders tied labels once there
    # are more than the ~16 labels an insertion sort handles.
    from skvariance._kernels._conformal import cumulative_label_scores

    rng = np.random.RandomState(0)
    proba = rng.choice([1.0, 2.0, 3.0], size=(5, 64))
    proba /= proba.sum(axis=1, keepdims=True)
    u = rng.uniform(size=5)
    got = cumulative_label_scores(proba, u, 0.01, 2, np.empty_like(proba))
    np.testing.assert_allclose(got, _aps_reference(proba, u, 0.01, 2), atol=1e-12)
