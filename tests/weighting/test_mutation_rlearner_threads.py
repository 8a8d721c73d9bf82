"""Mutation test of RLearner's deferred refit read by two threads at once (issue 17).

``_nuisance_model`` fits a deferred refit when it is first read; two threads
that read it together both find it pending, both fit it, the first stored
wins and the second must find nothing left to remove from the pending jobs
(``pop(name, None)``). A barrier inside the model's ``fit`` makes both
threads be inside the fit at once, so the race is deterministic. Reference:
least squares fitted here on all rows.
"""

import threading

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

from skvariance.weighting import RLearner


class _Rendezvous(RegressorMixin, BaseEstimator):
    """Least squares whose fit waits for a second fit when a barrier is set."""

    barrier = None
    n_rows = []

    def fit(self, X, y, sample_weight=None):
        _Rendezvous.n_rows.append(X.shape[0])
        if _Rendezvous.barrier is not None:
            _Rendezvous.barrier.wait()
        self.lr_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        return self.lr_.predict(X)


def test_two_threads_reading_a_pending_refit_get_the_same_model():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    t = X[:, 1] + rng.normal(size=60)
    y = X[:, 0] + 2.0 * t + 0.3 * rng.normal(size=60)
    rl = RLearner(
        outcome_model=_Rendezvous(),
        treatment_model=LinearRegression(),
        effect_model=LinearRegression(),
        treatment_type="continuous",
        cv=KFold(3),
    ).fit(X, y, t)
    _Rendezvous.n_rows.clear()
    _Rendezvous.barrier = threading.Barrier(2, timeout=10)
    got, errors = [None, None], []

    def read(i):
        try:
            got[i] = rl.outcome_model_
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        _Rendezvous.barrier = None
    assert errors == []
    # both fitted it on all rows; the first stored is the one both return
    assert _Rendezvous.n_rows == [60, 60]
    assert got[0] is got[1] is rl.outcome_model_
    assert "outcome_model" not in rl._nuisance_pending
    ref = LinearRegression().fit(X, y)
    np.testing.assert_allclose(got[0].lr_.coef_, ref.coef_, rtol=1e-10)
