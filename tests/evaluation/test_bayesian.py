"""Bayesian signed-rank and hierarchical tests against baycomp and by hand."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.exceptions import ConvergenceWarning

from skvariance.evaluation import (
    bayesian_hierarchical_test,
    bayesian_signed_rank_test,
)
from skvariance.evaluation._bayesian import (
    _gamma_above,
    _jitter_constant_rows,
    _mean_variance_factor,
    _mixing_weights,
    _nu_step_prior,
    _nu_step_walk,
    _quadratic_form,
    _rank_normalized_rhat,
    _split_rhat,
    _std0_step_collapsed,
    _std0_step_t,
    _truncated_gamma,
    _truncated_normal,
    _update_gamma_prior,
    _within_precision,
)

baycomp = pytest.importorskip("baycomp")

REFERENCE = json.loads(
    Path(__file__).with_name("baycomp_hierarchical_reference.json").read_text()
)


# -- data not used by the other tests ---------------------------------------------
def _elnino():
    """Sea temperatures of January and February over 61 years (statsmodels)."""
    sm_datasets = pytest.importorskip("statsmodels.datasets")
    data = sm_datasets.elnino.load_pandas().data
    return data["FEB"].to_numpy(), data["JAN"].to_numpy()


def _statecrime():
    """Share of high-school graduates and of urban population per US state."""
    sm_datasets = pytest.importorskip("statsmodels.datasets")
    data = sm_datasets.statecrime.load_pandas().data
    return data["hs_grad"].to_numpy() / 100, data["urban"].to_numpy() / 100


def _ties():
    """Rounded scores: many differences fall exactly on the rope's boundaries."""
    rng = np.random.RandomState(7)
    b = np.round(rng.uniform(0.6, 0.9, 30), 2)
    a = np.round(b + rng.choice([-0.02, -0.01, 0.0, 0.01, 0.02, 0.03], 30), 2)
    return a, b


# -- signed-rank test: identical to baycomp -------------------------------------
@pytest.mark.parametrize(
    "data, ropes",
    [(_elnino, (0.0, 0.5, 1.0)), (_statecrime, (0.0, 0.05)), (_ties, (0.0, 0.01))],
)
@pytest.mark.parametrize("prior", [0.5, 2.0])
def test_signed_rank_equals_baycomp(data, ropes, prior):
    a, b = data()
    for rope in ropes:
        res = bayesian_signed_rank_test(
            a, b, rope=rope, prior_strength=prior, n_samples=1500, random_state=11
        )
        peer = baycomp.SignedRankTest.sample(
            b, a, rope, prior=prior, nsamples=1500, random_state=11
        )
        np.testing.assert_allclose(res.samples, peer, rtol=0, atol=1e-12)
        winners = np.bincount(np.argmax(peer, axis=1), minlength=3) / 1500
        assert res.probabilities == tuple(winners)
        if rope > 0:
            assert res.probabilities == tuple(
                baycomp.SignedRankTest.probs(
                    b, a, rope, prior=prior, nsamples=1500, random_state=11
                )
            )


def test_signed_rank_equals_baycomp_default_settings():
    a, b = _statecrime()
    # baycomp's default prior (0.5 at 0) is ours; its default 50,000 draws too
    res = bayesian_signed_rank_test(a, b, rope=0.02, n_samples=3000, random_state=3)
    peer = baycomp.SignedRankTest.probs(b, a, 0.02, nsamples=3000, random_state=3)
    assert res.probabilities == tuple(peer)
    assert bayesian_signed_rank_test(a, b).samples.shape == (50_000, 3)


# -- signed-rank test: by hand -----------------------------------------------------
def _dirichlet(seed, prior, n, n_samples):
    """The draws the test makes: Dirichlet(prior, 1, ..., 1) from RandomState."""
    weights = np.ones(n + 1)
    weights[0] = prior
    return np.random.RandomState(seed).dirichlet(weights, n_samples)


