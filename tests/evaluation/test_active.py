"""Active testing: LURE weights, unbiasedness, variance, coverage, the sampler
and input validation. References are written out here (the formulas of
Farquhar et al. 2021 by hand, exact enumeration of every draw sequence,
simulation), never read from the tester's own state."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from skvariance.evaluation import (
    ActiveTester,
    ActiveTestingResult,
    active_testing_estimate,
)
from skvariance.evaluation._active import _lure, _lure_weights


# -- independent references ----------------------------------------------------
def _q_reference(expected, taken, mixing):
    """The proposal written out with a Python loop over the pool."""
    rem = [i for i in range(len(expected)) if i not in taken]
    total = sum(expected[i] for i in rem)
    q = {}
    for i in rem:
        share = expected[i] / total if total > 0 else 1.0 / len(rem)
        q[i] = (1 - mixing) * share + mixing / len(rem) if total > 0 else share
    return q


def _lure_reference(losses, q, n_pool):
    """R_LURE = (1/M) sum_m v_m L_m, eq. (3) of Farquhar et al., in a loop.

    The same weights as ``FancyUnbiasedRiskEstimator`` in Kossen et al.'s
    research code (jlko/active-testing, ``risk_estimators.py``): v = 1 when
    M = N, otherwise 1 + (N-M)/(N-m) (1/((N-m+1) q) - 1).
    """
    big_m = len(losses)
    total = 0.0
    for m in range(1, big_m + 1):
        if n_pool == m:
            v = 1.0
        else:
            v = 1 + (n_pool - big_m) / (n_pool - m) * (
                1 / ((n_pool - m + 1) * q[m - 1]) - 1
            )
        total += v * losses[m - 1]
    return total / big_m


def _variance_reference(losses, q, n_pool):
    """sum c_m^2 (a_m - R)^2 / (1 - sum c_m^2), a_m and c_m in a loop."""
    big_m = len(losses)
    r = _lure_reference(losses, q, n_pool)
    num = den = 0.0
    labelled = 0.0
    for m in range(1, big_m + 1):
        c = n_pool * (n_pool - big_m) / (big_m * (n_pool - m) * (n_pool - m + 1))
        a = (labelled + losses[m - 1] / q[m - 1]) / n_pool
        num += c * c * (a - r) ** 2
        den += c * c
        labelled += losses[m - 1]
    return num / (1 - den)


def _pool(n=300, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    loss = rng.gamma(0.5, 1.0, size=n)
    expected = loss * rng.uniform(1 - noise, 1 + noise, size=n)
    return loss, expected


# -- LURE weights by hand ------------------------------------------------------
def test_lure_weights_hand_computed():
    # N = 5, M = 3, q = (1/2, 1/4, 1/2):
    # v1 = 1 + 2/4 (1/(5/2) - 1) = 0.7
    # v2 = 1 + 2/3 (1/(4/4) - 1) = 1
    # v3 = 1 + 2/2 (1/(3/2) - 1) = 2/3
    v = _lure_weights(np.array([0.5, 0.25, 0.5]), 5)
    np.testing.assert_allclose(v, [0.7, 1.0, 2.0 / 3.0], rtol=0, atol=1e-15)
    # N = 10, M = 2, q = (0.05, 0.2): v1 = 1 + 8/9 (1/0.5 - 1) = 17/9,
    # v2 = 1 + 8/8 (1/1.8 - 1) = 5/9
    v = _lure_weights(np.array([0.05, 0.2]), 10)
    np.testing.assert_allclose(v, [17 / 9, 5 / 9], rtol=0, atol=1e-15)


def test_lure_weights_every_point_labelled_are_one():
    q = np.array([0.1, 0.5, 0.5, 1.0])  # M = N = 4: the mean is exact
    np.testing.assert_array_equal(_lure_weights(q, 4), np.ones(4))
    est, var = _lure(np.array([1.0, 2.0, 3.0, 10.0]), q, 4)
    assert est == 4.0 and var == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_lure_and_variance_match_the_written_out_formulas(seed):
    rng = np.random.default_rng(seed)
    n_pool, big_m = 40, 7
    losses = rng.exponential(size=big_m)
    q = rng.uniform(0.005, 0.1, size=big_m)
    est, var = _lure(losses, q, n_pool)
    assert est == pytest.approx(_lure_reference(losses, q, n_pool), rel=1e-13)
    assert var == pytest.approx(_variance_reference(losses, q, n_pool), rel=1e-12)


def test_variance_is_sample_variance_over_m_for_equal_terms_limit():
    # c_m are all 1/M only in the N -> infinity limit; there the estimator is
    # the usual s^2 / M of the importance-sampling terms L_m / (N q_m)
    n_pool = 10**9
    losses = np.array([0.3, 1.2, 0.1, 2.0, 0.7])
    q = np.array([1.0, 2.0, 0.5, 4.0, 1.5]) / n_pool
    _, var = _lure(losses, q, n_pool)
    terms = losses / (n_pool * q)
    assert var == pytest.approx(terms.var(ddof=1) / 5, rel=1e-6)


# -- exact unbiasedness by enumeration -----------------------------------------
@pytest.mark.parametrize("mixing", [0.0, 0.2])
def test_lure_is_exactly_unbiased_over_every_draw_sequence(mixing):
    loss = np.array([0.1, 2.0, 0.5, 0.0, 1.3])
    expected = np.array([0.4, 1.5, 0.2, 0.3, 2.0])  # a misleading surrogate
    n_pool, big_m = 5, 3
    mean_lure = mean_naive = mean_weighted = total_p = 0.0
    for seq in itertools.permutations(range(n_pool), big_m):
        p, qs = 1.0, []
        for k, i in enumerate(seq):
            qi = _q_reference(expected, set(seq[:k]), mixing)[i]
            p *= qi
            qs.append(qi)
        losses = loss[list(seq)]
        est, _ = _lure(losses, np.array(qs), n_pool)
        mean_lure += p * est
        mean_naive += p * losses.mean()  # unweighted mean of chosen points
        w = 1 / (n_pool * np.array(qs))  # plain importance weights, no LURE
        mean_weighted += p * np.mean(w * losses)
        total_p += p
    assert total_p == pytest.approx(1.0, abs=1e-12)
    assert mean_lure == pytest.approx(loss.mean(), abs=1e-12)
    # the biased variants are detectably off
    assert abs(mean_naive - loss.mean()) > 0.05
    assert abs(mean_weighted - loss.mean()) > 0.05


def test_recorded_proposal_probabilities_follow_the_formula():
    loss, expected = _pool(n=30, seed=1)
    tester = ActiveTester(budget=6, mixing=0.3, random_state=0)
    idx = np.concatenate([tester.propose(expected, 2), tester.propose(expected, 4)])
    for k, i in enumerate(idx):
        q = _q_reference(expected, set(idx[:k].tolist()), 0.3)
        assert tester.proposal_probabilities_[k] == pytest.approx(q[i], rel=1e-12)


def test_draws_follow_the_proposal_distribution():
    # frequencies of ordered pairs over many seeds against exact probabilities
    expected = np.array([0.1, 0.6, 0.3, 1.0])
    counts = {}
    n_runs = 3000
    for s in range(n_runs):
        t = ActiveTester(budget=2, mixing=0.25, random_state=s)
        pair = tuple(t.propose(expected, 2).tolist())
        counts[pair] = counts.get(pair, 0) + 1
    pairs = list(itertools.permutations(range(4), 2))
    probs = []
    for a, b in pairs:
        probs.append(
            _q_reference(expected, set(), 0.25)[a]
            * _q_reference(expected, {a}, 0.25)[b]
        )
    observed = np.array([counts.get(p, 0) for p in pairs])
    _, pvalue = stats.chisquare(observed, n_runs * np.array(probs))
    assert pvalue > 1e-3


# -- uniform proposals ---------------------------------------------------------
@pytest.mark.parametrize("how", ["mixing", "constant"])
def test_uniform_proposals_give_the_plain_mean(how):
    loss, expected = _pool(n=50, seed=2)
    if how == "mixing":
        kwargs = {"mixing": 1.0}
    else:
        kwargs = {"mixing": 0.0}
        expected = np.full(50, 3.0)
    tester = ActiveTester(budget=12, random_state=3, **kwargs)
    idx = tester.propose(expected, 12)
    tester.update(idx, loss[idx])
    np.testing.assert_allclose(
        tester.proposal_probabilities_, 1 / (50 - np.arange(12)), rtol=1e-14
    )
    assert tester.estimate().estimate == pytest.approx(loss[idx].mean(), rel=1e-13)


def test_all_zero_expected_losses_fall_back_to_uniform():
    tester = ActiveTester(budget=3, mixing=0.5, random_state=0)
    tester.propose(np.zeros(10), 3)
    np.testing.assert_allclose(tester.proposal_probabilities_, [1 / 10, 1 / 9, 1 / 8])


# -- unbiasedness, variance and coverage by simulation --------------------------
def _simulate(loss, expected, budget, n_runs, mixing=0.1, level=0.95):
    est = np.empty(n_runs)
    se = np.empty(n_runs)
    naive = np.empty(n_runs)
    cover = np.empty(n_runs, dtype=bool)
    truth = loss.mean()
    for s in range(n_runs):
        tester = ActiveTester(
            budget=budget, mixing=mixing, confidence_level=level, random_state=s
        )
        idx = tester.propose(expected, budget)
        tester.update(idx, loss[idx])
        res = tester.estimate()
        est[s], se[s] = res.estimate, res.std_error
        naive[s] = loss[idx].mean()
        cover[s] = res.low <= truth <= res.high
    return est, se, naive, cover


def test_lure_unbiased_by_simulation_and_naive_mean_is_not():
    loss, expected = _pool(n=200, seed=4, noise=0.9)
    est, _, naive, _ = _simulate(loss, expected, 10, 1500, mixing=0.05)
    truth = loss.mean()
    tol = 4 * est.std(ddof=1) / np.sqrt(est.size)
    assert abs(est.mean() - truth) < tol
    tol_naive = 4 * naive.std(ddof=1) / np.sqrt(naive.size)
    assert naive.mean() - truth > tol_naive  # chosen points have larger losses


def _check_coverage(loss, expected, budget, n_runs, level):
    est, se, _, cover = _simulate(loss, expected, budget, n_runs, level=level)
    rate = cover.mean()
    sd = math.sqrt(level * (1 - level) / n_runs)
    # from below: nominal; from above: not over-covering
    assert level - 3.5 * sd < rate < level + 3.5 * sd, rate
    # width against the finite-sample reference: the spread of the estimates
    rms_se = np.sqrt(np.mean(se**2))
    assert 0.9 < rms_se / est.std(ddof=1) < 1.1
    return rate


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_coverage_two_sided_fast(level):
    loss, expected = _pool(n=300, seed=5)
    _check_coverage(loss, expected, 40, 800, level)


@pytest.mark.slow
def test_coverage_two_sided_slow():
    loss, expected = _pool(n=300, seed=6)
    # sd of the rate is 0.0027 at 6000 runs: a 1-point miss fails
    _check_coverage(loss, expected, 40, 6000, 0.95)


def test_variance_lower_than_uniform_with_informative_surrogate():
    loss, expected = _pool(n=300, seed=7, noise=0.3)
    n, big_m = 300, 30
    est, _, _, _ = _simulate(loss, expected, big_m, 400)
    # simple random sampling without replacement, exact variance of the mean
    srs_var = (1 - big_m / n) * loss.var(ddof=1) / big_m
    assert est.var(ddof=1) < 0.05 * srs_var  # about 0.023 here
    # and with an uninformative (constant) surrogate LURE is uniform sampling
    est_u, _, _, _ = _simulate(loss, np.ones(n), big_m, 400)
    ratio = est_u.var(ddof=1) / srs_var
    assert 0.8 < ratio < 1.2


# -- the sampler ---------------------------------------------------------------
def test_no_repeated_indices_and_budget_exhausts_the_pool():
    loss, expected = _pool(n=25, seed=8)
    tester = ActiveTester(budget=25, random_state=0)
    idx = np.concatenate([tester.propose(expected, n) for n in (1, 9, 15)])
    assert sorted(idx.tolist()) == list(range(25))
    tester.update(idx, loss[idx])
    res = tester.estimate()
    assert res.estimate == pytest.approx(loss.mean(), rel=1e-13)
    assert res.variance == 0.0 and res.low == res.high == res.estimate


def test_same_seed_same_proposals_whatever_the_batches():
    _, expected = _pool(n=100, seed=9)
    one = ActiveTester(budget=20, random_state=42).propose(expected, 20)
    t = ActiveTester(budget=20, random_state=42)
    split = np.concatenate([t.propose(expected, k) for k in (3, 7, 10)])
    np.testing.assert_array_equal(one, split)
    other = ActiveTester(budget=20, random_state=43).propose(expected, 20)
    assert not np.array_equal(one, other)
    rs = np.random.RandomState(42)
    np.testing.assert_array_equal(
        ActiveTester(budget=20, random_state=rs).propose(expected, 20), one
    )


def test_never_proposes_labelled_points_when_surrogate_changes():
    loss, expected = _pool(n=40, seed=10)
    tester = ActiveTester(budget=30, random_state=0)
    seen = set()
    for k in range(3):
        idx = tester.propose(expected * (k + 1) + k, 10)
        assert not seen & set(idx.tolist())
        seen |= set(idx.tolist())
        tester.update(idx, loss[idx])
    assert len(seen) == 30


def test_callable_and_predict_surrogates():
    loss, expected = _pool(n=60, seed=11)
    X = np.column_stack([expected, np.ones(60)])

    class LossModel:
        def predict(self, X):
            return X[:, 0]

    a = ActiveTester(lambda X: X[:, 0], budget=5, random_state=1).propose(X, 5)
    b = ActiveTester(LossModel(), budget=5, random_state=1).propose(X, 5)
    c = ActiveTester(budget=5, random_state=1).propose(expected, 5)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, c)


def test_active_testing_estimate_equals_the_loop():
    loss, expected = _pool(n=80, seed=12)
    res = active_testing_estimate(expected, loss, 15, mixing=0.2, random_state=5)
    t = ActiveTester(budget=15, mixing=0.2, random_state=5)
    idx = t.propose(expected, 15)
    t.update(idx, loss[idx])
    ref = t.estimate()
    assert (res.estimate, res.variance) == (ref.estimate, ref.variance)
    res_fn = active_testing_estimate(
        expected, lambda i: loss[i], 15, mixing=0.2, random_state=5
    )
    assert res_fn.estimate == ref.estimate
    # and the interval is the normal one around the estimate
    z = stats.norm.ppf(0.975)
    assert res.low == pytest.approx(res.estimate - z * res.std_error, rel=1e-12)
    assert res.high == pytest.approx(res.estimate + z * res.std_error, rel=1e-12)
    assert res.std_error == pytest.approx(math.sqrt(res.variance), rel=1e-14)


def test_result_frame_and_repr():
    loss, expected = _pool(n=50, seed=13)
    res = active_testing_estimate(
        expected, loss, 10, confidence_level=0.9, random_state=0
    )
    assert isinstance(res, ActiveTestingResult)
    frame = res.to_frame()
    assert frame.shape == (1, 8)
    assert frame.loc[0, "estimate"] == res.estimate
    assert frame.loc[0, "n_labelled"] == 10 and frame.loc[0, "n_pool"] == 50
    text = repr(res)
    assert "90% CI" in text and "n_labelled=10 of 50" in text
    assert res.interval == (res.low, res.high)
    z = stats.norm.ppf(0.95)
    assert res.high - res.low == pytest.approx(2 * z * res.std_error, rel=1e-12)
    assert "labelled 0 of 50" not in repr(ActiveTester(budget=3))


# -- validation ----------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, X, n, exc, match",
    [
        ({"budget": 0}, np.ones(5), 1, ValueError, "budget must be an integer >= 1"),
        ({"budget": 2.0}, np.ones(5), 1, TypeError, "budget must be an integer"),
        ({"budget": 6}, np.ones(5), 1, ValueError, "budget must be at most the pool"),
        ({"budget": 3}, np.ones(5), 4, ValueError, "n=4 exceeds the budget left"),
        ({"budget": 3}, np.ones(5), 0, ValueError, "n must be an integer >= 1"),
        ({"budget": 3, "mixing": 1.5}, np.ones(5), 1, ValueError, "mixing must be"),
        ({"budget": 3, "mixing": "a"}, np.ones(5), 1, TypeError, "mixing must be"),
        (
            {"budget": 3, "confidence_level": 1.0},
            np.ones(5),
            1,
            ValueError,
            "confidence_level must be strictly between",
        ),
        ({"budget": 3}, -np.ones(5), 1, ValueError, "must be non-negative"),
        ({"budget": 3}, np.array([1, np.nan, 1]), 1, ValueError, "finite"),
        ({"budget": 3}, np.ones((5, 2)), 1, ValueError, "1-d array"),
        ({"budget": 3}, np.full(3, 1e308), 1, ValueError, "sum overflows"),
        ({"budget": 3}, np.array(["a", "b"]), 1, TypeError, "array of numbers"),
        ({"budget": 3}, np.array([]), 1, ValueError, "non-empty"),
        (
            {"budget": 3, "mixing": 0.0},
            np.array([1.0, 0.0, 2.0]),
            1,
            ValueError,
            "with mixing=0 every unlabelled point",
        ),
        ({"budget": 3, "surrogate": 3}, np.ones(5), 1, TypeError, "surrogate must"),
        (
            {"budget": 3, "surrogate": lambda X: -X},
            np.ones(5),
            1,
            ValueError,
            "surrogate's expected losses must be non-negative",
        ),
    ],
)
def test_propose_rejects_bad_input(kwargs, X, n, exc, match):
    with pytest.raises(exc, match=match):
        ActiveTester(**kwargs).propose(X, n)


def test_bad_budget_rejected_before_the_surrogate_runs():
    calls = []

    def surrogate(X):
        calls.append(1)
        return np.ones(5)

    with pytest.raises(ValueError, match="budget"):
        ActiveTester(surrogate, budget=-1).propose(np.ones(5), 1)
    assert not calls


def test_update_and_estimate_reject_bad_input():
    loss, expected = _pool(n=20, seed=14)
    t = ActiveTester(budget=6, random_state=0)
    with pytest.raises(ValueError, match="update called before propose"):
        t.update([0], [1.0])
    idx = t.propose(expected, 4)
    unknown = next(i for i in range(20) if i not in idx)
    with pytest.raises(ValueError, match="never proposed"):
        t.update([unknown], [1.0])
    with pytest.raises(ValueError, match="repeated"):
        t.update([idx[0], idx[0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="one loss per index"):
        t.update(idx[:2], [1.0])
    with pytest.raises(ValueError, match="finite"):
        t.update(idx[:1], [np.inf])
    with pytest.raises(TypeError, match="integer pool indices"):
        t.update([0.5], [1.0])
    with pytest.raises(ValueError, match="at least 2 labelled"):
        t.estimate()
    t.update(idx[0], loss[idx[0]])  # a scalar index is accepted
    with pytest.raises(ValueError, match="already have a loss"):
        t.update(idx[:1], [1.0])
    with pytest.raises(ValueError, match="at least 2 labelled"):
        t.estimate()
    t.update(idx[1:3], loss[idx[1:3]])
    with pytest.raises(ValueError, match="1 proposed points have no loss"):
        t.estimate()
    with pytest.raises(ValueError, match="keep the same pool"):
        t.propose(np.ones(21), 1)
    with pytest.raises(ValueError, match="exceeds the budget left"):
        t.propose(expected, 3)
    with pytest.raises(ValueError, match="true_loss must be a 1-d array"):
        active_testing_estimate(expected, loss[:5], 3)


def test_a_zero_uniform_never_picks_a_labelled_point():
    class ZeroState(np.random.RandomState):
        def random_sample(self, size=None):
            return 0.0 if size is None else np.zeros(size)

    t = ActiveTester(budget=3, random_state=ZeroState(0))
    np.testing.assert_array_equal(t.propose(np.ones(4), 3), [0, 1, 2])
