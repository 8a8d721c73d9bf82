"""Parity with rliable: task bootstrap, "bc" intervals, average-score profiles.

Two kinds of checks, neither importing rliable:

* values: ``rliable_reference.json`` holds rliable 1.2.0's point estimates and
  intervals on fixed score matrices (written by ``make_rliable_reference.py``
  beside this file, which records the versions). Point estimates must agree
  exactly; interval bounds differ only by Monte Carlo error (different random
  streams, 50,000 resamples each side), well under 2% of the interval width
  here, so the tolerance is 3% of the width -- while the quantities under
  test move the bounds by more (task bootstrap widens these intervals by
  12-110%, "bc" shifts the median's by ~8% of the width; checked below).
  Profile bands are discrete (multiples of 1 / (n_runs * n_tasks) or
  1 / n_tasks) and may differ by one such step.
* rliable's own tests (``tests/library_test.py`` and
  ``tests/rliable/metrics_test.py`` of google-research/rliable), ported to
  our functions: same data, same assertions.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from skvariance.evaluation import (
    bootstrap_ci,
    iqm,
    optimality_gap,
    performance_profile,
    probability_of_improvement,
)
from skvariance.evaluation.base import _interval

REFERENCE = json.loads(Path(__file__).with_name("rliable_reference.json").read_text())
TOLERANCE = 0.03  # of the interval width


def _case_id(case):
    tb = "tasks" if case["task_bootstrap"] else "runs"
    return f"{case.get('method', case.get('kind'))}-{tb}"


@pytest.mark.parametrize("case", REFERENCE["intervals"], ids=_case_id)
def test_intervals_match_rliable(case):
    scores = np.array(REFERENCE["scores"])
    for k, statistic in enumerate(case["statistics"]):
        ci = bootstrap_ci(
            scores,
            statistic,
            n_resamples=REFERENCE["reps"],
            method=case["method"],
            task_bootstrap=case["task_bootstrap"],
            random_state=0,
        )
        low, high = case["low"][k], case["high"][k]
        assert ci.estimate == pytest.approx(case["estimate"][k], rel=1e-12)
        width = high - low
        assert abs(ci.low - low) <= TOLERANCE * width, (statistic, ci.low, low)
        assert abs(ci.high - high) <= TOLERANCE * width, (statistic, ci.high, high)


def _reference(method, task_bootstrap):
    for case in REFERENCE["intervals"]:
        if case["method"] == method and case["task_bootstrap"] == task_bootstrap:
            return case
    raise KeyError((method, task_bootstrap))


def test_the_reference_discriminates():
    """The tolerance is far below what task bootstrap and "bc" change."""
    runs_bc, tasks_bc = _reference("bc", False), _reference("bc", True)
    for k in range(4):
        width_runs = runs_bc["high"][k] - runs_bc["low"][k]
        width_tasks = tasks_bc["high"][k] - tasks_bc["low"][k]
        assert width_tasks > (1 + 4 * TOLERANCE) * width_runs
    # "bc" against our own percentile interval on the same resamples: the
    # median's bounds move by more than twice the tolerance
    scores = np.array(REFERENCE["scores"])
    bc = bootstrap_ci(scores, "median", n_resamples=20_000, method="bc", random_state=0)
    pct = bootstrap_ci(scores, "median", n_resamples=20_000, random_state=0)
    assert abs(bc.low - pct.low) > 2 * TOLERANCE * (pct.high - pct.low)


@pytest.mark.parametrize("case", REFERENCE["profiles"], ids=_case_id)
def test_profiles_match_rliable(case):
    scores = np.array(REFERENCE["profile_scores"])
    tau = np.array(REFERENCE["thresholds"])
    n_runs, n_tasks = scores.shape
    step = 1 / n_tasks if case["kind"] == "average" else 1 / (n_runs * n_tasks)
    profile = performance_profile(scores, tau, kind=case["kind"])
    np.testing.assert_allclose(profile, case["estimate"], rtol=0, atol=1e-12)
    band = performance_profile(
        scores,
        tau,
        kind=case["kind"],
        n_resamples=REFERENCE["profile_reps"],
        task_bootstrap=case["task_bootstrap"],
        random_state=0,
    )
    np.testing.assert_allclose(band.estimate, case["estimate"], atol=1e-12)
    np.testing.assert_allclose(band.low, case["low"], rtol=0, atol=step + 1e-9)
    np.testing.assert_allclose(band.high, case["high"], rtol=0, atol=step + 1e-9)


def test_bc_is_the_bias_corrected_percentile_formula():
    """ "bc" reads the quantiles Phi(2 z0 + z) of the bootstrap distribution."""
    from scipy.stats import norm

    scores = np.array(REFERENCE["scores"])
    ci = bootstrap_ci(scores, "median", n_resamples=5000, method="bc", random_state=3)
    dist = ci.bootstrap_distribution
    below = (np.sum(dist < ci.estimate) + np.sum(dist <= ci.estimate)) / (2 * dist.size)
    z0 = norm.ppf(below)
    levels = norm.cdf(2 * z0 + norm.ppf([0.025, 0.975]))
    expected = np.quantile(dist, levels)
    assert (ci.low, ci.high) == pytest.approx(tuple(expected), rel=1e-12)
    # bc is bca without acceleration: the jackknife is never needed
    assert _interval(dist, ci.estimate, "bc", 0.95, None) == (ci.low, ci.high)


# ---------------------------------------------------------------------------
# rliable's tests/rliable/metrics_test.py
# ---------------------------------------------------------------------------
X_METRICS = np.array([[1, 2], [2, 2], [1, 1], [2, 1]])
Y_METRICS = np.array([[1, 1], [2, 2], [3, 3]])


def test_rliable_aggregate_metrics():
    def median(scores):
        return bootstrap_ci(scores, "median", n_resamples=1).estimate

    def mean(scores):
        return bootstrap_ci(scores, "mean", n_resamples=1).estimate

    assert median(X_METRICS) == 1.5
    assert mean(X_METRICS) == 1.5
    assert iqm(X_METRICS) == 1.5
    assert median(Y_METRICS) == 2
    assert mean(Y_METRICS) == 2
    assert iqm(Y_METRICS) == 2
    assert probability_of_improvement(X_METRICS, Y_METRICS) == pytest.approx(1 / 3)
    assert optimality_gap(Y_METRICS, gamma=2) == pytest.approx(1 / 3)


# ---------------------------------------------------------------------------
# rliable's tests/library_test.py
# ---------------------------------------------------------------------------
N_RUNS, N_TASKS = 5, 16
X_LIB = np.arange(N_RUNS * N_TASKS).reshape(N_RUNS, N_TASKS).astype(float)
Y_LIB = np.flip(X_LIB, axis=0)


@pytest.mark.parametrize(
    "method, task_bootstrap",
    [("percentile", False), ("basic", True), ("bc", False), ("bca", False)],
)
def test_rliable_interval_estimation(method, task_bootstrap):
    """rliable's test_interval_estimation: low < estimate < high, 100 reps."""
    for scores in (X_LIB, Y_LIB):
        for statistic in ("iqm", "mean", "median", "optimality_gap"):
            ci = bootstrap_ci(
                scores,
                statistic,
                n_resamples=100,
                method=method,
                task_bootstrap=task_bootstrap,
                gamma=1.0,
                random_state=0,
            )
            assert ci.low < ci.estimate < ci.high, (statistic, ci)


