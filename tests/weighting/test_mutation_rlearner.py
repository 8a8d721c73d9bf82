"""RLearner against by-hand references (mutation tests).

References: the R-learner written out with NumPy and scikit-learn's
LinearRegression / LogisticRegression on explicit folds (residual on
residual, clipped, weighted), and nuisance models that read their
predictions from a table keyed by an id column, so that every residual,
propensity and effect is known exactly.
"""

import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression

from skvariance.weighting import OverlapWarning, RLearner


class _TableRegressor(RegressorMixin, BaseEstimator):
    """Predicts ``table[id]`` for the id in column 0 (fit does nothing)."""

    def __init__(self, table=None):
        self.table = table

    def fit(self, X, y, sample_weight=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        ids = np.asarray(X)[:, 0].astype(int)
        return np.asarray(self.table, dtype=float)[ids]


class _TableClassifier(ClassifierMixin, BaseEstimator):
    """Propensity ``table[id]`` for the id in column 0 (fit does nothing)."""

    def __init__(self, table=None):
        self.table = table

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        p = np.asarray(self.table, dtype=float)[np.asarray(X)[:, 0].astype(int)]
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def _folds(n, k=3):
    idx = np.arange(n)
    return [(np.setdiff1d(idx, idx[j::k]), idx[j::k]) for j in range(k)]


def _data(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    w = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    y = X[:, 0] + w * (1 + 2 * X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, y, w


def _by_hand(X, y, w, folds, eps, sw=None, binary=True):
    """The R-learner on explicit folds: (m_hat, e_hat, r_w, pseudo, weights, tau)."""
    m_hat = np.empty(len(y))
    e_hat = np.empty(len(y))
    for train, test in folds:
        m_hat[test] = LinearRegression().fit(X[train], y[train]).predict(X[test])
        if binary:
            clf = LogisticRegression().fit(X[train], w[train])
            e_hat[test] = clf.predict_proba(X[test])[:, 1]
        else:
            e_hat[test] = LinearRegression().fit(X[train], w[train]).predict(X[test])
    r_y = y - m_hat
    r_w = w - e_hat
    r_w = np.array([r if abs(r) >= eps else (-eps if r < 0 else eps) for r in r_w])
    pseudo = r_y / r_w
    weights = r_w**2 if sw is None else sw * r_w**2
    tau = LinearRegression().fit(X, pseudo, sample_weight=weights)
    return m_hat, e_hat, r_w, pseudo, weights, tau


def _linear(**params):
    return RLearner(
        outcome_model=LinearRegression(),
        treatment_model=LogisticRegression(),
        effect_model=LinearRegression(),
        **params,
    )


def test_binary_fit_predict_score_equal_the_by_hand_r_learner():
    X, y, w = _data()
    folds = _folds(60)
    rl = _linear(cv=folds, min_treatment_residual=0.2).fit(X, y, treatment=w)
    _, e_hat, r_w, pseudo, weights, tau = _by_hand(X, y, w, folds, 0.2)
    assert rl.n_clipped_ == int(np.sum(np.abs(w - e_hat) < 0.2)) > 0
    np.testing.assert_allclose(rl.treatment_residuals_, r_w, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(rl.weights_, weights, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(rl.pseudo_outcome_, pseudo, rtol=1e-5, atol=1e-8)
    assert rl.propensity_range_ == pytest.approx((e_hat.min(), e_hat.max()), rel=1e-6)
    assert rl.n_extreme_propensity_ == 0
    rng = np.random.RandomState(9)
    Xt = rng.normal(size=(25, 2))
    np.testing.assert_allclose(rl.predict(Xt), tau.predict(Xt), rtol=1e-5, atol=1e-7)
    # held-out R-score with nuisances refitted on all training rows
    wt = (rng.uniform(size=25) < 0.5).astype(int)
    yt = Xt[:, 0] + wt * (1 + 2 * Xt[:, 1]) + 0.3 * rng.normal(size=25)
    swt = rng.uniform(0.5, 2.0, size=25)
    m = LinearRegression().fit(X, y).predict(Xt)
    e = LogisticRegression().fit(X, w).predict_proba(Xt)[:, 1]
    for s in (None, swt):
        s_ = np.ones(25) if s is None else s
        loss = np.sum(s_ * ((yt - m) - (wt - e) * tau.predict(Xt)) ** 2)
        ref = 1 - loss / np.sum(s_ * (yt - m) ** 2)
        got = rl.score(Xt, yt, treatment=wt, sample_weight=s)
        assert isinstance(got, float)
        assert got == pytest.approx(ref, rel=1e-6)
        assert 0 < got < 1
    # one arm only among the scored rows is fine (kind is the fitted one)
    ones = np.ones(25, dtype=int)
    loss = np.sum(((yt - m) - (1 - e) * tau.predict(Xt)) ** 2)
    ref = 1 - loss / np.sum((yt - m) ** 2)
    assert rl.score(Xt, yt, treatment=ones) == pytest.approx(ref, rel=1e-6)


def test_continuous_score_uses_predict_of_the_treatment_model():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(50, 2))
    w = X[:, 1] + rng.normal(size=50)
    y = X[:, 0] + w * (0.5 + X[:, 0]) + 0.1 * rng.normal(size=50)
    folds = _folds(50)
    rl = RLearner(
        outcome_model=LinearRegression(),
        treatment_model=LinearRegression(),
        effect_model=LinearRegression(),
        treatment_type="continuous",
        cv=folds,
        min_treatment_residual=0.0,
    ).fit(X, y, treatment=w)
    *_, tau = _by_hand(X, y, w, folds, 0.0, binary=False)
    assert rl.propensity_range_ is None and rl.n_extreme_propensity_ is None
    m = LinearRegression().fit(X, y).predict(X)
    e = LinearRegression().fit(X, w).predict(X)
    loss = np.sum(((y - m) - (w - e) * tau.predict(X)) ** 2)
    ref = 1 - loss / np.sum((y - m) ** 2)
    assert rl.score(X, y, treatment=w) == pytest.approx(ref, rel=1e-9)


# -- clipping ------------------------------------------------------------------------
def _table_learner(e, m=None, tau=None, binary=False, **params):
    n = len(e)
    m = np.zeros(n) if m is None else m
    tau = np.zeros(n) if tau is None else tau
    treat = _TableClassifier(list(e)) if binary else _TableRegressor(list(e))
    return RLearner(
        outcome_model=_TableRegressor(list(m)),
        treatment_model=treat,
        effect_model=_TableRegressor(list(tau)),
        treatment_type="binary" if binary else "continuous",
        cv=_folds(n),
        **params,
    )


def test_clip_keeps_the_sign_and_counts_the_clipped_rows():
    r = np.array([0.0625, -0.0625, 0.0, 0.125, -0.125, 0.5, -0.75, 0.25, -0.0])
    w = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    e = w - r
    X = np.column_stack([np.arange(9), np.ones(9)])
    y = np.arange(9, dtype=float)
    rl = _table_learner(e, min_treatment_residual=0.125).fit(X, y, treatment=w)
    expected = [0.125, -0.125, 0.125, 0.125, -0.125, 0.5, -0.75, 0.25, 0.125]
    assert rl.treatment_residuals_.tolist() == expected
    assert rl.n_clipped_ == 4
    assert isinstance(rl.n_clipped_, int)
    np.testing.assert_array_equal(rl.pseudo_outcome_, y / np.array(expected))
    np.testing.assert_array_equal(rl.weights_, np.array(expected) ** 2)


def test_no_clipping_leaves_zero_residuals_with_zero_weight():
    r = np.array([0.0625, -0.0625, 0.0, 0.5])
    w = np.array([1.0, 2.0, 3.0, 1.0])
    X = np.column_stack([np.arange(4), np.ones(4)])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    rl = _table_learner(w - r, min_treatment_residual=0.0).fit(X, y, treatment=w)
    assert rl.treatment_residuals_.tolist() == r.tolist()
    assert rl.n_clipped_ == 0
    assert rl.pseudo_outcome_.tolist() == [16.0, -32.0, 0.0, 8.0]
    assert rl.weights_.tolist() == (r**2).tolist()


# -- overlap -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n_low, n_high, n_edge, warns",
    [(1, 1, 10, False), (2, 1, 10, True), (0, 3, 0, True), (0, 0, 40, False)],
)
def test_overlap_counts_and_warning(n_low, n_high, n_edge, warns):
    """100 rows: propensities 0.005 / 0.995 extreme, exactly 0.01 / 0.99 not."""
    n = 100
    e = np.full(n, 0.5)
    e[:n_low] = 0.005
    e[n_low : n_low + n_high] = 0.995
    k = n_low + n_high
    e[k : k + n_edge // 2] = 0.01
    e[k + n_edge // 2 : k + n_edge] = 1 - 0.01
    w = np.tile([0, 1], n // 2)
    X = np.column_stack([np.arange(n), np.ones(n)])
    y = np.arange(n, dtype=float)
    rl = _table_learner(e, binary=True)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        rl.fit(X, y, treatment=w)
    ours = [r for r in rec if issubclass(r.category, OverlapWarning)]
    assert rl.n_extreme_propensity_ == n_low + n_high
    assert isinstance(rl.n_extreme_propensity_, int)
    assert rl.propensity_range_ == (float(e.min()), float(e.max()))
    assert all(isinstance(v, float) for v in rl.propensity_range_)
    assert len(ours) == int(warns)
    if warns:
        msg = (
            f"Poor overlap: {n_low + n_high} of 100 rows have a cross-fitted "
            f"propensity within 0.01 of 0 or 1 (range [{e.min():.3g}, "
            f"{e.max():.3g}]). There the treated and untreated hardly coexist: "
            "the R-loss gives those rows almost no weight and the effect is "
            "extrapolated from the others. Restrict the analysis to covariates "
            "where both arms occur."
        )
        assert str(ours[0].message) == msg


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ,
    reason="mutmut's trampoline adds stack frames between fit and the warning",
)
def test_overlap_warning_points_at_the_caller_of_fit():
    n = 50
    e = np.full(n, 0.5)
    e[:5] = 0.001
    X = np.column_stack([np.arange(n), np.ones(n)])
    rl = _table_learner(e, binary=True)
    with pytest.warns(OverlapWarning) as rec:
        rl.fit(X, np.zeros(n), treatment=np.tile([0, 1], n // 2))
    assert [r.filename for r in rec] == [__file__]


def test_continuous_treatment_has_no_propensity_attributes():
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    X = np.column_stack([np.arange(6), np.ones(6)])
    rl = _table_learner(w - 0.5).fit(X, np.ones(6), treatment=w)
    assert rl.propensity_range_ is None
    assert rl.n_extreme_propensity_ is None


# -- score edge cases -------------------------------------------------------------
@pytest.mark.parametrize("tau, expected", [(0.0, 1.0), (2.0, -np.inf)])
def test_score_with_a_perfect_outcome_model(tau, expected):
    n = 6
    w = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    e = np.full(n, 0.5)
    m = np.arange(n, dtype=float)
    X = np.column_stack([np.arange(n), np.ones(n)])
    rl = _table_learner(e, m=m, tau=np.full(n, tau), binary=True)
    rl.fit(X, m + 0.5 * w, treatment=w)
    assert rl.score(X, m, treatment=w) == expected


def test_score_by_table_models_exactly():
    n = 6
    w = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    e = np.array([0.25, 0.5, 0.5, 0.75, 0.25, 0.5])
    m = np.array([1.0, 2.0, 0.0, 1.0, 3.0, 2.0])
    tau = np.array([1.0, 2.0, 4.0, -1.0, 0.5, 0.0])
    y = np.array([2.0, 3.0, 1.0, 0.0, 3.5, 2.5])
    X = np.column_stack([np.arange(n), np.ones(n)])
    sw = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 3.0])
    rl = _table_learner(e, m=m, tau=tau, binary=True).fit(X, y, treatment=w)
    r_y, r_w = y - m, w - e
    for s in (np.ones(n), sw):
        ref = 1 - np.sum(s * (r_y - r_w * tau) ** 2) / np.sum(s * r_y**2)
        assert rl.score(X, y, treatment=w, sample_weight=s) == pytest.approx(ref)
    assert rl.predict(X).tolist() == tau.tolist()


# -- where the treatment comes from ----------------------------------------------
def _same_as_separate(X_full, column, X_cov, y, w, Xt_full, Xt_cov):
    a = _linear(cv=_folds(len(y)), treatment_column=column).fit(X_full, y)
    b = _linear(cv=_folds(len(y))).fit(X_cov, y, treatment=w)
    np.testing.assert_allclose(a.predict(Xt_full), b.predict(Xt_cov), rtol=1e-10)
    np.testing.assert_allclose(a.pseudo_outcome_, b.pseudo_outcome_, rtol=1e-10)
    wt = np.tile([0, 1], len(Xt_cov) // 2)
    yt = np.arange(len(Xt_cov), dtype=float)
    return a, b, wt, yt


@pytest.mark.parametrize("column", [0, 1, 2, -1, -3])
def test_treatment_column_of_an_array(column):
    X, y, w = _data(n=40)
    Xf = np.insert(X, column % 3, w, axis=1)
    rng = np.random.RandomState(2)
    Xt = rng.normal(size=(10, 2))
    Xtf = np.insert(Xt, column % 3, 99.0, axis=1)  # values ignored by predict
    a, b, wt, yt = _same_as_separate(Xf, column, X, y, w, Xtf, Xt)
    Xtf_w = np.insert(Xt, column % 3, wt, axis=1)
    assert a.score(Xtf_w, yt) == pytest.approx(b.score(Xt, yt, treatment=wt))


@pytest.mark.parametrize("column", [1, -2])
def test_treatment_column_of_a_dataframe_and_a_sparse_matrix(column):
    X, y, w = _data(n=40)
    Xf = np.insert(X, 1, w, axis=1)
    df = pd.DataFrame(Xf, columns=["u", "treat", "v"])
    rng = np.random.RandomState(3)
    Xt = rng.normal(size=(10, 2))
    Xtf = np.insert(Xt, 1, 0.0, axis=1)
    dft = pd.DataFrame(Xtf, columns=["u", "treat", "v"])
    a, b, wt, yt = _same_as_separate(df, column, X, y, w, dft, Xt)
    assert a.effect_model_.feature_names_in_.tolist() == ["u", "v"]
    dft_w = dft.assign(treat=wt)
    assert a.score(dft_w, yt) == pytest.approx(b.score(Xt, yt, treatment=wt))
    sp = sparse.csc_matrix(Xf)
    a, b, wt, yt = _same_as_separate(sp, column, X, y, w, sparse.csr_matrix(Xtf), Xt)
    assert a.score(sparse.csr_matrix(np.insert(Xt, 1, wt, axis=1)), yt) == (
        pytest.approx(b.score(Xt, yt, treatment=wt))
    )


def test_split_treatment_errors_are_exact():
    X, y, w = _data(n=30)
    Xf = np.column_stack([X, w])
    msg = (
        "RLearner.fit needs the treatment: pass treatment=... (array of shape "
        "(n_samples,)) or set treatment_column to the column of X that holds it."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        _linear().fit(X, y)
    msg = (
        "treatment was passed while treatment_column=2 also names a column of X; "
        "give one."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        _linear(treatment_column=2).fit(Xf, y, treatment=w)
    fitted = _linear(treatment_column=2, cv=_folds(30)).fit(Xf, y)
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        fitted.score(Xf, y, treatment=w)
    for column in (3, 5, -4):
        msg = f"treatment_column={column} is out of range for X with 3 columns."
        with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
            _linear(treatment_column=column).fit(Xf, y)
    msg = (
        "X has 1 feature(s); with treatment_column set it needs at least one "
        "covariate column beside the treatment."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        _linear(treatment_column=0).fit(w.reshape(-1, 1).astype(float), y)
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        _linear(treatment_column=-1).fit(pd.DataFrame({"t": w}), y)
    # score without any treatment
    msg = (
        "RLearner.score needs the treatment of the scored rows: pass "
        "treatment=..., with GridSearchCV enable metadata routing and call "
        "set_score_request(treatment=True), or set treatment_column."
    )
    rl = _linear(cv=_folds(30)).fit(X, y, treatment=w)
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        rl.score(X, y)


def test_predict_and_score_check_the_number_of_features():
    X, y, w = _data(n=30)
    rl = _linear(cv=_folds(30)).fit(X, y, treatment=w)
    bad = np.ones((4, 3))
    msg = "X has 3 features, but RLearner is expecting 2 features as input."
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        rl.predict(bad)
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        rl.score(bad, np.ones(4), treatment=np.array([0, 1, 0, 1]))
    assert rl.n_features_in_ == 2


@pytest.mark.parametrize("column", [0, -1])
def test_treatment_column_beside_a_single_covariate(column):
    X, y, w = _data(n=40)
    x = X[:, :1]
    Xf = np.column_stack([w, x]) if column == 0 else np.column_stack([x, w])
    Xt = np.linspace(-1, 1, 10).reshape(-1, 1)
    Xtf = np.column_stack([np.zeros(10), Xt] if column == 0 else [Xt, np.zeros(10)])
    a, b, _, _ = _same_as_separate(Xf, column, x, y, w, Xtf, Xt)
    assert a.n_features_in_ == 2
