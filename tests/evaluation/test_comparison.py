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


# -- edge cases and exact values pinned by hand (mutation testing) ------------
def test_mcnemar_hand_values_and_method_names():
    y = np.zeros(10, dtype=int)
    # A right on rows 0-5, B right on rows 3-8: b = 3 (0, 1, 2), c = 3 (6, 7, 8)
    a = np.where(np.arange(10) < 6, 0, 1)
    b = np.where((np.arange(10) >= 3) & (np.arange(10) < 9), 0, 1)
    exact = mcnemar_test(y, a, b)
    assert (exact.n_a_only, exact.n_b_only, exact.method) == (3, 3, "exact")
    # b = c: 2 * P(Bin(6, 1/2) <= 3) = 2 * 42/64 > 1, capped at 1
    assert exact.pvalue == 1.0 and exact.statistic == 3.0
    asym = mcnemar_test(y, a, b, exact=False)
    assert asym.method == "asymptotic"
    # continuity-corrected (|3 - 3| - 1)^2 / 6 = 1/6
    assert asym.statistic == pytest.approx(1 / 6, rel=1e-12)
    assert asym.pvalue == pytest.approx(stats.chi2.sf(1 / 6, 1), rel=1e-12)
    none = mcnemar_test([1, 0], [1, 0], [1, 0], exact=False)
    assert (none.statistic, none.pvalue, none.method) == (0.0, 1.0, "asymptotic")
    # b = 1, c = 0: two-sided exact p = 2 * 1/2 = 1
    one = mcnemar_test([1], [1], [0])
    assert (one.n_a_only, one.n_b_only, one.pvalue) == (1, 0, 1.0)
    # b = 5, c = 0: 2 / 32
    assert mcnemar_test([1] * 5, [1] * 5, [0] * 5).pvalue == 2 / 32
    with pytest.raises(ValueError, match="y_true is empty"):
        mcnemar_test([], [], [])


def test_bayesian_ttest_degenerate_posteriors_by_hand():
    a = np.full(6, 0.75)
    # every difference exactly 0.25, rope 0.25: the point mass sits on the
    # edge of the ROPE, which is closed: equivalent with probability 1
    edge = bayesian_correlated_ttest(a, a - 0.25, n_train=5, n_test=1, rope=0.25)
    assert edge.probabilities == (0.0, 1.0, 0.0)
    edge = bayesian_correlated_ttest(a - 0.25, a, n_train=5, n_test=1, rope=0.25)
    assert edge.probabilities == (0.0, 1.0, 0.0)
    # all differences 0 and no ROPE: the point mass is split half and half
    zero = bayesian_correlated_ttest(a, a, n_train=5, n_test=1)
    assert zero.probabilities == (0.5, 0.0, 0.5)
    assert zero.interval(0.9) == (0.0, 0.0) and zero.rope == 0.0
    zero = bayesian_correlated_ttest(a, a, n_train=5, n_test=1, rope=0.1)
    assert zero.probabilities == (0.0, 1.0, 0.0) and zero.rope == 0.1
    # nonzero constant differences: a point mass, interval of width 0
    up = bayesian_correlated_ttest(a, a - 0.25, n_train=5, n_test=1)
    assert up.probabilities == (0.0, 0.0, 1.0)
    assert up.interval(0.9) == (0.25, 0.25)


def test_bayesian_ttest_without_rope_has_no_equivalence_mass():
    """rope = 0: P(equivalent) is exactly 0, not the float residue 1 - pa - pb."""
    for seed in range(50):
        rng = np.random.RandomState(seed)
        a, b = rng.normal(0.8, 0.02, size=(2, 3, 10))
        res = bayesian_correlated_ttest(a, b, n_train=90, n_test=10)
        if 1.0 - res.prob_a_better - res.prob_b_better != 0.0:
            break
    else:  # pragma: no cover - the residue appears within a few seeds
        pytest.skip("no floating-point residue found")
    assert res.prob_equivalent == 0.0


