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
