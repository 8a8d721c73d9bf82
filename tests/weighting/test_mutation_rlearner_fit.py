"""Mutation tests of the body of RLearner.fit.

References by hand: explicit folds, nuisance models fitted by hand on them
with the routed metadata, the error messages spelled out in full, the
stratified folds counted.
"""

import re
import threading

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

from skvariance.weighting import RLearner

from ._doubles import (
    Boom,
    Shifted,
    ThreadRecorder,
    binary_treatment_data,
    round_robin_folds,
)

_folds = round_robin_folds
_data = binary_treatment_data


def _no_weights_msg(name, model):
    return (
        f"{name} {model} does not accept sample_weight in fit; choose an "
        "estimator, or a Pipeline whose final step, takes sample_weight, or "
        "enable metadata routing and request it with "
        "set_fit_request(sample_weight=True)."
    )


def test_n_jobs_zero_is_rejected_by_name():
    X, y, w = _data()
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        RLearner(n_jobs=0).fit(X, y, treatment=w)


def test_effect_model_without_weights_is_refused_by_name_before_any_fit():
    X, y, w = _data()
    reg = RLearner(
        outcome_model=Boom(),
        treatment_model=LogisticRegression(),
        effect_model=KNeighborsRegressor(),
        cv=_folds(len(y)),
    )
    msg = _no_weights_msg("effect_model", "KNeighborsRegressor")
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y, treatment=w)


def test_nuisance_without_weights_is_refused_by_name_before_any_fit():
    X, y, w = _data()
    sw = np.ones(len(y))
    reg = RLearner(
        outcome_model=Boom(),
        treatment_model=KNeighborsClassifier(),
        effect_model=LinearRegression(),
        cv=_folds(len(y)),
    )
    msg = _no_weights_msg("treatment_model", "KNeighborsClassifier")
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y, treatment=w, sample_weight=sw)
    reg.set_params(
        outcome_model=KNeighborsRegressor(),
        treatment_model=Boom(),
        treatment_type="continuous",
    )
    msg = _no_weights_msg("outcome_model", "KNeighborsRegressor")
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y, treatment=X[:, 1], sample_weight=sw)


def _random_learner(rs):
    return RLearner(
        outcome_model=DecisionTreeRegressor(max_depth=3, splitter="random"),
        treatment_model=DecisionTreeRegressor(max_depth=2, splitter="random"),
        effect_model=DecisionTreeRegressor(max_depth=2, splitter="random"),
        cv=3,
        treatment_type="continuous",
        min_treatment_residual=0.05,
        random_state=rs,
    )


def test_seeds_are_reproducible_and_follow_random_state():
    X, y, _ = _data()
    t = X[:, 1] + np.linspace(-1.0, 1.0, len(y))
    a, b, c = (_random_learner(rs).fit(X, y, treatment=t) for rs in (0, 0, 1))
    np.testing.assert_array_equal(a.pseudo_outcome_, b.pseudo_outcome_)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    for attr in ("outcome_model_", "treatment_model_", "effect_model_"):
        ra = getattr(a, attr).random_state
        assert isinstance(ra, int) and ra == getattr(b, attr).random_state
        assert ra != getattr(c, attr).random_state
    assert not np.array_equal(a.pseudo_outcome_, c.pseudo_outcome_)


class _CountingClassifier(ClassifierMixin, BaseEstimator):
    """Constant propensity; records the treated count of each training set."""

    counts: list = []

    def fit(self, X, y, sample_weight=None):
        _CountingClassifier.counts.append(int(np.sum(y)))
        self.classes_ = np.array([0, 1])
        self.p_ = float(np.mean(y))
        return self

    def predict_proba(self, X):
        p = np.full(len(X), self.p_)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def test_binary_treatment_int_cv_is_stratified_on_the_treatment():
    X, y, _ = _data(n=30)
    w = np.zeros(30, dtype=int)
    w[:6] = 1  # 6 treated rows, 3 folds: 2 treated in every test fold
    for rs in range(3):
        _CountingClassifier.counts = []
        rl = RLearner(
            outcome_model=LinearRegression(),
            treatment_model=_CountingClassifier(),
            effect_model=LinearRegression(),
            cv=3,
            random_state=rs,
        ).fit(X, y, treatment=w)
        # three training sets of 4 treated, then (on first use) the refit on all 6
        assert _CountingClassifier.counts == [4, 4, 4]
        assert rl.treatment_model_.p_ == 6 / 30
        assert _CountingClassifier.counts == [4, 4, 4, 6]


