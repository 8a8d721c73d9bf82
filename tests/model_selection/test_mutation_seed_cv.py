"""variance_components(_ci) against by-hand references (mutation tests).

References: the two-way ANOVA mean squares (seed x split) with explicit
loops; the exact chi-square interval of the residual, the MLS interval of a
difference of mean squares (Ting et al. 1990, Burdick & Graybill 1992, eq.
3.18-3.19) and the Graybill-Wang interval of a positive combination, all
written out with scipy.stats upper-tail points (``isf``).
"""

import re

import numpy as np
import pytest
from scipy.stats import chi2, f

from skvariance.model_selection import (
    SeedCVResult,
    variance_components,
    variance_components_ci,
)


def _ms(t):
    """(MS_seed, MS_split, MS_res) of one seeds x splits table, by loops."""
    S, K = len(t), len(t[0])
    g = sum(sum(row) for row in t) / (S * K)
    rm = [sum(t[j]) / K for j in range(S)]
    cm = [sum(t[j][k] for j in range(S)) / S for k in range(K)]
    ms_s = K * sum((x - g) ** 2 for x in rm) / (S - 1)
    ms_k = S * sum((x - g) ** 2 for x in cm) / (K - 1)
    ss = sum((t[j][k] - rm[j] - cm[k] + g) ** 2 for j in range(S) for k in range(K))
    return ms_s, ms_k, ss / ((S - 1) * (K - 1))


def _upper(q, df1, df2=None):
    """Upper-q point of F(df1, df2), F(df1, inf) = chi2(df1) / df1 if df2 is None."""
    if df2 is None:
        return chi2.isf(q, df1) / df1
    return f.isf(q, df1, df2)


def _mls(ms1, n1, ms2, n2, c, a):
    """Burdick & Graybill (1992) MLS interval of c * (theta1 - theta2)."""
    F1, F2 = _upper(a, n1), _upper(a, n2)  # upper-a points
    F3, F4 = _upper(1 - a, n1), _upper(1 - a, n2)  # lower-a points
    F5, F6 = _upper(a, n1, n2), _upper(1 - a, n1, n2)
    G1, G2 = 1 - 1 / F1, 1 - 1 / F2
    H1, H2 = 1 / F3 - 1, 1 / F4 - 1
    G12 = ((F5 - 1) ** 2 - G1**2 * F5**2 - H2**2) / F5
    H12 = ((1 - F6) ** 2 - H1**2 * F6**2 - G2**2) / F6
    est = c * ms1 - c * ms2
    vl = (G1 * c * ms1) ** 2 + (H2 * c * ms2) ** 2 + G12 * (c * ms1) * (c * ms2)
    vu = (H1 * c * ms1) ** 2 + (G2 * c * ms2) ** 2 + H12 * (c * ms1) * (c * ms2)
    return est - np.sqrt(max(vl, 0.0)), est + np.sqrt(max(vu, 0.0))


def _reference_ci(t, level):
    S, K = len(t), len(t[0])
    ms_s, ms_k, ms_e = _ms(t)
    n_s, n_k, n_e = S - 1, K - 1, (S - 1) * (K - 1)
    a = (1 - level) / 2
    out = {
        "residual": (n_e * ms_e / chi2.isf(a, n_e), n_e * ms_e / chi2.isf(1 - a, n_e)),
        "seed": _mls(ms_s, n_s, ms_e, n_e, 1 / K, a),
        "split": _mls(ms_k, n_k, ms_e, n_e, 1 / S, a),
    }
    terms = [(ms_s / K, n_s), (ms_k / S, n_k), ((1 - 1 / K - 1 / S) * ms_e, n_e)]
    est = sum(cm for cm, _ in terms)
    lo = est - np.sqrt(sum(((1 - 1 / _upper(a, n)) * cm) ** 2 for cm, n in terms))
    hi = est + np.sqrt(sum(((1 / _upper(1 - a, n) - 1) * cm) ** 2 for cm, n in terms))
    out["total"] = (lo, hi)
    return {k: (max(lo, 0.0), max(hi, 0.0)) for k, (lo, hi) in out.items()}


def _tables():
    rng = np.random.RandomState(0)
    out = []
    for S, K, s_seed, s_split, s_res in [
        (3, 5, 1.0, 0.5, 0.2),
        (4, 2, 0.2, 2.0, 0.3),
        (2, 2, 1.0, 1.0, 0.5),
        (6, 3, 2.0, 0.1, 0.1),
        (5, 7, 0.0, 0.0, 1.0),
        (2, 4, 3.0, 0.0, 0.1),
    ]:
        t = (
            5.0
            + s_seed * rng.normal(size=(S, 1))
            + s_split * rng.normal(size=(1, K))
            + s_res * rng.normal(size=(S, K))
        )
        out.append(t)
    # no seed or split effect at all: both components truncated at zero
    out.append(np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))
    return out


