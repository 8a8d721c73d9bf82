"""label_one_fits (Venn-Abers bridge slopes) against a NumPy max-min reference."""

import numpy as np
import pytest

from skvariance._kernels._venn_abers import label_one_fits


def maxmin_reference(weights, sums):
    """fits[i] = max_{a <= i} min_{b >= i} (S_b - S_a + 1) / (W_b - W_a + 1).

    The min-max formula of the isotonic fit at a point labelled 1 placed
    before block i, written out over all (a, b) at once.
    """
    num = sums[None, :] - sums[:, None] + 1.0  # [a, b]
    den = weights[None, :] - weights[:, None] + 1.0
    slope = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    m = weights.size
    a_idx, b_idx = np.arange(m)[:, None], np.arange(m)[None, :]
    out = np.empty(m)
    for i in range(m):
        allowed = (a_idx <= i) & (b_idx >= i)
        out[i] = np.max(np.min(np.where(allowed, slope, np.inf), axis=1)[: i + 1])
    return out


def cumulative(block_sizes, block_ones):
    zero = np.zeros(1)
    return (
        np.concatenate([zero, np.cumsum(block_sizes)]).astype(float),
        np.concatenate([zero, np.cumsum(block_ones)]).astype(float),
    )


@pytest.mark.parametrize("seed", range(6))
def test_label_one_fits_equals_maxmin_reference(seed):
    rng = np.random.default_rng(seed)
    for k in [1, 2, 3, 7, 25]:
        sizes = rng.integers(1, 4, k)  # tied scores: blocks of 1 to 3 rows
        ones = rng.binomial(sizes, rng.uniform(0.1, 0.9, k))
        W, S = cumulative(sizes, ones)
        np.testing.assert_allclose(
            label_one_fits(W, S), maxmin_reference(W, S), rtol=0, atol=1e-15
        )


def test_label_one_fits_extremes():
    # all labels 0: the point labelled 1 pools with everything to its right
    W, S = cumulative(np.ones(3), np.zeros(3))
    np.testing.assert_allclose(label_one_fits(W, S), [1 / 4, 1 / 3, 1 / 2, 1.0])
    # all labels 1: the fit is 1 everywhere
    W, S = cumulative(np.ones(3), np.ones(3))
    np.testing.assert_array_equal(label_one_fits(W, S), np.ones(4))
    # no calibration rows: the point alone
    np.testing.assert_array_equal(label_one_fits(np.zeros(1), np.zeros(1)), [1.0])
    # decreasing labels 1, 0: wherever the point goes, all three pool
    W, S = cumulative(np.ones(2), np.array([1, 0]))
    np.testing.assert_allclose(label_one_fits(W, S), [2 / 3, 2 / 3, 1.0])
