"""Mutation tests of the body of QuantileAggregator.fit.

References by hand: members whose out-of-fold predictions are known in
closed form (a weighted training mean plus normal quantiles), explicit
folds, the seeds of the members read back and compared across fits, the
error messages in full.
"""

import re
import threading
import time

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state

from skvariance.quantile import QuantileAggregator

from ._helpers import ShiftedOracle, oracle_data

LEVELS = (0.1, 0.5, 0.9)


class _MeanQuantiles(RegressorMixin, BaseEstimator):
    """Weighted training mean of y (+ mean ``shift``) + 0.3 z_level + offset.

    ``offset`` is drawn from ``random_state`` at fit time.
    """

    def __init__(self, quantiles=LEVELS, random_state=None, spread=0.3):
        self.quantiles = quantiles
        self.random_state = random_state
        self.spread = spread

    def fit(self, X, y, sample_weight=None, shift=None):
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        self.center_ = float(np.sum(w * y) / np.sum(w))
        self.shift_ = 0.0 if shift is None else float(np.mean(shift))
        self.offset_ = float(check_random_state(self.random_state).uniform(-0.1, 0.1))
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        z = norm.ppf(np.asarray(self.quantiles))
        base = self.center_ + self.shift_ + self.offset_
        return np.tile(base + self.spread * z, (len(X), 1))


def _hand_oof(y, folds, w=None, shift=None, offset=0.0, spread=0.3):
    w = np.ones(len(y)) if w is None else w
    z = norm.ppf(np.asarray(LEVELS))
    out = np.empty((len(y), len(LEVELS)))
    for train, test in folds:
        c = np.sum(w[train] * y[train]) / np.sum(w[train])
        s = 0.0 if shift is None else shift[train].mean()
        out[test] = c + s + offset + spread * z
    return out


def _folds(n, k=3):
    return list(KFold(k).split(np.zeros((n, 1))))


def test_member_seeds_are_reproducible_follow_random_state_and_keep_set_ones():
    X, y = oracle_data(60, 0)

    def fit(rs):
        members = [
            ("a", _MeanQuantiles()),
            ("b", _MeanQuantiles(spread=0.5)),
            ("fixed", _MeanQuantiles(random_state=7, spread=0.2)),
        ]
        return QuantileAggregator(members, quantiles=LEVELS, cv=3, random_state=rs).fit(
            X, y
        )

    a, b, c = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(a.cv_predictions_, b.cv_predictions_)
    seeds = [e.random_state for e in a.estimators_]
    assert seeds == [e.random_state for e in b.estimators_]
    assert all(isinstance(s, int) for s in seeds[:2]) and seeds[0] != seeds[1]
    # a random_state the user set is kept, the unset ones follow random_state
    assert seeds[2] == 7 and [e.random_state for e in c.estimators_][2] == 7
    assert seeds[:2] != [e.random_state for e in c.estimators_][:2]
    assert not np.array_equal(a.cv_predictions_, c.cv_predictions_)


def test_user_weights_reach_every_cross_fit_and_refit():
    X, y = oracle_data(45, 1)
    sw = np.linspace(0.5, 3.0, len(y)) ** 2
    folds = _folds(len(y))
    agg = QuantileAggregator(
        [("m", _MeanQuantiles(random_state=0)), ("o", ShiftedOracle(quantiles=LEVELS))],
        quantiles=LEVELS,
        cv=folds,
    ).fit(X, y, sample_weight=sw)
    offset = check_random_state(0).uniform(-0.1, 0.1)
    ref = _hand_oof(y, folds, w=sw, offset=offset)
    np.testing.assert_allclose(agg.cv_predictions_[:, 0, :], ref, rtol=1e-12)
    assert agg.estimators_[0].center_ == pytest.approx(np.sum(sw * y) / np.sum(sw))