def _brute_force(diff, w, rope, z0=0.0):
    """theta_left, theta_right of one draw by the double sum, pair by pair."""
    z = np.concatenate(([z0], diff))
    left = right = 0.0
    for i in range(len(z)):
        for j in range(len(z)):
            s = z[i] + z[j]
            right += w[i] * w[j] * ((s > 2 * rope) + 0.5 * (s == 2 * rope))
            left += w[i] * w[j] * ((-s > 2 * rope) + 0.5 * (-s == 2 * rope))
    return left, right


@pytest.mark.parametrize("place, z0", [("rope", 0.0), ("left", -np.inf)])
def test_signed_rank_matches_the_double_sum(place, z0):
    a, b = _ties()
    w = _dirichlet(5, 1.5, len(a), 20)
    res = bayesian_signed_rank_test(
        a,
        b,
        rope=0.01,
        prior_strength=1.5,
        prior_place=place,
        n_samples=20,
        random_state=5,
    )
    for k in range(20):
        left, right = _brute_force(a - b, w[k], 0.01, z0)
        assert res.samples[k, 0] == pytest.approx(left, abs=1e-12)
        assert res.samples[k, 2] == pytest.approx(right, abs=1e-12)
        assert res.samples[k, 1] == pytest.approx(1 - left - right, abs=1e-12)


def test_all_differences_inside_the_rope():
    # every pair average is inside the rope and so is the prior at 0
    rng = np.random.RandomState(0)
    b = rng.uniform(0.7, 0.9, 15)
    a = b + rng.uniform(-0.009, 0.009, 15)
    res = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=500, random_state=0)
    assert res.probabilities == (0.0, 1.0, 0.0)
    np.testing.assert_array_equal(res.samples, np.tile([0.0, 1.0, 0.0], (500, 1)))


@pytest.mark.parametrize("place, column", [("left", 0), ("right", 2)])
@pytest.mark.parametrize("prior", [0.5, 4.0])
def test_prior_place_outside_the_rope(place, column, prior):
    # all data in the rope, pseudo-observation at -inf (or +inf): the prior's
    # region gets theta = 1 - (1 - w0)^2, w0 ~ Beta(s, n), and wins when
    # w0 > 1 - 1/sqrt(2)
    n, n_samples = 12, 20_000
    b = np.linspace(0.7, 0.9, n)
    a = b + np.linspace(-0.005, 0.005, n)
    res = bayesian_signed_rank_test(
        a,
        b,
        rope=0.01,
        prior_strength=prior,
        prior_place=place,
        n_samples=n_samples,
        random_state=1,
    )
    w0 = _dirichlet(1, prior, n, n_samples)[:, 0]
    np.testing.assert_allclose(res.samples[:, column], 1 - (1 - w0) ** 2, atol=1e-12)
    np.testing.assert_allclose(res.samples[:, 1], (1 - w0) ** 2, atol=1e-12)
    expected = stats.beta.sf(1 - 1 / np.sqrt(2), prior, n)
    se = np.sqrt(expected * (1 - expected) / n_samples)
    assert abs(res.probabilities[column] - expected) < 4 * se
    assert res.probabilities[2 - column] == 0.0


def test_differences_on_the_rope_boundary_count_half():
    # z_i = r for all i: every data pair sums to 2r exactly (half right, half
    # rope), pairs with the prior at 0 are in the rope
    n, s = 10, 0.5
    b = np.full(n, 0.5)
    a = b + 0.25  # exact in binary
    res = bayesian_signed_rank_test(
        a, b, rope=0.25, prior_strength=s, n_samples=1000, random_state=2
    )
    w0 = _dirichlet(2, s, n, 1000)[:, 0]
    np.testing.assert_allclose(res.samples[:, 2], 0.5 * (1 - w0) ** 2, atol=1e-12)
    np.testing.assert_array_equal(res.samples[:, 0], 0.0)
    assert res.probabilities == (0.0, 1.0, 0.0)
    # and just inside / just outside the boundary
    inside = bayesian_signed_rank_test(a - 1e-9, b, rope=0.25, random_state=2)
    outside = bayesian_signed_rank_test(a + 1e-9, b, rope=0.25, random_state=2)
    assert inside.samples[:, 2].max() == 0.0
    assert outside.probabilities[2] > 0.99


