"""Across-data-set comparisons, effect sizes, t-test intervals and result tables.

References come from scipy, autorank and scikit-posthocs run on the same
inputs, from Demšar (2006)'s worked example, or from the formulas written
out here; the data (Demšar's Table 6, statsmodels' statecrime and star98,
seeded random tables) are not used by the other test modules.
"""

import functools
import inspect
import itertools

import numpy as np
import pandas as pd
import pytest
import scikit_posthocs as sp
from autorank._util import _akinshin_gamma, _cliffs_delta, _cohen_d, _effect_level
from scipy import stats
from sklearn.base import BaseEstimator

import skvariance.evaluation as evaluation
import skvariance.model_selection as model_selection
from skvariance.evaluation import (
    compare_to_control,
    conover_posthoc,
    corrected_resampled_ttest,
    effect_size,
    friedman_nemenyi,
    ttest_5x2cv,
    wilcoxon_test,
)
from skvariance.evaluation._across_datasets import EFFECT_THRESHOLDS, _magnitude

# Demšar (2006), Table 6: AUC of C4.5 variants on 14 UCI data sets. The
# paper's ranks (3.143, 2.000, 2.893, 1.964) come from unrounded AUCs in
# which C4.5+cf beats C4.5+m+cf on "voting"; 0.97501 restores that order.
DEMSAR_NAMES = ["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"]
DEMSAR = np.array(
    [
        [0.763, 0.768, 0.771, 0.798],
        [0.599, 0.591, 0.590, 0.569],
        [0.954, 0.971, 0.968, 0.967],
        [0.628, 0.661, 0.654, 0.657],
        [0.882, 0.888, 0.886, 0.898],
        [0.936, 0.931, 0.916, 0.931],
        [0.661, 0.668, 0.609, 0.685],
        [0.583, 0.583, 0.563, 0.625],
        [0.775, 0.838, 0.866, 0.875],
        [1.000, 1.000, 1.000, 1.000],
        [0.940, 0.962, 0.965, 0.962],
        [0.619, 0.666, 0.614, 0.669],
        [0.972, 0.981, 0.97501, 0.975],
        [0.957, 0.978, 0.946, 0.970],
    ]
)


def _statecrime():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.statecrime.load_pandas().data
    return data[["hs_grad", "poverty", "single", "white", "urban"]].astype(float)


def _star98():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.star98.load_pandas().data
    cols = ["PERASIAN", "PERBLACK", "PERHISP", "PERMINTE"]
    return data[cols].iloc[:40].round(0)  # rounded: many ties within a row


def _random_tables():
    rng = np.random.RandomState(19)
    yield rng.rand(12, 3)
    yield np.round(rng.rand(9, 5), 1)  # ties
    yield rng.rand(30, 6) + np.linspace(0, 0.3, 6)


# -- Wilcoxon signed-rank ---------------------------------------------------------
def test_wilcoxon_reproduces_demsar_worked_example():
    # Demšar section 3.1.3: C4.5+m vs C4.5, the two zero differences (lung
    # cancer, mushroom) split between the sums: R+ = 93, R- = 12, T = 12 < 21
    # (the critical value for N = 14 at 5%).
    res = wilcoxon_test(DEMSAR[:, 1], DEMSAR[:, 0])
    assert (res.r_plus, res.r_minus, res.statistic) == (93.0, 12.0, 12.0)
    assert res.n_datasets == 14 and res.n_zero == 2
    assert res.rank_biserial == pytest.approx((93 - 12) / 105, abs=1e-15)
    assert res.pvalue < 0.05
    swapped = wilcoxon_test(DEMSAR[:, 0], DEMSAR[:, 1])
    assert (swapped.r_plus, swapped.r_minus) == (12.0, 93.0)
    assert swapped.rank_biserial == pytest.approx(-81 / 105, abs=1e-15)


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt", "zsplit"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_wilcoxon_equals_scipy(zero_method, alternative):
    rng = np.random.RandomState(7)
    a = np.round(rng.rand(16), 2)
    b = np.round(a + 0.03 * rng.randn(16), 2)
    b[[2, 9]] = a[[2, 9]]  # zero differences
    crime = _statecrime()
    cases = [(a, b), (crime["single"].to_numpy(), crime["poverty"].to_numpy() + 12)]
    for x, y in cases:
        for method, correction in [("auto", False), ("approx", True), ("exact", False)]:
            ours = wilcoxon_test(
                x,
                y,
                zero_method=zero_method,
                alternative=alternative,
                method=method,
                correction=correction,
            )
            ref = stats.wilcoxon(
                x,
                y,
                zero_method=zero_method,
                alternative=alternative,
                method=method,
                correction=correction,
            )
            assert ours.statistic == ref.statistic
            assert ours.pvalue == ref.pvalue


