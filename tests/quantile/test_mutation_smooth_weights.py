"""Mutation tests of the L-BFGS aggregation weights (issue 17).

``fit_smooth_weights`` and its helpers in ``skvariance/quantile/_weights.py``:
the stage schedule, the subsample of the first stage, the stopping rule on
the certified gap and the warning. References: the exact LP (HiGHS), the
pinball loss written out here and the rows the stages are given, recorded
by a spy.
"""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skvariance.quantile import _weights
from skvariance.quantile._weights import fit_simplex_weights, fit_smooth_weights

LEVELS = np.array([0.1, 0.5, 0.9])


def _noisy(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    signal = rng.uniform(0, 1, size=(1, 4, 1))
    curves = np.sort(rng.normal(size=LEVELS.size))[None, None, :]
    P = 0.5 * rng.normal(size=(n, 4, LEVELS.size)) + curves + signal * y[:, None, None]
    return P, y, rng.uniform(0.2, 3.0, size=n)


def _pinball(P, y, sw, w):
    W = w if w.ndim == 2 else np.repeat(w[:, None], LEVELS.size, axis=1)
    total = 0.0
    for t, tau in enumerate(LEVELS):
        u = y - P[:, :, t] @ W[:, t]
        total += np.sum(sw * np.where(u >= 0, tau * u, (tau - 1) * u)) / sw.sum()
    return total / LEVELS.size


def _spy(monkeypatch):
    """Record (rows, y, s, eps) of every L-BFGS stage."""
    calls = []
    real = _weights._lbfgs_stage

    def spy(D, y, levels, s, v, eps, scale):
        calls.append((D.shape[0], y.copy(), s.copy(), eps))
        return real(D, y, levels, s, v, eps, scale)

    monkeypatch.setattr(_weights, "_lbfgs_stage", spy)
    return calls


@pytest.mark.parametrize("n, subsampled", [(400, False), (401, True)])
def test_subsample_only_above_twice_its_size(monkeypatch, n, subsampled):
    monkeypatch.setattr(_weights, "_SUBSAMPLE", 200)
    calls = _spy(monkeypatch)
    P, y, sw = _noisy(n)
    fit_smooth_weights(P, y, LEVELS, sw, per_level=False, random_state=0)
    sizes = [c[0] for c in calls]
    if subsampled:
        # the first (widest) stage on 200 rows, then the others on all rows
        # starting from the second width of the schedule
        assert sizes[0] == 200 and set(sizes[1:]) == {n}
        start = min(_pinball(P, y, sw, w) for w in [np.full(4, 0.25), *np.eye(4)])
        np.testing.assert_allclose(calls[0][3], 0.1 * start, rtol=1e-12)
        np.testing.assert_allclose(calls[1][3], 10**-2.5 * start, rtol=1e-12)
    else:
        assert set(sizes) == {n}


def test_subsample_is_distinct_rows_in_their_order_with_renormalised_weights(
    monkeypatch,
):
    monkeypatch.setattr(_weights, "_SUBSAMPLE", 300)
    calls = _spy(monkeypatch)
    P, y, sw = _noisy(1000, seed=3)
    fit_smooth_weights(P, y, LEVELS, sw, per_level=False, random_state=1)
    _, y_sub, s_sub, _ = calls[0]
    position = {v: i for i, v in enumerate(y)}
    rows = np.array([position[v] for v in y_sub])
    assert rows.size == 300 and np.all(np.diff(rows) > 0)  # distinct, sorted
    np.testing.assert_allclose(s_sub, sw[rows] / sw[rows].sum(), rtol=1e-12)
    # and the full-data stages get the weights normalised over all rows
    np.testing.assert_allclose(calls[1][2], sw / sw.sum(), rtol=1e-12)


def test_a_subsample_without_weight_is_skipped(monkeypatch):
    # only row 0 has weight: a subsample that misses it has nothing to fit,
    # so every stage runs on all rows, from the widest
    monkeypatch.setattr(_weights, "_SUBSAMPLE", 100)
    P, y, _ = _noisy(1000, seed=4)
    sw = np.zeros(1000)
    sw[0] = 1.0
    seed = next(
        s
        for s in range(50)
        if 0 not in np.random.default_rng(s).choice(1000, 100, replace=False)
    )
    calls = _spy(monkeypatch)
    # (pytest turns any warning into an error: none is issued here)
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=False, random_state=seed)
    assert all(c[0] == 1000 for c in calls)
    assert np.all(np.isfinite(w)) and gap <= 1e-6
    lp = fit_simplex_weights(P, y, LEVELS, sw, per_level=False)
    lp_loss = _pinball(P, y, sw, lp)
    assert _pinball(P, y, sw, w) <= lp_loss * (1 + 1e-4) + 1e-12


