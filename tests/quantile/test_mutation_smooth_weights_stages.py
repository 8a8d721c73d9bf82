"""More mutation tests of the L-BFGS aggregation weights (issue 17).

``fit_smooth_weights``, ``_fit_smooth``, ``_smooth_simplex`` and
``_lbfgs_stage`` in ``skvariance/quantile/_weights.py``: the default
tolerance, the generator the subsamples are drawn from (global and per
level), the BLAS thread limit, an exact start and the stopping rule of each
stage. References: the exact LP (HiGHS), NumPy's generator called here,
threadpoolctl's report and the rows the stages are given, recorded by a spy.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skvariance.quantile import _weights
from skvariance.quantile._weights import fit_simplex_weights, fit_smooth_weights

# the problem and the reference loss are the first mutation file's
from .test_mutation_smooth_weights import LEVELS, _noisy, _pinball


def _spy_rows(monkeypatch):
    """Record the y values given to every L-BFGS stage."""
    calls = []
    real = _weights._lbfgs_stage

    def spy(D, y, levels, s, v, eps, scale):
        calls.append(y.copy())
        return real(D, y, levels, s, v, eps, scale)

    monkeypatch.setattr(_weights, "_lbfgs_stage", spy)
    return calls


def test_default_tol_certifies_one_in_a_million():
    P, y, sw = _noisy(300, seed=27)
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=False)
    assert 0.0 <= gap <= 1e-6
    lp_loss = _pinball(P, y, sw, fit_simplex_weights(P, y, LEVELS, sw, per_level=False))
    assert _pinball(P, y, sw, w) <= lp_loss * (1 + 1e-6) + 1e-12


@pytest.mark.parametrize("per_level", [False, True])
def test_random_state_draws_the_subsamples(monkeypatch, per_level):
    # the first stage of each fit (one, or one per level) runs on rows drawn
    # in turn from np.random.default_rng(random_state)
    monkeypatch.setattr(_weights, "_SUBSAMPLE", 100)
    monkeypatch.setattr(_weights, "_EPS_SCHEDULE", np.array([0.1, 10**-1.5]))
    calls = _spy_rows(monkeypatch)
    P, y, sw = _noisy(500, seed=22)
    with pytest.warns(_weights.ConvergenceWarning):
        fit_smooth_weights(
            P, y, LEVELS, sw, per_level=per_level, tol=0.0, random_state=7
        )
    rng = np.random.default_rng(7)
    n_fits = LEVELS.size if per_level else 1
    assert len(calls) == 2 * n_fits
    for k in range(n_fits):
        rows = np.sort(rng.choice(500, 100, replace=False))
        np.testing.assert_array_equal(calls[2 * k], y[rows])
        np.testing.assert_array_equal(calls[2 * k + 1], y)


def test_blas_runs_on_one_thread_and_openmp_is_left_alone(monkeypatch):
    seen = []
    real = _weights._fit_smooth

    def spy(*args):
        seen.append({(i["user_api"], i["num_threads"]) for i in threadpool_info()})
        return real(*args)

    monkeypatch.setattr(_weights, "_fit_smooth", spy)
    apis = {i["user_api"] for i in threadpool_info()}
    P, y, sw = _noisy(200, seed=23)
    with threadpool_limits(limits=2):
        fit_smooth_weights(P, y, LEVELS, sw, per_level=False)
        after = {(i["user_api"], i["num_threads"]) for i in threadpool_info()}
    assert "blas" in apis
    expected = {("blas", 1)} | {(api, 2) for api in apis - {"blas"}}
    assert seen == [expected]
    # and the limit is lifted on the way out
    assert after == {(api, 2) for api in apis}


@pytest.mark.parametrize("per_level", [False, True])
def test_an_exact_single_model_is_returned_without_any_stage(monkeypatch, per_level):
    # model 2 predicts y at every level: its loss is 0, nothing can beat it
    P, y, sw = _noisy(200, seed=24)
    P[:, 2, :] = y[:, None]
    calls = _spy_rows(monkeypatch)
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=per_level)
    assert calls == [] and gap == 0.0
    expected = np.eye(4)[2]
    if per_level:
        expected = np.repeat(expected[:, None], LEVELS.size, axis=1)
    np.testing.assert_array_equal(w, expected)


def test_each_stage_stops_on_tight_tolerances_within_1000_iterations(monkeypatch):
    seen = []
    real = _weights.minimize

    def spy(fun, x0, **kwargs):
        seen.append((kwargs["options"], kwargs["bounds"], x0.size))
        return real(fun, x0, **kwargs)

    monkeypatch.setattr(_weights, "minimize", spy)
    P, y, sw = _noisy(200, seed=25)
    fit_smooth_weights(P, y, LEVELS, sw, per_level=False)
    assert seen
    for options, bounds, size in seen:
        assert options == {"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-10}
        assert bounds == [(0.0, None)] * size


def test_a_stage_that_only_ties_the_best_start_does_not_replace_it(monkeypatch):
    # models 0 and 1 are the same column, better than the others and their
    # average: the best start is model 0 (the first of the tie); a stage that
    # returns model 1 only ties it, bit for bit, so model 0 is kept
    P, y, sw = _noisy(200, seed=26)
    rng = np.random.default_rng(0)
    P[:, 0, :] = y[:, None] + 0.1 * rng.normal(size=(200, 1))
    P[:, 1, :] = P[:, 0, :]
    P[:, 2:, :] += 3.0
    D = np.ascontiguousarray(P.transpose(0, 2, 1))
    s = sw / sw.sum()
    losses = [_pinball(P, y, sw, w) for w in [np.full(4, 0.25), *np.eye(4)]]
    assert losses[1] == losses[2] == min(losses)
    monkeypatch.setattr(_weights, "_lbfgs_stage", lambda *args: np.eye(4)[1])
    w, gap = _weights._smooth_simplex(D, y, LEVELS, s, tol=0.0, rng=rng)
    np.testing.assert_array_equal(w, np.eye(4)[0])