def test_bayesian_ttest_rho_is_n_test_over_n():
    """rho = n_test / (n_train + n_test): scale^2 = (1/J + rho/(1-rho)) s^2."""
    d = np.array([0.01, -0.02, 0.03, 0.0, 0.015, -0.005])
    s2 = np.var(d, ddof=1)  # sum of squares by hand below
    mean = d.sum() / 6
    assert s2 == pytest.approx(np.sum((d - mean) ** 2) / 5, rel=1e-15)
    for n_train, n_test in [(90, 10), (60, 40), (10, 30)]:
        rho = n_test / (n_train + n_test)
        res = bayesian_correlated_ttest(d, 0 * d, n_train=n_train, n_test=n_test)
        assert res.scale == pytest.approx(
            math.sqrt((1 / 6 + rho / (1 - rho)) * s2), rel=1e-12
        )
        assert res.mean == pytest.approx(mean, rel=1e-12) and res.df == 5
        # with per-split sizes, their means are used
        per_split = bayesian_correlated_ttest(
            d, 0 * d, n_train=[n_train - 1, n_train + 1], n_test=[n_test] * 3
        )
        assert per_split.scale == pytest.approx(res.scale, rel=1e-12)


def test_corrected_ttest_factor_pins_each_size():
    """(1/J + n_test/n_train): swapping the sizes or dropping 1/J changes t."""
    d = np.array([0.02, 0.01, 0.03, -0.01, 0.02, 0.0, 0.015, 0.005])
    J, s2, mean = 8, np.var(d, ddof=1), d.mean()
    for n_train, n_test in [(70, 30), (30, 70), (99, 1)]:
        res = corrected_resampled_ttest(d, 0 * d, n_train=n_train, n_test=n_test)
        se = math.sqrt((1 / J + n_test / n_train) * s2)
        assert res.std_error == pytest.approx(se, rel=1e-12)
        assert res.statistic == pytest.approx(mean / se, rel=1e-12)
        assert res.mean_difference == pytest.approx(mean, rel=1e-12)
        assert res.df == J - 1 and res.alternative == "two-sided"
    naive = corrected_resampled_ttest(d, 0 * d, n_train=70, n_test=30, correction=False)
    assert naive.std_error == pytest.approx(math.sqrt(s2 / J), rel=1e-12)
    neg = corrected_resampled_ttest(-d, 0 * d, n_train=70, n_test=30)
    assert neg.statistic == pytest.approx(-mean / math.sqrt((1 / 8 + 3 / 7) * s2))
    less = corrected_resampled_ttest(
        -d, 0 * d, n_train=70, n_test=30, alternative="less"
    )
    assert less.pvalue == pytest.approx(stats.t.cdf(neg.statistic, 7), rel=1e-12)
    assert less.alternative == "less"
    # two-sided p of a large |t| stays in [0, 1] and equals 2 * sf
    assert neg.pvalue == pytest.approx(2 * stats.t.sf(abs(neg.statistic), 7))


def test_5x2cv_hand_values_and_zero_differences():
    # differences p_i^(j) chosen by hand
    p = np.array([[0.04, 0.00], [0.01, 0.03], [0.02, 0.02], [0.0, 0.02], [0.03, 0.01]])
    s2 = np.array([0.0008, 0.0002, 0.0, 0.0002, 0.0002])  # sum_j (p - mean)^2
    t = ttest_5x2cv(p, np.zeros_like(p))
    assert t.std_error == pytest.approx(math.sqrt(s2.sum() / 5), rel=1e-12)
    assert t.statistic == pytest.approx(0.04 / math.sqrt(0.0014 / 5), rel=1e-12)
    assert (t.df, t.mean_difference) == (5, 0.04)
    f = ftest_5x2cv(p, np.zeros_like(p))
    assert f.statistic == pytest.approx(np.sum(p**2) / (2 * 0.0014), rel=1e-12)
    assert (f.dfn, f.dfd) == (10, 5)
    assert f.mean_difference == pytest.approx(0.018, rel=1e-12)
    # three repetitions: F(6, 3), t on 3 degrees of freedom
    f3 = ftest_5x2cv(p[:3], np.zeros((3, 2)))
    assert (f3.dfn, f3.dfd) == (6, 3)
    assert f3.pvalue == pytest.approx(stats.f.sf(f3.statistic, 6, 3), rel=1e-12)
    assert ttest_5x2cv(p[:3], np.zeros((3, 2))).df == 3
    # all differences zero: F = 0/0 = 0 with p-value 1
    zero = ftest_5x2cv(np.ones((5, 2)), np.ones((5, 2)))
    assert (zero.statistic, zero.pvalue) == (0.0, 1.0)
    with pytest.raises(ValueError, match="n_repetitions, 2"):
        ttest_5x2cv(np.ones((1, 2)), np.ones((1, 2)))


