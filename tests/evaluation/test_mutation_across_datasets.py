"""Mutation-killing tests of skvariance.evaluation._across_datasets.

Exact error messages (``match=r"^...$"``) and the statistics against
references computed here (loops, scipy, scikit-posthocs, autorank).
"""

import re

import numpy as np
import pytest

from skvariance.evaluation import (
    compare_to_control,
    conover_posthoc,
    effect_size,
    wilcoxon_test,
)

A = [0.8, 0.7, 0.9, 0.6]
B = [0.75, 0.72, 0.85, 0.55]
S = np.array([[0.8, 0.7, 0.6], [0.9, 0.6, 0.5], [0.7, 0.65, 0.6]])

_MESSAGES = [
    pytest.param(
        lambda: wilcoxon_test(A, B, zero_method="x"),
        ValueError,
        "zero_method must be one of ('wilcox', 'pratt', 'zsplit'), got 'x'.",
        id="wil_zero",
    ),
    pytest.param(
        lambda: wilcoxon_test(A, B, correction=1),
        TypeError,
        "correction must be a bool, got 1.",
        id="wil_corr",
    ),
    pytest.param(
        lambda: wilcoxon_test(A, B, alternative="larger"),
        ValueError,
        "alternative must be one of ('two-sided', 'greater', 'less'), got 'larger'.",
        id="wil_alt",
    ),
    pytest.param(
        lambda: wilcoxon_test(A, B, method="x"),
        ValueError,
        "method must be one of ('auto', 'exact', 'approx'), got 'x'.",
        id="wil_method",
    ),
    pytest.param(
        lambda: wilcoxon_test(S, S + 1),
        ValueError,
        "scores_a and scores_b must be 1-d: one score per data set, got shape (3, 3).",
        id="wil_2d",
    ),
    pytest.param(
        lambda: wilcoxon_test(A, A),
        ValueError,
        (
            "every difference scores_a - scores_b is zero: the signed-rank test has "
            "nothing to rank."
        ),
        id="wil_allzero",
    ),
    pytest.param(
        lambda: compare_to_control(S, 0, method="x"),
        ValueError,
        "method must be one of ('holm', 'bonferroni_dunn'), got 'x'.",
        id="ctl_method",
    ),
    pytest.param(
        lambda: compare_to_control(S, 0, alternative="x"),
        ValueError,
        "alternative must be one of ('two-sided', 'greater', 'less'), got 'x'.",
        id="ctl_alt",
    ),
    pytest.param(
        lambda: compare_to_control(S, 0, alpha=2.0),
        ValueError,
        "alpha must be a float in (0, 1), got 2.0.",
        id="ctl_alpha",
    ),
    pytest.param(
        lambda: compare_to_control(S[:, :1], 0),
        ValueError,
        "compare_to_control needs at least 2 models, got 1.",
        id="ctl_k1",
    ),
    pytest.param(
        lambda: compare_to_control(S[:1], 0),
        ValueError,
        "compare_to_control needs at least 2 data sets, got 1.",
        id="ctl_n1",
    ),
    pytest.param(
        lambda: compare_to_control(S, 5),
        ValueError,
        "control=5 is out of range for 3 models (columns).",
        id="ctl_control",
    ),
    pytest.param(
        lambda: conover_posthoc(S, p_adjust="fdr_bh"),
        ValueError,
        (
            "p_adjust must be one of ('holm', 'bh', 'bonferroni', 'single-step'), got "
            "'fdr_bh'."
        ),
        id="con_adjust",
    ),
    pytest.param(
        lambda: conover_posthoc(S[:, :1]),
        ValueError,
        "conover_posthoc needs at least 2 models, got 1.",
        id="con_k1",
    ),
    pytest.param(
        lambda: conover_posthoc(S[:1]),
        ValueError,
        "conover_posthoc needs at least 2 data sets, got 1.",
        id="con_n1",
    ),
    pytest.param(
        lambda: effect_size(A, B, kind="x"),
        ValueError,
        "kind must be one of ('cohen_d', 'cliff_delta', 'akinshin_gamma'), got 'x'.",
        id="eff_kind",
    ),
    pytest.param(
        lambda: effect_size(S, B),
        ValueError,
        "scores_a must be 1-d, got shape (3, 3).",
        id="eff_a2d",
    ),
    pytest.param(
        lambda: effect_size(A, S),
        ValueError,
        "scores_b must be 1-d, got shape (3, 3).",
        id="eff_b2d",
    ),
    pytest.param(
        lambda: effect_size([1.0], B),
        ValueError,
        "scores_a needs at least 2 scores, got 1.",
        id="eff_a1",
    ),
    pytest.param(
        lambda: effect_size(A, [1.0]),
        ValueError,
        "scores_b needs at least 2 scores, got 1.",
        id="eff_b1",
    ),
    pytest.param(
        lambda: effect_size(["a", "b"], B),
        TypeError,
        "scores_a must be numeric, got dtype <U1.",
        id="eff_astr",
    ),
    pytest.param(
        lambda: effect_size(A, [1.0, np.nan]),
        ValueError,
        (
            "scores_b contains NaN: 1 score(s) are missing; drop or impute failed "
            "runs explicitly before testing."
        ),
        id="eff_bnan",
    ),
]


