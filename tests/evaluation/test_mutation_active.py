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


# -- the LURE formulas, written out ---------------------------------------------------
def _lure_loop(losses, q, n_pool):
    big_m = len(losses)
    est = 0.0
    for m in range(1, big_m + 1):
        if n_pool == m:
            v = 1.0
        else:
            v = 1 + (n_pool - big_m) / (n_pool - m) * (
                1 / ((n_pool - m + 1) * q[m - 1]) - 1
            )
        est += v * losses[m - 1] / big_m
    if big_m == n_pool:
        return est, 0.0
    num = den = before = 0.0
    for m in range(1, big_m + 1):
        c = n_pool * (n_pool - big_m) / (big_m * (n_pool - m) * (n_pool - m + 1))
        a = (before + losses[m - 1] / q[m - 1]) / n_pool
        num += c * c * (a - est) ** 2
        den += c * c
        before += losses[m - 1]
    return est, num / (1 - den)


def _draws_loop(expected, batches, mixing, seed):
    """Sequential draws by inverse CDF over the pool, in a Python loop."""
    rs = np.random.RandomState(seed)
    taken, order, probs = set(), [], []
    for n in batches:
        for _ in range(n):
            rem = [i for i in range(len(expected)) if i not in taken]
            total = sum(expected[i] for i in rem)
            q = [0.0] * len(expected)
            for i in rem:
                if total > 0:
                    q[i] = (1 - mixing) * expected[i] / total + mixing / len(rem)
                else:
                    q[i] = 1.0 / len(rem)
            norm = sum(q)
            u = rs.random_sample() * norm
            acc, pick = 0.0, None
            for i in range(len(expected)):
                acc += q[i]
                if acc > u:
                    pick = i
                    break
            taken.add(pick)
            order.append(pick)
            probs.append(q[pick] / norm)
    return order, probs


@pytest.mark.parametrize("mixing", [0.0, 0.3, 1.0])
def test_draws_and_estimate_by_hand(mixing):
    rng = np.random.default_rng(3)
    expected = rng.gamma(0.7, 1.0, 9) + 0.01
    loss = rng.gamma(0.7, 1.0, 9)
    tester = ActiveTester(budget=6, mixing=mixing, confidence_level=0.8, random_state=4)
    got = np.concatenate([tester.propose(expected, 2), tester.propose(expected, 3)])
    order, probs = _draws_loop(expected, [2, 3], mixing, 4)
    assert got.tolist() == order
    assert tester.proposed_indices_.tolist() == order
    np.testing.assert_allclose(tester.proposal_probabilities_, probs, rtol=1e-12)
    tester.update(got[:3], loss[got[:3]])
    tester.update(got[3:], loss[got[3:]])
    res = tester.estimate()
    est, var = _lure_loop(loss[order], probs, 9)
    se = var**0.5
    z = 1.2815515655446004  # the 0.9 quantile of N(0, 1)
    np.testing.assert_allclose(res.estimate, est, rtol=1e-12)
    np.testing.assert_allclose(res.variance, var, rtol=1e-10)
    np.testing.assert_allclose(res.std_error, se, rtol=1e-10)
    np.testing.assert_allclose([res.low, res.high], [est - z * se, est + z * se])
    assert res.confidence_level == 0.8
    assert (res.n_labelled, res.n_pool) == (5, 9)


def test_draws_with_zero_expected_losses_by_hand():
    expected = np.array([0.0, 2.0, 0.0, 1.0, 0.0])
    tester = ActiveTester(budget=5, mixing=0.2, random_state=1)
    got = tester.propose(expected, 5)
    order, probs = _draws_loop(expected, [5], 0.2, 1)
    assert got.tolist() == order
    np.testing.assert_allclose(tester.proposal_probabilities_, probs, rtol=1e-12)
    # the last draws are uniform over zero expected losses; the last is forced
    assert tester.proposal_probabilities_[-1] == 1.0
    tester.update(got, [1.0, 2.0, 3.0, 4.0, 5.0])
    res = tester.estimate()
    # every point labelled: the plain mean, no variance
    np.testing.assert_allclose(res.estimate, 3.0, rtol=1e-12)
    assert res.variance == 0.0 and res.low == res.high == res.estimate


