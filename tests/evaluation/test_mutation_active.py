"""Mutation-killing tests of skvariance.evaluation._active.

Exact error messages (``match=r"^...$"``) and the LURE formulas against
references computed here by hand (loops over the draws, exact enumeration).
"""

import re

import numpy as np
import pytest

from skvariance.evaluation import ActiveTester


def two_calls(n1, n2):
    t = ActiveTester(budget=4, random_state=0)
    t.propose(np.ones(5), n1)
    t.propose(np.ones(6), n2)


def pending():
    t = ActiveTester(budget=4, random_state=0)
    i = t.propose(np.ones(5), 3)
    t.update(i[:2], [0.1, 0.2])
    t.estimate()


def one_lab():
    t = ActiveTester(budget=4, random_state=0)
    i = t.propose(np.ones(5), 1)
    t.update(i, [0.1])
    t.estimate()


def upd(idx, losses, n=2):
    t = ActiveTester(budget=4, random_state=0)
    i = t.propose(np.arange(1.0, 6.0), n)
    if idx == "twice":
        t.update(i[:1], [0.1])
        t.update(i[:1], [0.1])
        return
    if idx == "never":
        idx = [j for j in range(5) if j not in i][:1]
    t.update(idx, losses)


_MESSAGES = [
    pytest.param(
        lambda: ActiveTester(budget=2, random_state=0).propose(np.ones(5), 3),
        ValueError,
        "n=3 exceeds the budget left (2 of budget=2).",
        id="act_budget_left",
    ),
    pytest.param(
        lambda: two_calls(3, 2),
        ValueError,
        "n=2 exceeds the budget left (1 of budget=4).",
        id="act_budget_left2",
    ),
    pytest.param(
        lambda: two_calls(2, 1),
        ValueError,
        (
            "the pool has 5 points but the expected losses have 6: keep the same pool "
            "across calls."
        ),
        id="act_pool_change",
    ),
    pytest.param(
        lambda: ActiveTester(budget=6).propose(np.ones(5), 1),
        ValueError,
        "budget must be at most the pool size 5, got 6.",
        id="act_budget_pool",
    ),
    pytest.param(
        lambda: ActiveTester(budget=2, mixing=0.0).propose(
            np.array([1.0, 0.0, 2.0]), 1
        ),
        ValueError,
        (
            "with mixing=0 every unlabelled point needs a positive expected loss: a "
            "zero-probability point can never be labelled and LURE would be biased. "
            "Use mixing > 0."
        ),
        id="act_mixing0",
    ),
    pytest.param(
        lambda: ActiveTester(budget=2).propose(np.ones(5), 0),
        ValueError,
        "n must be an integer >= 1, got 0.",
        id="act_n_zero",
    ),
    pytest.param(
        lambda: ActiveTester(budget=2).update([0], [0.1]),
        ValueError,
        "update called before propose: no point was proposed.",
        id="act_update_first",
    ),
    pytest.param(
        lambda: upd([[0]], [0.1]),
        TypeError,
        "idx must be a 1-d array of integer pool indices.",
        id="act_update_2d",
    ),
    pytest.param(
        lambda: upd([0.0], [0.1]),
        TypeError,
        "idx must be a 1-d array of integer pool indices.",
        id="act_update_float",
    ),
    pytest.param(
        lambda: upd([0, 0], [0.1, 0.2]),
        ValueError,
        "idx contains repeated indices.",
        id="act_update_repeat",
    ),
    pytest.param(
        lambda: upd("never", [0.1]),
        ValueError,
        (
            "idx [0] were never proposed: only points drawn by propose can be "
            "labelled (LURE needs their draw probability)."
        ),
        id="act_update_never",
    ),
    pytest.param(
        lambda: upd("twice", [0.1]),
        ValueError,
        "idx [3] already have a loss.",
        id="act_update_twice",
    ),
    pytest.param(
        lambda: upd([0], [0.1, 0.2]),
        ValueError,
        "losses must be a 1-d array with one loss per index (1), got shape (2,).",
        id="act_update_nlosses",
    ),
    pytest.param(
        lambda: upd([0], [np.nan]),
        ValueError,
        "losses must be finite (no NaN or inf).",
        id="act_update_nan",
    ),
    pytest.param(
        lambda: upd([0], ["a"]),
        TypeError,
        "losses must be a 1-d array of numbers.",
        id="act_update_str",
    ),
    pytest.param(
        lambda: pending(),
        ValueError,
        (
            "1 proposed points have no loss yet: call update with every proposed "
            "index before estimate."
        ),
        id="act_est_pending",
    ),
    pytest.param(
        lambda: one_lab(),
        ValueError,
        "estimate needs at least 2 labelled points, got 1.",
        id="act_est_one",
    ),
    pytest.param(
        lambda: ActiveTester(budget=2).estimate(),
        ValueError,
        "estimate needs at least 2 labelled points, got 0.",
        id="act_est_none",
    ),
    pytest.param(
        lambda: ActiveTester(budget=2).propose(np.array([1.0, -1.0]), 1),
        ValueError,
        (
            "X (the expected losses, as surrogate=None) must be non-negative: a "
            "proposal is proportional to the expected loss, got minimum -1."
        ),
        id="act_expected_neg",
    ),
    pytest.param(
        lambda: ActiveTester(budget=2).propose(np.ones((2, 2)), 1),
        ValueError,
        (
            "X (the expected losses, as surrogate=None) must be a non-empty 1-d array "
            "of expected losses, got shape (2, 2)."
        ),
        id="act_expected_2d",
    ),
    pytest.param(
        lambda: ActiveTester(3, budget=2).propose(np.ones(4), 1),
        TypeError,
        (
            "surrogate must be None, a callable or an object with a predict method, "
            "got int."
        ),
        id="act_surrogate_bad",
    ),
]


@pytest.mark.parametrize("call, err, message", _MESSAGES)
def test_exact_messages(call, err, message):
    with pytest.raises(err, match="^" + re.escape(message) + "$"):
        call()