@pytest.mark.parametrize("kind", ["score", "average"])
def test_rliable_performance_profiles(kind):
    tau = [0.0, 0.25, 0.5, 1.0]
    for scores in (X_LIB, Y_LIB):
        band = performance_profile(
            scores, tau, kind=kind, n_resamples=100, random_state=0
        )
        assert isinstance(band.estimate, np.ndarray)
        np.testing.assert_array_equal(band.estimate, np.sort(band.estimate)[::-1])
        assert band.estimate.shape == band.low.shape == band.high.shape == (4,)


def test_rliable_improvement_probability_cis():
    ci = bootstrap_ci(
        (X_LIB, Y_LIB), "probability_of_improvement", n_resamples=100, random_state=0
    )
    assert ci.estimate == probability_of_improvement(X_LIB, Y_LIB)
    assert ci.low < ci.estimate < ci.high


@pytest.mark.parametrize("task_bootstrap", [False, True])
def test_rliable_stratified_bootstrap_resamples(task_bootstrap):
    """rliable's test_stratified_bootstrap: a resample is x[runs, tasks].

    With ``stratified=True`` every column of a resample comes from one task
    (all of it without task bootstrap; any task, the same for the whole
    column, with it), and its values are runs of that task.
    """
    columns = []

    def record(resample):
        columns.append(resample.copy())
        return 0.0

    bootstrap_ci(
        X_LIB, record, n_resamples=20, task_bootstrap=task_bootstrap, random_state=1
    )
    drawn_tasks = set()
    for resample in columns[1:]:  # the first call is the point estimate
        tasks = resample % N_TASKS  # X_LIB[i, t] = i * N_TASKS + t
        assert (tasks == tasks[:1]).all()  # one task per column
        drawn_tasks.update(map(tuple, tasks[:1]))
        if not task_bootstrap:
            np.testing.assert_array_equal(tasks[0], np.arange(N_TASKS))
    assert (len(drawn_tasks) > 1) == task_bootstrap
