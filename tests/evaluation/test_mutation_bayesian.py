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


# -- the signed-rank posterior, written out -------------------------------------------
def _h(x, t):
    return 1.0 if x > t else (0.5 if x == t else 0.0)


def _signed_rank_loop(a, b, rope, prior, place, n_samples, seed):
    d = [x - y for x, y in zip(a, b)]
    z0 = {"rope": 0.0, "left": -np.inf, "right": np.inf}[place]
    z = [z0, *d]
    draws = np.random.RandomState(seed).dirichlet([prior] + [1.0] * len(d), n_samples)
    out = []
    for w in draws:
        right = left = 0.0
        for i in range(len(z)):
            for j in range(len(z)):
                s = z[i] + z[j]
                right += w[i] * w[j] * _h(s, 2 * rope)
                left += w[i] * w[j] * _h(-s, 2 * rope)
        out.append(
            [left, 1 - left - right, right] if rope > 0 else [1 - right, 0, right]
        )
    return np.array(out)


@pytest.mark.parametrize(
    "rope, prior, place",
    [(0.0, 0.5, "rope"), (0.05, 1.5, "rope"), (0.05, 0.7, "left"), (0.0, 2.0, "right")],
)
def test_signed_rank_every_field_by_hand(rope, prior, place):
    # multiples of 1/32 so that sums on the rope boundary are exact
    a = np.array([26, 20, 29, 19, 24, 22, 25]) / 32
    b = np.array([24, 21, 27, 19, 23, 25, 24]) / 32
    res = bayesian_signed_rank_test(
        a, b, rope=rope, prior_strength=prior, prior_place=place, n_samples=300,
        random_state=9,
    )  # fmt: skip
    ref = _signed_rank_loop(a, b, rope, prior, place, 300, 9)
    np.testing.assert_allclose(res.samples, ref, rtol=1e-10, atol=1e-12)
    win = np.argmax(ref, axis=1)
    np.testing.assert_allclose(
        [res.p_left, res.p_rope, res.p_right],
        [np.mean(win == 0), np.mean(win == 1), np.mean(win == 2)],
    )
    assert res.rope == rope and res.prior_strength == prior
    assert res.prior_place == place and res.n_datasets == 7


def test_signed_rank_across_chunks():
    # more draws than one chunk of the vectorized quadratic form (4096)
    a = np.array([0.3, 0.1, 0.4, 0.15, 0.5])
    b = np.array([0.2, 0.2, 0.1, 0.1, 0.45])
    res = bayesian_signed_rank_test(a, b, rope=0.02, n_samples=8300, random_state=1)
    z = np.r_[0.0, a - b]
    s = z[:, None] + z[None, :]
    w = np.random.RandomState(1).dirichlet([0.5] + [1.0] * 5, 8300)
    right = np.array([wk @ (s > 0.04) @ wk for wk in w])
    left = np.array([wk @ (-s > 0.04) @ wk for wk in w])
    np.testing.assert_allclose(res.samples[:, 2], right, rtol=1e-10)
    np.testing.assert_allclose(res.samples[:, 0], left, rtol=1e-10)


def test_heaviside_and_argmax_ties():
    from skvariance.evaluation._bayesian import _argmax_shares, _heaviside

    np.testing.assert_array_equal(
        _heaviside(np.array([-1.0, 0.5, 2.0, 0.49]), 0.5), [0.0, 0.5, 1.0, 0.0]
    )
    samples = np.array(
        [[0.5, 0.5, 0.0], [0.2, 0.4, 0.4], [0.1, 0.2, 0.7], [0.3, 0.3, 0.3]]
    )
    # ties go to the first region (np.argmax)
    assert _argmax_shares(samples) == (0.5, 0.25, 0.25)
    assert all(type(p) is float for p in _argmax_shares(samples))


def test_pair_weight_sums_by_hand():
    from skvariance.evaluation._bayesian import _pair_weight_sums

    rng = np.random.RandomState(0)
    w = rng.rand(11, 4)
    m = rng.rand(4, 4)
    ref = [sum(wk[i] * m[i, j] * wk[j] for i in range(4) for j in range(4)) for wk in w]
    for chunk in (1, 3, 11, 50):
        np.testing.assert_allclose(_pair_weight_sums(w, m, chunk=chunk), ref)
    np.testing.assert_allclose(_pair_weight_sums(w, m), ref)


# -- R-hat and the equicorrelated forms -----------------------------------------------
def _split_rhat_loop(draws):
    n = draws.shape[1] // 2
    halves = [c[:n] for c in draws] + [c[n : 2 * n] for c in draws]
    means = [np.mean(h) for h in halves]
    w = np.mean([np.sum((h - m) ** 2) / (n - 1) for h, m in zip(halves, means)])
    grand = np.mean(means)
    b = n * np.sum((np.array(means) - grand) ** 2) / (len(halves) - 1)
    return np.sqrt(((n - 1) / n * w + b / n) / w)


def test_split_rhat_by_hand_odd_length():
    from skvariance.evaluation._bayesian import _split_rhat

    rng = np.random.RandomState(3)
    draws = rng.randn(3, 41) + [[0.0], [0.3], [0.0]]
    draws[:, -1] = 100.0  # the odd last draw is left out
    np.testing.assert_allclose(_split_rhat(draws), _split_rhat_loop(draws), rtol=1e-12)
    # constant draws: 1 when the halves agree, inf when they do not
    assert _split_rhat(np.ones((2, 10))) == 1.0
    assert _split_rhat(np.repeat([[1.0], [2.0]], 10, axis=1)) == np.inf


