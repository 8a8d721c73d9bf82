"""variance_components and variance_components_ci against formulas written out.

The references here are computed from the textbook formulas in the test
itself, with the mean squares obtained by a loop over the table (not by the
module's vectorised code): the balanced two-way layout of Searle, Casella
and McCulloch, the MLS interval of Ting et al. (1990) in the notation of
Burdick and Graybill (1992, section 3.2) and the Graybill-Wang interval.
"""

import numpy as np
import pytest
from scipy.stats import chi2, f

from skvariance.model_selection import variance_components, variance_components_ci


def _mean_squares_by_loop(table):
    S, K = len(table), len(table[0])
    grand = sum(sum(row) for row in table) / (S * K)
    seed = [sum(row) / K for row in table]
    split = [sum(table[j][k] for j in range(S)) / S for k in range(K)]
    ss_seed = K * sum((m - grand) ** 2 for m in seed)
    ss_split = S * sum((m - grand) ** 2 for m in split)
    ss_res = sum(
        (table[j][k] - seed[j] - split[k] + grand) ** 2
        for j in range(S)
        for k in range(K)
    )
    return (
        ss_seed / (S - 1),
        ss_split / (K - 1),
        ss_res / ((S - 1) * (K - 1)),
    )


def _F_upper(a, n1, n2=None):
    """Upper-a point of F(n1, n2); n2 = None means infinity (chi2(n1)/n1)."""
    if n2 is None:
        return chi2.isf(a, n1) / n1
    return f.isf(a, n1, n2)


def _mls(c1, ms1, n1, c2, ms2, n2, a):
    """Ting et al.'s interval on c1 theta1 - c2 theta2 (Burdick & Graybill 3.2)."""
    G1 = 1 - 1 / _F_upper(a, n1)
    H1 = 1 / _F_upper(1 - a, n1) - 1
    G2 = 1 - 1 / _F_upper(a, n2)
    H2 = 1 / _F_upper(1 - a, n2) - 1
    F12a = _F_upper(a, n1, n2)
    F12b = _F_upper(1 - a, n1, n2)
    G12 = ((F12a - 1) ** 2 - G1**2 * F12a**2 - H2**2) / F12a
    H12 = ((1 - F12b) ** 2 - H1**2 * F12b**2 - G2**2) / F12b
    est = c1 * ms1 - c2 * ms2
    VL = G1**2 * c1**2 * ms1**2 + H2**2 * c2**2 * ms2**2 + G12 * c1 * c2 * ms1 * ms2
    VU = H1**2 * c1**2 * ms1**2 + G2**2 * c2**2 * ms2**2 + H12 * c1 * c2 * ms1 * ms2
    return max(est - np.sqrt(max(VL, 0)), 0), max(est + np.sqrt(max(VU, 0)), 0)


def _graybill_wang(terms, a):
    est = sum(c * ms for c, ms, _ in terms)
    VL = sum((1 - 1 / _F_upper(a, n)) ** 2 * (c * ms) ** 2 for c, ms, n in terms)
    VU = sum((1 / _F_upper(1 - a, n) - 1) ** 2 * (c * ms) ** 2 for c, ms, n in terms)
    return max(est - np.sqrt(VL), 0), max(est + np.sqrt(VU), 0)


@pytest.mark.parametrize(
    "shape, scales, level",
    [
        ((10, 5), (1.0, 0.5, 1.0), 0.95),
        ((4, 3), (0.3, 2.0, 1.0), 0.9),
        # seed and residual mean squares of similar size: the cross terms
        # G12 and H12 move the bounds most here
        ((6, 6), (0.25, 0.25, 1.0), 0.8),
        ((3, 8), (2.0, 0.1, 0.5), 0.99),
    ],
)
def test_intervals_equal_the_textbook_formulas(shape, scales, level):
    S, K = shape
    rng = np.random.RandomState(S * 100 + K)
    table = (
        scales[0] * rng.normal(size=(S, 1))
        + scales[1] * rng.normal(size=(1, K))
        + scales[2] * rng.normal(size=(S, K))
    )
    ms_seed, ms_split, ms_res = _mean_squares_by_loop(table.tolist())
    n_seed, n_split, n_res = S - 1, K - 1, (S - 1) * (K - 1)
    a = (1 - level) / 2

    est = variance_components(table)
    assert est["seed"] == pytest.approx(max((ms_seed - ms_res) / K, 0), rel=1e-12)
    assert est["split"] == pytest.approx(max((ms_split - ms_res) / S, 0), rel=1e-12)
    assert est["residual"] == pytest.approx(ms_res, rel=1e-12)

    ci = variance_components_ci(table, confidence_level=level)
    expected = {
        "seed": _mls(1 / K, ms_seed, n_seed, 1 / K, ms_res, n_res, a),
        "split": _mls(1 / S, ms_split, n_split, 1 / S, ms_res, n_res, a),
        "residual": (
            n_res * ms_res / chi2.isf(a, n_res),
            n_res * ms_res / chi2.isf(1 - a, n_res),
        ),
        "total": _graybill_wang(
            [
                (1 / K, ms_seed, n_seed),
                (1 / S, ms_split, n_split),
                (1 - 1 / K - 1 / S, ms_res, n_res),
            ],
            a,
        ),
    }
    for name, (low, high) in expected.items():
        assert float(ci[name][0]) == pytest.approx(low, rel=1e-9, abs=1e-15), name
        assert float(ci[name][1]) == pytest.approx(high, rel=1e-9, abs=1e-15), name


def test_total_interval_drops_the_residual_term_when_its_weight_is_not_positive():
    """2 seeds x 2 splits: 1 - 1/K - 1/S = 0, so only two terms remain."""
    table = np.array([[0.1, 0.5], [0.4, 1.3]])
    ms_seed, ms_split, ms_res = _mean_squares_by_loop(table.tolist())
    low, high = variance_components_ci(table, confidence_level=0.9)["total"]
    ref = _graybill_wang([(0.5, ms_seed, 1), (0.5, ms_split, 1)], 0.05)
    assert (float(low), float(high)) == pytest.approx(ref, rel=1e-9)


def test_batches_equal_one_table_at_a_time():
    rng = np.random.RandomState(5)
    tables = rng.normal(size=(3, 4, 5)) + rng.normal(size=(3, 4, 1))
    batch = variance_components_ci(tables, confidence_level=0.9)
    for i in range(3):
        one = variance_components_ci(tables[i], confidence_level=0.9)
        for name in one:
            assert batch[name][0][i] == pytest.approx(float(one[name][0]))
            assert batch[name][1][i] == pytest.approx(float(one[name][1]))