def test_wilcoxon_rank_sums_by_hand():
    d = np.array([0.5, -0.2, 0.0, 0.2, 0.0, -1.0, 0.3])
    # |d| ranks with zeros: 0,0 -> 1.5,1.5; 0.2,0.2 -> 3.5,3.5; .3 -> 5; .5 -> 6; 1 -> 7
    b = np.zeros(7)
    z = wilcoxon_test(d, b, zero_method="zsplit")
    assert (z.r_plus, z.r_minus) == (6 + 3.5 + 5 + 1.5, 3.5 + 7 + 1.5)
    p = wilcoxon_test(d, b, zero_method="pratt")
    assert (p.r_plus, p.r_minus) == (6 + 3.5 + 5, 3.5 + 7)
    # without zeros: 0.2,0.2 -> 1.5,1.5; .3 -> 3; .5 -> 4; 1 -> 5
    w = wilcoxon_test(d, b, zero_method="wilcox")
    assert (w.r_plus, w.r_minus) == (4 + 1.5 + 3, 1.5 + 5)
    assert w.statistic == 6.5
    assert (
        wilcoxon_test(d, b, zero_method="wilcox", alternative="less").statistic == 8.5
    )
    frame = w.to_frame()
    assert frame.shape == (1, 11) and frame["r_plus"].iloc[0] == 8.5


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([1, 2, 3], [1, 2, 3]), {}, ValueError, "every difference"),
        (([1, 2, 3], [1, 2]), {}, ValueError, "same shape"),
        ((np.ones((2, 3)), np.zeros((2, 3))), {}, ValueError, "1-d"),
        (([1, 2, 3], [0, 2, 1]), {"zero_method": "drop"}, ValueError, "zero_method"),
        (([1, 2, 3], [0, 2, 1]), {"correction": 1}, TypeError, "correction"),
        (([1, 2, 3], [0, 2, 1]), {"alternative": "two"}, ValueError, "alternative"),
        (([1, 2, 3], [0, 2, 1]), {"method": "perm"}, ValueError, "method"),
        (([1, np.nan, 3], [0, 2, 1]), {}, ValueError, "NaN"),
        ((["a", "b"], [0, 2]), {}, TypeError, "numeric"),
    ],
)
def test_wilcoxon_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        wilcoxon_test(*args, **kwargs)


# -- comparisons with a control -------------------------------------------------------
def test_compare_to_control_reproduces_demsar_example():
    se = np.sqrt(4 * 5 / (6 * 14))
    res = compare_to_control(DEMSAR, "C4.5+m+cf", names=DEMSAR_NAMES)
    np.testing.assert_allclose(res.ranks, [3.143, 2.000, 2.893, 1.964], atol=5e-4)
    assert res.others == ["C4.5", "C4.5+m", "C4.5+cf"]
    # Demšar section 3.2.4: z = 2.416, 0.073, 1.904 (two decimals of ranks)
    np.testing.assert_allclose(-res.z, [2.416, 0.073, 1.904], atol=3e-3)
    np.testing.assert_allclose(res.pvalues, [0.016, 0.942, 0.057], atol=1e-3)
    # Holm: 0.016 < 0.05/3 rejects C4.5, then 0.057 > 0.05/2 stops
    assert res.significant.tolist() == [True, False, False]
    assert res.pvalues_adjusted[0] == pytest.approx(3 * res.pvalues[0], rel=1e-12)
    dunn = compare_to_control(DEMSAR, 3, method="bonferroni_dunn")
    # Table 5(b): q_0.05 = 2.394 for k = 4; CD = 2.394 * 0.488 = 1.168
    assert dunn.critical_difference == pytest.approx(2.394 * se, abs=2e-4)
    assert dunn.significant.tolist() == [True, False, False]
    np.testing.assert_allclose(
        dunn.pvalues_adjusted, np.minimum(1, 3 * dunn.pvalues), rtol=1e-13
    )


@pytest.mark.parametrize(
    "k, q05, q10",
    [
        (2, 1.960, 1.645),
        (3, 2.241, 1.960),
        (4, 2.394, 2.128),
        (5, 2.498, 2.241),
        (6, 2.576, 2.326),
        (7, 2.638, 2.394),
        (8, 2.690, 2.450),
        (10, 2.773, 2.539),
    ],
)
def test_bonferroni_dunn_critical_values_of_demsar_table(k, q05, q10):
    n = 11
    scores = np.random.RandomState(k).rand(n, k)
    se = np.sqrt(k * (k + 1) / (6 * n))
    for alpha, q in ((0.05, q05), (0.10, q10)):
        res = compare_to_control(scores, 0, method="bonferroni_dunn", alpha=alpha)
        assert res.critical_difference / se == pytest.approx(q, abs=6e-4)
        diff = np.abs(res.ranks[0] - res.ranks[1:])
        assert res.significant.tolist() == (diff > res.critical_difference).tolist()


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_compare_to_control_equals_scikit_posthocs(alternative):
    tables = [*_random_tables(), _star98(), _statecrime()]
    cases = [(np.asarray(t, dtype=float), 0) for t in tables] + [(DEMSAR, 3)]
    for values, control in cases:
        raw = sp.posthoc_demsar(
            values, control=control, alternative=alternative, to_matrix=False
        ).to_numpy()
        for method, adjust in (("holm", "holm"), ("bonferroni_dunn", "bonferroni")):
            ours = compare_to_control(
                values, control, method=method, alternative=alternative
            )
            np.testing.assert_allclose(ours.pvalues, raw, rtol=1e-12)
            ref = sp.posthoc_demsar(
                values,
                control=control,
                alternative=alternative,
                p_adjust=adjust,
                to_matrix=False,
            )
            np.testing.assert_allclose(
                ours.pvalues_adjusted, ref.to_numpy(), rtol=1e-12
            )