def test_stops_at_the_first_stage_whose_gap_is_at_most_tol(monkeypatch):
    P, y, sw = _noisy(300, seed=9)
    # the gap after each stage, from a run that does every stage
    calls = _spy(monkeypatch)
    with pytest.warns(ConvergenceWarning):
        fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=0.0)
    n_stages = len(calls)
    assert n_stages == _weights._EPS_SCHEDULE.size
    calls.clear()
    w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=1.0)
    # a tolerance of 100% is met after the first stage: one stage only
    assert len(calls) == 1 and gap <= 1.0
    # tol equal to a certified gap: met (<=), so no warning and no more stages
    calls.clear()
    again, gap_again = fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=gap)
    assert len(calls) == 1 and gap_again == gap
    np.testing.assert_array_equal(again, w)


def test_per_level_gap_is_the_largest_over_levels(monkeypatch):
    P, y, sw = _noisy(300, seed=11)
    results = []
    real = _weights._smooth_simplex

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        results.append(out)
        return out

    monkeypatch.setattr(_weights, "_smooth_simplex", spy)
    monkeypatch.setattr(_weights, "_EPS_SCHEDULE", np.array([0.1, 0.01]))
    with pytest.warns(ConvergenceWarning):
        w, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=True, tol=0.0)
    assert len(results) == LEVELS.size
    assert gap == max(g for _, g in results)
    np.testing.assert_array_equal(w, np.column_stack([v for v, _ in results]))
    # each level's vector solves that level alone
    for t in range(LEVELS.size):
        one, _ = real(
            np.ascontiguousarray(P[:, :, t])[:, None, :],
            y,
            LEVELS[t : t + 1],
            sw / sw.sum(),
            tol=0.0,
            rng=np.random.default_rng(0),
        )
        np.testing.assert_array_equal(w[:, t], one)


def test_warning_message_names_the_gap_and_tol():
    P, y, sw = _noisy(200, seed=12)
    with pytest.warns(ConvergenceWarning) as record:
        _, gap = fit_smooth_weights(P, y, LEVELS, sw, per_level=False, tol=0.0)
    assert len(record) == 1
    assert str(record[0].message) == (
        f"the L-BFGS aggregation weights stopped {gap:.2e} (relative) above a "
        "lower bound on the LP optimum, more than tol=0; solver='highs-ipm' "
        "solves the LP exactly."
    )
    assert record[0].filename == __file__


def test_lbfgs_stage_returns_weights_on_the_simplex():
    P, y, sw = _noisy(200, seed=13)
    D = np.ascontiguousarray(P.transpose(0, 2, 1))
    s = sw / sw.sum()
    v = np.array([3.0, 0.0, 1.0, 0.0])  # not normalised on purpose
    w = _weights._lbfgs_stage(D, y, LEVELS, s, v, 1e-3, 1.0)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(), 1.0, rtol=0, atol=1e-15)
    # and it lowers the smoothed loss from its start
    f = _weights._smoothed_objective(D, y, LEVELS, s, 1e-3, 1.0)
    assert f(w)[0] < f(v / v.sum())[0]
