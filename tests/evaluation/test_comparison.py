"""Tests on scores already computed: McNemar, 5x2cv, corrected and Bayesian
t-tests, Friedman/Nemenyi and p-value adjustment."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from skvariance.evaluation import (
    adjust_pvalues,
    bayesian_correlated_ttest,
    corrected_resampled_ttest,
    friedman_nemenyi,
    ftest_5x2cv,
    mcnemar_test,
    ttest_5x2cv,
)


def _binomial_upper(k, n, alpha):
    """P(X >= k) for X ~ Bin(n, alpha): small means the rate exceeds alpha."""
    return stats.binom.sf(k - 1, n, alpha)


# -- McNemar ------------------------------------------------------------------
def test_mcnemar_exact_is_the_binomial_sum():
    rng = np.random.RandomState(0)
    y = rng.randint(2, size=80)
    a = np.where(rng.rand(80) < 0.8, y, 1 - y)
    b = np.where(rng.rand(80) < 0.65, y, 1 - y)
    res = mcnemar_test(y, a, b)
    n_b = sum((ai == yi) and (bi != yi) for yi, ai, bi in zip(y, a, b))
    n_c = sum((ai != yi) and (bi == yi) for yi, ai, bi in zip(y, a, b))
    assert (res.n_a_only, res.n_b_only) == (n_b, n_c)
    n = n_b + n_c
    tail = sum(math.comb(n, i) for i in range(max(n_b, n_c), n + 1)) / 2**n
    assert res.pvalue == pytest.approx(min(1.0, 2 * tail), rel=1e-12)
    assert res.statistic == min(n_b, n_c)
    assert res.pvalue == pytest.approx(stats.binomtest(n_b, n, 0.5).pvalue, rel=1e-12)


@pytest.mark.parametrize("correction", [True, False])
def test_mcnemar_asymptotic_formula(correction):
    y = np.array([0] * 30 + [1] * 30)
    a = y.copy()
    b = y.copy()
    a[:12] = 1 - a[:12]  # A wrong on 12 samples
    b[10:30] = 1 - b[10:30]  # B wrong on 20 samples, 2 shared with A
    res = mcnemar_test(y, a, b, exact=False, correction=correction)
    n_b, n_c = 18, 10  # A right & B wrong; B right & A wrong
    assert (res.n_a_only, res.n_b_only) == (n_b, n_c)
    expected = (abs(n_b - n_c) - correction) ** 2 / (n_b + n_c)
    assert res.statistic == pytest.approx(expected)
    assert res.pvalue == pytest.approx(stats.chi2.sf(expected, 1))


def test_mcnemar_no_discordant_pairs_and_bad_input():
    y = [0, 1, 1]
    assert mcnemar_test(y, y, y).pvalue == 1.0
    assert mcnemar_test(y, y, y, exact=False).pvalue == 1.0
    with pytest.raises(ValueError, match="differ in length"):
        mcnemar_test([0, 1], [0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_pred_b contains NaN"):
        mcnemar_test([0.0, 1.0], [0.0, 1.0], [np.nan, 1.0])
    with pytest.raises(ValueError, match="1-d"):
        mcnemar_test([[0, 1]], [[0, 1]], [[0, 1]])


# -- corrected resampled t-test -----------------------------------------------
def test_corrected_ttest_equals_formula():
    rng = np.random.RandomState(1)
    a = rng.normal(0.8, 0.03, size=(4, 5))
    b = rng.normal(0.78, 0.03, size=(4, 5))
    res = corrected_resampled_ttest(a, b, n_train=80, n_test=20)
    d = [ai - bi for ai, bi in zip(a.ravel().tolist(), b.ravel().tolist())]
    J = len(d)
    mean = sum(d) / J
    var = sum((x - mean) ** 2 for x in d) / (J - 1)
    t = mean / math.sqrt((1 / J + 20 / 80) * var)
    assert res.statistic == pytest.approx(t, rel=1e-12)
    assert res.df == J - 1
    assert res.pvalue == pytest.approx(2 * stats.t.sf(abs(t), J - 1), rel=1e-10)
    naive = corrected_resampled_ttest(a, b, n_train=80, n_test=20, correction=False)
    assert naive.statistic == pytest.approx(mean / math.sqrt(var / J), rel=1e-12)
    # the naive test is a plain one-sample t-test of the differences
    assert naive.pvalue == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue, rel=1e-10)


def test_corrected_ttest_one_sided_and_per_split_sizes():
    rng = np.random.RandomState(2)
    a = rng.normal(0.8, 0.03, size=(3, 4))
    b = a - 0.02 + rng.normal(0, 0.01, size=(3, 4))
    two = corrected_resampled_ttest(a, b, n_train=[75, 75, 76, 74], n_test=25)
    greater = corrected_resampled_ttest(
        a, b, n_train=75, n_test=25, alternative="greater"
    )
    less = corrected_resampled_ttest(a, b, n_train=75, n_test=25, alternative="less")
    assert two.statistic == pytest.approx(greater.statistic)
    assert greater.pvalue == pytest.approx(two.pvalue / 2)
    assert less.pvalue == pytest.approx(1 - greater.pvalue)


def test_corrected_ttest_constant_differences():
    a = np.full((2, 3), 0.8)
    assert corrected_resampled_ttest(a, a, n_train=9, n_test=1).pvalue == 1.0
    res = corrected_resampled_ttest(a, a - 0.1, n_train=9, n_test=1)
    assert res.statistic == np.inf and res.pvalue == 0.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scores_b": np.zeros((3, 4))}, "same shape"),
        ({"scores_a": [[0.1, np.nan], [0.2, 0.3]]}, "scores_a contains NaN"),
        ({"n_train": 0}, "n_train must be positive"),
        ({"n_test": -1}, "n_test must be positive"),
        ({"scores_a": [0.5], "scores_b": [0.4]}, "at least 2"),
        ({"alternative": "bigger"}, "alternative must be"),
    ],
)
def test_corrected_ttest_bad_input(kwargs, match):
    params = {
        "scores_a": np.ones((2, 2)),
        "scores_b": np.zeros((2, 2)),
        "n_train": 10,
        "n_test": 5,
    }
    params.update(kwargs)
    with pytest.raises(ValueError, match=match):
        corrected_resampled_ttest(
            params.pop("scores_a"), params.pop("scores_b"), **params
        )


# -- Type I error by simulation -----------------------------------------------
def _null_cv_scores(rng, n_sim, n, n_reps, n_folds):
    """Scores of two equally good learners under repeated k-fold CV.

    y = x1 + x2 + noise with exchangeable x1, x2; learner A regresses y on
    x1, learner B on x2 (least squares). By symmetry their expected test
    score (negative MSE) is the same, the null hypothesis of the tests.
    Every repetition reshuffles the folds. Returns (2, n_sim, n_reps, n_folds).
    """
    x = rng.randn(n_sim, n, 2)
    y = x.sum(axis=2) + rng.randn(n_sim, n)
    out = np.empty((2, n_sim, n_reps, n_folds))
    for r in range(n_reps):
        fold = rng.permutation(n) % n_folds
        for k in range(n_folds):
            train, test = fold != k, fold == k
            for m in range(2):
                xt, yt = x[:, train, m], y[:, train]
                xm, ym = xt.mean(1, keepdims=True), yt.mean(1, keepdims=True)
                slope = ((xt - xm) * (yt - ym)).sum(1, keepdims=True) / (
                    (xt - xm) ** 2
                ).sum(1, keepdims=True)
                pred = ym + slope * (x[:, test, m] - xm)
                out[m, :, r, k] = -np.mean((y[:, test] - pred) ** 2, axis=1)
    return out


def test_corrected_ttest_type_one_error_and_naive_excess():
    """10 x 10-fold CV: corrected test at most alpha, naive test far above."""
    alpha, n_sim, n = 0.05, 1000, 60
    scores = _null_cv_scores(np.random.RandomState(0), n_sim, n, 10, 10)
    corrected = naive = 0
    for a, b in zip(scores[0], scores[1]):
        corrected += (
            corrected_resampled_ttest(a, b, n_train=54, n_test=6).pvalue < alpha
        )
        naive += (
            corrected_resampled_ttest(
                a, b, n_train=54, n_test=6, correction=False
            ).pvalue
            < alpha
        )
    # Type I error <= alpha: reject only if the count is implausible at alpha
    assert _binomial_upper(corrected, n_sim, alpha) > 1e-3, corrected / n_sim
    # the uncorrected test exceeds alpha by far (the reason for the correction)
    assert _binomial_upper(naive, n_sim, 2 * alpha) < 1e-6, naive / n_sim


def test_5x2cv_type_one_error():
    alpha, n_sim = 0.05, 1000
    scores = _null_cv_scores(np.random.RandomState(1), n_sim, 200, 5, 2)
    f_rej = t_rej = 0
    for a, b in zip(scores[0], scores[1]):
        f_rej += ftest_5x2cv(a, b).pvalue < alpha
        t_rej += ttest_5x2cv(a, b).pvalue < alpha
    assert _binomial_upper(f_rej, n_sim, alpha) > 1e-3, f_rej / n_sim
    assert _binomial_upper(t_rej, n_sim, alpha) > 1e-3, t_rej / n_sim


def test_tests_have_power():
    """A real difference is detected: the simulation tests can fail."""
    scores = _null_cv_scores(np.random.RandomState(2), 200, 200, 10, 10)
    shifted = scores[1] - 0.8
    p = [
        corrected_resampled_ttest(a, b, n_train=180, n_test=20).pvalue
        for a, b in zip(scores[0], shifted)
    ]
    assert np.mean(np.array(p) < 0.05) > 0.5


# -- 5x2cv --------------------------------------------------------------------
def test_5x2cv_statistics_equal_formulas():
    rng = np.random.RandomState(3)
    a = rng.normal(0.8, 0.02, size=(5, 2))
    b = rng.normal(0.79, 0.02, size=(5, 2))
    p = (a - b).tolist()
    s2 = [
        (pi[0] - (pi[0] + pi[1]) / 2) ** 2 + (pi[1] - (pi[0] + pi[1]) / 2) ** 2
        for pi in p
    ]
    t = p[0][0] / math.sqrt(sum(s2) / 5)
    res = ttest_5x2cv(a, b)
    assert res.statistic == pytest.approx(t, rel=1e-12)
    assert res.pvalue == pytest.approx(2 * stats.t.sf(abs(t), 5), rel=1e-10)
    f = sum(x**2 for row in p for x in row) / (2 * sum(s2))
    fres = ftest_5x2cv(a, b)
    assert fres.statistic == pytest.approx(f, rel=1e-12)
    assert fres.pvalue == pytest.approx(stats.f.sf(f, 10, 5), rel=1e-10)


def test_5x2cv_bad_shape():
    with pytest.raises(ValueError, match="n_repetitions, 2"):
        ttest_5x2cv(np.ones((5, 3)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="same shape"):
        ftest_5x2cv(np.ones((5, 2)), np.ones((4, 2)))


# -- Bayesian correlated t-test -----------------------------------------------
def test_bayesian_ttest_equals_formula():
    rng = np.random.RandomState(4)
    a = rng.normal(0.8, 0.02, size=(3, 10))
    b = a - 0.005 + rng.normal(0, 0.01, size=(3, 10))
    rope = 0.004
    res = bayesian_correlated_ttest(a, b, n_train=90, n_test=10, rope=rope)
    d = (a - b).ravel()
    J = d.size
    rho = 10 / 100
    scale = math.sqrt((1 / J + rho / (1 - rho)) * d.var(ddof=1))
    post = stats.t(J - 1, loc=d.mean(), scale=scale)
    assert res.scale == pytest.approx(scale, rel=1e-12)
    assert res.prob_a_better == pytest.approx(post.sf(rope), rel=1e-10)
    assert res.prob_b_better == pytest.approx(post.cdf(-rope), rel=1e-10)
    assert res.prob_equivalent == pytest.approx(
        post.cdf(rope) - post.cdf(-rope), rel=1e-10
    )
    assert sum(res.probabilities) == pytest.approx(1.0)
    low, high = res.interval(0.9)
    assert post.cdf(low) == pytest.approx(0.05) and post.cdf(high) == pytest.approx(
        0.95
    )


def test_bayesian_ttest_matches_corrected_ttest():
    """P(B better) under rope=0 is the one-sided corrected p-value."""
    rng = np.random.RandomState(5)
    a = rng.normal(0.8, 0.02, size=(5, 5))
    b = a + rng.normal(0.003, 0.01, size=(5, 5))
    bayes = bayesian_correlated_ttest(a, b, n_train=80, n_test=20)
    freq = corrected_resampled_ttest(a, b, n_train=80, n_test=20, alternative="greater")
    assert bayes.prob_b_better == pytest.approx(freq.pvalue, rel=1e-10)
    assert bayes.prob_equivalent == 0.0


def test_bayesian_ttest_degenerate_and_bad_rope():
    a = np.full(6, 0.9)
    res = bayesian_correlated_ttest(a, a - 0.01, n_train=5, n_test=1, rope=0.005)
    assert (res.prob_a_better, res.prob_equivalent, res.prob_b_better) == (1, 0, 0)
    res = bayesian_correlated_ttest(a, a - 0.001, n_train=5, n_test=1, rope=0.005)
    assert res.prob_equivalent == 1.0
    with pytest.raises(ValueError, match="rope must be >= 0"):
        bayesian_correlated_ttest(a, a, n_train=5, n_test=1, rope=-0.01)
    with pytest.raises(TypeError, match="rope"):
        bayesian_correlated_ttest(a, a, n_train=5, n_test=1, rope="small")


# -- Friedman / Nemenyi -------------------------------------------------------
def test_friedman_equals_scipy_and_formula():
    rng = np.random.RandomState(6)
    scores = rng.rand(12, 4) + np.array([0.0, 0.1, 0.2, 0.05])
    scores[0, 1] = scores[0, 2]  # a tie
    res = friedman_nemenyi(scores, names=list("ABCD"))
    expected = stats.friedmanchisquare(*scores.T)
    assert res.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(expected.pvalue, rel=1e-10)
    # ranks by hand: 1 = best, ties share the average rank
    ranks = np.zeros(4)
    for row in scores:
        for j in range(4):
            above = np.sum(row > row[j])
            same = np.sum(row == row[j])
            ranks[j] += above + (same + 1) / 2
    np.testing.assert_allclose(res.ranks, ranks / 12)
    n, k = 12, 4
    f_id = (n - 1) * res.statistic / (n * (k - 1) - res.statistic)
    assert res.iman_davenport_statistic == pytest.approx(f_id)
    assert res.iman_davenport_pvalue == pytest.approx(
        stats.f.sf(f_id, k - 1, (k - 1) * (n - 1))
    )


def test_nemenyi_critical_difference_table():
    """Demšar (2006), table 5(a): q_0.05 = 2.343 (k=3), 2.569 (k=4), 2.728 (k=5)."""
    for k, q in [(3, 2.343), (4, 2.569), (5, 2.728), (10, 3.164)]:
        n = 14
        res = friedman_nemenyi(np.random.RandomState(k).rand(n, k))
        assert res.critical_difference == pytest.approx(
            q * math.sqrt(k * (k + 1) / (6 * n)), abs=2e-3
        )
    res = friedman_nemenyi(np.random.RandomState(0).rand(10, 3), alpha=0.10)
    assert res.critical_difference == pytest.approx(
        2.052 * math.sqrt(12 / 60), abs=2e-3
    )


def test_nemenyi_pairwise_pvalues_consistent_with_cd():
    rng = np.random.RandomState(7)
    scores = rng.rand(20, 4) + np.array([0.0, 0.3, 0.6, 0.05])
    res = friedman_nemenyi(scores, names=list("ABCD"))
    for i, j in itertools.combinations(range(4), 2):
        significant = abs(res.ranks[i] - res.ranks[j]) > res.critical_difference
        assert (res.pairwise_pvalues[i, j] < 0.05) == significant
    assert ("A", "C") in res.significant_pairs()
    np.testing.assert_allclose(res.pairwise_pvalues, res.pairwise_pvalues.T)


@pytest.mark.parametrize(
    "scores, kwargs, match",
    [
        (np.ones((5, 1)), {}, "at least 2 models"),
        (np.ones((1, 3)), {}, "at least 2 data sets"),
        (np.ones(4), {}, "2-d"),
        ([[0.1, np.nan], [0.2, 0.3]], {}, "NaN"),
        (np.ones((3, 2)), {"names": ["a"]}, "names has 1"),
        (np.ones((3, 2)), {"alpha": 1.5}, "alpha"),
    ],
)
def test_friedman_bad_input(scores, kwargs, match):
    with pytest.raises(ValueError, match=match):
        friedman_nemenyi(scores, **kwargs)


# -- p-value adjustment -------------------------------------------------------
def _holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adj, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def _bh(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adj, running = [0.0] * m, 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, p[i] * m / (rank + 1))
        adj[i] = running
    return adj


def test_adjust_pvalues_equals_step_procedures():
    p = np.random.RandomState(8).uniform(0, 0.2, size=9).tolist()
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), _holm(p))
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), _bh(p))
    np.testing.assert_allclose(
        adjust_pvalues(p, "bonferroni"), np.minimum(1, 9 * np.array(p))
    )
    np.testing.assert_allclose(adjust_pvalues(p, None), p)
    with pytest.raises(ValueError, match="method must be"):
        adjust_pvalues(p, "sidak")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([0.5, 1.5])