def test_compare_to_control_formula_by_hand():
    scores = np.array(
        [[0.9, 0.8, 0.7], [0.6, 0.8, 0.7], [0.5, 0.5, 0.9], [0.9, 0.7, 0.8]]
    )
    # ranks (1 = best): [1,2,3], [3,1,2], [2.5,2.5,1], [1,3,2]
    ranks = np.array([7.5, 8.5, 8.0]) / 4
    se = np.sqrt(3 * 4 / (6 * 4))
    res = compare_to_control(scores, 1, alternative="greater")
    np.testing.assert_array_equal(res.ranks, ranks)
    np.testing.assert_allclose(res.z, [(8.5 - 7.5) / 4 / se, (8.5 - 8.0) / 4 / se])
    np.testing.assert_allclose(res.pvalues, stats.norm.sf(res.z), rtol=1e-14)
    two = compare_to_control(scores, 1)
    np.testing.assert_allclose(two.pvalues, 2 * stats.norm.sf(np.abs(res.z)))
    assert two.critical_difference == pytest.approx(stats.norm.isf(0.05 / 4) * se)
    assert res.critical_difference == pytest.approx(stats.norm.isf(0.05 / 2) * se)
    less = compare_to_control(scores, 1, alternative="less")
    np.testing.assert_allclose(less.pvalues, stats.norm.cdf(res.z))
    frame = two.to_frame()
    assert frame.index.tolist() == ["model_0", "model_2"]
    np.testing.assert_allclose(frame["rank_difference"], [0.25, 0.125])
    np.testing.assert_array_equal(frame["z"], two.z)


def test_compare_to_control_keeps_names_of_frames_and_dicts():
    frame = pd.DataFrame(DEMSAR, columns=DEMSAR_NAMES)
    res = compare_to_control(frame, "C4.5")
    assert res.names == DEMSAR_NAMES and res.control == "C4.5"
    by_dict = compare_to_control(
        {n: DEMSAR[:, j] for j, n in enumerate(DEMSAR_NAMES)}, 0
    )
    assert by_dict.others == DEMSAR_NAMES[1:]
    np.testing.assert_array_equal(by_dict.z, res.z)
    assert res.to_frame().index.tolist() == DEMSAR_NAMES[1:]
    assert compare_to_control(frame, -4).control == "C4.5"


@pytest.mark.parametrize(
    "scores, control, kwargs, exc, match",
    [
        (DEMSAR, "X", {}, ValueError, "control 'X' is not one of"),
        (DEMSAR, 4, {}, ValueError, "control=4 is out of range"),
        (DEMSAR, 1.0, {}, TypeError, "control must be"),
        (DEMSAR, True, {}, TypeError, "control must be"),
        (DEMSAR, 0, {"method": "nemenyi"}, ValueError, "method must be"),
        (DEMSAR, 0, {"alpha": 1.5}, ValueError, "alpha"),
        (DEMSAR, 0, {"alternative": "up"}, ValueError, "alternative"),
        (DEMSAR[:1], 0, {}, ValueError, "at least 2 data sets"),
        (DEMSAR[:, :1], 0, {}, ValueError, "at least 2 models"),
        (DEMSAR[:, 0], 0, {}, ValueError, "2-d"),
        ({"a": [1, 2], "b": [1, 2, 3]}, 0, {}, ValueError, "different lengths"),
        (DEMSAR, 0, {"names": ["a", "a", "b", "c"]}, ValueError, "distinct"),
    ],
)
def test_compare_to_control_bad_input(scores, control, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        compare_to_control(scores, control, **kwargs)


# -- Conover ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (None, None),
        ("holm", "holm"),
        ("bonferroni", "bonferroni"),
        ("bh", "fdr_bh"),
        ("single-step", "single-step"),
    ],
)
def test_conover_equals_scikit_posthocs(ours, theirs):
    tables = [*_random_tables(), DEMSAR, _star98(), _statecrime()]
    for table in tables:
        res = conover_posthoc(table, p_adjust=ours)
        ref = sp.posthoc_conover_friedman(np.asarray(table), p_adjust=theirs)
        np.testing.assert_allclose(res.pvalues, ref.to_numpy(), rtol=1e-10, atol=1e-300)


