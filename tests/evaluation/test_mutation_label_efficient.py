"""Mutation-killing tests of skvariance.evaluation._label_efficient.

Exact error messages (``match=r"^...$"``) and formula checks against
references computed here by hand (loops, bisection, exact arithmetic).
"""

import re

import numpy as np
import pytest

from skvariance.evaluation import (
    control_variate_ci,
    neyman_allocation,
    prediction_powered_ci,
    stratified_sample,
    stratified_score_ci,
)

Y = [0.0, 1.0, 0.0, 1.0]
F = [0.1, 0.8, 0.3, 0.6]
G = [0.2, 0.5, 0.7]
P = np.linspace(0, 1, 50)

_MESSAGES = [
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, method="x"),
        ValueError,
        "method must be one of ('classical', 'ppi', 'ppi++'), got 'x'.",
        id="ppi_method",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, method="ppi", lambda_=0.5),
        ValueError,
        (
            "lambda_ fixes PPI++'s weight; method='ppi' has its own (0 for "
            "'classical', 1 for 'ppi'): leave lambda_=None or use method='ppi++'."
        ),
        id="ppi_lam_method",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, lambda_=np.nan),
        ValueError,
        "lambda_ must be a finite real number, got nan.",
        id="ppi_lam_nan",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, lambda_=True),
        ValueError,
        "lambda_ must be a finite real number, got True.",
        id="ppi_lam_bool",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, lambda_="1"),
        ValueError,
        "lambda_ must be a finite real number, got '1'.",
        id="ppi_lam_str",
    ),
    pytest.param(
        lambda: prediction_powered_ci([1.0], [0.5], G),
        ValueError,
        "loss_labelled needs at least 2 value(s), got 1.",
        id="ppi_y_short",
    ),
    pytest.param(
        lambda: prediction_powered_ci(["a", "b"], F[:2], G),
        TypeError,
        "loss_labelled must be a numeric array, got dtype <U1.",
        id="ppi_y_str",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, [0.5], G),
        ValueError,
        "pred_labelled needs at least 2 value(s), got 1.",
        id="ppi_f_short",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, ["a", "b", "c", "d"], G),
        TypeError,
        "pred_labelled must be a numeric array, got dtype <U1.",
        id="ppi_f_str",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, []),
        ValueError,
        "pred_unlabelled needs at least 1 value(s), got 0.",
        id="ppi_g_empty",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, ["a"]),
        TypeError,
        "pred_unlabelled must be a numeric array, got dtype <U1.",
        id="ppi_g_str",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F[:3], G),
        ValueError,
        (
            "loss_labelled and pred_labelled must have one value per labelled row, "
            "got 4 and 3."
        ),
        id="ppi_mismatch",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, confidence_level=1.5),
        ValueError,
        "confidence_level must be strictly between 0 and 1, got 1.5.",
        id="ppi_level",
    ),
    pytest.param(
        lambda: prediction_powered_ci(Y, F, G, alternative="larger"),
        ValueError,
        (
            "alternative must be one of ('two-sided', 'greater', 'less') (ppi_py's "
            "'larger' is 'greater', its 'smaller' is 'less'), got 'larger'."
        ),
        id="ppi_alt",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, "0.5"),
        TypeError,
        "pred_mean must be a real number (the surrogate's population mean), got str.",
        id="cv_mean_type",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, True),
        TypeError,
        "pred_mean must be a real number (the surrogate's population mean), got bool.",
        id="cv_mean_bool",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, np.inf),
        ValueError,
        "pred_mean must be finite, got inf.",
        id="cv_mean_inf",
    ),
    pytest.param(
        lambda: control_variate_ci([0.0, 1.0], [0.1, 0.2], 0.5),
        ValueError,
        "loss_labelled needs at least 3 value(s), got 2.",
        id="cv_y_short",
    ),
    pytest.param(
        lambda: control_variate_ci(["a", "b", "c"], F[:3], 0.5),
        TypeError,
        "loss_labelled must be a numeric array, got dtype <U1.",
        id="cv_y_str",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, [0.1, 0.2], 0.5),
        ValueError,
        "pred_labelled needs at least 3 value(s), got 2.",
        id="cv_f_short",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, ["a", "b", "c", "d"], 0.5),
        TypeError,
        "pred_labelled must be a numeric array, got dtype <U1.",
        id="cv_f_str",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F[:3], 0.5),
        ValueError,
        (
            "loss_labelled and pred_labelled must have one value per labelled row, "
            "got 4 and 3."
        ),
        id="cv_mismatch",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, 0.5, population_size=10.0),
        TypeError,
        "population_size must be an integer or None, got float.",
        id="cv_pop_float",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, 0.5, population_size=True),
        TypeError,
        "population_size must be an integer or None, got bool.",
        id="cv_pop_bool",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, 0.5, population_size=4),
        ValueError,
        "population_size must exceed the 4 labelled rows, got 4.",
        id="cv_pop_small",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, [0.3] * 4, 0.5),
        ValueError,
        (
            "pred_labelled is constant on the labelled rows: the regression slope is "
            "undefined; use prediction_powered_ci(method='classical')."
        ),
        id="cv_const",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, 0.5, confidence_level=0),
        ValueError,
        "confidence_level must be strictly between 0 and 1, got 0.",
        id="cv_level",
    ),
    pytest.param(
        lambda: control_variate_ci(Y, F, 0.5, alternative="both"),
        ValueError,
        (
            "alternative must be one of ('two-sided', 'greater', 'less') (ppi_py's "
            "'larger' is 'greater', its 'smaller' is 'less'), got 'both'."
        ),
        id="cv_alt",
    ),
    pytest.param(
        lambda: neyman_allocation([[10, 10]], [1, 1], 4),
        ValueError,
        (
            "strata_sizes must be a non-empty 1-d array of positive integers, got "
            "[[10, 10]]."
        ),
        id="ney_2d",
    ),
    pytest.param(
        lambda: neyman_allocation([], [], 4),
        ValueError,
        "strata_sizes must be a non-empty 1-d array of positive integers, got [].",
        id="ney_empty",
    ),
    pytest.param(
        lambda: neyman_allocation(["a"], [1], 4),
        ValueError,
        "strata_sizes must be a non-empty 1-d array of positive integers, got ['a'].",
        id="ney_str",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 2.5], [1, 1], 4),
        ValueError,
        "strata_sizes must be positive integers, got [10.0, 2.5].",
        id="ney_frac",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 0], [1, 1], 4),
        ValueError,
        "strata_sizes must be positive integers, got [10, 0].",
        id="ney_zero",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1], 4),
        ValueError,
        "strata_std must have one value per stratum: got 1 for 2 strata.",
        id="ney_std_n",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, -1], 4),
        ValueError,
        "strata_std must be non-negative, got [1.0, -1.0].",
        id="ney_std_neg",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], ["a", "b"], 4),
        TypeError,
        "strata_std must be a numeric array, got dtype <U1.",
        id="ney_std_str",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], 4, min_per_stratum=2.0),
        TypeError,
        "min_per_stratum must be an integer, got float.",
        id="ney_min_type",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], 4, min_per_stratum=True),
        TypeError,
        "min_per_stratum must be an integer, got bool.",
        id="ney_min_bool",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], 4, min_per_stratum=-1),
        ValueError,
        (
            "min_per_stratum must be between 0 and the smallest stratum size (10), "
            "got -1."
        ),
        id="ney_min_neg",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 3], [1, 1], 8, min_per_stratum=4),
        ValueError,
        "min_per_stratum must be between 0 and the smallest stratum size (3), got 4.",
        id="ney_min_big",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], 4.0),
        TypeError,
        "budget must be an integer, got float.",
        id="ney_budget_type",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], True),
        TypeError,
        "budget must be an integer, got bool.",
        id="ney_budget_bool",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], 3),
        ValueError,
        (
            "budget must be between min_per_stratum * n_strata = 4 and the population "
            "size 20, got 3."
        ),
        id="ney_budget_low",
    ),
    pytest.param(
        lambda: neyman_allocation([10, 10], [1, 1], 21),
        ValueError,
        (
            "budget must be between min_per_stratum * n_strata = 4 and the population "
            "size 20, got 21."
        ),
        id="ney_budget_high",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, allocation="optimal"),
        ValueError,
        "allocation must be 'neyman' or 'proportional', got 'optimal'.",
        id="ss_alloc",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10),
        ValueError,
        (
            "allocation='neyman' needs the anticipated std of the loss: pass loss_std "
            "(per row, or 'bernoulli' for a 0-1 loss) or strata_std (per stratum), or "
            "use allocation='proportional'."
        ),
        id="ss_need_std",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, loss_std="bernoulli", strata_std=[1] * 5),
        ValueError,
        "Pass loss_std or strata_std, not both.",
        id="ss_both",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, n_strata=2.0, allocation="proportional"),
        TypeError,
        "n_strata must be an integer, got float.",
        id="ss_nstrata_type",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, n_strata=True, allocation="proportional"),
        TypeError,
        "n_strata must be an integer, got bool.",
        id="ss_nstrata_bool",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, n_strata=0, allocation="proportional"),
        ValueError,
        "n_strata must be >= 1, got 0.",
        id="ss_nstrata_zero",
    ),
    pytest.param(
        lambda: stratified_sample(
            np.r_[np.zeros(45), np.ones(5)], 10, allocation="proportional"
        ),
        ValueError,
        (
            "pred_loss has too many ties for n_strata=5 quantile bins with at least 2 "
            "rows each (bin sizes [0, 0, 0, 0, 50]); lower n_strata or pass strata."
        ),
        id="ss_ties",
    ),
    pytest.param(
        lambda: stratified_sample(
            np.r_[np.zeros(50)],
            10,
            n_strata=2,
            min_per_stratum=0,
            allocation="proportional",
        ),
        ValueError,
        (
            "pred_loss has too many ties for n_strata=2 quantile bins with at least 1 "
            "rows each (bin sizes [0, 50]); lower n_strata or pass strata."
        ),
        id="ss_ties_min0",
    ),
    pytest.param(
        lambda: stratified_sample(
            P[:6], 4, strata=[0, 0, 1, 1, 1], allocation="proportional"
        ),
        ValueError,
        (
            "strata must be an integer array with one stratum per row of pred_loss "
            "(6), got dtype int64 and shape (5,)."
        ),
        id="ss_strata_shape",
    ),
    pytest.param(
        lambda: stratified_sample(
            P[:6], 4, strata=[0.0, 0, 1, 1, 1, 1], allocation="proportional"
        ),
        ValueError,
        (
            "strata must be an integer array with one stratum per row of pred_loss "
            "(6), got dtype float64 and shape (6,)."
        ),
        id="ss_strata_float",
    ),
    pytest.param(
        lambda: stratified_sample(
            P[:6], 4, strata=[-1, 0, 1, 1, 1, 1], allocation="proportional"
        ),
        ValueError,
        "strata must be labelled 0 .. n_strata - 1, got a negative label.",
        id="ss_strata_neg",
    ),
    pytest.param(
        lambda: stratified_sample(
            P[:6], 4, strata=[0, 0, 2, 2, 2, 2], allocation="proportional"
        ),
        ValueError,
        (
            "strata must be labelled 0 .. n_strata - 1 with every stratum non-empty; "
            "empty: [1]."
        ),
        id="ss_strata_empty",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, n_strata=2, strata_std=[1.0, 1.0, 1.0]),
        ValueError,
        "strata_std must have one value per stratum (2), got 3.",
        id="ss_sstd_n",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, n_strata=2, strata_std=["a", "b"]),
        TypeError,
        "strata_std must be a numeric array, got dtype <U1.",
        id="ss_sstd_str",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, loss_std="gauss"),
        ValueError,
        "loss_std must be an array or 'bernoulli', got 'gauss'.",
        id="ss_lstd_str",
    ),
    pytest.param(
        lambda: stratified_sample(np.linspace(0, 2, 50), 10, loss_std="bernoulli"),
        ValueError,
        (
            "loss_std='bernoulli' needs pred_loss in [0, 1] (predicted probabilities "
            "of an error)."
        ),
        id="ss_bern_range",
    ),
    pytest.param(
        lambda: stratified_sample(np.linspace(-1, 1, 50), 10, loss_std="bernoulli"),
        ValueError,
        (
            "loss_std='bernoulli' needs pred_loss in [0, 1] (predicted probabilities "
            "of an error)."
        ),
        id="ss_bern_neg",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, loss_std=np.ones(49)),
        ValueError,
        (
            "loss_std must be non-negative with one value per row of pred_loss (50), "
            "got 49 values."
        ),
        id="ss_lstd_n",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, loss_std=-np.ones(50)),
        ValueError,
        (
            "loss_std must be non-negative with one value per row of pred_loss (50), "
            "got 50 values."
        ),
        id="ss_lstd_neg",
    ),
    pytest.param(
        lambda: stratified_sample(P, 10, loss_std=["a"] * 50),
        TypeError,
        "loss_std must be a numeric array, got dtype <U1.",
        id="ss_lstd_type",
    ),
    pytest.param(
        lambda: stratified_sample([0.5], 1, allocation="proportional"),
        ValueError,
        "pred_loss needs at least 2 value(s), got 1.",
        id="ss_pred_short",
    ),
    pytest.param(
        lambda: stratified_sample(["a", "b"], 1, allocation="proportional"),
        TypeError,
        "pred_loss must be a numeric array, got dtype <U1.",
        id="ss_pred_str",
    ),
    pytest.param(
        lambda: stratified_score_ci(
            [0, 1, 1, 0], [0, 0, 1, 1], [5, 5], confidence_level=2
        ),
        ValueError,
        "confidence_level must be strictly between 0 and 1, got 2.",
        id="sc_level",
    ),
    pytest.param(
        lambda: stratified_score_ci(
            [0, 1, 1, 0], [0, 0, 1, 1], [5, 5], alternative="x"
        ),
        ValueError,
        (
            "alternative must be one of ('two-sided', 'greater', 'less') (ppi_py's "
            "'larger' is 'greater', its 'smaller' is 'less'), got 'x'."
        ),
        id="sc_alt",
    ),
    pytest.param(
        lambda: stratified_score_ci(
            [0, 1, 1, 0], [0, 0, 1, 1], [5, 5], finite_population=1
        ),
        TypeError,
        "finite_population must be a bool, got int.",
        id="sc_fp",
    ),
    pytest.param(
        lambda: stratified_score_ci([0], [0], [5]),
        ValueError,
        "loss_labelled needs at least 2 value(s), got 1.",
        id="sc_y_short",
    ),
    pytest.param(
        lambda: stratified_score_ci(["a", "b"], [0, 0], [5]),
        TypeError,
        "loss_labelled must be a numeric array, got dtype <U1.",
        id="sc_y_str",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0.0, 0, 1, 1], [5, 5]),
        ValueError,
        (
            "strata_labelled must be an integer array with one stratum per labelled "
            "row (4), got dtype float64 and shape (4,)."
        ),
        id="sc_lab_float",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1], [5, 5]),
        ValueError,
        (
            "strata_labelled must be an integer array with one stratum per labelled "
            "row (4), got dtype int64 and shape (3,)."
        ),
        id="sc_lab_shape",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1, 1], [[5, 5]]),
        ValueError,
        (
            "strata_sizes must be a non-empty 1-d array of positive integers, got "
            "[[5, 5]]."
        ),
        id="sc_sizes_2d",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 0, 0], []),
        ValueError,
        "strata_sizes must be a non-empty 1-d array of positive integers, got [].",
        id="sc_sizes_empty",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1, 1], ["a", "b"]),
        ValueError,
        (
            "strata_sizes must be a non-empty 1-d array of positive integers, got "
            "['a', 'b']."
        ),
        id="sc_sizes_str",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1, 1], [5, 5.5]),
        ValueError,
        (
            "strata_sizes must be a non-empty 1-d array of positive integers, got [5, "
            "5.5]."
        ),
        id="sc_sizes_frac",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1, 1], [5, 0]),
        ValueError,
        "strata_sizes must be a non-empty 1-d array of positive integers, got [5, 0].",
        id="sc_sizes_zero",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1, 2], [5, 5]),
        ValueError,
        (
            "strata_labelled must be in 0 .. 1 (one label per entry of strata_sizes), "
            "got values in [0, 2]."
        ),
        id="sc_lab_big",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, -1, 1], [5, 5]),
        ValueError,
        (
            "strata_labelled must be in 0 .. 1 (one label per entry of strata_sizes), "
            "got values in [-1, 1]."
        ),
        id="sc_lab_neg",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1], [0, 0, 1], [5, 5]),
        ValueError,
        (
            "every stratum needs at least 2 labelled rows to estimate its variance; "
            "labels per stratum: [2, 1]."
        ),
        id="sc_one",
    ),
    pytest.param(
        lambda: stratified_score_ci([0, 1, 1, 0], [0, 0, 1, 1], [5, 1]),
        ValueError,
        (
            "a stratum has more labelled rows than rows: labelled [2, 2], "
            "strata_sizes [5, 1]."
        ),
        id="sc_over",
    ),
]