def test_rope_zero_has_no_rope_column():
    a, b = _ties()
    res = bayesian_signed_rank_test(a, b, n_samples=2000, random_state=0)
    assert res.p_rope == 0.0
    np.testing.assert_array_equal(res.samples[:, 1], 0.0)
    assert res.p_left + res.p_right == 1.0
    # a zero difference counts half left, half right
    w = _dirichlet(0, 0.5, len(a), 5)
    for k in range(5):
        _, right = _brute_force(a - b, w[k], 0.0)
        assert res.samples[k, 2] == pytest.approx(right, abs=1e-12)


def test_orientation_a_better_is_right_and_swap_mirrors():
    a, b = _elnino()  # February is warmer than January in most years
    res = bayesian_signed_rank_test(a, b, rope=0.2, n_samples=2000, random_state=4)
    swapped = bayesian_signed_rank_test(b, a, rope=0.2, n_samples=2000, random_state=4)
    assert res.p_right > 0.99
    assert res.prob_a_better == res.p_right and res.prob_b_better == res.p_left
    np.testing.assert_allclose(swapped.samples, res.samples[:, ::-1], atol=1e-12)


def test_signed_rank_random_state_and_global_rng():
    a, b = _ties()
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    r1 = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=300, random_state=9)
    r2 = bayesian_signed_rank_test(
        a, b, rope=0.01, n_samples=300, random_state=np.random.RandomState(9)
    )
    r3 = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=300)
    np.testing.assert_array_equal(r1.samples, r2.samples)
    assert r3.samples.shape == (300, 3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_signed_rank_result_frame_and_repr():
    a, b = _ties()
    res = bayesian_signed_rank_test(a, b, rope=0.01, n_samples=1000, random_state=0)
    frame = res.to_frame()
    assert list(frame.index) == ["left (b better)", "rope", "right (a better)"]
    np.testing.assert_allclose(frame["probability"], res.probabilities)
    np.testing.assert_allclose(frame["mean_posterior"], res.samples.mean(axis=0))
    text = repr(res)
    assert text.startswith("BayesianSignedRankResult(p_left=")
    assert "rope=0.01" in text and "n_datasets=30" in text


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(scores_b=[0.1, 0.2]), ValueError, "same shape"),
        (dict(scores_a=[[0.1, 0.2, 0.3]]), ValueError, r"shape \(n_datasets,\)"),
        (dict(scores_a=[0.1, np.nan, 0.3]), ValueError, "NaN"),
        (dict(scores_a=["a", "b", "c"]), TypeError, "numeric"),
        (dict(rope=-0.1), ValueError, "rope must be >= 0"),
        (dict(rope="0.1"), TypeError, "rope"),
        (dict(prior_strength=0), ValueError, "prior_strength"),
        (dict(prior_place="centre"), ValueError, "prior_place"),
        (dict(n_samples=0), ValueError, "n_samples"),
        (dict(n_samples=2.5), TypeError, "n_samples"),
        (dict(random_state="0"), TypeError, "random_state"),
        (dict(random_state=-1), ValueError, "random_state"),
    ],
)
def test_signed_rank_rejects_bad_input(kwargs, error, match):
    args = dict(scores_a=[0.1, 0.2, 0.3], scores_b=[0.2, 0.2, 0.1])
    args.update(kwargs)
    with pytest.raises(error, match=match):
        bayesian_signed_rank_test(args.pop("scores_a"), args.pop("scores_b"), **args)