@pytest.mark.parametrize("i", range(7))
def test_variance_components_by_hand(i):
    t = _tables()[i]
    S, K = t.shape
    ms_s, ms_k, ms_e = _ms(t.tolist())
    comp = variance_components(t)
    assert set(comp) == {"seed", "split", "residual"}
    assert comp["seed"] == pytest.approx(max(0.0, (ms_s - ms_e) / K), abs=1e-14)
    assert comp["split"] == pytest.approx(max(0.0, (ms_k - ms_e) / S), abs=1e-14)
    assert comp["residual"] == pytest.approx(ms_e, rel=1e-12)
    assert comp["seed"] >= 0 and comp["split"] >= 0
    # transposing swaps seeds and splits
    tr = variance_components(t.T)
    assert tr["seed"] == pytest.approx(comp["split"], abs=1e-14)
    assert tr["split"] == pytest.approx(comp["seed"], abs=1e-14)


def test_variance_components_truncation_exact():
    """MS_seed = MS_split = 0 < MS_res = 1: both components exactly 0."""
    t = np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    comp = variance_components(t)
    assert comp["seed"] == 0.0 and comp["split"] == 0.0
    assert comp["residual"] == pytest.approx(4.0 / 4)


def test_variance_components_batches():
    rng = np.random.RandomState(1)
    batch = rng.normal(size=(2, 3, 4, 5)) + rng.normal(size=(2, 3, 4, 1))
    comp = variance_components(batch)
    for key in ("seed", "split", "residual"):
        assert comp[key].shape == (2, 3)
    for a in range(2):
        for b in range(3):
            ms_s, ms_k, ms_e = _ms(batch[a, b].tolist())
            assert comp["seed"][a, b] == pytest.approx(max(0.0, (ms_s - ms_e) / 5))
            assert comp["split"][a, b] == pytest.approx(
                max(0.0, (ms_k - ms_e) / 4), abs=1e-14
            )
            assert comp["residual"][a, b] == pytest.approx(ms_e)


@pytest.mark.parametrize("level", [0.95, 0.8, 0.5])
@pytest.mark.parametrize("i", range(7))
def test_variance_components_ci_by_hand(i, level):
    t = _tables()[i]
    ci = variance_components_ci(t, confidence_level=level)
    ref = _reference_ci(t.tolist(), level)
    assert set(ci) == {"seed", "split", "residual", "total"}
    for key in ref:
        low, high = ci[key]
        assert low == pytest.approx(ref[key][0], rel=1e-9, abs=1e-13), key
        assert high == pytest.approx(ref[key][1], rel=1e-9, abs=1e-13), key


def test_variance_components_ci_lower_bounds_positive_and_clipped():
    """Large effects: every lower bound above 0 (no clipping hides an error)."""
    rng = np.random.RandomState(3)
    t = 10 * rng.normal(size=(8, 1)) + 10 * rng.normal(size=(1, 6))
    t = t + rng.normal(size=(8, 6))
    ci = variance_components_ci(t, confidence_level=0.6)
    ref = _reference_ci(t.tolist(), 0.6)
    for key in ref:
        assert ref[key][0] > 0, key
        assert ci[key][0] == pytest.approx(ref[key][0], rel=1e-9)
        assert ci[key][1] == pytest.approx(ref[key][1], rel=1e-9)
    # no effects at all: lower bounds of seed and split clipped at exactly 0
    t = np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    ci = variance_components_ci(t)
    assert ci["seed"][0] == 0.0 and ci["split"][0] == 0.0
    # MS_seed = MS_split = 0: even the upper bounds fall below 0 and are clipped
    assert ci["seed"][1] == 0.0 and ci["split"][1] == 0.0
    assert ci["residual"][0] > 0 and ci["total"][0] > 0


def test_variance_components_ci_batches():
    rng = np.random.RandomState(4)
    batch = rng.normal(size=(3, 4, 3)) + 2 * rng.normal(size=(3, 4, 1))
    ci = variance_components_ci(batch, confidence_level=0.9)
    for b in range(3):
        ref = _reference_ci(batch[b].tolist(), 0.9)
        for key in ref:
            assert ci[key][0].shape == (3,)
            assert ci[key][0][b] == pytest.approx(ref[key][0], rel=1e-9, abs=1e-13)
            assert ci[key][1][b] == pytest.approx(ref[key][1], rel=1e-9, abs=1e-13)