@pytest.mark.parametrize("call, err, message", _MESSAGES)
def test_exact_messages(call, err, message):
    with pytest.raises(err, match="^" + re.escape(message) + "$"):
        call()


# -- every field of the results, by hand ---------------------------------------------
def _z(p):
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def test_control_variate_every_field_by_hand():
    rng = np.random.default_rng(11)
    f = rng.uniform(0, 1, 9)
    y = 0.3 + 2.0 * f + rng.normal(0, 0.2, 9)
    slope, intercept = np.polyfit(f, y, 1)
    resid = y - intercept - slope * f
    for pop, fpc, n_unlab in ((None, 1.0, None), (30, 1 - 9 / 30, 21)):
        for alt in ("two-sided", "greater", "less"):
            res = control_variate_ci(
                y,
                f,
                0.45,
                population_size=pop,
                confidence_level=0.8,
                alternative=alt,
            )
            est = y.mean() - slope * (f.mean() - 0.45)
            se = np.sqrt(fpc * np.sum(resid**2) / 7 / 9)
            np.testing.assert_allclose(res.estimate, est, rtol=1e-12)
            np.testing.assert_allclose(res.std_error, se, rtol=1e-12)
            np.testing.assert_allclose(res.lambda_, slope, rtol=1e-12)
            z = _z(0.9) if alt == "two-sided" else _z(0.8)
            low = est - z * se if alt != "less" else -np.inf
            high = est + z * se if alt != "greater" else np.inf
            np.testing.assert_allclose([res.low, res.high], [low, high], rtol=1e-12)
            assert res.n_labelled == 9
            assert res.n_unlabelled == n_unlab
            assert res.method == "control_variate"
            assert res.confidence_level == 0.8
            assert res.alternative == alt