def test_rank_normalized_rhat_by_hand():
    from scipy import stats
    from scipy.special import ndtri

    from skvariance.evaluation._bayesian import _rank_normalized_rhat

    rng = np.random.RandomState(4)
    draws = rng.standard_t(3, size=(4, 60)) * [[1.0], [1.0], [1.0], [3.0]]

    def z(values):
        r = stats.rankdata(values.ravel()).reshape(values.shape)
        return ndtri((r - 3 / 8) / (values.size + 1 / 4))

    bulk = _split_rhat_loop(z(draws))
    folded = _split_rhat_loop(z(np.abs(draws - np.median(draws))))
    assert bulk != pytest.approx(folded, rel=1e-3)
    np.testing.assert_allclose(
        _rank_normalized_rhat(draws), max(bulk, folded), rtol=1e-12
    )


@pytest.mark.parametrize("n, rho", [(2, 0.1), (5, 0.3), (10, 0.05), (7, 0.0)])
def test_equicorrelated_forms_by_matrix(n, rho):
    from skvariance.evaluation._bayesian import (
        _mean_variance_factor,
        _quadratic_form,
    )

    rng = np.random.RandomState(n)
    x = rng.randn(n)
    delta = 0.37
    m = (1 - rho) * np.eye(n) + rho * np.ones((n, n))
    r = x - delta
    ss = np.sum((x - x.mean()) ** 2)
    np.testing.assert_allclose(
        _quadratic_form(ss, x.mean(), delta, n, rho),
        r @ np.linalg.solve(m, r),
        rtol=1e-12,
    )
    one = np.ones(n)
    np.testing.assert_allclose(
        _mean_variance_factor(n, rho), one @ m @ one / n**2, rtol=1e-12
    )


# -- the sampler's steps, draw by draw ------------------------------------------------
# Each step is replayed with the same RandomState calls in the same order and
# the densities written with scipy.stats, so a changed constant, bound, term or
# draw changes the result beyond rounding.
def _truncated_gamma_ref(u, shape, rate, low, high):
    from scipy import stats

    g = stats.gamma(shape, scale=1 / rate)
    lower_tail = g.cdf(low) <= 0.5
    y_down = g.ppf(g.cdf(low) + u * (g.cdf(high) - g.cdf(low)))
    y_up = g.isf(g.sf(high) + u * (g.sf(low) - g.sf(high)))
    return np.clip(np.where(lower_tail, y_down, y_up), low, high)


@pytest.mark.parametrize(
    "shape, rate, low, high",
    [
        ([2.5, 1.5, 2.0, 3.0], [40.0, 3.0, 5000.0, 0.5], 0.01, 0.1),  # mixed tails
        ([2.5, 1.5, 4.0], [40.0, 3.0, 1.0], 0.5, 3.0),  # lower tails only
        ([2.0, 3.0, 1.5], [5000.0, 900.0, 300.0], 0.01, 0.1),  # far upper tails
        ([2.0, 1.0, 3.5], [1.0, 2.0, 0.5], 0.0, np.inf),  # untruncated
        ([2.0, 1.0, 3.5], [1.0, 2.0, 0.5], 4.0, np.inf),  # lower bound only
    ],
)
def test_truncated_gamma_draw_by_draw(shape, rate, low, high):
    from skvariance.evaluation._bayesian import _truncated_gamma

    shape = np.repeat(shape, 50)
    rate = np.repeat(rate, 50)
    y = _truncated_gamma(np.random.RandomState(11), shape, rate, low, high)
    u = np.random.RandomState(11).uniform(size=shape.size)
    ref = _truncated_gamma_ref(u, shape, rate, low, high)
    assert np.all((low <= y) & (y <= high))
    np.testing.assert_allclose(y, ref, rtol=1e-9)


def test_truncated_gamma_at_u_zero_returns_the_bound_of_its_tail():
    from skvariance.evaluation._bayesian import _truncated_gamma

    # u = 0 is the lower bound when the lower tail is inverted, the upper
    # bound when the upper tail is (F^-1(F(low)) = low, S^-1(S(high)) = high)
    class Zero(np.random.RandomState):
        def uniform(self, low=0.0, high=1.0, size=None):
            return np.zeros(size)

    y = _truncated_gamma(Zero(0), np.array([2.0, 3.0, 2.0]),
                         np.array([1.0, 4000.0, 20.0]), 0.01, 0.1)  # fmt: skip
    np.testing.assert_allclose(y, [0.01, 0.1, 0.01], rtol=1e-12)
    y = _truncated_gamma(Zero(0), np.array([2.0]), np.array([1.0]), 0.0, np.inf)
    np.testing.assert_array_equal(y, [0.0])


def _gamma_above_ref(rng, shape, rate, low):
    draws = rng.gamma(shape, 1 / rate)
    for _ in range(20):
        bad = np.flatnonzero(draws < low)
        if bad.size == 0:
            return draws
        draws[bad] = rng.gamma(shape, 1 / rate[bad])
    bad = draws < low
    u = rng.uniform(size=bad.sum())
    draws[bad] = _truncated_gamma_ref(u, shape, rate[bad], low, np.inf)
    return draws