def test_conover_formula_by_hand_and_names():
    crime = _statecrime()
    res = conover_posthoc(crime)
    frame = res.to_frame()
    assert frame.index.tolist() == frame.columns.tolist() == list(crime.columns)
    ranks = stats.rankdata(-crime.to_numpy(), axis=1)
    n, k = ranks.shape
    r = ranks.sum(axis=0)
    s2 = (np.sum(ranks**2) - n * k * (k + 1) ** 2 / 4) / (k - 1)
    t2 = np.sum((r - n * (k + 1) / 2) ** 2) / s2
    df = (n - 1) * (k - 1)
    scale = np.sqrt(s2 * 2 * n * (k - 1) / df * (1 - t2 / (n * (k - 1))))
    t = abs(r[0] - r[3]) / scale
    assert res.statistic[0, 3] == pytest.approx(t, rel=1e-13)
    assert res.pvalues[3, 0] == pytest.approx(2 * stats.t.sf(t, df), rel=1e-12)
    assert res.df == df and res.n_datasets == n
    np.testing.assert_array_equal(res.rank_sums, r)
    np.testing.assert_array_equal(res.to_frame("statistic").to_numpy(), res.statistic)
    with pytest.raises(ValueError, match="kind"):
        res.to_frame("ranks")


def test_conover_degenerate_tables():
    tied = conover_posthoc(np.ones((4, 3)))
    np.testing.assert_array_equal(tied.pvalues, np.ones((3, 3)))
    # the same order on every data set: no residual variation, p = 0
    same = conover_posthoc(np.tile([0.9, 0.8, 0.7], (5, 1)))
    assert same.pvalues[0, 1] == 0 and same.pvalues[0, 2] == 0
    assert np.isinf(same.statistic[0, 1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"p_adjust": "fdr_bh"}, "p_adjust must be"),
        ({"names": ["a", "b"]}, "names has 2"),
    ],
)
def test_conover_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conover_posthoc(DEMSAR, **kwargs)
    with pytest.raises(ValueError, match="at least 2 data sets"):
        conover_posthoc(DEMSAR[:1])


# -- effect sizes --------------------------------------------------------------------
_AUTORANK = {
    "cohen_d": _cohen_d,
    "cliff_delta": _cliffs_delta,
    "akinshin_gamma": _akinshin_gamma,
}


@pytest.mark.parametrize("kind", ["cohen_d", "cliff_delta", "akinshin_gamma"])
def test_effect_size_equals_autorank(kind):
    rng = np.random.RandomState(3)
    crime = _statecrime()
    pairs = [
        (crime["poverty"], crime["single"] - 12),
        (crime["hs_grad"], crime["white"]),
    ]
    for shift in np.linspace(-1.5, 1.5, 13):
        n_b = rng.randint(5, 30)
        pairs.append((rng.randn(20) + shift, rng.randn(n_b)))
        pairs.append((np.round(rng.randn(12) + shift, 1), np.round(rng.randn(12), 1)))
    labels = set()
    for a, b in pairs:
        res = effect_size(a, b, kind=kind)
        ref = _AUTORANK[kind](pd.Series(a), pd.Series(b))
        assert res.value == pytest.approx(ref, rel=1e-12, abs=1e-15)
        assert res.magnitude == _effect_level(ref, kind)
        labels.add(res.magnitude)
        assert (res.n_a, res.n_b) == (len(a), len(b))
    assert labels == {"negligible", "small", "medium", "large"}


def test_effect_size_formulas_by_hand():
    a = np.array([1.0, 2.0, 4.0, 9.0])
    b = np.array([0.0, 1.0, 2.0])
    pooled = np.sqrt((3 * np.var(a, ddof=1) + 2 * np.var(b, ddof=1)) / 5)
    assert effect_size(a, b).value == pytest.approx((4.0 - 1.0) / pooled, rel=1e-14)
    # pairs: a > b in 1+2+3+3 = 9... count sign(a_i - b_j) over the 12 pairs
    # a=1: (+,0,-) -> 0; a=2: (+,+,0) -> 2; a=4: 3; a=9: 3  => 8 / 12
    assert effect_size(a, b, kind="cliff_delta").value == pytest.approx(8 / 12)
    mad_a = 1.4826 * np.median(np.abs(a - 3.0))  # median 3, |dev| 2,1,1,6 -> 1.5
    mad_b = 1.4826 * 1.0
    gamma = (3.0 - 1.0) / np.sqrt((3 * mad_a**2 + 2 * mad_b**2) / 5)
    assert effect_size(a, b, kind="akinshin_gamma").value == pytest.approx(
        gamma, rel=1e-12
    )
    assert effect_size(b, a, kind="cliff_delta").value == pytest.approx(-8 / 12)
    frame = effect_size(a, b).to_frame()
    assert frame.columns.tolist() == ["value", "magnitude", "kind", "n_a", "n_b"]


@pytest.mark.parametrize("kind", ["cohen_d", "cliff_delta", "akinshin_gamma"])
def test_magnitude_thresholds_are_autorank_bounds(kind):
    small, medium, large = EFFECT_THRESHOLDS[kind]
    eps = 1e-9
    for value in (
        0.0,
        small - eps,
        small,
        medium - eps,
        medium,
        large - eps,
        large,
        5.0,
    ):
        for sign in (1, -1):
            assert _magnitude(sign * value, kind) == _effect_level(sign * value, kind)
    assert _magnitude(small, kind) == "small" and _magnitude(large, kind) == "large"
    assert _magnitude(-(small - eps), kind) == "negligible"