# -- hierarchical test: pieces ---------------------------------------------------------
@pytest.mark.parametrize("rho", [0.0, 0.1, 0.3])
def test_quadratic_form_equals_stan_inverse(rho):
    # the inverse of the equicorrelation matrix as baycomp's Stan file builds
    # it: adjugate entries over the analytic determinant
    n = 7
    rng = np.random.RandomState(0)
    x = rng.randn(n)
    delta = 0.3
    det = (1 + (n - 1) * rho) * (1 - rho) ** (n - 1)
    inv = np.full((n, n), -rho * (1 - rho) ** (n - 2))
    np.fill_diagonal(inv, (1 + (n - 2) * rho) * (1 - rho) ** (n - 2))
    inv /= det
    r = x - delta
    expected = r @ inv @ r
    ss = ((x - x.mean()) ** 2).sum()
    assert _quadratic_form(ss, x.mean(), delta, n, rho) == pytest.approx(expected)
    # and the matrix is the inverse of (1 - rho) I + rho 1 1^T
    M = (1 - rho) * np.eye(n) + rho
    np.testing.assert_allclose(inv @ M, np.eye(n), atol=1e-12)


@pytest.mark.parametrize("n, rho", [(5, 0.2), (10, 0.1), (7, 0.0)])
def test_variance_of_the_mean_of_equicorrelated_scores(n, rho):
    M = (1 - rho) * np.eye(n) + rho
    assert _mean_variance_factor(n, rho) == pytest.approx(M.sum() / n**2)


@pytest.mark.parametrize("nu", [1.5, 4.0, 30.0])
def test_mixing_weights_leave_the_prior_invariant(nu):
    # lambda ~ Gamma(nu/2, rate nu/2), z | lambda ~ N(0, 1/lambda); drawing
    # lambda again from its conditional given z must give back the prior
    # (mean 1, variance 2/nu)
    rng = np.random.RandomState(0)
    m = 200_000
    lam = rng.gamma(nu / 2, 2 / nu, m)
    z = rng.randn(m) / np.sqrt(lam)
    again = _mixing_weights(rng, nu, z**2)
    assert again.mean() == pytest.approx(1.0, abs=4 * np.sqrt(2 / nu / m))
    assert again.var() == pytest.approx(2 / nu, rel=0.05)


def test_gamma_prior_update_leaves_the_hyperprior_invariant():
    # alpha ~ U(1, 2), beta ~ U(0.01, 0.1), nu - 1 ~ Gamma(alpha, beta): one
    # update of (alpha, beta) given nu must leave them uniform
    rng = np.random.RandomState(2)
    m = 40_000
    alpha = rng.uniform(1, 2, m)
    beta = rng.uniform(0.01, 0.1, m)
    nu = 1 + rng.gamma(alpha, 1 / beta)
    for _ in range(2):
        alpha, beta, _ = _update_gamma_prior(rng, alpha, nu, (1, 2, 0.01, 0.1))
        assert stats.kstest(alpha, "uniform", args=(1, 1)).pvalue > 1e-3
        assert stats.kstest(beta, "uniform", args=(0.01, 0.09)).pvalue > 1e-3


# Each Metropolis step must leave its target invariant: draw the parameter
# from its prior and the data given it, apply the step (a few times), and the
# parameter must still follow its prior.
M_CHAINS = 40_000


def test_std0_step_with_t_likelihood_leaves_the_prior_invariant():
    rng = np.random.RandomState(3)
    nu, q = 4.0, 5
    std0 = rng.uniform(0, 2, M_CHAINS)
    dev2 = (std0[:, None] * rng.standard_t(nu, (M_CHAINS, q))) ** 2
    nus = np.full(M_CHAINS, nu)
    for _ in range(3):
        std0, ok = _std0_step_t(rng, std0, dev2, nus, np.log(0.8), 2.0)
    assert 0.2 < ok.mean() < 0.9 and std0.max() < 2.0
    assert stats.kstest(std0, "uniform", args=(0, 2)).pvalue > 1e-3


def test_std0_step_with_deltas_integrated_out_leaves_the_prior_invariant():
    rng = np.random.RandomState(4)
    nu, q = 3.0, 6
    std0 = rng.uniform(0, 2, M_CHAINS)
    lam = rng.gamma(nu / 2, 2 / nu, (M_CHAINS, q))
    var_mean = rng.uniform(0.05, 0.5, (M_CHAINS, q))
    xbar = rng.randn(M_CHAINS, q) * np.sqrt(var_mean + std0[:, None] ** 2 / lam)
    for _ in range(3):
        std0, ok = _std0_step_collapsed(
            rng, std0, xbar**2, lam, var_mean, np.log(0.8), 2.0
        )
    assert 0.2 < ok.mean() < 0.9 and std0.max() < 2.0
    assert stats.kstest(std0, "uniform", args=(0, 2)).pvalue > 1e-3