@pytest.mark.parametrize("call, err, message", _MESSAGES)
def test_exact_messages(call, err, message):
    with pytest.raises(err, match="^" + re.escape(message) + "$"):
        call()


# -- references written out ----------------------------------------------------------
def _avg_ranks(values):
    """Ranks 1..n of ``values`` (ties averaged), by counting."""
    values = list(values)
    return [
        sum(v < x for v in values) + (sum(v == x for v in values) + 1) / 2
        for x in values
    ]


def _rank_sums_loop(d, zero_method):
    d = [x for x in d if x != 0] if zero_method == "wilcox" else list(d)
    ranks = _avg_ranks([abs(x) for x in d])
    plus = sum(r for r, x in zip(ranks, d) if x > 0)
    minus = sum(r for r, x in zip(ranks, d) if x < 0)
    if zero_method == "zsplit":
        zero = sum(r for r, x in zip(ranks, d) if x == 0)
        plus += zero / 2
        minus += zero / 2
    return plus, minus


@pytest.mark.parametrize("zero_method", ["zsplit", "pratt", "wilcox"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_wilcoxon_every_field_by_hand(zero_method, alternative):
    from scipy import stats

    # multiples of 1/16: the differences and their ties are exact
    a = np.array([8, 11, 3, 14, 6, 10, 5, 13, 2, 9]) / 16
    b = np.array([8, 10, 4, 8, 6, 14, 2, 12, 3, 5]) / 16
    d = a - b
    res = wilcoxon_test(
        a,
        b,
        zero_method=zero_method,
        correction=True,
        alternative=alternative,
        method="approx",
    )
    plus, minus = _rank_sums_loop(d, zero_method)
    np.testing.assert_allclose([res.r_plus, res.r_minus], [plus, minus])
    stat = min(plus, minus) if alternative == "two-sided" else plus
    np.testing.assert_allclose(res.statistic, stat)
    np.testing.assert_allclose(res.rank_biserial, (plus - minus) / (plus + minus))
    ref = stats.wilcoxon(
        d,
        zero_method=zero_method,
        correction=True,
        alternative=alternative,
        method="approx",
    )
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=1e-12)
    assert (res.n_datasets, res.n_zero) == (10, 2)
    assert res.zero_method == zero_method
    assert res.correction is True
    assert res.alternative == alternative
    assert res.method == "approx"


def test_wilcoxon_exact_and_defaults():
    from scipy import stats

    a = [0.9, 0.8, 0.75, 0.6, 0.7, 0.85]
    b = [0.8, 0.82, 0.7, 0.5, 0.65, 0.6]
    res = wilcoxon_test(a, b, method="exact")
    ref = stats.wilcoxon(np.subtract(a, b), zero_method="zsplit", method="exact")
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=1e-12)
    assert res.method == "exact" and res.zero_method == "zsplit"
    assert res.correction is False and res.alternative == "two-sided"
    default = wilcoxon_test(a, b)
    assert default.method == "auto"
    np.testing.assert_allclose(default.pvalue, ref.pvalue, rtol=1e-12)