def test_effect_size_zero_spread_and_bad_input():
    assert effect_size([1, 1, 1], [1, 1]).value == 0.0
    res = effect_size([2, 2, 2], [1, 1])
    assert res.value == np.inf and res.magnitude == "large"
    assert effect_size([1, 1], [2, 2], kind="akinshin_gamma").value == -np.inf
    with pytest.raises(ValueError, match="kind must be"):
        effect_size([1, 2], [1, 2], kind="hedges_g")
    with pytest.raises(ValueError, match="scores_b needs at least 2"):
        effect_size([1, 2], [1])
    with pytest.raises(ValueError, match="scores_a must be 1-d"):
        effect_size(np.ones((2, 2)), [1, 2])
    with pytest.raises(ValueError, match="infinite"):
        effect_size([1, np.inf], [1, 2])


# -- friedman_nemenyi keeps names ------------------------------------------------------
def test_friedman_nemenyi_keeps_dataframe_and_dict_names():
    frame = pd.DataFrame(DEMSAR, columns=DEMSAR_NAMES)
    res = friedman_nemenyi(frame)
    assert res.names == DEMSAR_NAMES
    # Demšar section 3.2.4: Nemenyi CD = 2.569 * 0.488 = 1.25. (His
    # chi2_F = 9.28 omits the tie correction; ours is scipy's corrected one.)
    assert res.critical_difference == pytest.approx(1.25, abs=5e-3)
    ref = stats.friedmanchisquare(*DEMSAR.T)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert friedman_nemenyi(dict(frame.items())).names == DEMSAR_NAMES
    assert friedman_nemenyi(frame, names=list("abcd")).names == list("abcd")
    ranks = res.to_frame()
    assert ranks.index.tolist() == DEMSAR_NAMES
    np.testing.assert_allclose(ranks["rank"], [3.143, 2.0, 2.893, 1.964], atol=5e-4)
    pv = res.to_frame("pvalues")
    assert pv.columns.tolist() == DEMSAR_NAMES
    np.testing.assert_array_equal(pv.to_numpy(), res.pairwise_pvalues)


def test_critical_difference_display_keeps_dataframe_names():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skvariance.plotting import CriticalDifferenceDisplay

    frame = pd.DataFrame(DEMSAR, columns=DEMSAR_NAMES)
    disp = CriticalDifferenceDisplay.from_scores(frame)
    assert list(disp.names) == DEMSAR_NAMES
    texts = " ".join(t.get_text() for t in disp.ax_.texts)
    assert all(f") {name}" in texts or f"{name} (" in texts for name in DEMSAR_NAMES)
    plt.close("all")


# -- confidence intervals of the t-tests ---------------------------------------------
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_corrected_ttest_interval_uses_the_corrected_variance(level):
    rng = np.random.RandomState(11)
    a = 0.8 + 0.02 * rng.randn(4, 10)
    b = a - 0.005 + 0.01 * rng.randn(4, 10)
    d = (a - b).ravel()
    res = corrected_resampled_ttest(a, b, n_train=180, n_test=20)
    scale = np.sqrt((1 / 40 + 20 / 180) * np.var(d, ddof=1))
    ref = stats.t.interval(level, 39, loc=d.mean(), scale=scale)
    np.testing.assert_allclose(res.confidence_interval(level), ref, rtol=1e-13)
    frame = res.to_frame(level)
    assert (frame["ci_low"].iloc[0], frame["ci_high"].iloc[0]) == pytest.approx(ref)
    # the interval inverts the test: 0 is outside iff p < 1 - level
    low, high = res.confidence_interval(1 - res.pvalue)
    assert low == pytest.approx(0.0, abs=1e-12) or high == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_uncorrected_ttest_interval_equals_scipy_ttest_1samp(alternative):
    crime = _statecrime()
    a, b = crime["poverty"].to_numpy(), crime["single"].to_numpy() / 2
    res = corrected_resampled_ttest(
        a, b, n_train=1, n_test=1, correction=False, alternative=alternative
    )
    ref = stats.ttest_1samp(a - b, 0.0, alternative=alternative)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    for level in (0.8, 0.95):
        np.testing.assert_allclose(
            res.confidence_interval(level), ref.confidence_interval(level), rtol=1e-12
        )


def test_5x2cv_interval_by_hand_and_paired_result():
    rng = np.random.RandomState(5)
    a = 0.8 + 0.03 * rng.randn(5, 2)
    b = 0.78 + 0.03 * rng.randn(5, 2)
    d = a - b
    s2 = np.sum((d - d.mean(axis=1, keepdims=True)) ** 2, axis=1)
    scale = np.sqrt(s2.sum() / 5)
    ref = stats.t.interval(0.9, 5, loc=d[0, 0], scale=scale)
    res = ttest_5x2cv(a, b)
    np.testing.assert_allclose(res.confidence_interval(0.9), ref, rtol=1e-13)
    paired = model_selection.PairedCVTestResult(
        statistic=res.statistic,
        pvalue=res.pvalue,
        df=5,
        scores_a=a,
        scores_b=b,
        seeds=np.arange(5),
    )
    np.testing.assert_allclose(paired.confidence_interval(0.9), ref, rtol=1e-13)
    assert paired.to_frame(0.9)["ci_high"].iloc[0] == pytest.approx(ref[1])
    f = model_selection.PairedCVTestResult(
        statistic=1.0,
        pvalue=0.5,
        df=(10, 5),
        scores_a=a,
        scores_b=b,
        seeds=np.arange(5),
    )
    with pytest.raises(ValueError, match="F-test has no confidence interval"):
        f.confidence_interval()
    assert "ci_low" not in f.to_frame().columns


