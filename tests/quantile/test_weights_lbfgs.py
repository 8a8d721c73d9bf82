"""The L-BFGS aggregation weights against the exact LP.

References: the LP (HiGHS, an independent solver), the pinball loss and its
Moreau envelope written out here, and finite differences.
"""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skvariance.quantile import QuantileAggregator, _weights
from skvariance.quantile._weights import fit_simplex_weights, fit_smooth_weights

from ._helpers import ShiftedOracle, oracle_data

LEVELS = np.array([0.1, 0.5, 0.9])


def _pinball(P, y, levels, sw, w):
    """Mean weighted pinball loss of P @ w, written out level by level."""
    W = w if w.ndim == 2 else np.repeat(w[:, None], levels.size, axis=1)
    total = 0.0
    for t, tau in enumerate(levels):
        u = y - P[:, :, t] @ W[:, t]
        total += np.sum(sw * np.where(u >= 0, tau * u, (tau - 1) * u)) / sw.sum()
    return total / levels.size


def _noisy(n=800, seed=0):
    """Four noisy, partly informative models (the benchmark's problem)."""
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    signal = rng.uniform(0, 1, size=(1, 4, 1))
    curves = np.sort(rng.normal(size=LEVELS.size))[None, None, :]
    P = 0.5 * rng.normal(size=(n, 4, LEVELS.size)) + curves + signal * y[:, None, None]
    sw = rng.uniform(0.2, 3.0, size=n)
    return P, y, sw


def _collinear(n=800, seed=1):
    """Two identical models and one halfway between two others: no unique optimum."""
    rng = np.random.default_rng(seed)
    y = rng.standard_t(3, size=n) * 100.0 + 1e4  # heavy tails, far from unit scale
    a = y[:, None] + 80.0 * rng.normal(size=(n, LEVELS.size)) + [-120, 0, 120]
    b = 0.6 * y[:, None] + 4e3 + 150.0 * rng.normal(size=(n, LEVELS.size))
    P = np.stack([a, a, 0.5 * (a + b), b], axis=1)
    return P, y, np.ones(n)


def _specialists(n=800, seed=2):
    """Model k predicts level k nearly right and the other levels badly."""
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    truth = np.quantile(rng.normal(size=100_000), LEVELS)
    P = np.empty((n, 3, LEVELS.size))
    for k in range(3):
        P[:, k, :] = truth + 0.05 * rng.normal(size=(n, LEVELS.size)) + 0.8
        P[:, k, k] -= 0.8
    return P, y, rng.uniform(0.5, 1.5, size=n)


DATA = {"noisy": _noisy, "collinear": _collinear, "specialists": _specialists}


@pytest.mark.parametrize("per_level", [False, True], ids=["global", "per_quantile"])
@pytest.mark.parametrize("name", list(DATA))
def test_lbfgs_loss_is_within_1e4_of_the_lp_and_the_gap_is_honest(name, per_level):
    P, y, sw = DATA[name]()
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=per_level, tol=1e-6)
    lp = fit_simplex_weights(P, y, LEVELS, sw, per_level=per_level)
    assert w.shape == lp.shape
    # the constraints of the LP: non-negative, summing to one (per level)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    loss, lp_loss = _pinball(P, y, LEVELS, sw, w), _pinball(P, y, LEVELS, sw, lp)
    # never below the LP optimum (that would mean the constraints broke),
    # within 1e-4 above it, and within the certified gap
    assert loss >= lp_loss * (1 - 1e-9)
    assert loss <= lp_loss * (1 + 1e-4)
    assert 0 <= gap <= 1e-6
    if not per_level:
        assert (loss - lp_loss) / loss <= gap + 1e-12


@pytest.mark.parametrize("per_level", [False, True], ids=["global", "per_quantile"])
def test_weights_do_not_depend_on_the_units_of_y_and_tol_is_honoured(per_level):
    P, y, sw = _noisy()
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=per_level, tol=1e-7)
    assert gap <= 1e-7
    for unit in (1e-4, 1e4):
        # other units and origin: y and every prediction as unit * (. + 3)
        P_unit, y_unit = unit * (P + 3.0), unit * (y + 3.0)
        w_unit, gap_unit = fit_smooth_weights(
            P_unit, y_unit, LEVELS, sw, per_level=per_level, tol=1e-7
        )
        assert gap_unit <= 1e-7
        np.testing.assert_allclose(w_unit, w, rtol=0, atol=1e-7)


def test_each_specialist_gets_its_level():
    P, y, sw = _specialists()
    w, _ = fit_smooth_weights(P, y, LEVELS, sw, per_level=True)
    np.testing.assert_array_equal(np.argmax(w, axis=0), [0, 1, 2])
    assert np.all(np.diag(w) > 0.999)
    # one vector for all levels: no model is best everywhere, so it mixes
    w_global, _ = fit_smooth_weights(P, y, LEVELS, sw, per_level=False)
    assert np.sum(w_global > 0.05) >= 2