@pytest.mark.parametrize(
    "shape, low, n",
    [(1.5, 5.0, 400), (2.0, 0.05, 300), (0.7, 3.0, 250), (3.0, 1e-9, 50)],
)
def test_gamma_above_draw_by_draw(shape, low, n):
    from skvariance.evaluation._bayesian import _gamma_above

    rate = np.linspace(0.5, 3.0, n)
    y = _gamma_above(np.random.RandomState(2), shape, rate.copy(), low)
    ref = _gamma_above_ref(np.random.RandomState(2), shape, rate, low)
    assert y.min() >= low
    np.testing.assert_allclose(y, ref, rtol=1e-9)


def test_gamma_above_falls_back_after_twenty_rounds_exactly():
    from skvariance.evaluation._bayesian import _gamma_above

    # P(Gamma(1, 1) > 2.3) = 0.1: after 20 rounds of rejection about
    # 0.9**20 = 12% of the draws are still below the bound
    rate = np.ones(200)
    rng = np.random.RandomState(5)
    y = _gamma_above(rng, 1.0, rate, 2.3)
    ref_rng = np.random.RandomState(5)
    ref = _gamma_above_ref(ref_rng, 1.0, rate, 2.3)
    np.testing.assert_allclose(y, ref, rtol=1e-9)
    assert rng.uniform() == ref_rng.uniform()  # the same number of draws


def test_within_precision_draw_by_draw():
    from skvariance.evaluation._bayesian import _within_precision

    quad = np.array([0.3, 2.0, 8.0, 0.01, 40.0] * 20)
    for n in (2, 5, 12):
        y = _within_precision(np.random.RandomState(n), n, quad, 0.2)
        ref = _gamma_above_ref(np.random.RandomState(n), (n - 1) / 2, quad / 2, 0.2)
        np.testing.assert_allclose(y, ref, rtol=1e-9)