class ShiftedProba(ClassifierMixin, BaseEstimator):
    """Propensity: the mean of a sample-aligned ``prob`` it was fitted with."""

    def fit(self, X, y, sample_weight=None, prob=None):
        self.classes_ = np.array([0, 1])
        self.p_ = 0.5 if prob is None else float(np.mean(prob))
        return self

    def predict_proba(self, X):
        p = np.full(len(X), self.p_)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def _lstsq_oof(X, t, folds, shift):
    out = np.empty(len(t))
    for train, test in folds:
        A = np.column_stack([np.ones(len(train)), X[train]])
        beta = np.linalg.lstsq(A, t[train], rcond=None)[0]
        out[test] = beta[0] + X[test] @ beta[1:] + shift[train].mean()
    return out


def test_routed_metadata_reaches_the_binary_cross_fits_and_refits():
    X, y, w = _data()
    n = len(y)
    folds = _folds(n)
    shift = np.linspace(0.0, 2.0, n) ** 2
    prob = np.linspace(0.2, 0.8, n) ** 2
    with sklearn.config_context(enable_metadata_routing=True):
        reg = RLearner(
            outcome_model=Shifted().set_fit_request(shift=True),
            treatment_model=ShiftedProba().set_fit_request(prob=True),
            effect_model=LinearRegression(),
            cv=folds,
        ).fit(X, y, treatment=w, shift=shift, prob=prob)
    m_hat = _lstsq_oof(X, y, folds, shift)
    e_hat = np.empty(n)
    for train, test in folds:
        e_hat[test] = prob[train].mean()
    np.testing.assert_allclose(reg.outcome_residuals_, y - m_hat, atol=1e-10)
    np.testing.assert_allclose(reg.treatment_residuals_, w - e_hat, atol=1e-12)
    assert reg.outcome_model_.offset_ == pytest.approx(shift.mean())
    assert reg.treatment_model_.p_ == pytest.approx(prob.mean())


def test_routed_metadata_reaches_the_continuous_cross_fits_and_effect_model():
    X, y, _ = _data()
    n = len(y)
    t = X[:, 1] + np.linspace(-1.0, 1.0, n)
    folds = _folds(n)
    tshift = np.linspace(0.0, 1.0, n) ** 3
    eshift = np.linspace(1.0, 2.0, n)
    with sklearn.config_context(enable_metadata_routing=True):
        reg = RLearner(
            outcome_model=LinearRegression(),
            treatment_model=Shifted().set_fit_request(shift=True),
            effect_model=_Effect().set_fit_request(sample_weight=True, eshift=True),
            cv=folds,
            treatment_type="continuous",
        ).fit(X, y, treatment=t, shift=tshift, eshift=eshift)
    e_hat = _lstsq_oof(X, t, folds, tshift)
    np.testing.assert_allclose(reg.treatment_residuals_, t - e_hat, atol=1e-10)
    assert reg.treatment_model_.offset_ == pytest.approx(tshift.mean())
    assert reg.effect_model_.offset_ == pytest.approx(eshift.mean())


class _Effect(RegressorMixin, BaseEstimator):
    def fit(self, X, y, sample_weight=None, eshift=None):
        self.lr_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        self.offset_ = 0.0 if eshift is None else float(np.mean(eshift))
        return self

    def predict(self, X):
        return self.lr_.predict(X) + self.offset_


def test_n_jobs_one_overrides_a_joblib_context_in_the_cross_fits():
    X, y, _ = _data()
    t = X[:, 1] + np.linspace(-1.0, 1.0, len(y))
    ThreadRecorder.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        rl = RLearner(
            outcome_model=ThreadRecorder(),
            treatment_model=ThreadRecorder(),
            effect_model=LinearRegression(),
            cv=_folds(len(y)),
            treatment_type="continuous",
            n_jobs=1,
        ).fit(X, y, treatment=t)
        rl.score(X, y, treatment=t)  # the two refits run on first use
    # 3 folds for each nuisance and their two refits, all in this thread
    assert ThreadRecorder.threads == [threading.current_thread().name] * 8


