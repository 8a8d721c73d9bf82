"""Mutation tests of the body of InverseVarianceEnsembleRegressor.fit.

References by hand: explicit folds, members fitted by hand on them with the
same metadata, the n_jobs message of ``check_n_jobs`` spelled out.
"""

import re
import threading

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

from skvariance.weighting import InverseVarianceEnsembleRegressor

from ._doubles import Boom, ThreadRecorder


def _data(n=30, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = 1.0 + 2.0 * X[:, 0] + X[:, 1] ** 2 + 0.3 * rng.standard_normal(n)
    return X, y


def _folds(n, k=3):
    return list(KFold(k).split(np.zeros((n, 1))))


def test_n_jobs_zero_is_rejected_by_name_before_fitting():
    X, y = _data()
    reg = InverseVarianceEnsembleRegressor([("ols", LinearRegression())], n_jobs=0)
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y)


def test_members_weights_are_checked_by_name_before_any_fit():
    X, y = _data()
    reg = InverseVarianceEnsembleRegressor(
        [("boom", Boom()), ("knn", KNeighborsRegressor(n_neighbors=3))],
        cv=_folds(len(y)),
    )
    msg = (
        "estimators['knn'] KNeighborsRegressor does not accept sample_weight in "
        "fit; choose an estimator, or a Pipeline whose final step, takes "
        "sample_weight, or enable metadata routing and request it with "
        "set_fit_request(sample_weight=True)."
    )
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y, sample_weight=np.ones(len(y)))


def _random_members():
    return [
        ("t1", DecisionTreeRegressor(max_features=1, splitter="random")),
        ("t2", DecisionTreeRegressor(max_depth=3, splitter="random")),
    ]


def test_members_seeds_are_reproducible_and_follow_random_state():
    X, y = _data(n=40)
    Xt = np.random.RandomState(5).uniform(-1, 1, (15, 2))

    def fit(rs):
        reg = InverseVarianceEnsembleRegressor(
            _random_members(), cv=_folds(len(y)), random_state=rs
        )
        return reg.fit(X, y)

    a, b, c = fit(0), fit(0), fit(1)
    # same random_state: same members (fitted with the same seeds) everywhere
    np.testing.assert_array_equal(a.oof_predictions_, b.oof_predictions_)
    np.testing.assert_array_equal(a.predict_members(Xt), b.predict_members(Xt))
    for ea, eb in zip(a.estimators_, b.estimators_):
        assert ea.random_state == eb.random_state
        assert isinstance(ea.random_state, int)
    # another random_state: other seeds, other members
    assert [e.random_state for e in a.estimators_] != [
        e.random_state for e in c.estimators_
    ]
    assert not np.array_equal(a.oof_predictions_, c.oof_predictions_)
    # the refitted member is the user's member fitted on all rows with its seed
    for (_name, est), fitted in zip(_random_members(), a.estimators_):
        hand = est.set_params(random_state=fitted.random_state).fit(X, y)
        np.testing.assert_array_equal(hand.predict(Xt), fitted.predict(Xt))


class _Shifted(RegressorMixin, BaseEstimator):
    """Least squares plus the mean of a sample-aligned ``shift`` it was fitted with."""

    def fit(self, X, y, shift=None):
        self.lr_ = LinearRegression().fit(X, y)
        self.offset_ = 0.0 if shift is None else float(np.mean(shift))
        return self

    def predict(self, X):
        return self.lr_.predict(X) + self.offset_


def test_routed_metadata_reaches_every_cross_fit():
    X, y = _data()
    shift = np.linspace(0.0, 3.0, len(y)) ** 2
    folds = _folds(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        reg = InverseVarianceEnsembleRegressor(
            [("s", _Shifted().set_fit_request(shift=True)), ("r", Ridge())],
            cv=folds,
        ).fit(X, y, shift=shift)
    # by hand: each fold's fit sees the shift of its own training rows
    oof = np.empty(len(y))
    for train, test in folds:
        Xtr = np.column_stack([np.ones(len(train)), X[train]])
        beta = np.linalg.lstsq(Xtr, y[train], rcond=None)[0]
        oof[test] = beta[0] + X[test] @ beta[1:] + shift[train].mean()
    np.testing.assert_allclose(reg.oof_predictions_[:, 0], oof, rtol=1e-10)
    assert reg.estimators_[0].offset_ == pytest.approx(shift.mean())


def test_n_jobs_one_overrides_a_joblib_context_in_the_cross_fits():
    # n_jobs=1 means every fit runs here, whatever parallel_config says;
    # n_jobs=None would take the context's two threads
    X, y = _data()
    ThreadRecorder.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        InverseVarianceEnsembleRegressor(
            [("a", ThreadRecorder())], cv=_folds(len(y)), n_jobs=1
        ).fit(X, y)
    main = threading.current_thread().name
    assert ThreadRecorder.threads == [main] * 4