@pytest.mark.parametrize(
    "mean, low, high",
    [
        ([0.0, 3.0, -4.0, 0.5], -1.0, 0.5),  # inside, above, below, on the edge
        ([-40.0, -4.0, -1.0, 0.0], 0.0, 1.0),  # interval above: flipped
        ([40.0, 4.0, 2.0], -1.0, 0.0),  # interval below, far in the tail
        ([0.0, 1.0, -1.0], -np.inf, np.inf),  # untruncated
        ([0.0, 2.0, -2.0], 0.0, np.inf),  # lower bound only
    ],
)
def test_truncated_normal_draw_by_draw(mean, low, high):
    from scipy import stats

    from skvariance.evaluation._bayesian import _truncated_normal

    mean = np.repeat(mean, 40)
    sd = np.tile([1.0, 0.5, 2.0, 0.3, 1.5], mean.size // 5 + 1)[: mean.size]
    y = _truncated_normal(np.random.RandomState(8), mean, sd, low, high)
    u = 1.0 - np.random.RandomState(8).uniform(size=mean.size)
    a, b = (low - mean) / sd, (high - mean) / sd
    z = np.where(a > 0, stats.truncnorm.isf(u, a, b), stats.truncnorm.ppf(u, a, b))
    assert np.all((low <= y) & (y <= high))
    np.testing.assert_allclose(y, mean + sd * z, rtol=1e-9, atol=1e-12)


def test_log_t_sum_equals_scipy():
    from scipy import stats

    from skvariance.evaluation._bayesian import _log_t_sum

    rng = np.random.RandomState(0)
    z = rng.standard_t(3, (4, 7)) * 2.0
    nu = np.array([1.2, 3.0, 15.0, 300.0])
    ref = stats.t.logpdf(z, nu[:, None]).sum(axis=1)
    np.testing.assert_allclose(_log_t_sum(z**2, nu), ref, rtol=1e-12)


def test_mixing_weights_draw_by_draw():
    from skvariance.evaluation._bayesian import _mixing_weights

    nu = np.array([[1.5], [4.0], [30.0]])
    z2 = np.array([[0.1, 2.0, 9.0], [0.0, 1.0, 4.0], [3.0, 0.5, 25.0]])
    lam = _mixing_weights(np.random.RandomState(4), nu, z2)
    g = np.random.RandomState(4).standard_gamma((nu + 1) / 2 * np.ones((3, 3)))
    np.testing.assert_allclose(lam, g / ((nu + z2) / 2), rtol=1e-12)


def test_update_gamma_prior_draw_by_draw():
    from scipy import stats

    from skvariance.evaluation._bayesian import _update_gamma_prior

    priors = (1.0, 2.0, 0.01, 0.1, 1000.0)
    rng = np.random.RandomState(6)
    alpha = rng.uniform(1, 2, 300)
    nu = 1 + rng.gamma(alpha, 1 / rng.uniform(0.005, 0.2, 300))
    new_alpha, beta, ok = _update_gamma_prior(
        np.random.RandomState(7), alpha, nu, priors
    )
    ref = np.random.RandomState(7)
    u = ref.uniform(size=300)
    beta_ref = _truncated_gamma_ref(u, alpha + 1, nu - 1, 0.01, 0.1)
    prop = ref.uniform(1.0, 2.0, 300)
    log_ratio = stats.gamma.logpdf(nu - 1, prop, scale=1 / beta_ref) - (
        stats.gamma.logpdf(nu - 1, alpha, scale=1 / beta_ref)
    )
    ok_ref = np.log(ref.uniform(size=300)) < log_ratio
    assert 0.2 < ok_ref.mean() < 0.95
    np.testing.assert_allclose(beta, beta_ref, rtol=1e-9)
    np.testing.assert_array_equal(ok, ok_ref)
    np.testing.assert_array_equal(new_alpha, np.where(ok_ref, prop, alpha))


def _walk(rng, x, log_step):
    return x * np.exp(np.exp(log_step) * rng.standard_normal(x.shape))


def test_std0_step_t_draw_by_draw():
    from scipy import stats

    from skvariance.evaluation._bayesian import _std0_step_t

    rng = np.random.RandomState(3)
    m, q = 400, 5
    std0 = rng.uniform(0.1, 2.0, m)
    dev = rng.uniform(0.2, 2.5, m)[:, None] * rng.standard_t(4, (m, q))
    nu = rng.uniform(1.5, 20.0, m)
    log_step = np.log(rng.uniform(0.3, 1.5, m))
    new, ok = _std0_step_t(np.random.RandomState(9), std0, dev**2, nu, log_step, 1.8)

    def log_target(s):  # Student t likelihood of dev, uniform prior, log scale
        return stats.t.logpdf(dev, nu[:, None], scale=s[:, None]).sum(1) + np.log(s)

    ref = np.random.RandomState(9)
    prop = _walk(ref, std0, log_step)
    ok_ref = np.log(ref.uniform(size=m)) < log_target(prop) - log_target(std0)
    ok_ref &= prop < 1.8
    assert 0.2 < ok_ref.mean() < 0.9 and np.any(prop > 1.8)
    np.testing.assert_array_equal(ok, ok_ref)
    np.testing.assert_array_equal(new, np.where(ok_ref, prop, std0))


def test_std0_step_collapsed_draw_by_draw():
    from scipy import stats

    from skvariance.evaluation._bayesian import _std0_step_collapsed

    rng = np.random.RandomState(4)
    m, q = 400, 6
    std0 = rng.uniform(0.1, 2.0, m)
    lam = rng.gamma(1.5, 1 / 1.5, (m, q))
    var_mean = rng.uniform(0.05, 0.5, (m, q))
    centred = rng.randn(m, q) * rng.uniform(0.3, 2.0, m)[:, None]
    log_step = np.log(rng.uniform(0.3, 1.5, m))
    new, ok = _std0_step_collapsed(
        np.random.RandomState(10), std0, centred**2, lam, var_mean, log_step, 1.8
    )

    def log_target(s):  # xbar_i ~ N(delta0, var_mean + s^2 / lam), log scale
        sd = np.sqrt(var_mean + s[:, None] ** 2 / lam)
        return stats.norm.logpdf(centred, scale=sd).sum(1) + np.log(s)

    ref = np.random.RandomState(10)
    prop = _walk(ref, std0, log_step)
    ok_ref = np.log(ref.uniform(size=m)) < log_target(prop) - log_target(std0)
    ok_ref &= prop < 1.8
    assert 0.2 < ok_ref.mean() < 0.9 and np.any(prop > 1.8)
    np.testing.assert_array_equal(ok, ok_ref)
    np.testing.assert_array_equal(new, np.where(ok_ref, prop, std0))


def _nu_case(m=400, q=6, seed=5, df=(1.5, 30)):
    rng = np.random.RandomState(seed)
    alpha = rng.uniform(1, 2, m)
    beta = rng.uniform(0.01, 0.1, m)
    nu = 1 + rng.gamma(alpha, 1 / beta)
    z = rng.standard_t(rng.uniform(*df, m)[:, None], (m, q))
    return alpha, beta, nu, z


def test_nu_step_walk_draw_by_draw():
    from scipy import stats

    from skvariance.evaluation._bayesian import _nu_step_walk

    alpha, beta, nu, z = _nu_case()
    log_step = np.log(np.linspace(0.3, 2.0, nu.size))
    new, ok = _nu_step_walk(np.random.RandomState(12), nu, z**2, alpha, beta, log_step)

    def log_target(v):  # t likelihood, Gamma(alpha, beta) prior of v - 1, log scale
        return (
            stats.t.logpdf(z, v[:, None]).sum(1)
            + stats.gamma.logpdf(v - 1, alpha, scale=1 / beta)
            + np.log(v - 1)
        )

    ref = np.random.RandomState(12)
    prop = 1 + _walk(ref, nu - 1, log_step)
    ok_ref = np.log(ref.uniform(size=nu.size)) < log_target(prop) - log_target(nu)
    assert 0.2 < ok_ref.mean() < 0.9
    np.testing.assert_array_equal(ok, ok_ref)
    np.testing.assert_array_equal(new, np.where(ok_ref, prop, nu))


def test_nu_step_prior_draw_by_draw():
    from scipy import stats

    from skvariance.evaluation._bayesian import _nu_step_prior

    alpha, beta, nu, z = _nu_case(q=12, seed=6, df=(1.1, 3))
    new, ok = _nu_step_prior(np.random.RandomState(13), nu, z**2, alpha, beta)
    ref = np.random.RandomState(13)
    prop = 1 + ref.standard_gamma(alpha) / beta
    log_lik = stats.t.logpdf(z, prop[:, None]).sum(1)
    ok_ref = np.log(ref.uniform(size=nu.size)) < log_lik - stats.t.logpdf(
        z, nu[:, None]
    ).sum(1)
    assert 0.2 < ok_ref.mean() < 0.95
    np.testing.assert_array_equal(ok, ok_ref)
    np.testing.assert_allclose(new, np.where(ok_ref, prop, nu), rtol=1e-12)


def test_adapt_by_hand():
    from skvariance.evaluation._bayesian import _adapt

    acc = np.array([1.0, 0.0, 0.5])
    np.testing.assert_allclose(
        _adapt(np.array([0.0, 1.0, -1.0]), acc, 6),
        [0.56 / 16**0.6, 1 - 0.44 / 16**0.6, -1 + 0.06 / 16**0.6],
        rtol=1e-14,
    )
    np.testing.assert_allclose(_adapt(0.5, 1.0, 0, target=0.25), 0.5 + 0.75 / 10**0.6)


# -- the whole sampler, sweep by sweep ------------------------------------------------
def _gibbs_ref(x, rho, priors, n_chains, n_warmup, n_samples, rng):
    """The sweep of the Notes of bayesian_hierarchical_test, step by step, with
    the (separately checked) steps and the matrix forms of the likelihood."""
    from skvariance.evaluation import _bayesian as B

    q, n = x.shape
    la, ua, lb, ub, us = priors
    C = n_chains
    M = (1 - rho) * np.eye(n) + rho * np.ones((n, n))
    Minv = np.linalg.inv(M)
    c = np.ones(n) @ M @ np.ones(n) / n**2
    xbar = x.mean(axis=1)
    within = np.mean([np.sqrt(np.mean((r - r.mean()) ** 2)) for r in x])
    among = np.sqrt(np.mean((xbar - xbar.mean()) ** 2)) if q > 1 else within
    bound = np.abs(x).max()
    sigma_hi, std0_hi = within * us, among * us
    delta0 = rng.uniform(-0.5, 0.5, C) * bound
    std0 = np.clip(among * np.exp(rng.uniform(-1, 1, C)), std0_hi / 1000, std0_hi)
    sd1 = np.array([np.std(r, ddof=1) for r in x])
    sigma = np.tile(np.clip(sd1, 1e-12, sigma_hi), (C, 1))
    delta = xbar + np.sqrt(c) * sigma * rng.standard_normal((C, q))
    alpha = rng.uniform(la, ua, C)
    beta = rng.uniform(lb, ub, C)
    nu = 1 + rng.gamma(alpha, 1 / beta)
    steps = {"t": np.log(0.5) * np.ones(C), "c": np.log(0.5) * np.ones(C)}
    steps["nu"] = np.zeros(C)
    keep = {k: [] for k in ("delta0", "std0", "nu", "delta")}
    acc = {k: [] for k in ("std0_t", "std0", "nu", "nu_prior", "alpha")}

    def adapt(key, ok, it):
        steps[key] = steps[key] + (ok - 0.44) / (it + 10) ** 0.6

    for it in range(n_warmup + n_samples):
        warm = it < n_warmup
        dev2 = (delta - delta0[:, None]) ** 2
        std0, ok = B._std0_step_t(rng, std0, dev2, nu, steps["t"], std0_hi)
        adapt("t", ok, it) if warm else acc["std0_t"].append(ok.mean())
        lam = B._mixing_weights(rng, nu[:, None], dev2 / std0[:, None] ** 2)
        r = x[None] - delta[:, :, None]  # (C, q, n)
        quad = np.einsum("cqi,ij,cqj->cq", r, Minv, r)
        tau = B._within_precision(rng, n, quad, 1 / sigma_hi**2)
        var_mean = c / tau
        std0, ok = B._std0_step_collapsed(
            rng, std0, (xbar - delta0[:, None]) ** 2, lam, var_mean, steps["c"],
            std0_hi,
        )  # fmt: skip
        adapt("c", ok, it) if warm else acc["std0"].append(ok.mean())
        v = var_mean + std0[:, None] ** 2 / lam  # var of xbar_i given delta0
        post_var = 1 / np.sum(1 / v, axis=1)
        post_mean = post_var * np.sum(xbar / v, axis=1)
        delta0 = B._truncated_normal(rng, post_mean, np.sqrt(post_var), -bound, bound)
        prior_var = std0[:, None] ** 2 / lam
        w = prior_var / (prior_var + var_mean)  # weight of xbar_i
        mean = w * xbar + (1 - w) * delta0[:, None]
        sd = np.sqrt(prior_var * var_mean / (prior_var + var_mean))
        delta = mean + sd * rng.standard_normal((C, q))
        z2 = (delta - delta0[:, None]) ** 2 / std0[:, None] ** 2
        nu, ok = B._nu_step_walk(rng, nu, z2, alpha, beta, steps["nu"])
        adapt("nu", ok, it) if warm else acc["nu"].append(ok.mean())
        nu, ok = B._nu_step_prior(rng, nu, z2, alpha, beta)
        if not warm:
            acc["nu_prior"].append(ok.mean())
        alpha, beta, ok = B._update_gamma_prior(rng, alpha, nu, priors)
        if not warm:
            acc["alpha"].append(ok.mean())
            for k, value in zip(keep, (delta0, std0, nu, delta)):
                keep[k].append(value)
    out = [np.stack(keep[k], axis=1) for k in keep]
    return (*out, {k: float(np.mean(v)) for k, v in acc.items()})


def _small_table(q, n, seed):
    rng = np.random.RandomState(seed)
    return rng.randn(q, 1) * 0.8 + rng.randn(q, n) * rng.uniform(0.5, 2.0, (q, 1))


@pytest.mark.parametrize(
    "q, n, rho, priors, chains, warmup, samples",
    [
        (5, 6, 0.2, (1.0, 2.0, 0.01, 0.1, 1000.0), 3, 15, 12),
        (1, 4, 0.0, (1.5, 3.0, 0.02, 0.5, 50.0), 2, 6, 9),
        (3, 10, 0.1, (1.0, 2.0, 0.01, 0.1, 1000.0), 2, 0, 7),
        (4, 5, 0.3, (1.0, 2.0, 0.01, 0.1, 1.1), 2, 5, 6),  # sigma_i clipped
        (2, 3, 0.4, (1.0, 2.0, 0.01, 0.1, 1000.0), 2, 4, 5),
    ],
)
def test_hierarchical_gibbs_sweep_by_sweep(q, n, rho, priors, chains, warmup, samples):
    from skvariance.evaluation._bayesian import _hierarchical_gibbs

    x = _small_table(q, n, seed=q)
    got = _hierarchical_gibbs(
        x.copy(), 0.1, rho, list(priors), n_chains=chains, n_warmup=warmup,
        n_samples=samples, rng=np.random.RandomState(21),
    )  # fmt: skip
    ref = _gibbs_ref(x, rho, priors, chains, warmup, samples, np.random.RandomState(21))
    for a, b in zip(got[:4], ref[:4]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-8)
    assert got[4] == pytest.approx(ref[4], rel=1e-12, abs=0)
    assert list(got[4]) == ["std0_t", "std0", "nu", "nu_prior", "alpha"]
    assert any(0 < rate < 1 for rate in ref[4].values())


# -- bayesian_hierarchical_test around the sampler ------------------------------------
_RNG = np.random.RandomState(0)
HA, HB = _RNG.rand(3, 5), _RNG.rand(3, 5)
_SAME_MEAN = np.array([[0.3, 0.1, 0.2, 0.2], [0.1, 0.3, 0.2, 0.2]])


def _hier(**kwargs):
    from skvariance.evaluation import bayesian_hierarchical_test

    args = dict(scores_a=HA, scores_b=HB, rope=0.01, rho=0.2)
    args.update(kwargs)
    return bayesian_hierarchical_test(
        args.pop("scores_a"), args.pop("scores_b"), **args
    )


_RHO = "rho must be a float in [0, 1) (1 / n_folds for cross-validation), got {}."
_H_MESSAGES = [
    (dict(rho=1.0), ValueError, _RHO.format("1.0")),
    (dict(rho=-0.5), ValueError, _RHO.format("-0.5")),
    (dict(rho=True), ValueError, _RHO.format("True")),
    (dict(rho="0.1"), ValueError, _RHO.format("'0.1'")),
    (dict(n_samples=3), ValueError, "n_samples must be an integer >= 4, got 3."),
    (dict(n_chains=0), ValueError, "n_chains must be an integer >= 1, got 0."),
    (dict(n_warmup=-1), ValueError, "n_warmup must be an integer >= 0, got -1."),
]
for _name in ("lower_alpha", "upper_alpha", "lower_beta", "upper_beta", "upper_sigma"):
    _H_MESSAGES.append(
        ({_name: 0.0}, ValueError, f"{_name} must be a finite number > 0, got 0.0.")
    )
_H_MESSAGES += [
    (
        dict(lower_alpha=2.0),
        ValueError,
        "lower_alpha must be < upper_alpha, got 2.0 and 2.0.",
    ),
    (
        dict(lower_beta=0.1),
        ValueError,
        "lower_beta must be < upper_beta, got 0.1 and 0.1.",
    ),
    (
        dict(lower_beta=0.5, upper_beta=0.25),
        ValueError,
        "lower_beta must be < upper_beta, got 0.5 and 0.25.",
    ),
    (
        dict(scores_a=HA[:, :1], scores_b=HB[:, :1]),
        ValueError,
        "scores_a and scores_b need at least 2 scores per data set (columns), got 1.",
    ),
    (
        dict(scores_a=np.full((3, 4), 0.5), scores_b=np.full((3, 4), 0.25)),
        ValueError,
        "every data set has the same difference on every fold: there is no "
        "within-data-set variation for the hierarchical model; compare the means "
        "with bayesian_signed_rank_test.",
    ),
    (
        dict(
            scores_a=np.r_[[[0.5] * 5], HA[1:]],
            scores_b=np.r_[[[0.25] * 5], HB[1:]],
            rope=0.0,
        ),  # fmt: skip
        ValueError,
        "data sets [0] have the same difference on every fold (no within variance: "
        "the posterior is improper); give a rope > 0 to jitter them within it, or "
        "leave them out.",
    ),
    (
        dict(scores_a=_SAME_MEAN, scores_b=np.zeros((2, 4))),
        ValueError,
        "every data set has the same mean difference: the spread over data sets "
        "that bounds the prior of std0 is 0.",
    ),
]


@pytest.mark.parametrize("kwargs, err, message", _H_MESSAGES)
def test_hierarchical_exact_messages(kwargs, err, message):
    with pytest.raises(err, match="^" + re.escape(message) + "$"):
        _hier(**kwargs)


def test_hierarchical_limits_of_the_checks_are_accepted():
    # the smallest accepted values: rho = 0, 2 folds, 4 draws, no warm-up,
    # one data set (its spread of means is 0 by definition)
    kw = dict(n_samples=4, n_warmup=0, n_chains=1, random_state=0)
    with pytest.warns(Warning):  # 4 draws have not converged
        res = _hier(scores_a=HA[:, :2], scores_b=HB[:, :2], rho=0.0, **kw)
    assert res.samples.shape == (4, 3) and res.rho == 0.0
    with pytest.warns(Warning):
        res = _hier(scores_a=HA[:1], scores_b=HB[:1], **kw)
    assert res.delta.shape == (4, 1) and res.n_datasets == 1


@pytest.mark.parametrize(
    "table, rope, rho, chains",
    [("jitter", 0.04, 0.25, 2), ("one", 0.02, 0.1, 3), ("two_folds", 0.0, 0.5, 2)],
)
def test_hierarchical_every_field_from_the_sampler(table, rope, rho, chains):
    from scipy import stats

    from skvariance.evaluation._bayesian import (
        _hierarchical_gibbs,
        _jitter_constant_rows,
        _rank_normalized_rhat,
    )

    rng = np.random.RandomState(4)
    a = rng.uniform(0.6, 0.9, (4, 6))
    b = a - 0.03 + 0.05 * rng.randn(4, 6)
    if table == "jitter":
        b[1] = a[1] - 0.02
    elif table == "one":
        a, b = a[:1], b[:1]
    else:
        a, b = a[:, :2], b[:, :2]
    kw = dict(rope=rope, rho=rho, n_samples=30, n_warmup=10, n_chains=chains)
    import warnings

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = _hier(scores_a=a, scores_b=b, random_state=3, **kw)
    messages = [str(w.message) for w in record if w.category is UserWarning]
    assert messages == (
        [
            "data sets [1] have the same difference on every fold; their differences "
            "were jittered uniformly within the rope (as baycomp) to keep the "
            "posterior proper."
        ]
        if table == "jitter"
        else []
    )
    # the reference, from the parts
    diff = a - b
    q = diff.shape[0]
    scale = np.mean([np.std(row) for row in diff])
    x = diff / scale
    rs = np.random.RandomState(3)
    jittered = _jitter_constant_rows(x, rope / scale, rs)
    d0, s0, nu, delta, acc = _hierarchical_gibbs(
        x, rope / scale, rho, [1.0, 2.0, 0.01, 0.1, 1000.0], n_chains=chains,
        n_warmup=10, n_samples=30, rng=rs,
    )  # fmt: skip
    t = stats.t(nu.ravel(), d0.ravel() * scale, s0.ravel() * scale)
    left, right = t.cdf(-rope), t.sf(rope)
    samples = np.c_[left, 1 - left - right, right]
    np.testing.assert_allclose(res.samples, samples, rtol=1e-9, atol=1e-12)
    win = np.argmax(samples, axis=1)
    assert res.probabilities == tuple(float(np.mean(win == k)) for k in range(3))
    np.testing.assert_allclose(res.delta0, d0.ravel() * scale, rtol=1e-12)
    np.testing.assert_allclose(res.std0, s0.ravel() * scale, rtol=1e-12)
    np.testing.assert_allclose(res.nu, nu.ravel(), rtol=1e-12)
    np.testing.assert_allclose(res.delta, delta.reshape(-1, q) * scale, rtol=1e-12)
    chains_of = {"delta0": d0, "std0": s0, "nu": nu}
    for k, key in enumerate(("p_left", "p_rope", "p_right")):
        chains_of[key] = res.samples[:, k].reshape(chains, 30)  # checked above
    rhat = {key: _rank_normalized_rhat(value) for key, value in chains_of.items()}
    assert list(res.rhat) == list(rhat)
    np.testing.assert_allclose(list(res.rhat.values()), list(rhat.values()), rtol=1e-12)
    assert res.converged == (max(rhat.values()) <= 1.05)
    assert res.acceptance == acc
    assert res.jittered == jittered == ([1] if table == "jitter" else [])
    assert (res.rope, res.rho, res.n_datasets, res.n_chains) == (rope, rho, q, chains)
    assert type(res.rho) is float


def _fake_sampler(calls, offset=0.0):
    def fake(x, rope, rho, priors, *, n_chains, n_warmup, n_samples, rng):
        calls.append(
            dict(x=x.copy(), rope=rope, rho=rho, priors=list(priors))
            | dict(n_chains=n_chains, n_warmup=n_warmup, n_samples=n_samples)
        )
        r = np.random.RandomState(0)
        shift = offset * np.arange(n_chains)[:, None]
        d0 = r.randn(n_chains, n_samples) * 0.1 + shift
        s0 = r.uniform(0.5, 1.0, (n_chains, n_samples))
        nu = 1 + r.gamma(2.0, 10.0, (n_chains, n_samples))
        delta = r.randn(n_chains, n_samples, x.shape[0])
        return d0, s0, nu, delta, {"std0": 0.5}

    return fake


def test_hierarchical_defaults_reach_the_sampler(monkeypatch):
    from skvariance.evaluation import _bayesian

    calls = []
    monkeypatch.setattr(_bayesian, "_hierarchical_gibbs", _fake_sampler(calls))
    res = _hier(rope=0.02, rho=0.25, random_state=0)
    (call,) = calls
    assert call["priors"] == [1.0, 2.0, 0.01, 0.1, 1000.0]
    assert (call["n_chains"], call["n_warmup"], call["n_samples"]) == (4, 1000, 2500)
    diff = HA - HB
    scale = np.mean(np.std(diff, axis=1))
    np.testing.assert_allclose(call["x"], diff / scale, rtol=1e-14)
    assert call["rope"] == pytest.approx(0.02 / scale, rel=1e-14)
    assert call["rho"] == 0.25 and type(call["rho"]) is float
    assert res.samples.shape == (10_000, 3) and res.n_chains == 4
    assert res.acceptance == {"std0": 0.5} and res.converged


def test_hierarchical_warns_with_the_worst_rhat(monkeypatch):
    from sklearn.exceptions import ConvergenceWarning

    from skvariance.evaluation import _bayesian

    calls = []
    monkeypatch.setattr(_bayesian, "_hierarchical_gibbs", _fake_sampler(calls, 0.5))
    with pytest.warns(ConvergenceWarning) as record:
        res = _hier(n_samples=200, n_chains=3, random_state=0)
    worst = max(res.rhat, key=res.rhat.get)
    assert worst == "delta0" and not res.converged
    assert str(record[0].message) == (
        f"the hierarchical sampler has not converged: R-hat of delta0 is "
        f"{res.rhat['delta0']:.3f} > 1.05; increase n_samples or n_warmup."
    )
    assert len(record) == 1


@pytest.mark.parametrize("value, converged", [(1.05, True), (1.0500001, False)])
def test_hierarchical_rhat_threshold_is_inclusive(monkeypatch, value, converged):
    import warnings

    from skvariance.evaluation import _bayesian

    monkeypatch.setattr(_bayesian, "_hierarchical_gibbs", _fake_sampler([]))
    monkeypatch.setattr(_bayesian, "_rank_normalized_rhat", lambda draws: value)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = _hier(n_samples=50, random_state=0)
    assert res.converged is converged and len(record) == (not converged)


def test_hierarchical_gibbs_floors_the_initial_sigma_i():
    from skvariance.evaluation._bayesian import _hierarchical_gibbs

    # a data set whose folds differ by 1e-14 starts from sigma_i = 1e-12: the
    # first draws of its delta_i are 1e-13 away from its mean, not 1e-15
    x = _small_table(4, 4, seed=7)
    x[2] = 0.5 + 1e-14 * np.array([1.0, -1.0, 0.5, -0.5])
    priors = (1.0, 2.0, 0.01, 0.1, 1000.0)
    got = _hierarchical_gibbs(
        x.copy(), 0.1, 0.2, list(priors), n_chains=20, n_warmup=0, n_samples=4,
        rng=np.random.RandomState(1),
    )  # fmt: skip
    ref = _gibbs_ref(x, 0.2, priors, 20, 0, 4, np.random.RandomState(1))
    xbar = x[2].mean()
    first = ref[3][:, 0, 2] - xbar
    assert 5e-14 < np.mean(np.abs(first)) < 1e-12
    np.testing.assert_allclose(
        got[3][:, :, 2] - xbar, ref[3][:, :, 2] - xbar, rtol=1e-6
    )


def test_hierarchical_warnings_point_outside_the_module(monkeypatch):
    import os
    import warnings

    from skvariance.evaluation import _bayesian, bayesian_hierarchical_test

    # stacklevel=2: both warnings name the caller's line, not _bayesian.py
    monkeypatch.setattr(_bayesian, "_hierarchical_gibbs", _fake_sampler([], 0.5))
    a = np.r_[[[0.5] * 5], HA[1:]]
    b = np.r_[[[0.25] * 5], HB[1:]]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        bayesian_hierarchical_test(a, b, rope=0.01, rho=0.2, n_samples=50)
    assert [w.category.__name__ for w in record] == [
        "UserWarning",
        "ConvergenceWarning",
    ]
    for w in record:
        assert os.path.basename(w.filename) != "_bayesian.py", w.filename
        assert "_pytest" not in w.filename, w.filename
        assert w.filename == __file__  # the caller's line (outside mutmut)


def test_std0_steps_reject_a_proposal_on_the_upper_bound():
    from skvariance.evaluation._bayesian import _std0_step_collapsed, _std0_step_t

    # the uniform prior of std0 is on the open interval (0, upper): a zero
    # step from std0 = upper proposes the bound itself, which is rejected
    class Still(np.random.RandomState):
        def standard_normal(self, size=None):
            return np.zeros(size)

    std0 = np.array([2.0, 1.0])
    dev2 = np.array([[0.5, 1.0, 2.0], [0.3, 0.1, 4.0]])
    new, ok = _std0_step_t(Still(0), std0, dev2, np.array([3.0, 5.0]), 0.0, 2.0)
    np.testing.assert_array_equal(ok, [False, True])
    np.testing.assert_array_equal(new, std0)
    new, ok = _std0_step_collapsed(
        Still(0), std0, dev2, np.ones((2, 3)), np.full((2, 3), 0.2), 0.0, 2.0
    )
    np.testing.assert_array_equal(ok, [False, True])
    np.testing.assert_array_equal(new, std0)


@pytest.mark.parametrize(
    "uniform, low, high", [(0.0, -10.0, -4.9965), (1 - 2.0**-53, -4.2501, -3.2501)]
)
def test_truncated_normal_clips_the_rounding_of_the_inverse_cdf(uniform, low, high):
    from skvariance.evaluation._bayesian import _truncated_normal

    # the extreme uniforms a RandomState can return invert to the bounds,
    # and log_ndtr / ndtri_exp round them just outside: they are clipped
    class Fixed(np.random.RandomState):
        def uniform(self, low=0.0, high=1.0, size=None):
            return np.full(size, uniform)

    y = _truncated_normal(Fixed(0), np.zeros(1), 1.0, low, high)
    assert low <= y[0] <= high
    assert y[0] == pytest.approx(high if uniform == 0 else low, abs=1e-9)