def test_interval_degenerate_and_bad_level():
    res = corrected_resampled_ttest([0.8, 0.9], [0.7, 0.8], n_train=9, n_test=1)
    assert res.confidence_interval() == (pytest.approx(0.1), pytest.approx(0.1))
    for bad in (0, 1, 1.5):
        with pytest.raises(ValueError, match="confidence_level"):
            res.confidence_interval(bad)
    for bad in (True, "0.9"):
        with pytest.raises(TypeError, match="confidence_level"):
            res.confidence_interval(bad)


def test_naive_interval_coverage_is_nominal_from_both_sides():
    # iid normal differences: the uncorrected interval is exact, so its
    # coverage is 0.95 up to binomial noise; a z quantile (0.93), a
    # shifted df or the corrected variance (over-covering) fall outside.
    rng = np.random.RandomState(2026)
    n_rep, J = 4000, 8
    d = 0.3 + rng.randn(n_rep, J)
    covered = 0
    for row in d:
        low, high = corrected_resampled_ttest(
            row, np.zeros(J), n_train=1, n_test=1, correction=False
        ).confidence_interval(0.95)
        covered += low <= 0.3 <= high
    rate = covered / n_rep
    assert abs(rate - 0.95) < 3 * np.sqrt(0.95 * 0.05 / n_rep)


# -- every result class has to_frame --------------------------------------------------
def _result_classes():
    out = []
    for module in (evaluation, model_selection):
        for name in module.__all__:
            obj = getattr(module, name)
            # ActiveTester is a sampler, not a result: its estimate() returns
            # an ActiveTestingResult, which is checked here
            if (
                inspect.isclass(obj)
                and not issubclass(obj, BaseEstimator)
                and name != "ActiveTester"
            ):
                out.append(f"{module.__name__.split('.')[-1]}.{name}")
    return sorted(set(out))


@functools.cache  # built once: the tests below only read them
def _instances():
    """One instance of each known result class, from the public functions."""
    rng = np.random.RandomState(0)
    a = 0.8 + 0.02 * rng.randn(5, 2)
    b = 0.79 + 0.02 * rng.randn(5, 2)
    table = pd.DataFrame(rng.rand(6, 3), columns=list("xyz"))
    ci = evaluation.bootstrap_ci(rng.rand(5, 4), n_resamples=20, random_state=0)
    cis = evaluation.bootstrap_ci(
        {"p": rng.rand(5, 4), "q": rng.rand(5, 4)}, n_resamples=20, random_state=0
    )
    from skvariance.model_selection._adaptive import AdaptiveCompareResult
    from skvariance.model_selection._benchmark import BenchmarkResult
    from skvariance.model_selection._cheap_bootstrap import CheapBootstrapResult
    from skvariance.model_selection._churn import SeedChurnResult

    fr = friedman_nemenyi(table)
    sizes = np.full((5, 2), 50.0)
    compared = model_selection.CompareEstimatorsResult(
        names=["p", "q"],
        scores={"p": a, "q": b},
        seeds=np.arange(5),
        n_train=sizes,
        n_test=sizes,
        pairwise={("p", "q"): corrected_resampled_ttest(a, b, n_train=50, n_test=50)},
    )
    return {
        "BootstrapCI": ci,
        "BootstrapCIDict": cis,
        "BayesianTTestResult": evaluation.bayesian_correlated_ttest(
            a, b, n_train=9, n_test=1, rope=0.01
        ),
        "FTestResult": evaluation.ftest_5x2cv(a, b),
        "FriedmanNemenyiResult": fr,
        "McNemarResult": evaluation.mcnemar_test([0, 1, 1], [0, 1, 0], [1, 1, 1]),
        "TTestResult": ttest_5x2cv(a, b),
        "ConoverResult": conover_posthoc(table),
        "ControlComparisonResult": compare_to_control(table, "x"),
        "EffectSizeResult": effect_size(a[:, 0], b[:, 0]),
        "WilcoxonResult": wilcoxon_test(a[:, 0], b[:, 0]),
        "AdaptiveCompareResult": AdaptiveCompareResult(
            names=["p", "q"],
            decisions={("p", "q"): "larger"},
            n_runs={"p": 5, "q": 5},
            scores={"p": np.ones(5), "q": np.zeros(5)},
            boundaries={("p", "q"): [2.0, 1.5]},
            statistics={("p", "q"): [1.0, 3.0]},
            p_values={("p", "q"): [0.2, 0.01]},
            decided_at={("p", "q"): 2},
            n_interims=2,
        ),
        "CheapBootstrapResult": CheapBootstrapResult(
            estimate=0.8,
            low=0.7,
            high=0.9,
            std_error=0.05,
            replicates=np.array([0.75, 0.85]),
            seeds=np.arange(3),
        ),
        "PairedCVTestResult": model_selection.PairedCVTestResult(
            statistic=1.0, pvalue=0.3, df=5, scores_a=a, scores_b=b, seeds=np.arange(5)
        ),
        "SeedChurnResult": SeedChurnResult(
            predictions=np.zeros((2, 3)),
            flip_probability=np.zeros(3),
            disagreement=0.1,
            negative_flip_rate=0.05,
            accuracy=np.array([0.8, 0.9]),
            seeds=np.arange(2),
        ),
        "CompareEstimatorsResult": compared,
        "MultiMetricCompareResult": model_selection.MultiMetricCompareResult(
            {"m1": compared, "m2": compared}
        ),
        "ScoreCIResult": evaluation.prediction_powered_ci(
            rng.rand(30), rng.rand(30), rng.rand(100)
        ),
        "StratifiedScoreResult": evaluation.stratified_score_ci(
            rng.rand(12), np.repeat([0, 1, 2], 4), [40, 30, 30]
        ),
        "ActiveTestingResult": evaluation.active_testing_estimate(
            rng.rand(50) + 0.1, rng.rand(50), 10, random_state=0
        ),
        "BayesianSignedRankResult": evaluation.bayesian_signed_rank_test(
            a.ravel(), b.ravel(), rope=0.01, n_samples=200, random_state=0
        ),
        "BayesianHierarchicalResult": evaluation.bayesian_hierarchical_test(
            a.T,
            b.T,
            rope=0.01,
            rho=0.2,
            n_samples=400,
            n_warmup=300,
            n_chains=2,
            random_state=0,
        ),
        "BenchmarkResult": BenchmarkResult(
            names=list("xyz"),
            datasets=[f"d{i}" for i in range(6)],
            scores=table.to_numpy(),
            cv_scores={},
            seeds=np.arange(2),
            friedman=fr,
        ),
    }


