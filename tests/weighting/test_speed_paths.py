"""RLearner fits its two full-data nuisance refits on first use, never stale.

``fit`` costs the cross-fits and the effect model only; ``outcome_model_``
and ``treatment_model_`` (used by ``score``) are fitted when first read.
References are computed here from the formula and models fitted by hand on
the training rows, never from the learner's own nuisance attributes.
"""

import pickle

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold

from skvariance.weighting import RLearner


class _Counting(RegressorMixin, BaseEstimator):
    """Least squares that records the size of every training set."""

    sizes: list = []

    def fit(self, X, y, sample_weight=None):
        _Counting.sizes.append(len(y))
        self.lr_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        return self

    def predict(self, X):
        return self.lr_.predict(X)


def _data(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    w = rng.binomial(1, 1 / (1 + np.exp(-X[:, 0])))
    y = X[:, 0] + w * (1.0 + X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, y, w


def _learner(**kw):
    params = dict(
        outcome_model=LinearRegression(),
        treatment_model=LogisticRegression(),
        effect_model=LinearRegression(),
        cv=KFold(3),
    )
    params.update(kw)
    return RLearner(**params)


def _r_score(rl, outcome, treatment, X, y, w, X_fit, y_fit, w_fit, sw=None):
    """R-score with nuisances fitted here on (X_fit, y_fit, w_fit)."""
    m = clone(outcome).fit(X_fit, y_fit, sample_weight=sw)
    e = clone(treatment).fit(X_fit, w_fit, sample_weight=sw)
    r_y = y - m.predict(X)
    r_w = w - e.predict_proba(X)[:, 1]
    loss = np.sum((r_y - r_w * rl.effect_model_.predict(X)) ** 2)
    return 1.0 - loss / np.sum(r_y**2)


def test_fit_leaves_the_full_data_refits_to_their_first_use():
    X, y, w = _data()
    _Counting.sizes = []
    rl = _learner(outcome_model=_Counting()).fit(X, y, treatment=w)
    assert _Counting.sizes == [80, 80, 80]  # the cross-fits only
    assert rl.outcome_model_.lr_.coef_.shape == (3,)
    assert _Counting.sizes == [80, 80, 80, 120]  # the refit, on first use
    rl.score(X, y, treatment=w)
    assert rl.outcome_model_ is not None
    assert _Counting.sizes == [80, 80, 80, 120]  # fitted once
    assert not hasattr(RLearner(), "outcome_model_")
    assert not hasattr(RLearner(), "treatment_model_")


def test_score_is_the_r_score_of_nuisances_fitted_on_the_training_rows():
    X, y, w = _data()
    sw = np.linspace(0.5, 2.0, len(y))
    rl = _learner().fit(X, y, treatment=w, sample_weight=sw)
    X_new, y_new, w_new = _data(seed=1)
    ref = _r_score(
        rl, LinearRegression(), LogisticRegression(), X_new, y_new, w_new, X, y, w, sw
    )
    np.testing.assert_allclose(rl.score(X_new, y_new, treatment=w_new), ref, rtol=1e-12)


def test_deferred_refits_ignore_set_params_and_changes_to_the_callers_arrays():
    X, y, w = _data()
    sw = np.linspace(0.5, 2.0, len(y))
    X_new, y_new, w_new = _data(seed=1)
    ref = _r_score(
        _learner().fit(X, y, treatment=w, sample_weight=sw),
        LinearRegression(),
        LogisticRegression(),
        X_new,
        y_new,
        w_new,
        X,
        y,
        w,
        sw,
    )
    Xc, yc, wc, swc = X.copy(), y.copy(), w.copy(), sw.copy()
    rl = _learner().fit(Xc, yc, treatment=wc, sample_weight=swc)
    # after fit, before the deferred refits: other models, other data
    rl.set_params(
        outcome_model=Ridge(alpha=1e3), treatment_model=LogisticRegression(C=1e-3)
    )
    Xc[:] = 0.0
    yc[:] = 1.0
    wc[:] = 1 - wc
    swc[:] = 1.0
    got = rl.score(X_new, y_new, treatment=w_new)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    np.testing.assert_allclose(
        rl.outcome_model_.coef_,
        LinearRegression().fit(X, y, sample_weight=sw).coef_,
        rtol=1e-10,
    )


def test_a_refit_replaces_the_deferred_and_the_fitted_nuisances():
    X, y, w = _data()
    X2, y2, w2 = _data(n=150, seed=2)
    X_new, y_new, w_new = _data(seed=1)
    fresh = _learner().fit(X2, y2, treatment=w2)
    want = _r_score(
        fresh, LinearRegression(), LogisticRegression(), X_new, y_new, w_new, X2, y2, w2
    )
    # scored (refits done) on the first data, then refitted on the second
    rl = _learner().fit(X, y, treatment=w)
    first = rl.score(X_new, y_new, treatment=w_new)
    rl.fit(X2, y2, treatment=w2)
    np.testing.assert_allclose(
        rl.score(X_new, y_new, treatment=w_new), want, rtol=1e-12
    )
    assert first != want
    # refitted before its deferred refits ever ran
    rl = _learner().fit(X, y, treatment=w).fit(X2, y2, treatment=w2)
    np.testing.assert_allclose(
        rl.score(X_new, y_new, treatment=w_new), want, rtol=1e-12
    )
    assert rl.outcome_model_.n_features_in_ == 3
    np.testing.assert_allclose(
        rl.outcome_model_.coef_, LinearRegression().fit(X2, y2).coef_, rtol=1e-10
    )


def test_pickling_fits_the_deferred_models_and_keeps_no_training_data():
    X, y, w = _data()
    X_new, y_new, w_new = _data(seed=1)
    rl = _learner().fit(X, y, treatment=w)
    clone_ = pickle.loads(pickle.dumps(rl))
    assert not clone_._nuisance_pending and not rl._nuisance_pending
    want = _r_score(
        rl, LinearRegression(), LogisticRegression(), X_new, y_new, w_new, X, y, w
    )
    np.testing.assert_allclose(
        clone_.score(X_new, y_new, treatment=w_new), want, rtol=1e-12
    )


def test_a_continuous_treatment_changed_after_fit_does_not_reach_the_refit():
    X, y, _ = _data()
    t = X[:, 1] + np.linspace(-1.0, 1.0, len(y))
    tc = t.copy()
    rl = _learner(treatment_model=LinearRegression(), treatment_type="continuous")
    rl.fit(X, y, treatment=tc)
    tc[:] = 0.0
    np.testing.assert_allclose(
        rl.treatment_model_.coef_, LinearRegression().fit(X, t).coef_, rtol=1e-10
    )