def test_friedman_hand_values():
    # 3 data sets, 3 models, no ties: ranks (1, 2, 3), (1, 3, 2), (2, 1, 3)
    scores = np.array([[0.9, 0.8, 0.7], [0.9, 0.7, 0.8], [0.8, 0.9, 0.7]])
    res = friedman_nemenyi(scores)
    np.testing.assert_allclose(res.ranks, [4 / 3, 2.0, 8 / 3])
    # 12 N / (k (k+1)) [sum R^2 - k (k+1)^2 / 4] = 3 * (16/9 + 4 + 64/9 - 12)
    chi2 = 12 * 3 / 12 * (16 / 9 + 4 + 64 / 9 - 12)
    assert res.statistic == pytest.approx(chi2, rel=1e-12)
    assert res.pvalue == pytest.approx(stats.chi2.sf(chi2, 2), rel=1e-12)
    f_id = 2 * chi2 / (3 * 2 - chi2)
    assert res.iman_davenport_statistic == pytest.approx(f_id, rel=1e-12)
    assert res.iman_davenport_pvalue == pytest.approx(stats.f.sf(f_id, 2, 4))
    assert res.names == ["model_0", "model_1", "model_2"] and res.n_datasets == 3
    # Demšar's q_0.05 for k = 3 is 2.343: CD = 2.343 * sqrt(3 * 4 / 18)
    assert res.critical_difference == pytest.approx(2.343 * math.sqrt(2 / 3), abs=1e-3)
    assert res.alpha == 0.05
    # two data sets are enough
    two = friedman_nemenyi(scores[:2], names=["a", "b", "c"])
    np.testing.assert_allclose(two.ranks, [1.0, 2.5, 2.5])
    with pytest.raises(ValueError, match="names must be distinct"):
        friedman_nemenyi(scores, names=["a", "a", "b"])
    with pytest.raises(ValueError, match="scores contains NaN"):
        friedman_nemenyi([[0.1, np.nan], [0.2, 0.3]])


def test_friedman_all_tied_and_perfect_separation():
    tied = friedman_nemenyi(np.ones((4, 3)))
    assert (tied.statistic, tied.pvalue) == (0.0, 1.0)
    np.testing.assert_array_equal(tied.ranks, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(tied.pairwise_pvalues, np.ones((3, 3)))
    # model order identical on every data set: chi2 = N (k - 1), F infinite
    perfect = friedman_nemenyi(np.tile([0.9, 0.8, 0.7], (5, 1)))
    assert perfect.statistic == pytest.approx(10.0, rel=1e-12)
    assert perfect.iman_davenport_statistic == np.inf
    assert perfect.iman_davenport_pvalue == 0.0


def test_nemenyi_pairwise_pvalue_by_hand_and_significant_pairs():
    rng = np.random.RandomState(7)
    scores = rng.rand(20, 4) + np.array([0.0, 0.3, 0.6, 0.05])
    res = friedman_nemenyi(scores, names=list("ABCD"))
    se = math.sqrt(4 * 5 / (6 * 20))
    for i, j in itertools.combinations(range(4), 2):
        q = abs(res.ranks[i] - res.ranks[j]) / se * math.sqrt(2)
        assert res.pairwise_pvalues[i, j] == pytest.approx(
            stats.studentized_range.sf(q, 4, np.inf), rel=1e-6
        )
    np.testing.assert_array_equal(np.diag(res.pairwise_pvalues), 1.0)
    # significant_pairs lists every pair once, in column order, by hand
    expected = [
        (res.names[i], res.names[j])
        for i, j in itertools.combinations(range(4), 2)
        if abs(res.ranks[i] - res.ranks[j]) > res.critical_difference
    ]
    assert res.significant_pairs() == expected and len(expected) >= 2
    # a pair exactly at the critical difference is not significant
    res.ranks = np.array([1.0, 1.5, 3.0, 3.5])
    res.critical_difference = 0.5
    assert res.significant_pairs() == [("A", "C"), ("A", "D"), ("B", "C"), ("B", "D")]
    res.ranks = np.array([1.0, 1.5, 3.5, 4.0])
    res.critical_difference = 2.4
    assert res.significant_pairs() == [("A", "C"), ("A", "D"), ("B", "D")]


def test_adjust_pvalues_hand_values():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, running max
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    # BH: sorted times 4/1, 4/2, 4/3, 4/4, running min from the top
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), [0.02, 0.04, 0.04, 0.02])
    np.testing.assert_allclose(
        adjust_pvalues([0.6, 0.9], "holm"), [1.0, 1.0]
    )  # 2 * 0.6 capped at 1
    np.testing.assert_allclose(adjust_pvalues([0.3, 0.9], "bonferroni"), [0.6, 1.0])
    out = adjust_pvalues([0.0, 1.0], None)
    np.testing.assert_array_equal(out, [0.0, 1.0])
    with pytest.raises(ValueError, match="1-d"):
        adjust_pvalues([[0.1, 0.2]])