def test_routed_metadata_reaches_every_cross_fit_and_refit():
    X, y = oracle_data(45, 2)
    shift = np.linspace(0.0, 2.0, len(y)) ** 2
    folds = _folds(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        member = _MeanQuantiles(random_state=0).set_fit_request(shift=True)
        agg = QuantileAggregator(
            [("m", member), ("o", ShiftedOracle(quantiles=LEVELS))],
            quantiles=LEVELS,
            cv=folds,
        ).fit(X, y, shift=shift)
    offset = check_random_state(0).uniform(-0.1, 0.1)
    ref = _hand_oof(y, folds, shift=shift, offset=offset)
    np.testing.assert_allclose(agg.cv_predictions_[:, 0, :], ref, rtol=1e-12)
    assert agg.estimators_[0].shift_ == pytest.approx(shift.mean())


class _Threads(ShiftedOracle):
    threads: list = []

    def fit(self, X, y, sample_weight=None):
        _Threads.threads.append(threading.current_thread().name)
        return super().fit(X, y, sample_weight=sample_weight)


def test_n_jobs_one_overrides_a_joblib_context():
    X, y = oracle_data(30, 0)
    _Threads.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        QuantileAggregator(
            [_Threads(quantiles=LEVELS), ShiftedOracle(quantiles=LEVELS)],
            quantiles=LEVELS,
            cv=_folds(30),
            n_jobs=1,
        ).fit(X, y)
    # three folds and the refit, all in this thread
    assert _Threads.threads == [threading.current_thread().name] * 4


def test_verbose_prints_joblib_progress(capsys):
    X, y = oracle_data(30, 0)
    members = [ShiftedOracle(quantiles=LEVELS), ShiftedOracle(1, quantiles=LEVELS)]
    QuantileAggregator(members, quantiles=LEVELS, cv=_folds(30), verbose=10).fit(X, y)
    assert "Parallel(n_jobs=1)]: Done" in capsys.readouterr().err
    QuantileAggregator(members, quantiles=LEVELS, cv=_folds(30), verbose=0).fit(X, y)
    assert capsys.readouterr().err == ""


class _NanOracle(ShiftedOracle):
    def predict(self, X, quantiles=None):
        out = super().predict(X, quantiles)
        out[0, 1] = np.nan
        return out


def test_non_finite_out_of_fold_predictions_are_refused():
    X, y = oracle_data(30, 0)
    agg = QuantileAggregator(
        [_NanOracle(quantiles=LEVELS), ShiftedOracle(quantiles=LEVELS)],
        quantiles=LEVELS,
        cv=_folds(30),
    )
    msg = "a base model predicted NaN or infinity out of fold."
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        agg.fit(X, y)


def test_fit_times_are_durations_within_the_fit():
    X, y = oracle_data(30, 0)
    start = time.perf_counter()
    agg = QuantileAggregator(
        [ShiftedOracle(quantiles=LEVELS), ShiftedOracle(1, quantiles=LEVELS)],
        quantiles=LEVELS,
        cv=_folds(30),
    ).fit(X, y)
    elapsed = time.perf_counter() - start
    for value in (agg.cv_fit_time_, agg.weight_fit_time_):
        assert isinstance(value, float) and 0.0 <= value <= elapsed
    assert agg.cv_fit_time_ + agg.weight_fit_time_ <= elapsed


def _pinball(y, pred, tau, w):
    r = y[:, None] - pred
    return np.sum(w[:, None] * np.maximum(tau * r, (tau - 1) * r), axis=0)


def test_user_weights_weight_the_pinball_loss_of_the_weights():
    # the left model is right for x0 < 0, the right model for x0 > 0:
    # weighting the left rows up moves each level's weight to the left model
    X, y = oracle_data(80, 3)
    sw = np.where(X[:, 0] < 0, 5.0, 0.2)
    members = [
        ShiftedOracle(good_side=-1, bias=0.6, quantiles=LEVELS),
        ShiftedOracle(good_side=1, bias=0.6, quantiles=LEVELS),
    ]
    agg = QuantileAggregator(members, quantiles=LEVELS, cv=_folds(80), monotonize=None)
    agg.fit(X, y, sample_weight=sw)
    P = agg.cv_predictions_
    grid = np.linspace(0.0, 1.0, 2001)
    for t, tau in enumerate(LEVELS):
        preds = grid[None, :] * P[:, 0, t][:, None] + (1 - grid) * P[:, 1, t][:, None]
        losses = _pinball(y, preds, tau, sw)
        lam = agg.weights_[0, t]
        assert agg.weights_[:, t].sum() == pytest.approx(1.0)
        mix = lam * P[:, 0, t] + (1 - lam) * P[:, 1, t]
        got = _pinball(y, mix[:, None], tau, sw)[0]
        assert got <= losses.min() + 1e-9 * losses.min()
        # the unweighted optimum is clearly worse under these weights
        unweighted = _pinball(y, preds, tau, np.ones(80)).argmin()
        assert losses[unweighted] > got * 1.05


def test_names_coverages_and_weighted_conformal_corrections_by_hand():
    # two identical members: any simplex weights give the same aggregate,
    # so the calibrated quantiles are the member's own out-of-fold ones
    levels = (0.05, 0.1, 0.5, 0.9, 0.95)
    X, y = oracle_data(60, 4)
    # the members are off by 0.4 where x0 > 0: weighting those rows up
    # widens the weighted corrections
    sw = np.where(X[:, 0] > 0, 10.0, 0.1)
    members = [
        ("left", ShiftedOracle(good_side=-1, bias=0.4, quantiles=levels)),
        ("twin", ShiftedOracle(good_side=-1, bias=0.4, quantiles=levels)),
    ]
    agg = QuantileAggregator(
        members, quantiles=levels, cv=_folds(60), conformalize=True
    ).fit(X, y, sample_weight=sw)
    assert list(agg.named_estimators_) == ["left", "twin"]
    assert agg.named_estimators_["left"] is agg.estimators_[0]
    assert agg.named_estimators_["twin"] is agg.estimators_[1]
    np.testing.assert_allclose(agg.coverages_, [0.8, 0.9])
    q = ShiftedOracle(good_side=-1, bias=0.4, quantiles=levels).fit(X, y).predict(X)
    w = sw / sw.mean()
    for p, (lo, hi) in enumerate([(0, 4), (1, 3)]):
        scores = np.maximum(q[:, lo] - y, y - q[:, hi])
        coverage = levels[hi] - levels[lo]
        order = np.argsort(scores, kind="stable")
        reached = np.cumsum(w[order]) >= coverage * (w.sum() + 1.0) - 1e-12
        expected = scores[order][np.argmax(reached)] if reached.any() else np.inf
        assert agg.conformal_corrections_[p] == pytest.approx(expected, rel=1e-12)
        # the unweighted rank gives another correction on these weights
        k = int(np.ceil((60 + 1) * coverage))
        assert np.sort(scores)[k - 1] != pytest.approx(expected, rel=1e-6)