def test_update_accepts_a_scalar_index_and_an_empty_one():
    tester = ActiveTester(budget=3, random_state=2)
    idx = tester.propose(np.arange(1.0, 6.0), 2)
    assert tester.update(int(idx[0]), 0.5) is tester
    tester.update(np.array([], dtype=np.intp), [])
    tester.update(idx[1:], [0.25])
    assert tester.losses_ == {int(idx[0]): 0.5, int(idx[1]): 0.25}
    assert all(type(k) is int and type(v) is float for k, v in tester.losses_.items())


def test_all_but_one_point_labelled_by_hand():
    # M = N - 1: the weight of the (N - 1)-th draw has N - m = 1
    expected = np.array([0.5, 3.0, 1.0, 0.2, 2.0, 0.7])
    loss = np.array([0.4, 2.5, 1.5, 0.1, 1.0, 0.9])
    tester = ActiveTester(budget=5, mixing=0.1, random_state=8)
    idx = tester.propose(expected, 5)
    order, probs = _draws_loop(expected, [5], 0.1, 8)
    assert idx.tolist() == order
    tester.update(idx, loss[idx])
    res = tester.estimate()
    est, var = _lure_loop(loss[order], probs, 6)
    np.testing.assert_allclose(res.estimate, est, rtol=1e-12)
    np.testing.assert_allclose(res.variance, var, rtol=1e-10)
    assert probs[-2] != 0.5  # the (N - 1)-th draw is not uniform


def test_propose_draws_one_point_by_default():
    tester = ActiveTester(budget=3, random_state=0)
    assert tester.propose(np.arange(1.0, 6.0)).shape == (1,)
    assert len(tester.proposed_indices_) == 1


def test_uniform_draws_when_every_expected_loss_is_zero():
    # every remaining expected loss 0: uniform draws, q = 1 / n_remaining
    tester = ActiveTester(budget=6, mixing=0.4, random_state=3)
    got = tester.propose(np.zeros(8), 6)
    order, probs = _draws_loop(np.zeros(8), [6], 0.4, 3)
    assert got.tolist() == order
    np.testing.assert_allclose(tester.proposal_probabilities_, 1 / np.arange(8, 2, -1))


def test_mixing_zero_needs_positive_losses_only_on_unlabelled_points():
    tester = ActiveTester(budget=3, mixing=0.0, random_state=0)
    first = tester.propose(np.array([1.0, 1.0, 2.0, 1.0]), 1)
    expected = np.array([1.0, 1.0, 2.0, 1.0])
    expected[first] = 0.0  # a labelled point may now have expected loss 0
    second = tester.propose(expected, 2)
    assert first[0] not in second
    np.testing.assert_allclose(
        tester.proposal_probabilities_[0], [0.2, 0.2, 0.4, 0.2][first[0]]
    )


def test_update_messages_list_at_most_five_indices():
    tester = ActiveTester(budget=7, random_state=0)
    idx = tester.propose(np.ones(20), 7)
    never = [j for j in range(20) if j not in idx][:6]
    with pytest.raises(
        ValueError,
        match=re.escape(f"idx {never[:5]} were never proposed: only points drawn")
        + ".*",
    ):
        tester.update(never, np.zeros(6))
    tester.update(idx, np.zeros(7))
    with pytest.raises(
        ValueError,
        match="^" + re.escape(f"idx {idx[:5].tolist()} already have a loss.") + "$",
    ):
        tester.update(idx[:6], np.zeros(6))


def test_repr_before_and_after_labels():
    t = ActiveTester(budget=3, mixing=0.5, random_state=7)
    assert repr(t) == "ActiveTester(budget=3, mixing=0.5, random_state=7)"
    idx = t.propose(np.arange(1.0, 11.0), 2)
    assert repr(t) == (
        "ActiveTester(budget=3, mixing=0.5, random_state=7, labelled 0 of 10)"
    )
    t.update(idx, [0.25, 0.5])
    assert repr(t) == (
        "ActiveTester(budget=3, mixing=0.5, random_state=7, labelled 2 of 10)"
    )


def test_active_testing_estimate_names_expected_loss():
    from skvariance.evaluation import active_testing_estimate

    with pytest.raises(
        ValueError,
        match=r"^expected_loss must be non-negative: a proposal is proportional "
        r"to the expected loss, got minimum -1\.$",
    ):
        active_testing_estimate([1.0, -1.0, 2.0], [0.0, 1.0, 0.0], 2)