@pytest.mark.parametrize("bad", [0.0, 1.0, True, "0.05"])
def test_levels_are_checked(bad):
    with pytest.raises(ValueError, match="alpha"):
        friedman_nemenyi(np.random.RandomState(0).rand(4, 3), alpha=bad)
    res = bayesian_correlated_ttest([0.1, 0.3], [0.2, 0.1], n_train=9, n_test=1)
    error = TypeError if isinstance(bad, (bool, str)) else ValueError
    with pytest.raises(error, match="confidence_level"):
        res.interval(bad)


def test_more_edge_cases_pinned_by_hand():
    # two repetitions are enough for the 5x2cv statistics
    p = np.array([[0.5, 0.0], [0.5, 0.0]])
    two = ttest_5x2cv(p, np.zeros((2, 2)), alternative="greater")
    assert (two.df, two.alternative) == (2, "greater")
    # rows (a, 0): sum p^2 = r a^2 = 2 sum s_i^2, so F is exactly 1
    f = ftest_5x2cv(p, np.zeros((2, 2)))
    assert f.statistic == 1.0
    assert f.pvalue == pytest.approx(stats.f.sf(1.0, 4, 2), rel=1e-12)
    # Iman-Davenport with N (k - 1) - chi2 = 1: F = (N - 1) chi2 / 1 = 3
    scores = np.array([[0.9, 0.8, 0.7], [0.9, 0.7, 0.8]])
    res = friedman_nemenyi(scores, alpha=0.1)
    assert res.statistic == pytest.approx(3.0, rel=1e-12)
    assert res.iman_davenport_statistic == pytest.approx(3.0, rel=1e-12)
    assert res.alpha == 0.1
    with pytest.raises(TypeError, match="scores must be numeric"):
        friedman_nemenyi([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="scores_b contains NaN"):
        corrected_resampled_ttest([0.1, 0.2], [np.nan, 0.1], n_train=9, n_test=1)
    with pytest.raises(ValueError, match="scores_a and scores_b must have the same"):
        corrected_resampled_ttest([0.1, 0.2], [0.1, 0.2, 0.3], n_train=9, n_test=1)
    with pytest.raises(TypeError, match="n_train must be a positive number"):
        corrected_resampled_ttest([0.1, 0.2], [0.2, 0.1], n_train="9", n_test=1)
    with pytest.raises(ValueError, match="must have shape \\(n_repetitions, 2\\)"):
        ftest_5x2cv(np.ones((5, 3)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="pvalues must lie in"):
        adjust_pvalues([0.5, -0.1])
    with pytest.raises(ValueError, match="pvalues contains NaN"):
        adjust_pvalues([0.5, np.nan])