@pytest.mark.parametrize("qualname", _result_classes())
def test_every_result_class_has_to_frame(qualname):
    module_name, name = qualname.split(".")
    cls = getattr(
        {"evaluation": evaluation, "model_selection": model_selection}[module_name],
        name,
    )
    assert callable(getattr(cls, "to_frame", None)), f"{qualname} has no to_frame()"
    instance = _instances().get(name)
    if instance is None:
        # built only by functions that fit (SeedCVResult, ...): their own
        # test modules check the table's values; here the method must exist.
        return
    assert isinstance(instance, cls)
    frame = instance.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) >= 1
    assert repr(instance)


def test_known_to_frame_values():
    inst = _instances()
    t = inst["TTestResult"].to_frame()
    assert t["statistic"].iloc[0] == inst["TTestResult"].statistic
    ada = inst["AdaptiveCompareResult"].to_frame()
    assert ada[["statistic", "boundary", "p_value", "decided_at"]].iloc[0].tolist() == [
        3.0,
        1.5,
        0.01,
        2,
    ]
    churn = inst["SeedChurnResult"].to_frame()
    assert churn["accuracy_mean"].iloc[0] == pytest.approx(0.85)
    assert churn["accuracy_std"].iloc[0] == pytest.approx(np.std([0.8, 0.9], ddof=1))
    boot = inst["BootstrapCIDict"].to_frame()
    assert boot.index.tolist() == ["p", "q"]
    assert boot.loc["q", "low"] == inst["BootstrapCIDict"]["q"].low
    cheap = inst["CheapBootstrapResult"].to_frame()
    assert cheap[["low", "high", "n_resamples"]].iloc[0].tolist() == [0.7, 0.9, 2]
    mc = inst["McNemarResult"].to_frame()
    assert mc[["n_a_only", "n_b_only"]].iloc[0].tolist() == [1, 1]
    assert list(
        itertools.chain(inst["FriedmanNemenyiResult"].to_frame().index)
    ) == list("xyz")


# -- R (PMCMRplus) references ported from scikit-posthocs' own test suite -------------
DF_BN = np.array([[4, 3, 4, 4, 5, 6, 3], [1, 2, 3, 5, 6, 7, 7], [1, 2, 6, 4, 1, 5, 1]])
CONOVER_R = np.array(  # PMCMRplus::frdAllPairsConoverTest on DF_BN, unadjusted
    [
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.9147508, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.1518030, 0.18071036, 1.0, 0.0, 0.0, 0.0, 0.0],
        [0.2140927, 0.25232845, 0.8305955, 1.0, 0.0, 0.0, 0.0],
        [0.2140927, 0.25232845, 0.8305955, 1.0, 1.0, 0.0, 0.0],
        [0.0181602, 0.02222747, 0.2523284, 0.1807104, 0.1807104, 1.0, 0.0],
        [0.5242303, 0.59465124, 0.3989535, 0.5242303, 0.5242303, 0.05991984, 1.0],
    ]
)
CONOVER_TUKEY_R = np.array(  # the same with p.adjust = "single-step"
    [
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.99999986, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.72638075, 0.7905289, 1.0, 0.0, 0.0, 0.0, 0.0],
        [0.84667448, 0.8934524, 0.9999910, 1.0, 0.0, 0.0, 0.0],
        [0.84667448, 0.8934524, 0.9999910, 1.0, 1.0, 0.0, 0.0],
        [0.09013677, 0.1187580, 0.8934524, 0.7905289, 0.7905289, 1.0, 0.0],
        [0.99482447, 0.9981178, 0.9763466, 0.9948245, 0.9948245, 0.3662675, 1.0],
    ]
)


