"""Tests written against mutants of ``ConformalQuantileRegressor._fit_cv_plus``.

CQR with CV+ fits one model (or one per level) on each fold's training rows;
these tests pin down what reaches those fits (seeds, weights, joblib's
``n_jobs``/``verbose``), the levels a fixed-levels model reports, and the
fitted attributes -- each checked against the surviving mutant. References
are computed here.
"""

import threading

import numpy as np
from joblib import parallel_config
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold

from skvariance.calibration import ConformalQuantileRegressor
from skvariance.utils import derive_seeds, set_random_state


class Seeded(RegressorMixin, BaseEstimator):
    """One model per level: ``x0 + Phi^-1(quantile)``; records what ``fit`` got."""

    threads: list = []

    def __init__(self, quantile=0.5, random_state=None):
        self.quantile = quantile
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        Seeded.threads.append(threading.current_thread().name)
        self.n_features_in_ = np.asarray(X).shape[1]
        self.n_fit_ = np.asarray(X).shape[0]
        self.weight_seen_ = None if sample_weight is None else np.array(sample_weight)
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0] + norm.ppf(self.quantile)


class SortedLevels(RegressorMixin, BaseEstimator):
    """A fixed-levels model that fits its levels sorted, as ``quantiles_``."""

    def __init__(self, quantiles=(0.9, 0.1), random_state=None):
        self.quantiles = quantiles
        self.random_state = random_state

    def fit(self, X, y):
        self.quantiles_ = np.sort(np.asarray(self.quantiles, dtype=np.float32))
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        z = norm.ppf(self.quantiles_.astype(np.float64))
        return np.asarray(X)[:, [0]] + z[None, :]


def _member_state(estimator, seed):
    """The random_state a member seeded with ``seed`` gets (the seed helper)."""
    return set_random_state(estimator, int(seed)).random_state


def _data(n=30, seed=3):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + rng.normal(size=n)


def test_member_seeds_follow_random_state_by_hand():
    # split seed first, then one seed per (fold, level), drawn in that order
    X, y = _data()
    cqr = ConformalQuantileRegressor(
        Seeded(), method="cv_plus", cv=3, quantile_levels=[0.1, 0.9], random_state=5
    ).fit(X, y)
    rng = np.random.RandomState(5)
    derive_seeds(rng, 1)
    seeds = derive_seeds(rng, 3 * 2).reshape(3, 2)
    want = [[_member_state(Seeded(), s) for s in fold] for fold in seeds]
    got = [[m.random_state for m in fold] for fold in cqr.estimators_]
    assert got == want
    assert len({s for fold in got for s in fold}) == 6


def test_fixed_levels_model_gets_one_seed_per_fold_and_its_fitted_levels():
    X, y = _data()
    cqr = ConformalQuantileRegressor(
        SortedLevels(), method="cv_plus", cv=3, random_state=7
    ).fit(X, y)
    rng = np.random.RandomState(7)
    derive_seeds(rng, 1)
    want = [_member_state(SortedLevels(), s) for s in derive_seeds(rng, 3)]
    assert [fold[0].random_state for fold in cqr.estimators_] == want
    # the levels are the fitted (sorted) ones, as float64, not the parameter's
    assert cqr.quantile_levels_.dtype == np.float64
    want_levels = np.array([0.1, 0.9], dtype=np.float32).astype(np.float64)
    np.testing.assert_array_equal(cqr.quantile_levels_, want_levels)
    np.testing.assert_array_equal(cqr.calibration_indices_, np.arange(30))
    lo, hi = cqr.predict_interval(X[:3], coverage=0.5).T
    assert np.all(lo < hi)


def test_fold_models_get_their_training_rows_weights():
    X, y = _data()
    w = np.arange(1.0, 31.0)
    cv = KFold(3)
    cqr = ConformalQuantileRegressor(
        Seeded(), method="cv_plus", cv=cv, quantile_levels=[0.1, 0.9]
    ).fit(X, y, sample_weight=w)
    for fold, (train, _) in zip(cqr.estimators_, cv.split(X)):
        for member in fold:
            assert member.n_fit_ == train.size
            np.testing.assert_array_equal(member.weight_seen_, w[train])


def test_fold_models_follow_n_jobs_and_verbose(capsys):
    X, y = _data()
    Seeded.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        ConformalQuantileRegressor(
            Seeded(), method="cv_plus", cv=3, quantile_levels=[0.1, 0.9], n_jobs=1
        ).fit(X, y)
    # n_jobs=1 runs the 6 fits here even inside a two-worker context
    assert Seeded.threads == [threading.current_thread().name] * 6
    ConformalQuantileRegressor(
        Seeded(), method="cv_plus", cv=3, quantile_levels=[0.1, 0.9], verbose=10
    ).fit(X, y)
    assert "Done" in capsys.readouterr().err