def _moreau(u, tau, eps):
    """max over g in [tau - 1, tau] of g u - eps g^2 / 2, piece by piece."""
    return np.where(
        u > tau * eps,
        tau * u - eps * tau**2 / 2,
        np.where(
            u < (tau - 1) * eps,
            (tau - 1) * u - eps * (tau - 1) ** 2 / 2,
            u**2 / (2 * eps),
        ),
    )


def test_smoothed_objective_is_the_moreau_envelope_and_its_gradient():
    P, y, sw = _noisy(300, seed=4)
    s = sw / sw.sum()
    eps, scale = 0.3, 1.7
    D = np.ascontiguousarray(P.transpose(0, 2, 1))  # (n, levels, models)
    f = _weights._smoothed_objective(D, y, LEVELS, s, eps, scale)
    rng = np.random.default_rng(0)
    for v in [rng.uniform(0.1, 1.0, 4), np.array([0.0, 0.7, 0.0, 0.6])]:
        w = v / v.sum()
        u = y[:, None] - np.einsum("ikt,k->it", P, w)
        expected = np.sum(s[:, None] * _moreau(u, LEVELS, eps)) / (3 * scale)
        expected += 0.5 * (v.sum() - 1.0) ** 2
        value, grad = f(v)
        np.testing.assert_allclose(value, expected, rtol=1e-12)
        h = 1e-6
        numeric = [(f(v + h * e)[0] - f(v - h * e)[0]) / (2 * h) for e in np.eye(4)]
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    # the envelope is within eps max(tau, 1 - tau)^2 / 2 below the pinball loss
    u = np.linspace(-3, 3, 601)[:, None]
    gap = np.where(u >= 0, LEVELS * u, (LEVELS - 1) * u) - _moreau(u, LEVELS, eps)
    assert np.all(gap >= -1e-15)
    assert np.all(gap <= eps * np.maximum(LEVELS, 1 - LEVELS) ** 2 / 2 + 1e-15)


@pytest.mark.parametrize("per_level", [False, True])
def test_dual_bound_is_below_the_lp_optimum_for_any_weights(per_level):
    P, y, sw = _noisy(400, seed=5)
    s = sw / sw.sum()
    lp = fit_simplex_weights(P, y, LEVELS, sw, per_level=per_level)
    D = np.ascontiguousarray(P.transpose(0, 2, 1))  # (n, levels, models)
    rng = np.random.default_rng(1)
    for t in range(LEVELS.size) if per_level else [None]:
        sl = slice(None) if t is None else slice(t, t + 1)
        lp_t = lp if t is None else lp[:, t]
        opt = _pinball(P[:, :, sl], y, LEVELS[sl], sw, lp_t)
        bounds = []
        for eps in (1e-3, 0.1, 10.0):
            w = rng.dirichlet(np.ones(4))
            primal, dual = _weights._pinball_and_dual(
                D[:, sl], y, LEVELS[sl], s, w, eps
            )
            np.testing.assert_allclose(
                primal, _pinball(P[:, :, sl], y, LEVELS[sl], sw, w)
            )
            assert dual <= opt * (1 + 1e-12)
            bounds.append(dual)
        # the bound is valid at the LP optimum too (tightness is checked on
        # the L-BFGS output: its certified gap is at most 1e-6)
        primal, dual = _weights._pinball_and_dual(
            D[:, sl], y, LEVELS[sl], s, lp_t, 1e-9
        )
        np.testing.assert_allclose(primal, opt)
        assert dual <= opt * (1 + 1e-12)
        assert max(bounds) < opt * (1 - 1e-6)  # random weights: a loose bound


def test_same_random_state_same_weights_on_the_subsample_path(monkeypatch):
    monkeypatch.setattr(_weights, "_SUBSAMPLE", 500)  # n > 2 * 500: subsample first
    P, y, sw = _noisy(3000, seed=6)
    a = fit_smooth_weights(P, y, LEVELS, sw, per_level=True, random_state=3)
    b = fit_smooth_weights(P, y, LEVELS, sw, per_level=True, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    calls = []
    real = _weights._lbfgs_stage
    monkeypatch.setattr(
        _weights, "_lbfgs_stage", lambda P, *a: calls.append(P.shape[0]) or real(P, *a)
    )
    c, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=True, random_state=4)
    assert 500 in calls and 3000 in calls  # both paths ran
    assert gap <= 1e-6
    # another subsample: the same loss
    for t in range(3):
        sl = slice(t, t + 1)
        np.testing.assert_allclose(
            _pinball(P[:, :, sl], y, LEVELS[sl], sw, c[:, t]),
            _pinball(P[:, :, sl], y, LEVELS[sl], sw, a[0][:, t]),
            rtol=2e-6,
        )