def test_ppi_every_field_by_hand():
    rng = np.random.default_rng(12)
    f = rng.uniform(0, 1, 12)
    y = (rng.uniform(size=12) < f).astype(float)
    g = rng.uniform(0, 1, 30)
    for method, lam_in in (("classical", None), ("ppi", None), ("ppi++", 0.37)):
        lam = {"classical": 0.0, "ppi": 1.0, "ppi++": 0.37}[method]
        for alt in ("two-sided", "greater", "less"):
            res = prediction_powered_ci(
                y,
                f,
                g,
                method=method,
                confidence_level=0.8,
                alternative=alt,
                lambda_=lam_in,
            )
            rect = y - lam * f
            est = lam * g.mean() + rect.mean()
            se = np.sqrt(lam**2 * g.var() / 30 + rect.var() / 12)
            np.testing.assert_allclose(res.estimate, est, rtol=1e-12)
            np.testing.assert_allclose(res.std_error, se, rtol=1e-12)
            z = _z(0.9) if alt == "two-sided" else _z(0.8)
            low = est - z * se if alt != "less" else -np.inf
            high = est + z * se if alt != "greater" else np.inf
            np.testing.assert_allclose([res.low, res.high], [low, high], rtol=1e-12)
            assert res.lambda_ == lam
            assert (res.n_labelled, res.n_unlabelled) == (12, 30)
            assert res.method == method
            assert res.confidence_level == 0.8
            assert res.alternative == alt


