"""The fast paths of the comparison tests give scipy's public answers exactly.

``mcnemar_test`` and ``bayesian_correlated_ttest`` call scipy's special
functions directly instead of the distributions' public ``cdf``/``sf``
(whose argument handling cost more than the test itself), and
``_test_train_ratio`` reads plain Python sizes without building arrays.
References here are the public scipy calls of the formulas written out,
compared with ``==``: any drift, a flipped sign or an off-by-one count fails.
"""

import numpy as np
import pytest
from scipy import stats

from skvariance.evaluation import bayesian_correlated_ttest, mcnemar_test
from skvariance.evaluation._comparison import _binom_half_cdf, _test_train_ratio


def _predictions(b, c, both_right=3, both_wrong=2):
    """Labels and two models' predictions with ``b`` A-only and ``c`` B-only hits."""
    n = b + c + both_right + both_wrong
    y = np.zeros(n, dtype=int)
    a_right = np.r_[np.ones(b), np.zeros(c), np.ones(both_right), np.zeros(both_wrong)]
    b_right = np.r_[np.zeros(b), np.ones(c), np.ones(both_right), np.zeros(both_wrong)]
    return y, np.where(a_right == 1, 0, 1), np.where(b_right == 1, 0, 2)


@pytest.mark.parametrize(
    "b, c",
    [(0, 0), (1, 0), (0, 1), (5, 0), (3, 4), (17, 9), (40, 41), (250, 180), (1, 999)],
)
def test_mcnemar_pvalues_are_scipys(b, c):
    y, pa, pb = _predictions(b, c)
    exact = mcnemar_test(y, pa, pb, exact=True)
    n = b + c
    ref = 1.0 if n == 0 else min(1.0, 2.0 * stats.binom.cdf(min(b, c), n, 0.5))
    assert (exact.n_a_only, exact.n_b_only) == (b, c)
    assert exact.pvalue == ref
    for correction in (True, False):
        asym = mcnemar_test(y, pa, pb, exact=False, correction=correction)
        if n == 0:
            assert (asym.statistic, asym.pvalue) == (0.0, 1.0)
            continue
        diff = abs(b - c) - (1.0 if correction else 0.0)
        assert asym.statistic == diff**2 / n
        assert asym.pvalue == stats.chi2.sf(diff**2 / n, 1)


def test_mcnemar_exact_pvalue_over_every_count_pair():
    # every (k, n) with n <= 60 through the test, and the cdf helper itself
    # for every (k, n) with n <= 400 (the public call vectorized)
    got, want = [], []
    for n in range(1, 61):
        for k in range(0, n // 2 + 1):
            y, pa, pb = _predictions(k, n - k, both_right=0, both_wrong=0)
            got.append(mcnemar_test(y, pa, pb).pvalue)
            want.append(min(1.0, 2.0 * stats.binom.cdf(k, n, 0.5)))
    np.testing.assert_array_equal(got, want)
    n = np.concatenate([np.full(m // 2 + 1, m) for m in range(1, 401)])
    k = np.concatenate([np.arange(m // 2 + 1) for m in range(1, 401)])
    direct = [_binom_half_cdf(int(a), int(m)) for a, m in zip(k, n)]
    np.testing.assert_array_equal(direct, stats.binom.cdf(k, n, 0.5))


def _posterior_reference(a, b, n_train, n_test, rope):
    d = (np.asarray(a, float) - np.asarray(b, float)).ravel()
    mean, J = float(d.mean()), d.size
    scale = float(np.sqrt((1.0 / J + n_test / n_train) * np.var(d, ddof=1)))
    p_b = float(stats.t.cdf(-rope, J - 1, loc=mean, scale=scale))
    p_a = float(stats.t.sf(rope, J - 1, loc=mean, scale=scale))
    return p_a, p_b


@pytest.mark.parametrize("rope", [0.0, 0, 0.004, np.float32(0.004), 0.05])
def test_correlated_ttest_probabilities_are_scipys(rope):
    rng = np.random.RandomState(0)
    for shift in (-0.02, -0.004, 0.0, 0.001, 0.004, 0.03):
        a = 0.8 + 0.02 * rng.randn(10, 10)
        b = a - shift + 0.01 * rng.randn(10, 10)
        res = bayesian_correlated_ttest(a, b, n_train=90, n_test=10, rope=rope)
        p_a, p_b = _posterior_reference(a, b, 90, 10, rope)
        assert (res.prob_a_better, res.prob_b_better) == (p_a, p_b)
        p_eq = max(0.0, 1.0 - p_a - p_b) if rope > 0 else 0.0
        assert res.prob_equivalent == p_eq


@pytest.mark.parametrize(
    "n_train, n_test",
    [
        (9, 1),
        (9.0, 1),
        (90, 10.5),
        (np.int64(9), 1),
        ([8, 9, 10], 1),
        (7, [1, 2]),
        (2**53 + 1, 3),
        (np.float32(9.5), 1.25),
    ],
)
def test_test_train_ratio_fast_path_matches_the_general_path(n_train, n_test):
    def general(value):
        return float(np.asarray(value).astype(np.float64).mean())

    assert _test_train_ratio(n_train, n_test) == general(n_test) / general(n_train)


@pytest.mark.parametrize(
    "n_train, error",
    [
        (0, ValueError),
        (-3, ValueError),
        (0.0, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (True, TypeError),
        (2**70, TypeError),
        ("9", TypeError),
        ([], TypeError),
    ],
)
def test_test_train_ratio_still_rejects_bad_sizes(n_train, error):
    with pytest.raises(error, match="n_train must be"):
        _test_train_ratio(n_train, 1)
    with pytest.raises(error, match="n_test must be"):
        _test_train_ratio(1, n_train)