@pytest.mark.parametrize("step", ["walk", "prior"])
def test_nu_steps_leave_the_prior_invariant(step):
    rng = np.random.RandomState(5)
    alpha, beta, q = 1.5, 0.05, 6
    nu = 1 + rng.gamma(alpha, 1 / beta, M_CHAINS)
    z2 = rng.standard_t(nu[:, None], (M_CHAINS, q)) ** 2
    a, b = np.full(M_CHAINS, alpha), np.full(M_CHAINS, beta)
    for _ in range(3):
        if step == "walk":
            nu, ok = _nu_step_walk(rng, nu, z2, a, b, np.log(1.0))
        else:
            nu, ok = _nu_step_prior(rng, nu, z2, a, b)
    assert 0.2 < ok.mean() < 0.99
    prior = stats.gamma(alpha, scale=1 / beta)
    assert stats.kstest(nu - 1, prior.cdf).pvalue > 1e-3


def test_within_precision_leaves_the_uniform_prior_invariant():
    # sigma ~ U(0, 1), five equicorrelated scores about 0 given sigma; sigma
    # drawn again from its conditional must be U(0, 1) again
    rng = np.random.RandomState(1)
    n, rho, m = 5, 0.2, 40_000
    M = (1 - rho) * np.eye(n) + rho
    sigma = rng.uniform(0, 1, m)
    x = sigma[:, None] * (rng.randn(m, n) @ np.linalg.cholesky(M).T)
    quad = np.einsum("ki,ij,kj->k", x, np.linalg.inv(M), x)
    again = 1 / np.sqrt(_within_precision(rng, n, quad, 1.0))
    assert again.max() <= 1.0
    assert stats.kstest(again, "uniform").pvalue > 1e-3


def test_gamma_above_a_bound_in_the_bulk():
    # a bound where most of the mass lies below: rejection alone would loop
    rng = np.random.RandomState(0)
    rate = np.full(20_000, 2.0)
    y = _gamma_above(rng, 1.5, rate, 5.0)
    assert y.min() >= 5.0
    g = stats.gamma(1.5, scale=0.5)
    u = (g.cdf(y) - g.cdf(5.0)) / g.sf(5.0)
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_jitter_is_baycomps_and_keeps_the_mean():
    x = np.array([[0.0] * 6, [1.0, 2, 3, 4, 5, 6], [0.3] * 6, [0.2] + [0.1] * 5])
    x = np.vstack([x[:, :5], np.full((1, 5), -0.2)])  # five folds: odd
    x6 = np.zeros((2, 6))
    x6[1] = 0.25
    rows = _jitter_constant_rows(x6, 0.1, np.random.RandomState(3))
    u = np.random.RandomState(3).uniform(-0.1, 0.1, 6)  # the draws, row by row
    assert rows == [0, 1]
    np.testing.assert_array_equal(x6[0], np.r_[u[:3], -u[:3]])  # = baycomp's
    np.testing.assert_allclose(x6[1], 0.25 + np.r_[u[3:], -u[3:]])
    rows = _jitter_constant_rows(x, 0.1, np.random.RandomState(0))
    assert rows == [0, 2, 4]
    np.testing.assert_allclose(x[[0, 2, 4]].mean(axis=1), [0.0, 0.3, -0.2])
    assert np.all(x[4, :4] != -0.2) and x[4, 4] == -0.2  # the odd fold is kept
    np.testing.assert_array_equal(x[1], [1.0, 2, 3, 4, 5])