def test_ppi_tuned_lambda_by_hand():
    # lambda = cov_0(y, f) / ((1 + n / N) var_1(f ++ g)), clipped to [0, 1]
    rng = np.random.default_rng(13)
    f = rng.uniform(0, 1, 10)
    g = rng.uniform(0, 1, 25)
    for scale in (0.3, 5.0, -1.0):
        y = scale * f + rng.normal(0, 0.1, 10)
        cov = np.mean((y - y.mean()) * (f - f.mean()))
        allf = np.r_[f, g]
        var = np.sum((allf - allf.mean()) ** 2) / (allf.size - 1)
        lam = min(max(cov / ((1 + 10 / 25) * var), 0.0), 1.0)
        res = prediction_powered_ci(y, f, g)
        np.testing.assert_allclose(res.lambda_, lam, rtol=1e-12, atol=0)
        assert (0.0 < lam < 1.0) == (scale == 0.3)
    # constant predictions: weight 0, the classical interval
    res = prediction_powered_ci([0.0, 1.0, 1.0], [0.5] * 3, [0.5] * 4)
    assert res.lambda_ == 0.0
    np.testing.assert_allclose(res.estimate, 2 / 3, rtol=1e-14)


def test_stratified_score_every_field_by_hand():
    loss = np.array([0.0, 1.0, 1.0, 0.5, 2.0, 0.0, 1.0, 3.0, 2.5])
    strata = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    sizes = [7, 5, 9]
    for fp in (True, False):
        for alt in ("two-sided", "greater", "less"):
            res = stratified_score_ci(
                loss,
                strata,
                sizes,
                confidence_level=0.8,
                alternative=alt,
                finite_population=fp,
            )
            est, var = 0.0, 0.0
            means, stds = [], []
            for h, big in enumerate(sizes):
                v = loss[strata == h]
                m = sum(v) / len(v)
                s2 = sum((x - m) ** 2 for x in v) / (len(v) - 1)
                w = big / 21
                est += w * m
                var += w * w * ((1 - len(v) / big) if fp else 1.0) * s2 / len(v)
                means.append(m)
                stds.append(s2**0.5)
            se = var**0.5
            np.testing.assert_allclose(res.estimate, est, rtol=1e-12)
            np.testing.assert_allclose(res.std_error, se, rtol=1e-12)
            z = _z(0.9) if alt == "two-sided" else _z(0.8)
            low = est - z * se if alt != "less" else -np.inf
            high = est + z * se if alt != "greater" else np.inf
            np.testing.assert_allclose([res.low, res.high], [low, high], rtol=1e-12)
            np.testing.assert_allclose(res.strata_mean, means, rtol=1e-12)
            np.testing.assert_allclose(res.strata_std, stds, rtol=1e-12)
            np.testing.assert_array_equal(res.strata_sizes, sizes)
            np.testing.assert_array_equal(res.strata_n_labelled, [3, 2, 4])
            assert np.isnan(res.lambda_)
            assert (res.n_labelled, res.n_unlabelled) == (9, 12)
            assert res.method == "stratified"
            assert res.confidence_level == 0.8
            assert res.alternative == alt
            assert res.finite_population is fp


