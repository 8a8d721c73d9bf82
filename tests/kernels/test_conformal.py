"""Conformal kernels against plain NumPy references."""

from fractions import Fraction

import numpy as np
import pytest

from skvariance._kernels._conformal import (
    conformal_quantiles,
    cumulative_label_scores,
    grouped_cv_plus_order_statistics,
    weighted_conformal_quantiles,
)

LEVELS = np.array([0.05, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99])


def naive_conformal_quantile(scores, level):
    """The ceil((n + 1) level)-th smallest score, in exact rational arithmetic."""
    n = len(scores)
    exact = Fraction(str(level)) * (n + 1)
    rank = int(-(-exact.numerator // exact.denominator))
    return np.inf if rank > n else np.sort(scores)[rank - 1]


def naive_weighted_quantile(scores, weights, test_weight, level):
    """Smallest value of scores + [inf] whose normalised cumulative weight >= level."""
    values = np.append(scores, np.inf)
    w = np.append(weights, test_weight)
    if w.sum() == 0:  # no mass at all: nothing to calibrate on
        return np.inf
    order = np.argsort(values, kind="mergesort")
    cdf = np.cumsum(w[order]) / w.sum()
    for value, c in zip(values[order], cdf):
        if c >= level:
            return value
    return np.inf


def run_weighted(scores, weights, test_weights, levels):
    order = np.argsort(scores, kind="mergesort")
    out = np.empty((test_weights.size, levels.size))
    return weighted_conformal_quantiles(
        np.ascontiguousarray(scores[order]),
        np.cumsum(weights[order]),
        np.asarray(test_weights, dtype=float),
        levels,
        out,
    )


@pytest.mark.parametrize("n", [1, 9, 10, 19, 99, 100, 999])
def test_unweighted_matches_exact_rank(n):
    rng = np.random.RandomState(n)
    scores = rng.randint(0, 7, size=n).astype(float)  # ties
    got = conformal_quantiles(np.sort(scores), LEVELS, np.empty(LEVELS.size))
    want = [naive_conformal_quantile(scores, q) for q in LEVELS]
    np.testing.assert_array_equal(got, want)


def test_rank_is_exact_where_floating_point_is_not():
    # a coverage typed as 1 - 0.7 is 0.30000000000000004, and 10 times it is
    # 3.0000000000000004: the rank must still be 3, as in exact arithmetic
    level = 1 - 0.7
    assert np.ceil(10 * level) == 4
    scores = np.arange(1.0, 10.0)
    got = conformal_quantiles(scores, np.array([level, 0.9]), np.empty(2))
    np.testing.assert_array_equal(got, [3.0, 9.0])


def test_unweighted_with_infinite_scores():
    scores = np.array([0.5, 1.0, np.inf, np.inf])
    got = conformal_quantiles(scores, np.array([0.2, 0.4, 0.6, 0.8]), np.empty(4))
    np.testing.assert_array_equal(got, [0.5, 1.0, np.inf, np.inf])


@pytest.mark.parametrize("seed", range(4))
def test_weighted_matches_reference(seed):
    rng = np.random.RandomState(seed)
    n = 40
    scores = np.round(rng.exponential(size=n), 1)  # ties
    scores[:2] = np.inf
    weights = rng.exponential(size=n)
    weights[rng.uniform(size=n) < 0.2] = 0.0
    test_weights = np.concatenate([rng.exponential(size=20), [0.0, 50.0]])
    got = run_weighted(scores, weights, test_weights, LEVELS)
    for j, wt in enumerate(test_weights):
        for k, q in enumerate(LEVELS):
            assert got[j, k] == naive_weighted_quantile(scores, weights, wt, q)


@pytest.mark.parametrize("scale", [0.0, 1e-3])
def test_weighted_without_calibration_mass_matches_reference(scale):
    # calibration weights all 0 (or tiny, a total mass below 1): a test point
    # of weight 0 has no mass at all (+inf), one of weight > 0 all the mass,
    # even the smallest float (level * weight underflows to 0)
    scores = np.array([0.3, 0.1, 0.7, 0.2])
    weights = scale * np.array([1.0, 0.0, 2.0, 1.0])
    test_weights = np.array([0.0, 1e-3, 1.0, 5e-324])
    got = run_weighted(scores, weights, test_weights, LEVELS)
    for j, wt in enumerate(test_weights):
        for k, q in enumerate(LEVELS):
            assert got[j, k] == naive_weighted_quantile(scores, weights, wt, q)
    assert np.isinf(got[[0, 3]]).all() == (scale == 0.0)


def test_unit_weights_reduce_to_unweighted():
    rng = np.random.RandomState(0)
    scores = rng.normal(size=57)
    got = run_weighted(scores, np.ones(57), np.ones(3), LEVELS)
    want = conformal_quantiles(np.sort(scores), LEVELS, np.empty(LEVELS.size))
    np.testing.assert_array_equal(got, np.tile(want, (3, 1)))


def naive_label_scores(proba, u, penalty, k_reg):
    n, k = proba.shape
    out = np.empty_like(proba)
    for i in range(n):
        order = np.argsort(-proba[i], kind="stable")
        ranks = np.empty(k, dtype=int)
        ranks[order] = np.arange(1, k + 1)
        cum_before = np.concatenate([[0.0], np.cumsum(proba[i, order])[:-1]])
        for c in range(k):
            r = ranks[c]
            out[i, c] = (
                cum_before[r - 1] + u[i] * proba[i, c] + penalty * max(0, r - k_reg)
            )
    return out


@pytest.mark.parametrize("penalty,k_reg", [(0.0, 1), (0.1, 2), (0.5, 0)])
def test_label_scores_match_reference_with_ties(penalty, k_reg):
    rng = np.random.RandomState(1)
    proba = rng.dirichlet(np.ones(5), size=30)
    proba[:5] = [0.4, 0.2, 0.2, 0.1, 0.1]  # tied probabilities
    proba[5] = [0.0, 0.0, 1.0, 0.0, 0.0]
    u = rng.uniform(size=30)
    u[0] = 1.0
    got = cumulative_label_scores(proba, u, penalty, k_reg, np.empty_like(proba))
    np.testing.assert_allclose(got, naive_label_scores(proba, u, penalty, k_reg))


def test_label_scores_keep_infinite_penalty():
    proba = np.array([[0.7, 0.2, 0.1]])
    got = cumulative_label_scores(proba, np.ones(1), np.inf, 1, np.empty((1, 3)))
    assert got[0, 0] == pytest.approx(0.7)
    assert np.isinf(got[0, 1:]).all()


def test_nan_scores_are_rejected_before_the_kernel():
    # kernels do not validate; the calibration wrapper does
    from skvariance.calibration.base import ConformalCalibration

    with pytest.raises(ValueError, match="NaN"):
        ConformalCalibration(np.array([0.1, np.nan, 0.3]))


def test_nan_probabilities_are_rejected_before_the_kernel():
    from skvariance.calibration._classifier import label_scores

    proba = np.array([[0.5, np.nan], [0.5, 0.5]])
    with pytest.raises(ValueError, match="NaN"):
        label_scores(proba, "aps", np.ones(2))


def naive_cv_plus(residuals, fold_of, centers, scales, sign, ranks):
    """The full (n_test, n) matrix of mu_k(x) + sign * sigma_k(x) * r_i, sorted."""
    values = centers[:, fold_of] + sign * scales[:, fold_of] * residuals[None, :]
    ordered = np.sort(values, axis=1)
    return ordered[:, np.asarray(ranks) - 1]


def run_cv_plus(residuals, fold_of, centers, scales, sign, ranks):
    n_folds = centers.shape[1]
    order = np.lexsort((residuals, fold_of))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(fold_of, minlength=n_folds))])
    out = np.empty((centers.shape[0], len(ranks)))
    # plain CV+ is the one-group case of the Mondrian kernel
    return grouped_cv_plus_order_statistics(
        np.ascontiguousarray(residuals[order]),
        np.ascontiguousarray(ptr.astype(np.int64)[None, :]),
        np.zeros(centers.shape[0], dtype=np.int64),
        # C-contiguous, as the regressor passes them (a sliced view would
        # compile a second signature of the parallel kernel)
        np.ascontiguousarray(centers),
        np.ascontiguousarray(scales),
        sign,
        np.asarray(ranks, dtype=np.int64)[None, :],
        out,
    )