def _holm(p):
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for step, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - step) * p[i]))
        out[i] = running
    return out


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("method", ["holm", "bonferroni_dunn"])
def test_compare_to_control_every_field_by_hand(alternative, method):
    from statistics import NormalDist

    nd = NormalDist()
    rng = np.random.RandomState(5)
    scores = np.round(rng.rand(9, 4) + [0.0, 0.3, -0.2, 0.6], 1)
    res = compare_to_control(
        scores, 1, method=method, alternative=alternative, alpha=0.1
    )
    n, k = scores.shape
    ranks = np.mean([_avg_ranks(-row) for row in scores], axis=0)
    np.testing.assert_allclose(res.ranks, ranks, rtol=1e-12)
    se = (k * (k + 1) / (6 * n)) ** 0.5
    others = [0, 2, 3]
    z = [(ranks[1] - ranks[j]) / se for j in others]
    np.testing.assert_allclose(res.z, z, rtol=1e-12)
    if alternative == "two-sided":
        p = [min(1.0, 2 * (1 - nd.cdf(abs(v)))) for v in z]
        q = nd.inv_cdf(1 - 0.1 / (2 * (k - 1)))
    elif alternative == "greater":
        p = [1 - nd.cdf(v) for v in z]
        q = nd.inv_cdf(1 - 0.1 / (k - 1))
    else:
        p = [nd.cdf(v) for v in z]
        q = nd.inv_cdf(1 - 0.1 / (k - 1))
    np.testing.assert_allclose(res.pvalues, p, rtol=1e-9, atol=1e-15)
    adj = _holm(p) if method == "holm" else [min(1.0, 3 * v) for v in p]
    np.testing.assert_allclose(res.pvalues_adjusted, adj, rtol=1e-9, atol=1e-15)
    assert res.significant.tolist() == [v <= 0.1 for v in adj]
    np.testing.assert_allclose(res.critical_difference, q * se, rtol=1e-9)
    assert res.control == "model_1"
    assert res.names == ["model_0", "model_1", "model_2", "model_3"]
    assert res.others == ["model_0", "model_2", "model_3"]
    assert res.method == method and res.alternative == alternative
    assert res.alpha == 0.1 and res.n_datasets == 9


def test_compare_to_control_significance_at_alpha_boundary():
    # two models, two data sets: z = (R_c - R_1) / sqrt(1/2); the control
    # loses on both, z = -sqrt(2): two-sided p = 2 * sf(sqrt 2)
    from statistics import NormalDist

    scores = np.array([[0.1, 0.9], [0.2, 0.8]])
    p = 2 * (1 - NormalDist().cdf(2**0.5))
    res = compare_to_control(scores, 0, alpha=0.5)
    np.testing.assert_allclose(res.pvalues_adjusted, [p], rtol=1e-12)
    # alpha equal to the adjusted p-value: significant (p <= alpha)
    at = float(res.pvalues_adjusted[0])
    assert compare_to_control(scores, 0, alpha=at).significant.tolist() == [True]
    res = compare_to_control(scores, 0, alpha=p * 1.001)
    assert res.significant.tolist() == [True]
    res = compare_to_control(scores, 0, alpha=p * 0.999)
    assert res.significant.tolist() == [False]