# -- Neyman allocation against bisection ---------------------------------------------
def _bisect_fill(weight, low, high, total):
    """clip(c * weight, low, high) summing to total, c found by bisection."""
    lo_c, hi_c = 0.0, 1.0
    while np.clip(hi_c * weight, low, high).sum() < total:
        hi_c *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo_c + hi_c)
        if np.clip(mid * weight, low, high).sum() < total:
            lo_c = mid
        else:
            hi_c = mid
    return np.clip(hi_c * weight, low, high)


def _reference_shares(sizes, std, budget, m):
    sizes = np.asarray(sizes, float)
    std = np.asarray(std, float)
    var = std > 0
    share = np.full(sizes.size, float(m))
    n_const = m * np.sum(~var)
    room = sizes[var].sum() + n_const
    if var.any():
        share[var] = _bisect_fill(
            sizes[var] * std[var], m, sizes[var], min(budget, room) - n_const
        )
    if budget > room:
        share[~var] = _bisect_fill(sizes[~var], m, sizes[~var], budget - room + n_const)
    return share


def _reference_round(target, sizes, budget):
    alloc = [int(np.floor(t + 1e-9)) for t in target]
    rest = budget - sum(alloc)
    frac = [t - a if a < s else -1.0 for t, a, s in zip(target, alloc, sizes)]
    for _ in range(rest):
        best = max(range(len(frac)), key=lambda i: (frac[i], -i))
        alloc[best] += 1
        frac[best] = -2.0
    return alloc