def test_truncated_samplers_stay_in_bounds_and_match_the_law():
    rng = np.random.RandomState(0)
    m = 40_000
    # gamma truncated in its lower part and far in its upper tail
    for shape, rate, low, high in [
        (2.5, 40.0, 0.01, 0.1),
        (1.5, 3.0, 2.0, 3.0),
        (2.0, 5000.0, 0.01, 0.1),  # far in the upper tail: nu - 1 = 5000
    ]:
        y = _truncated_gamma(rng, np.full(m, shape), np.full(m, rate), low, high)
        assert low <= y.min() and y.max() <= high
        g = stats.gamma(shape, scale=1 / rate)
        mass = g.sf(low) - g.sf(high)  # survival form: exact in the upper tail
        u = (g.sf(low) - g.sf(y)) / mass  # uniform under the truncated law
        assert stats.kstest(u, "uniform").pvalue > 1e-3
    for mean, low, high in [
        (0.0, -1.0, 2.0),
        (3.0, -1.0, 0.5),
        (-4.0, 0.0, 1.0),
        (-40.0, 0.0, 1.0),  # far in the upper tail
        (40.0, -1.0, 0.0),  # far in the lower tail
    ]:
        y = _truncated_normal(rng, np.full(m, mean), 1.0, low, high)
        assert low <= y.min() and y.max() <= high
        a, b = low - mean, high - mean
        law = stats.truncnorm(a, b, loc=mean)
        assert stats.kstest(y, law.cdf).pvalue > 1e-3


def test_rhat_equals_arviz():
    # arviz 0.23.4, az.rhat(chains, method="rank") and method="split", run on
    # these chains in a separate environment (arviz is not a dependency)
    rng = np.random.RandomState(0)
    mixed = rng.randn(4, 1000)
    x = np.zeros((3, 400))
    e = rng.randn(3, 400)
    for t in range(1, 400):
        x[:, t] = 0.9 * x[:, t - 1] + e[:, t]  # autocorrelated chains
    cases = {
        "mixed": (mixed, 0.9996150944412519, 0.9996049895787104),
        "shifted": (
            mixed + [[0.0], [0.0], [0.0], [1.0]],
            1.1045200745165626,
            1.1068515868209279,
        ),
        "spread": (
            mixed * [[1.0], [1.0], [1.0], [4.0]],
            1.2050895017867616,
            0.9993232975828669,
        ),
        "ar": (x, 1.058782757592559, 1.0599553626334548),
    }
    for name, (chains, rank, split) in cases.items():
        assert _rank_normalized_rhat(chains) == pytest.approx(rank, rel=1e-12), name
        assert _split_rhat(chains) == pytest.approx(split, rel=1e-12), name


def test_rhat_alarms_on_chains_that_disagree():
    rng = np.random.RandomState(0)
    mixed = rng.randn(4, 1000)
    assert _rank_normalized_rhat(mixed) < 1.01
    shifted = mixed + np.array([[0.0], [0.0], [0.0], [1.0]])
    assert _rank_normalized_rhat(shifted) > 1.1
    # a chain that drifts in its second half: only the split catches it
    drift = mixed.copy()
    drift[:, 500:] += 1.0
    assert _rank_normalized_rhat(drift) > 1.1
    # different spreads, same centre: only the folded R-hat catches it
    spread = mixed * np.array([[1.0], [1.0], [1.0], [4.0]])
    assert _split_rhat(spread) < 1.02 < _rank_normalized_rhat(spread)
    # Gelman's formula on a small case by hand: halves (0,1),(2,3),(10,11),(12,13)
    chains = np.array([[0.0, 1, 2, 3], [10, 11, 12, 13]])
    within = 0.5
    between = 2 * np.var([0.5, 2.5, 10.5, 12.5], ddof=1)
    assert _split_rhat(chains) == pytest.approx(
        np.sqrt((within / 2 + between / 2) / within)
    )


# -- hierarchical test: against baycomp (Stan) -------------------------------------
def _case(name):
    (case,) = [c for c in REFERENCE if c["name"] == name]
    return case


