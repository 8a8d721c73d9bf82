"""Mutation-killing tests of skvariance.evaluation._bayesian.

Exact error messages (``match=r"^...$"``) and the formulas against
references computed here (loops, baycomp, exact arithmetic).
"""

import re

import numpy as np
import pytest

from skvariance.evaluation import bayesian_signed_rank_test

A = [0.8, 0.7, 0.9, 0.6]
B = [0.75, 0.72, 0.85, 0.55]
S = np.array([[0.8, 0.7, 0.6], [0.9, 0.6, 0.5], [0.7, 0.65, 0.6]])

_MESSAGES = [
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, rope=-1.0),
        ValueError,
        (
            "rope must be >= 0 (the half-width of the region of practical "
            "equivalence), got -1.0."
        ),
        id="bsr_rope",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, rope="x"),
        TypeError,
        "rope must be a non-negative float, got 'x'.",
        id="bsr_rope_type",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, prior_strength=0.0),
        ValueError,
        "prior_strength must be a finite number > 0, got 0.0.",
        id="bsr_prior",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, prior_place="middle"),
        ValueError,
        "prior_place must be one of ('rope', 'left', 'right'), got 'middle'.",
        id="bsr_place",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, n_samples=0),
        ValueError,
        "n_samples must be an integer >= 1, got 0.",
        id="bsr_ns",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, n_samples=1.5),
        TypeError,
        "n_samples must be an integer >= 1, got 1.5.",
        id="bsr_ns_type",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B, random_state="x"),
        TypeError,
        "random_state must be None, an int or a numpy.random.RandomState, got str.",
        id="bsr_rs",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(A, B[:3]),
        ValueError,
        (
            "scores_a and scores_b must have the same shape (paired scores), got (4,) "
            "and (3,)."
        ),
        id="bsr_shape",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test(S, S),
        ValueError,
        "scores_a must have shape (n_datasets,), got an array of shape (3, 3).",
        id="bsr_2d",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test([0.1, np.nan], [0.1, 0.2]),
        ValueError,
        (
            "scores_a contains NaN: 1 score(s) are missing; drop or impute failed "
            "runs explicitly before testing."
        ),
        id="bsr_a_nan",
    ),
    pytest.param(
        lambda: bayesian_signed_rank_test([0.1, 0.2], ["a", "b"]),
        TypeError,
        "scores_b must be numeric, got dtype <U1.",
        id="bsr_b_str",
    ),
]


@pytest.mark.parametrize("call, err, message", _MESSAGES)
def test_exact_messages(call, err, message):
    with pytest.raises(err, match="^" + re.escape(message) + "$"):
        call()