def _symmetric(lower):
    return np.tril(lower) + np.tril(lower, -1).T


def test_conover_equals_r_pmcmrplus():
    np.testing.assert_allclose(
        conover_posthoc(DF_BN).pvalues, _symmetric(CONOVER_R), atol=1e-6
    )
    bonf = np.minimum(1.0, 21 * _symmetric(CONOVER_R))
    np.fill_diagonal(bonf, 1.0)
    np.testing.assert_allclose(
        conover_posthoc(DF_BN, p_adjust="bonferroni").pvalues, bonf, atol=2e-5
    )
    np.testing.assert_allclose(
        conover_posthoc(DF_BN, p_adjust="single-step").pvalues,
        _symmetric(CONOVER_TUKEY_R),
        atol=1e-3,
    )


def test_compare_to_control_equals_r_pmcmrplus():
    # PMCMRplus::frdManyOneDemsarTest, control = first column
    block = np.array(
        [
            [31, 27, 24],
            [31, 28, 31],
            [45, 29, 46],
            [21, 18, 48],
            [42, 36, 46],
            [32, 17, 40],
        ]
    )
    res = compare_to_control(block, 0, method="bonferroni_dunn")
    np.testing.assert_allclose(res.pvalues, [0.06060197, 0.56370286], atol=1e-6)


# -- family-wise error of the comparisons with a control --------------------------
def _control_fwer(n_rep, seed):
    rng = np.random.RandomState(seed)
    holm = dunn = 0
    for _ in range(n_rep):
        scores = rng.rand(20, 5)  # every model equal: any rejection is an error
        holm += compare_to_control(scores, 0).significant.any()
        if _ < n_rep // 4:
            dunn += compare_to_control(
                scores, 0, method="bonferroni_dunn"
            ).significant.any()
    return holm / n_rep, dunn / (n_rep // 4)


def test_control_fwer_is_nominal_fast():
    holm, dunn = _control_fwer(1200, seed=5)
    # under the global null Holm rejects something iff Bonferroni does
    assert 0.025 < holm < 0.08 and 0.01 < dunn < 0.1


@pytest.mark.slow
def test_control_fwer_is_nominal_from_both_sides():
    # 20,000 experiments: SD 0.0015; 6% (a 1-point excess) or a much too
    # conservative procedure (alpha / k**2 gives about 1%) fall outside.
    rng = np.random.RandomState(2027)
    n_rep = 20000
    rejected = sum(
        compare_to_control(rng.rand(20, 5), 0).significant.any() for _ in range(n_rep)
    )
    assert 0.040 < rejected / n_rep < 0.056


def test_result_tables_hold_the_attributes():
    scores = pd.DataFrame(_star98().to_numpy(), columns=list("pqrs"))
    res = compare_to_control(scores, "r", method="bonferroni_dunn")
    frame = res.to_frame()
    assert frame.index.tolist() == ["p", "q", "s"]
    ranks = stats.rankdata(-scores.to_numpy(), axis=1).mean(axis=0)
    np.testing.assert_allclose(frame["rank"], ranks[[0, 1, 3]], rtol=1e-14)
    np.testing.assert_array_equal(frame["pvalue"], res.pvalues)
    np.testing.assert_array_equal(frame["pvalue_adjusted"], res.pvalues_adjusted)
    assert frame["significant"].tolist() == res.significant.tolist()
    fr = friedman_nemenyi(scores)
    with pytest.raises(ValueError, match="kind must be 'ranks' or 'pvalues'"):
        fr.to_frame("scores")
    t = corrected_resampled_ttest(
        scores["p"], scores["q"], n_train=9, n_test=1, alternative="less"
    )
    row = t.to_frame(0.9).iloc[0]
    assert row["ci_low"] == -np.inf and row["confidence_level"] == 0.9
    assert row["ci_high"] == pytest.approx(
        t.mean_difference + stats.t.ppf(0.9, t.df) * t.std_error, rel=1e-13
    )


@pytest.mark.parametrize(
    "scores, match",
    [
        ({"a": [[1, 2]], "b": [[1, 2]]}, "1-d array of scores"),
        ({"a": [1, 2], "b": [1, np.nan]}, "NaN"),
        (pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "numeric"),
    ],
)
def test_score_tables_bad_input(scores, match):
    with pytest.raises((ValueError, TypeError), match=match):
        conover_posthoc(scores)