def test_warns_when_the_gap_is_not_certified(monkeypatch):
    monkeypatch.setattr(_weights, "_EPS_SCHEDULE", np.array([1.0]))
    P, y, sw = _noisy(300, seed=7)
    with pytest.warns(
        ConvergenceWarning, match=r"above a lower bound on the LP optimum"
    ):
        w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=1e-6)
    assert gap > 1e-6
    np.testing.assert_allclose(w.sum(), 1.0)
    # the warning fires exactly when the certified gap exceeds tol
    with pytest.warns(ConvergenceWarning, match=r"more than tol="):
        fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=0.99 * gap)
    again, same = fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=1.01 * gap)
    assert same == gap


def test_stages_run_the_whole_schedule_relative_to_the_starting_loss(monkeypatch):
    P, y, sw = _noisy(300, seed=9)
    widths = []
    real = _weights._lbfgs_stage
    monkeypatch.setattr(
        _weights,
        "_lbfgs_stage",
        lambda D, y, lv, s, v, eps, scale: (
            widths.append((eps, scale)) or real(D, y, lv, s, v, eps, scale)
        ),
    )
    with pytest.warns(ConvergenceWarning):  # tol=0 is never certified
        fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=0.0)
    # the starting loss: the best of the uniform weights and each model alone
    start = min(_pinball(P, y, LEVELS, sw, w) for w in [np.full(4, 0.25), *np.eye(4)])
    eps, scale = np.array(widths).T
    np.testing.assert_allclose(scale, start, rtol=1e-12)
    np.testing.assert_allclose(eps, 10.0 ** -np.arange(1.0, 8.0, 1.5) * start)


def test_perfect_model_is_returned_with_zero_gap():
    P, y, sw = _noisy(200, seed=8)
    P[:, 2, :] = y[:, None]  # model 2 is exact at every level: loss 0
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=False)
    np.testing.assert_array_equal(w, [0.0, 0.0, 1.0, 0.0])
    assert gap == 0.0


def _aggregator_fit(n, **params):
    X, y = oracle_data(n, seed=0)
    experts = [
        ("left", ShiftedOracle(good_side=-1, bias=1.0, quantiles=LEVELS)),
        ("right", ShiftedOracle(good_side=1, bias=-0.8, quantiles=LEVELS)),
    ]
    return QuantileAggregator(experts, quantiles=LEVELS, cv=2, **params).fit(X, y)


@pytest.mark.parametrize("weighting", ["global", "per_quantile"])
def test_auto_picks_the_lp_up_to_1000_rows_then_lbfgs(weighting):
    small = _aggregator_fit(1000, weighting=weighting, random_state=0)
    large = _aggregator_fit(1001, weighting=weighting, random_state=0)
    assert small.solver_ == "highs-ipm" and small.weight_gap_ == 0.0
    assert large.solver_ == "lbfgs" and 0 <= large.weight_gap_ <= 1e-6
    exact = _aggregator_fit(1001, weighting=weighting, solver="highs", random_state=0)
    assert exact.solver_ == "highs"
    P, y = large.cv_predictions_, oracle_data(1001, seed=0)[1]
    ones = np.ones(y.size)
    lp_loss = _pinball(P, y, LEVELS, ones, exact.weights_)
    assert (
        lp_loss <= _pinball(P, y, LEVELS, ones, large.weights_) <= lp_loss * (1 + 1e-4)
    )


def test_aggregator_lbfgs_same_random_state_same_weights(monkeypatch):
    monkeypatch.setattr(_weights, "_SUBSAMPLE", 300)  # the seeded subsample runs
    a = _aggregator_fit(1200, solver="lbfgs", random_state=5)
    b = _aggregator_fit(1200, solver="lbfgs", random_state=5)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    X = oracle_data(5, seed=9)[0]
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_local_weighting_starts_from_the_lbfgs_weights():
    agg = _aggregator_fit(1200, weighting="local", solver="lbfgs", random_state=0)
    assert agg.solver_ == "lbfgs" and agg.local_coef_.shape == (3, 2, 3)


@pytest.mark.parametrize("solver", ["lbfgs-b", "LBFGS", "highs-simplex", None, 1])
def test_bad_solver_is_rejected_before_any_fit(solver):
    X, y = oracle_data(50, seed=0)
    agg = QuantileAggregator(
        [ShiftedOracle(quantiles=LEVELS), ShiftedOracle(good_side=1, quantiles=LEVELS)],
        quantiles=LEVELS,
        solver=solver,
    )
    with pytest.raises(ValueError, match=r"'solver' parameter .* must be a str among"):
        agg.fit(X, y)