_SHARE_CASES = [
    ([100, 200, 300], [1.0, 2.0, 0.5], 30, 2),
    ([100, 200, 300], [0.01, 2.0, 0.5], 30, 2),
    ([5, 200, 300], [100.0, 1.0, 1.0], 30, 2),
    ([100, 300], [0.0, 0.0], 8, 1),
    ([100, 100], [0.0, 1.0], 10, 0),
    ([1000, 5, 5], [0.0, 1.0, 1.0], 30, 2),
    ([40, 7, 9, 60], [0.0, 1.3, 0.9, 0.0], 40, 3),
    ([3, 4, 5], [1.0, 0.0, 2.0], 12, 2),
    ([12, 30, 8, 50], [0.7, 0.2, 3.0, 0.4], 27, 1),
    ([12, 30, 8, 50], [0.7, 0.2, 3.0, 0.4], 97, 4),
    ([6, 6, 6], [1.0, 2.0, 3.0], 6, 2),
    # 17 strata with tied remainders: the lower index wins (a stable sort)
    ([50] * 17, [1.0, 2.0, 3.0] * 5 + [1.0, 2.0], 17, 0),
    ([50] * 17, [3.0, 1.0, 2.0] * 5 + [3.0, 1.0], 24, 0),
    # N_h S_h below 1 is still a varying stratum
    ([4, 10, 20], [0.1, 0.05, 0.0], 12, 2),
    ([4, 10, 20], [0.2, 0.04, 0.0], 9, 1),
]


@pytest.mark.parametrize("sizes, std, budget, m", _SHARE_CASES)
def test_bounded_shares_against_bisection(sizes, std, budget, m):
    from skvariance.evaluation._label_efficient import _bounded_shares

    got = _bounded_shares(
        np.asarray(sizes, float), np.asarray(std, float), float(budget), float(m)
    )
    ref = _reference_shares(sizes, std, budget, m)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
    alloc = neyman_allocation(sizes, std, budget, min_per_stratum=m)
    assert alloc.tolist() == _reference_round(ref, sizes, budget)
    assert alloc.dtype == np.int64