@pytest.mark.parametrize("sign", [-1, 1])
@pytest.mark.parametrize("normalized", [False, True])
def test_cv_plus_order_statistics_match_the_full_matrix(sign, normalized):
    rng = np.random.RandomState(7)
    n, n_test, n_folds = 83, 40, 5
    residuals = np.round(rng.exponential(size=n), 1)  # ties within and across folds
    residuals[:3] = np.inf
    fold_of = rng.randint(0, n_folds, size=n)
    centers = np.round(rng.normal(size=(n_test, n_folds)), 1)
    centers[:, 1] = centers[:, 0]  # tied centers across folds
    scales = (
        rng.uniform(0.5, 2.0, size=centers.shape)
        if normalized
        else np.ones(centers.shape)
    )
    ranks = [1, 2, 8, 41, 42, 75, 82, 83]
    got = run_cv_plus(residuals, fold_of, centers, scales, sign, ranks)
    want = naive_cv_plus(residuals, fold_of, centers, scales, sign, ranks)
    if normalized:
        # the kernel may fuse c + s * r into one FMA (the "contract" flag):
        # the same order statistic, up to the last bit
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    else:
        np.testing.assert_array_equal(got, want)


def test_cv_plus_with_an_empty_fold_and_one_fold():
    rng = np.random.RandomState(8)
    residuals = rng.exponential(size=20)
    fold_of = np.where(np.arange(20) < 10, 0, 2)  # fold 1 is empty
    centers = rng.normal(size=(6, 3))
    ranks = [1, 10, 20]
    got = run_cv_plus(residuals, fold_of, centers, np.ones((6, 3)), 1, ranks)
    want = naive_cv_plus(residuals, fold_of, centers, np.ones((6, 3)), 1, ranks)
    np.testing.assert_array_equal(got, want)
    one = run_cv_plus(
        residuals, np.zeros(20, int), centers[:, :1], np.ones((6, 1)), -1, ranks
    )
    want = naive_cv_plus(
        residuals, np.zeros(20, int), centers[:, :1], np.ones((6, 1)), -1, ranks
    )
    np.testing.assert_array_equal(one, want)


@pytest.mark.usefixtures("parallel_kernels")
def test_cv_plus_kernel_same_result_for_any_number_of_threads():
    import numba

    rng = np.random.RandomState(9)
    residuals = rng.exponential(size=300)
    fold_of = rng.randint(0, 5, size=300)
    centers = rng.normal(size=(200, 5))
    scales = rng.uniform(0.5, 2, size=(200, 5))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_cv_plus(residuals, fold_of, centers, scales, -1, [10, 150, 290])
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run_cv_plus(residuals, fold_of, centers, scales, -1, [10, 150, 290])
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)