@pytest.mark.parametrize("p_adjust", [None, "holm", "bonferroni", "single-step"])
def test_conover_by_hand(p_adjust):
    from scipy import stats

    x = np.array(
        [[31, 27, 24, 30], [31, 28, 31, 29], [45, 29, 46, 40], [21, 18, 48, 20],
         [42, 36, 46, 41], [32, 17, 40, 33], [25, 25, 30, 28]],
        dtype=float,
    )  # fmt: skip
    n, k = x.shape
    r = np.array([_avg_ranks(-row) for row in x])
    rs = r.sum(axis=0)
    a2 = np.sum(r**2)
    s2 = (a2 - n * k * (k + 1) ** 2 / 4) / (k - 1)
    t_f = np.sum((rs - n * (k + 1) / 2) ** 2) / s2
    df = (n - 1) * (k - 1)
    den = np.sqrt(2 * n * (k - 1) * s2 / df * (1 - t_f / (n * (k - 1))))
    t = np.abs(rs[:, None] - rs[None, :]) / den
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    if p_adjust == "single-step":
        p = [stats.studentized_range.sf(np.sqrt(2) * t[i, j], k, np.inf)
             for i, j in pairs]  # fmt: skip
    else:
        p = [min(1.0, 2 * stats.t.sf(t[i, j], df)) for i, j in pairs]
        if p_adjust == "holm":
            p = _holm(p)
        elif p_adjust == "bonferroni":
            p = [min(1.0, len(p) * v) for v in p]
    res = conover_posthoc(x, p_adjust=p_adjust, names=list("abcd"))
    ref = np.ones((k, k))
    for (i, j), v in zip(pairs, p):
        ref[i, j] = ref[j, i] = v
    np.testing.assert_allclose(res.pvalues, ref, rtol=1e-9)
    np.testing.assert_allclose(res.statistic, t, rtol=1e-12)
    np.testing.assert_allclose(res.rank_sums, rs)
    assert res.df == df and res.n_datasets == n
    assert res.p_adjust == p_adjust and res.names == list("abcd")


def test_conover_degenerate_denominators():
    # every model tied on every data set: every statistic 0, every p-value 1
    res = conover_posthoc(np.ones((3, 3)))
    np.testing.assert_array_equal(res.statistic, np.zeros((3, 3)))
    np.testing.assert_array_equal(res.pvalues, np.ones((3, 3)))
    # the same order on every data set: T = N (k - 1), zero denominator
    x = np.array([[3.0, 2.0, 1.0]] * 4)
    res = conover_posthoc(x)
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.isinf(res.statistic[off]))
    np.testing.assert_array_equal(res.pvalues[off], 0.0)
    np.testing.assert_array_equal(np.diag(res.pvalues), 1.0)


def test_conover_against_scikit_posthocs():
    sp = pytest.importorskip("scikit_posthocs")
    rng = np.random.RandomState(2)
    x = rng.rand(8, 5) + np.linspace(0, 0.5, 5)
    for ours, theirs in ((None, None), ("holm", "holm"), ("bh", "fdr_bh")):
        ref = sp.posthoc_conover_friedman(x, p_adjust=theirs).to_numpy()
        np.testing.assert_allclose(
            conover_posthoc(x, p_adjust=ours).pvalues, ref, rtol=1e-9
        )