def test_neyman_allocation_random_against_bisection():
    rng = np.random.default_rng(21)
    for _ in range(60):
        k = int(rng.integers(1, 6))
        sizes = rng.integers(3, 40, k)
        std = rng.uniform(0.05, 3.0, k) * (rng.uniform(size=k) < 0.8)
        m = int(rng.integers(0, 4))
        budget = int(rng.integers(m * k, sizes.sum() + 1))
        ref = _reference_shares(sizes, std, budget, m)
        alloc = neyman_allocation(sizes, std, budget, min_per_stratum=m)
        assert alloc.tolist() == _reference_round(ref, sizes, budget)


def test_fill_exact_interpolation():
    from skvariance.evaluation._label_efficient import _fill

    weight = np.array([1.0, 2.0, 4.0])
    low = np.array([1.0, 1.0, 1.0])
    high = np.array([3.0, 5.0, 6.0])
    # c = 1.25 -> clip(1.25, 2.5, 5) = [1.25, 2.5, 5]: sum 8.75
    np.testing.assert_allclose(_fill(weight, low, high, 8.75), [1.25, 2.5, 5.0])
    # c = 2.75 -> clip(2.75, 5.5, 11) = [2.75, 5, 6]: sum 13.75
    np.testing.assert_allclose(_fill(weight, low, high, 13.75), [2.75, 5.0, 6.0])
    # the bounds themselves
    np.testing.assert_allclose(_fill(weight, low, high, 3.0), low)
    np.testing.assert_allclose(_fill(weight, low, high, 14.0), high)
    assert _fill(weight, low.astype(int), high, 3.0).dtype == np.float64
    assert _fill(weight, low, high.astype(int), 14.0).dtype == np.float64


# -- stratified sampling --------------------------------------------------------------
def test_stratified_sample_by_hand():
    rng = np.random.default_rng(31)
    pred = rng.uniform(0, 0.6, 90)
    s = rng.uniform(0.0, 0.5, 90)
    plan = stratified_sample(pred, 21, n_strata=3, loss_std=s, random_state=5)
    order = np.argsort(pred, kind="stable")
    ranks = np.empty(90, int)
    ranks[order] = np.arange(90)
    strata = ranks // 30  # no ties: 30 rows per quantile bin
    np.testing.assert_array_equal(plan.strata, strata)
    np.testing.assert_array_equal(plan.strata_sizes, [30, 30, 30])
    expect_std = [
        np.sqrt(np.mean(s[strata == h] ** 2) + np.var(pred[strata == h]))
        for h in range(3)
    ]
    np.testing.assert_allclose(plan.strata_std, expect_std, rtol=1e-12)
    np.testing.assert_array_equal(
        plan.allocation, neyman_allocation([30, 30, 30], expect_std, 21)
    )
    # indices: stratum by stratum, sorted within, distinct, of the right stratum
    cuts = np.cumsum(plan.allocation)[:-1]
    for h, part in enumerate(np.split(plan.indices, cuts)):
        assert np.all(np.diff(part) > 0)
        assert np.all(strata[part] == h)
    assert plan.indices.dtype == np.int64 and plan.strata_sizes.dtype == np.int64
    # the draw: RandomState.choice stratum by stratum
    rs = np.random.RandomState(5)
    ref = np.concatenate(
        [
            np.sort(rs.choice(np.flatnonzero(strata == h), a, replace=False))
            for h, a in enumerate(plan.allocation)
        ]
    )
    np.testing.assert_array_equal(plan.indices, ref)