def _check_against_stan(case, res):
    # Monte Carlo error of both sides: ours from batch means over the chains,
    # Stan's taken equal to ours (its 40,000 NUTS draws are no less precise)
    ref_mean = np.array(case["mean_sample"])
    cols = res.samples.reshape(res.n_chains, -1, 3)
    batches = cols.reshape(res.n_chains * 10, -1, 3).mean(axis=1)
    se = batches.std(axis=0, ddof=1) / np.sqrt(len(batches))
    tol = 4 * np.sqrt(2) * se + 1e-3
    assert np.all(np.abs(res.samples.mean(axis=0) - ref_mean) < tol), (
        res.samples.mean(axis=0),
        ref_mean,
        tol,
    )
    assert np.all(np.abs(np.array(res.probabilities) - case["probs"]) < 0.03)
    # the posterior of the hyperparameters: Stan's [mean, q05, median, q95]
    # averaged over two seeds; the tolerances are a few Monte Carlo errors
    # (Stan's two seeds differ by up to 2% on the medians, 3% on the q95s)
    stan = {
        key: np.mean([run[key] for run in case["stan_posterior"]], axis=0)
        for key in ("delta0", "std0", "nu")
    }
    width = stan["delta0"][3] - stan["delta0"][1]
    assert abs(np.median(res.delta0) - stan["delta0"][2]) < 0.05 * width
    for key, rel_median, rel_q95 in (("std0", 0.12, 0.1), ("nu", 0.1, 0.1)):
        draws = getattr(res, key)
        assert np.median(draws) == pytest.approx(stan[key][2], rel=rel_median), key
        assert np.quantile(draws, 0.95) == pytest.approx(stan[key][3], rel=rel_q95)


def test_hierarchical_agrees_with_baycomp_stan_fast():
    case = _case("mixed")
    res = bayesian_hierarchical_test(
        case["a"],
        case["b"],
        rope=case["rope"],
        rho=case["rho"],
        n_samples=1500,
        n_warmup=500,
        random_state=0,
    )
    assert res.converged
    _check_against_stan(case, res)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mixed", "equivalent", "a_better", "few_sets"])
def test_hierarchical_agrees_with_baycomp_stan(name):
    case = _case(name)
    res = bayesian_hierarchical_test(
        case["a"],
        case["b"],
        rope=case["rope"],
        rho=case["rho"],
        n_samples=5000,
        random_state=1,
    )
    assert res.converged
    _check_against_stan(case, res)


# -- hierarchical test: known truth -------------------------------------------------
def _simulate(delta, q=8, k=10, noise=0.02, seed=0):
    rng = np.random.RandomState(seed)
    b = rng.uniform(0.7, 0.9, (q, 1)) + noise * rng.randn(q, k)
    a = b + delta + noise * rng.randn(q, k)
    return a, b


@pytest.mark.parametrize(
    "delta, rope, region", [(0.0, 0.02, 1), (0.04, 0.01, 2), (-0.04, 0.01, 0)]
)
def test_hierarchical_finds_the_truth(delta, rope, region):
    a, b = _simulate(delta, noise=0.01)
    res = bayesian_hierarchical_test(
        a, b, rope=rope, rho=0.1, n_samples=800, n_warmup=300, random_state=0
    )
    assert res.probabilities[region] > 0.95
    assert res.samples[:, region].mean() > 0.8
    # the posterior of the mean difference is centred on the truth
    assert abs(np.median(res.delta0) - delta) < 0.01


def test_hierarchical_is_scale_equivariant():
    # the rope is rescaled with the data: scores in percent give the same answer
    a, b = _simulate(0.01, noise=0.02, seed=3)
    kw = dict(rho=0.1, n_samples=400, n_warmup=200, random_state=5)
    res = bayesian_hierarchical_test(a, b, rope=0.01, **kw)
    pct = bayesian_hierarchical_test(100 * a, 100 * b, rope=1.0, **kw)
    np.testing.assert_allclose(pct.samples, res.samples, atol=1e-6)
    np.testing.assert_allclose(pct.delta0, 100 * res.delta0, rtol=1e-6)


