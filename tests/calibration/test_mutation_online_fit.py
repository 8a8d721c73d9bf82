"""Tests written against mutants of the online estimators' ``fit`` bodies.

``AdaptiveConformalRegressor.fit`` and ``EnbPIRegressor.fit`` are wrapped in
``@_fit_context``; these tests were checked against their bodies moved out
by ``tools/mutation_unwrap.py``. References are computed here.
"""

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import ExtraTreesRegressor

from skvariance.calibration import AdaptiveConformalRegressor, EnbPIRegressor

from .test_online import FixedSamples, shifted


def test_the_given_estimator_is_used():
    X, y = shifted(60)
    aci = AdaptiveConformalRegressor(DummyRegressor(), calibration_size=20).fit(X, y)
    assert isinstance(aci.estimator_, DummyRegressor)
    mean = y[:40].mean()
    lo, hi = aci.predict_interval(X[:3]).T
    np.testing.assert_allclose((lo + hi) / 2, mean)
    enbpi = EnbPIRegressor(DummyRegressor(), n_bootstraps=10, random_state=0)
    enbpi.fit(X, y)
    assert all(isinstance(m, DummyRegressor) for m in enbpi.estimators_)


def test_pid_ignores_the_window():
    # the window is ACI's; PID tracks its quantile from every calibration score
    X, y = shifted(60)
    pid = AdaptiveConformalRegressor(method="pid", calibration_size=20).fit(X, y)
    windowed = AdaptiveConformalRegressor(
        method="pid", calibration_size=20, window=5
    ).fit(X, y)
    np.testing.assert_array_equal(
        windowed.predict_interval(X[:2]), pid.predict_interval(X[:2])
    )


@pytest.mark.parametrize("method", ["aci", "pid"])
def test_random_state_makes_a_random_estimator_and_scorecaster_reproducible(method):
    X, y = shifted(80)
    kw = dict(method=method, calibration_size=30, random_state=3)
    if method == "pid":
        kw["scorecaster"] = ExtraTreesRegressor(n_estimators=3, random_state=None)
    est = ExtraTreesRegressor(n_estimators=3, random_state=None)
    a = AdaptiveConformalRegressor(est, **kw).fit(X, y).update(X[:10], y[:10])
    b = AdaptiveConformalRegressor(est, **kw).fit(X, y).update(X[:10], y[:10])
    np.testing.assert_array_equal(a.predict_interval(X[:5]), b.predict_interval(X[:5]))
    np.testing.assert_array_equal(a.quantile_history_, b.quantile_history_)
    assert isinstance(a.estimator_.random_state, int)
    e1 = EnbPIRegressor(est, n_bootstraps=20, random_state=3).fit(X, y)
    e2 = EnbPIRegressor(est, n_bootstraps=20, random_state=3).fit(X, y)
    np.testing.assert_array_equal(
        e1.predict_interval(X[:5]), e2.predict_interval(X[:5])
    )
    assert all(isinstance(m.random_state, int) for m in e1.estimators_)


def test_non_numeric_y_is_refused():
    X, _ = shifted(40)
    y = np.array([f"v{v}" for v in range(40)], dtype=object)
    for est in (AdaptiveConformalRegressor(), EnbPIRegressor(random_state=0)):
        with pytest.raises(ValueError):
            est.fit(X, y)


def test_enbpi_checks_n_jobs_and_size_and_says_why():
    X, y = shifted(30)
    with pytest.raises(ValueError, match="n_jobs == 0"):
        EnbPIRegressor(n_jobs=0, random_state=0).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"^EnbPIRegressor needs n_samples >= 2, got n_samples=1\.$",
    ):
        EnbPIRegressor(random_state=0).fit(X[:1], y[:1])
    two = [np.array([0, 0]), np.array([1, 1])]
    EnbPIRegressor(bootstrap=FixedSamples(two)).fit(X[:2], y[:2])
    everything = [np.arange(30), np.r_[np.arange(29), 0]]
    with pytest.raises(
        ValueError,
        match=r"^29 training row\(s\) \(first: 0\) are in every bootstrap sample, "
        r"so they have no leave-one-out prediction; raise n_bootstraps\.$",
    ):
        EnbPIRegressor(bootstrap=FixedSamples(everything)).fit(X, y)