def test_stratified_sample_std_sources():
    pred = np.r_[np.full(4, 0.1), np.full(6, 0.3), np.full(5, 0.8)]
    strata = np.repeat([0, 1, 2], [4, 6, 5])
    given = stratified_sample(
        pred, 9, strata=strata, strata_std=[0.5, 0.0, 2.0], min_per_stratum=1
    )
    np.testing.assert_allclose(given.strata_std, [0.5, 0.0, 2.0])
    np.testing.assert_array_equal(
        given.allocation,
        neyman_allocation([4, 6, 5], [0.5, 0.0, 2.0], 9, min_per_stratum=1),
    )
    # constant predictions per stratum: the std is sqrt(p (1 - p))
    bern = stratified_sample(pred, 9, strata=strata, loss_std="bernoulli")
    np.testing.assert_allclose(bern.strata_std, np.sqrt([0.09, 0.21, 0.16]))
    # proportional without a std: unit stds, allocation by size
    prop = stratified_sample(pred, 9, strata=strata, allocation="proportional")
    np.testing.assert_allclose(prop.strata_std, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(prop.allocation, [2, 4, 3])
    # proportional ignores a given std
    prop_std = stratified_sample(
        pred, 9, strata=strata, allocation="proportional", strata_std=[9.0, 0.1, 1.0]
    )
    np.testing.assert_array_equal(prop_std.allocation, [2, 4, 3])
    np.testing.assert_allclose(prop_std.strata_std, [9.0, 0.1, 1.0])
    # min_per_stratum is passed on
    low = stratified_sample(
        pred,
        6,
        strata=strata,
        allocation="proportional",
        min_per_stratum=0,
    )
    np.testing.assert_array_equal(
        low.allocation,
        neyman_allocation([4, 6, 5], [1.0, 1.0, 1.0], 6, min_per_stratum=0),
    )


def test_quantile_strata_edges():
    from skvariance.evaluation._label_efficient import _quantile_strata

    pred = np.arange(12.0)
    np.testing.assert_array_equal(_quantile_strata(pred, 3), np.repeat([0, 1, 2], 4))
    np.testing.assert_array_equal(_quantile_strata(pred, 1), np.zeros(12))
    np.testing.assert_array_equal(_quantile_strata(pred, 4), np.repeat([0, 1, 2, 3], 3))
    # a value equal to an edge goes up
    np.testing.assert_array_equal(
        _quantile_strata(np.array([0.0, 1.0, 1.0, 2.0]), 2), [0, 1, 1, 1]
    )


def test_stratified_sample_min_bin_size():
    # 5 quantile bins of 10 rows with exactly 2 distinct values per bin...
    pred = np.repeat(np.arange(25.0), 2)
    plan = stratified_sample(pred, 10, n_strata=5, allocation="proportional")
    np.testing.assert_array_equal(plan.strata_sizes, [10] * 5)
    # bins of exactly min_per_stratum rows are allowed
    pred = np.arange(6.0)
    plan = stratified_sample(
        pred, 6, n_strata=3, allocation="proportional", min_per_stratum=2
    )
    np.testing.assert_array_equal(plan.allocation, [2, 2, 2])
    # min_per_stratum = 0 still needs a row per bin; one row per bin is enough
    plan = stratified_sample(
        np.arange(3.0), 2, n_strata=3, allocation="proportional", min_per_stratum=0
    )
    np.testing.assert_array_equal(plan.strata_sizes, [1, 1, 1])


def test_stratified_sample_one_stratum_and_bernoulli_bounds():
    pred = np.array([0.0, 0.2, 0.5, 1.0, 0.7, 0.1])
    plan = stratified_sample(pred, 4, n_strata=1, loss_std="bernoulli")
    np.testing.assert_array_equal(plan.strata, np.zeros(6))
    np.testing.assert_array_equal(plan.allocation, [4])
    # 0 and 1 are valid error probabilities: S^2 = mean p(1-p) + var p
    np.testing.assert_allclose(
        plan.strata_std, [np.sqrt(np.mean(pred * (1 - pred)) + np.var(pred))]
    )


def test_stratified_sample_accepts_zero_loss_std():
    pred = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    s = np.array([0.0, 0.0, 0.0, 0.3, 0.0, 0.4])
    plan = stratified_sample(
        pred, 4, strata=np.repeat([0, 1], 3), loss_std=s, min_per_stratum=1
    )
    np.testing.assert_allclose(
        plan.strata_std,
        [np.sqrt(np.var(pred[:3])), np.sqrt(np.mean(s[3:] ** 2) + np.var(pred[3:]))],
    )


def test_stratified_score_ci_counts_an_unlabelled_last_stratum():
    # no labelled row in the last stratum: its count is 0, not missing
    with pytest.raises(
        ValueError,
        match=r"^every stratum needs at least 2 labelled rows to estimate its "
        r"variance; labels per stratum: \[2, 2, 0\]\.$",
    ):
        stratified_score_ci([0.0, 1.0, 0.0, 1.0], [0, 0, 1, 1], [10, 10, 10])


def test_stratified_score_ci_labels_per_stratum_are_integers():
    res = stratified_score_ci([0.0, 1.0, 0.0, 1.0, 1.0], [0, 0, 1, 1, 1], [10, 10])
    assert res.strata_n_labelled.dtype == np.int64
    np.testing.assert_array_equal(res.strata_n_labelled, [2, 3])
    assert res.strata_frame()["n_labelled"].dtype == np.int64