def test_hierarchical_warns_when_chains_have_not_mixed():
    a, b = _simulate(0.01)
    with pytest.warns(ConvergenceWarning, match="R-hat of"):
        res = bayesian_hierarchical_test(
            a, b, rope=0.01, rho=0.1, n_samples=8, n_warmup=0, random_state=0
        )
    assert not res.converged
    assert max(res.rhat.values()) > 1.05


def test_hierarchical_jitters_constant_rows():
    a, b = _simulate(0.0, q=5, seed=1)
    a[2] = b[2]  # identical predictions on data set 2
    with pytest.warns(UserWarning, match=r"data sets \[2\]"):
        res = bayesian_hierarchical_test(
            a, b, rope=0.01, rho=0.1, n_samples=300, n_warmup=200, random_state=0
        )
    assert res.jittered == [2]
    # the jitter keeps the row's mean: data set 2's posterior is centred at 0
    assert abs(np.median(res.delta[:, 2])) < 0.01
    with pytest.raises(ValueError, match="rope > 0"):
        bayesian_hierarchical_test(a, b, rope=0.0, rho=0.1)


def test_hierarchical_result_frame_repr_and_draws():
    a, b = _simulate(0.01, q=4)
    res = bayesian_hierarchical_test(
        a,
        b,
        rope=0.01,
        rho=0.1,
        n_samples=300,
        n_warmup=200,
        n_chains=2,
        random_state=0,
    )
    assert res.samples.shape == (600, 3)
    assert res.delta.shape == (600, 4)
    assert res.delta0.shape == res.std0.shape == res.nu.shape == (600,)
    assert np.all(res.nu >= 1) and np.all(res.std0 > 0)
    np.testing.assert_allclose(res.samples.sum(axis=1), 1.0)
    # the columns are the t probabilities of the draws
    t = stats.t(res.nu, res.delta0, res.std0)
    np.testing.assert_allclose(res.samples[:, 0], t.cdf(-0.01), atol=1e-9)
    np.testing.assert_allclose(res.samples[:, 2], t.sf(0.01), atol=1e-9)
    frame = res.to_frame()
    np.testing.assert_allclose(frame["probability"], res.probabilities)
    assert "max_rhat=" in repr(res) and "n_datasets=4" in repr(res)
    again = bayesian_hierarchical_test(
        a,
        b,
        rope=0.01,
        rho=0.1,
        n_samples=300,
        n_warmup=200,
        n_chains=2,
        random_state=0,
    )
    np.testing.assert_array_equal(again.samples, res.samples)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(scores_a=np.zeros(5)), ValueError, r"n_datasets, n_scores"),
        (dict(scores_b=np.zeros((3, 4))), ValueError, "same shape"),
        (dict(rho=1.0), ValueError, "rho must be"),
        (dict(rho=-0.1), ValueError, "rho must be"),
        (dict(rope=-1.0), ValueError, "rope"),
        (dict(n_samples=3), ValueError, "n_samples"),
        (dict(n_chains=0), ValueError, "n_chains"),
        (dict(n_warmup=-1), ValueError, "n_warmup"),
        (dict(lower_alpha=3.0), ValueError, "lower_alpha must be < upper_alpha"),
        (dict(upper_beta=0.001), ValueError, "lower_beta must be < upper_beta"),
        (dict(upper_sigma=0), ValueError, "upper_sigma"),
        (dict(random_state=1.5), TypeError, "random_state"),
    ],
)
def test_hierarchical_rejects_bad_input(kwargs, error, match):
    rng = np.random.RandomState(0)
    args = dict(scores_a=rng.rand(3, 5), scores_b=rng.rand(3, 5), rope=0.01, rho=0.2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        bayesian_hierarchical_test(args.pop("scores_a"), args.pop("scores_b"), **args)


def test_hierarchical_rejects_degenerate_tables():
    b = np.zeros((3, 4))
    with pytest.raises(ValueError, match="at least 2 scores"):
        bayesian_hierarchical_test(b[:, :1] + 1, b[:, :1], rope=0.01, rho=0.1)
    with pytest.raises(ValueError, match="same difference on every fold"):
        bayesian_hierarchical_test(b + 0.1, b, rope=0.01, rho=0.1)
