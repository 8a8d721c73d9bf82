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