# -- effect sizes --------------------------------------------------------------------
def test_effect_sizes_by_hand():
    a = np.array([0.84, 0.81, 0.90, 0.78, 0.88, 0.83])
    b = np.array([0.80, 0.79, 0.85, 0.77, 0.82])
    n_a, n_b = a.size, b.size
    va = np.sum((a - a.mean()) ** 2) / (n_a - 1)
    vb = np.sum((b - b.mean()) ** 2) / (n_b - 1)
    sp = np.sqrt(((n_a - 1) * va + (n_b - 1) * vb) / (n_a + n_b - 2))
    res = effect_size(a, b)
    np.testing.assert_allclose(res.value, (a.mean() - b.mean()) / sp, rtol=1e-12)
    assert (res.kind, res.n_a, res.n_b) == ("cohen_d", 6, 5)

    def mad(x):
        return 1.4826 * np.median(np.abs(x - np.median(x)))

    mp = np.sqrt(((n_a - 1) * mad(a) ** 2 + (n_b - 1) * mad(b) ** 2) / (n_a + n_b - 2))
    res = effect_size(a, b, kind="akinshin_gamma")
    np.testing.assert_allclose(
        res.value, (np.median(a) - np.median(b)) / mp, rtol=1e-12
    )
    assert res.kind == "akinshin_gamma"
    greater = sum(x > y for x in a for y in b)
    less = sum(x < y for x in a for y in b)
    res = effect_size(a, b, kind="cliff_delta")
    np.testing.assert_allclose(res.value, (greater - less) / 30, rtol=1e-12)
    assert res.kind == "cliff_delta"
    res = effect_size(b, a, kind="cliff_delta")
    np.testing.assert_allclose(res.value, (less - greater) / 30, rtol=1e-12)


@pytest.mark.parametrize(
    "kind, bounds",
    [("cohen_d", (0.2, 0.5, 0.8)), ("cliff_delta", (0.147, 0.33, 0.474))],
)
def test_magnitude_thresholds(kind, bounds):
    from skvariance.evaluation._across_datasets import _magnitude

    labels = ["negligible", "small", "medium", "large"]
    for i, bound in enumerate(bounds):
        for sign in (1, -1):
            assert _magnitude(sign * bound * (1 - 1e-9), kind) == labels[i]
            assert _magnitude(sign * bound, kind) == labels[i + 1]
    assert _magnitude(0.0, kind) == "negligible"
    assert _magnitude(50.0, kind) == "large"


def test_effect_size_magnitude_label_and_degenerate_spread():
    # d = 1 / sqrt(1) = 1 -> large; the label comes from |value|
    res = effect_size([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(res.value, -1.0)
    assert res.magnitude == "large"
    # cliff: 5 wins, 3 losses, 1 tie of 9 pairs
    res = effect_size([1.0, 2.0, 3.0], [0.0, 2.0, 2.5], kind="cliff_delta")
    np.testing.assert_allclose(res.value, (5 - 3) / 9)
    assert res.magnitude == "small"
    # zero pooled spread
    res = effect_size([1.0, 1.0], [0.0, 0.0])
    assert res.value == np.inf and res.magnitude == "large"
    res = effect_size([1.0, 1.0], [1.0, 1.0])
    assert res.value == 0.0 and res.magnitude == "negligible"


def test_compare_to_control_uses_the_given_names():
    scores = np.array([[0.7, 0.8, 0.75], [0.6, 0.7, 0.5], [0.8, 0.9, 0.85]])
    res = compare_to_control(scores, "base", names=["base", "new", "other"])
    assert res.control == "base"
    assert res.names == ["base", "new", "other"]
    assert res.others == ["new", "other"]


def test_conover_two_models_two_data_sets():
    # the smallest table: A wins on one data set, B on the other
    res = conover_posthoc(np.array([[0.9, 0.1], [0.2, 0.8]]))
    np.testing.assert_array_equal(res.rank_sums, [3.0, 3.0])
    np.testing.assert_array_equal(res.pvalues, np.ones((2, 2)))
    assert res.df == 1.0 and res.n_datasets == 2


def test_conover_small_positive_residual_variance():
    # one data set tied, one not: S^2 = 1/2, T = 1, t = 1 on 1 df, p = 1/2
    res = conover_posthoc(np.array([[0.9, 0.1], [0.5, 0.5]]))
    np.testing.assert_allclose(res.statistic, [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(res.pvalues, [[1.0, 0.5], [0.5, 1.0]], rtol=1e-12)
