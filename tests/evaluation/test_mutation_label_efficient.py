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