def _wls(X, t, sw):
    A = np.column_stack([np.ones(len(t)), X])
    s = np.sqrt(sw)
    return np.linalg.lstsq(A * s[:, None], t * s, rcond=None)[0]


def test_user_weights_reach_the_cross_fits_and_the_nuisance_refits():
    X, y, _ = _data()
    n = len(y)
    t = X[:, 1] + np.linspace(-1.0, 1.0, n)
    sw = np.linspace(0.2, 3.0, n) ** 2
    folds = _folds(n)
    reg = RLearner(
        outcome_model=LinearRegression(),
        treatment_model=LinearRegression(),
        effect_model=LinearRegression(),
        cv=folds,
        treatment_type="continuous",
    ).fit(X, y, treatment=t, sample_weight=sw)
    m_hat = np.empty(n)
    for train, test in folds:
        beta = _wls(X[train], y[train], sw[train])
        m_hat[test] = beta[0] + X[test] @ beta[1:]
    np.testing.assert_allclose(reg.outcome_residuals_, y - m_hat, atol=1e-10)
    for model, target in ((reg.outcome_model_, y), (reg.treatment_model_, t)):
        beta = _wls(X, target, sw)
        np.testing.assert_allclose(model.intercept_, beta[0], rtol=1e-10)
        np.testing.assert_allclose(model.coef_, beta[1:], rtol=1e-10)


def test_binary_treatment_needs_a_classifier_with_predict_proba():
    from sklearn.linear_model import RidgeClassifier

    X, y, w = _data()
    for model in (RidgeClassifier(), LinearRegression()):
        msg = (
            "treatment_model must be a classifier with predict_proba for a "
            f"binary treatment, got {type(model).__name__}."
        )
        with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
            RLearner(treatment_model=model, cv=_folds(len(y))).fit(X, y, treatment=w)


def test_default_treatment_model_of_a_binary_treatment_is_a_classifier():
    X, y, w = _data()
    reg = RLearner(
        outcome_model=LinearRegression(),
        effect_model=LinearRegression(),
        cv=_folds(len(y)),
        random_state=0,
    ).fit(X, y, treatment=w)
    assert sklearn.base.is_classifier(reg.treatment_model_)
    assert reg.treatment_type_ == "binary"


def test_continuous_treatment_refuses_a_classifier_by_name():
    X, y, _ = _data()
    t = X[:, 1] + np.linspace(-1.0, 1.0, len(y))
    msg = (
        "treatment_model must be a regressor for a continuous treatment, got "
        "the classifier LogisticRegression."
    )
    reg = RLearner(
        treatment_model=LogisticRegression(),
        cv=_folds(len(y)),
        treatment_type="continuous",
    )
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        reg.fit(X, y, treatment=t)


class _WeightedRate(ClassifierMixin, BaseEstimator):
    """Propensity: the (weighted) treated fraction of the training rows."""

    def fit(self, X, y, sample_weight=None):
        sw = np.ones(len(y)) if sample_weight is None else sample_weight
        self.classes_ = np.array([0, 1])
        self.p_ = float(np.sum(sw * y) / np.sum(sw))
        return self

    def predict_proba(self, X):
        p = np.full(len(X), self.p_)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def test_user_weights_reach_the_binary_treatment_cross_fit():
    X, y, w = _data()
    n = len(y)
    sw = np.linspace(0.2, 3.0, n) ** 2
    folds = _folds(n)
    reg = RLearner(
        outcome_model=LinearRegression(),
        treatment_model=_WeightedRate(),
        effect_model=LinearRegression(),
        cv=folds,
    ).fit(X, y, treatment=w, sample_weight=sw)
    e_hat = np.empty(n)
    for train, test in folds:
        e_hat[test] = np.sum(sw[train] * w[train]) / np.sum(sw[train])
    np.testing.assert_allclose(reg.treatment_residuals_, w - e_hat, rtol=1e-12)
