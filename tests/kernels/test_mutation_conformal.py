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