def test_variance_components_ci_default_level_is_95():
    t = _tables()[0]
    ci = variance_components_ci(t)
    ref = _reference_ci(t.tolist(), 0.95)
    for key in ref:
        assert ci[key][0] == pytest.approx(ref[key][0], rel=1e-9, abs=1e-13)
        assert ci[key][1] == pytest.approx(ref[key][1], rel=1e-9, abs=1e-13)


@pytest.mark.parametrize(
    "scores, msg",
    [
        (
            [1.0, 2.0, 3.0],
            "scores must be a 2-d (n_seeds, n_splits) table, got shape (3,).",
        ),
        (
            [[1.0, 2.0, 3.0]],
            "scores must have at least 2 seeds and 2 splits to separate the "
            "variance components, got shape (1, 3).",
        ),
        (
            [[1.0], [2.0]],
            "scores must have at least 2 seeds and 2 splits to separate the "
            "variance components, got shape (2, 1).",
        ),
        (
            [[1.0, np.nan], [2.0, 3.0]],
            "scores contains NaN or infinity; every cell needs a score.",
        ),
        (
            [[1.0, np.inf], [2.0, 3.0]],
            "scores contains NaN or infinity; every cell needs a score.",
        ),
    ],
)
def test_bad_tables(scores, msg):
    for func in (variance_components, variance_components_ci):
        with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
            func(scores)


def test_smallest_table_accepted():
    t = [[1.0, 2.0], [3.0, 5.0]]
    comp = variance_components(t)
    ms_s, ms_k, ms_e = _ms(t)
    assert comp["residual"] == pytest.approx(ms_e)
    assert np.isfinite(variance_components_ci(t)["total"][1])


@pytest.mark.parametrize(
    "level, exc, msg",
    [
        (
            True,
            TypeError,
            "confidence_level must be a float strictly between 0 and 1, got bool.",
        ),
        (
            "0.9",
            TypeError,
            "confidence_level must be a float strictly between 0 and 1, got str.",
        ),
        (
            1.0,
            ValueError,
            "confidence_level must be strictly between 0 and 1, got 1.0.",
        ),
        (0, ValueError, "confidence_level must be strictly between 0 and 1, got 0."),
        (
            -0.5,
            ValueError,
            "confidence_level must be strictly between 0 and 1, got -0.5.",
        ),
    ],
)
def test_bad_confidence_level(level, exc, msg):
    with pytest.raises(exc, match="^" + re.escape(msg) + "$"):
        variance_components_ci([[1.0, 2.0], [3.0, 5.0]], confidence_level=level)


def test_seed_cv_summary_text_columns_are_object_arrays():
    """'metric' and 'component' hold Python strings (object), numbers floats."""
    t = _tables()[0]
    comp = {k: float(v) for k, v in variance_components(t).items()}
    comp["total"] = sum(comp.values())
    ci = {
        k: (float(lo), float(hi))
        for k, (lo, hi) in variance_components_ci(t, confidence_level=0.9).items()
    }
    res = SeedCVResult(
        scores={"r2": t},
        seeds=np.arange(3),
        n_test=np.full(5, 10),
        fit_time=np.zeros((3, 5)),
        score_time=np.zeros((3, 5)),
        components={"r2": comp},
        components_ci={"r2": ci},
        within_split_seed_variance={},
        binomial_variance={},
        confidence_level=0.9,
    )
    table = res.summary()
    assert table["metric"].dtype == object
    assert table["component"].dtype == object
    # an object column takes a longer label without truncating it
    table["metric"][0] = "a much longer metric name"
    assert table["metric"][0] == "a much longer metric name"
    for key in ("variance", "std", "share", "ci_low", "ci_high", "mean_score"):
        assert table[key].dtype == np.float64
    assert table["variance"].tolist() == [
        comp[k] for k in ("seed", "split", "residual", "total")
    ]


def test_bad_table_in_a_batch_names_the_table_shape():
    msg = (
        "scores must have at least 2 seeds and 2 splits to separate the "
        "variance components, got shape (1, 3)."
    )
    for func in (variance_components, variance_components_ci):
        with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
            func(np.zeros((4, 1, 3)))


def test_missing_score_given_as_none_is_rejected_and_integers_accepted():
    msg = "scores contains NaN or infinity; every cell needs a score."
    for func in (variance_components, variance_components_ci):
        with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
            func([[1.0, None], [2.0, 3.0]])
    ints = [[1, 2, 4], [3, 5, 4]]
    ms_s, ms_k, ms_e = _ms(ints)
    comp = variance_components(ints)
    assert comp["residual"] == pytest.approx(ms_e)
    assert comp["seed"] == pytest.approx(max(0.0, (ms_s - ms_e) / 3))
    assert comp["split"] == pytest.approx(max(0.0, (ms_k - ms_e) / 2))
