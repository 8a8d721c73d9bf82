"""Mutation tests of weighting/_ensemble.py (session 16c).

References by hand with NumPy: members fitted in closed form on explicit
folds, the weighted error covariance, the minimum-variance weights (solved
directly; the non-negative ones by enumerating the supports), the std.
"""

import itertools
import sys

import numpy as np
import pytest
import sklearn
from sklearn.covariance import ledoit_wolf
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import KFold

from skvariance.weighting import (
    InverseVarianceEnsembleRegressor,
    inverse_variance_combine,
)
from skvariance.weighting._ensemble import _min_variance_weights


def _data(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = 1.0 + 2.0 * X[:, 0] + X[:, 1] ** 2 + 0.3 * rng.standard_normal(n)
    return X, y


def _folds(n, k=4):
    return list(KFold(k).split(np.zeros((n, 1))))


def _fit_pred(kind, Xtr, ytr, w, Xte):
    w = np.ones(len(ytr)) if w is None else w
    if kind == "mean":
        return np.full(len(Xte), np.sum(w * ytr) / np.sum(w))
    alpha = 0.0 if kind == "ols" else 10.0
    xm = np.sum(w[:, None] * Xtr, axis=0) / w.sum()
    ym = np.sum(w * ytr) / w.sum()
    Xc = Xtr - xm
    coef = np.linalg.solve(
        Xc.T @ (w[:, None] * Xc) + alpha * np.eye(Xtr.shape[1]), Xc.T @ (w * (ytr - ym))
    )
    return (Xte - xm) @ coef + ym


KINDS = ("ols", "ridge", "mean")


def _members():
    return [
        ("ols", LinearRegression()),
        ("ridge", Ridge(alpha=10.0)),
        ("mean", DummyRegressor()),
    ]


def _reference(X, y, folds, w=None, covariance="full"):
    oof = np.empty((len(y), 3))
    for j, kind in enumerate(KINDS):
        for train, test in folds:
            wt = None if w is None else w[train]
            oof[test, j] = _fit_pred(kind, X[train], y[train], wt, X[test])
    E = y[:, None] - oof
    ww = np.ones(len(y)) if w is None else w
    C = np.einsum("i,ij,ik->jk", ww, E, E) / ww.sum()
    if covariance == "full":
        S = C
    elif covariance == "diagonal":
        S = np.diag(np.diag(C))
    else:
        S = ledoit_wolf(E * np.sqrt(ww / ww.mean())[:, None], assume_centered=True)[0]
    raw = np.linalg.solve(S, np.ones(3))
    return oof, C, S, raw / raw.sum()


@pytest.mark.parametrize("covariance", ["full", "diagonal", "shrunk"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_and_predict_match_hand_minimum_variance(covariance, weighted):
    X, y = _data()
    y = y * 7.0
    w = np.random.RandomState(1).uniform(0.2, 4.0, len(y)) if weighted else None
    folds = _folds(len(y))
    reg = InverseVarianceEnsembleRegressor(_members(), cv=folds, covariance=covariance)
    reg.fit(X, y, sample_weight=w)
    oof, C, S, weights = _reference(X, y, folds, w, covariance)
    np.testing.assert_allclose(reg.oof_predictions_, oof, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(reg.error_covariance_, C, rtol=1e-8)
    np.testing.assert_allclose(reg.covariance_, S, rtol=1e-8)
    np.testing.assert_allclose(reg.weights_, weights, rtol=1e-7)
    assert reg.estimator_names_ == list(KINDS)
    X_new = np.array([[0.3, -0.2], [0.9, 0.9], [-1.0, 0.5]])
    members = np.column_stack([_fit_pred(kind, X, y, w, X_new) for kind in KINDS])
    np.testing.assert_allclose(reg.predict_members(X_new), members, rtol=1e-8)
    mean, std = reg.predict(X_new, return_std=True)
    np.testing.assert_allclose(mean, members @ weights, rtol=1e-7)
    np.testing.assert_allclose(reg.predict(X_new), mean)
    np.testing.assert_allclose(
        std, np.full(3, np.sqrt(weights @ C @ weights)), rtol=1e-7
    )
    z = 1.6448536269514722  # norm.ppf(0.95)
    np.testing.assert_allclose(
        reg.predict_interval(X_new), np.column_stack([mean - z * std, mean + z * std])
    )
    frame = reg.weights_to_frame()
    assert list(frame.index) == list(KINDS) and frame.index.name == "estimator"
    np.testing.assert_allclose(frame["weight"], weights, rtol=1e-7)
    np.testing.assert_allclose(frame["cv_rmse"], np.sqrt(np.diag(C)), rtol=1e-8)


def _simplex_min(cov):
    best = None
    k = len(cov)
    for size in range(1, k + 1):
        for sub in itertools.combinations(range(k), size):
            idx = list(sub)
            raw = np.linalg.solve(cov[np.ix_(idx, idx)], np.ones(size))
            w = np.zeros(k)
            w[idx] = raw / raw.sum()
            if np.all(w >= 0) and (best is None or w @ cov @ w < best @ cov @ best):
                best = w
    return best


def test_non_negative_weights_match_support_enumeration():
    # member 2 is a noisy copy of member 1's errors: the unconstrained weight
    # of one of them is negative
    rng = np.random.RandomState(3)
    a = rng.standard_normal((200, 3))
    errors = np.column_stack([a[:, 0], a[:, 0] + 0.3 * a[:, 1], 2.0 * a[:, 2]])
    cov = errors.T @ errors / 200
    free = _min_variance_weights(cov, False)
    raw = np.linalg.solve(cov, np.ones(3))
    np.testing.assert_allclose(free, raw / raw.sum(), rtol=1e-9)
    assert free.min() < 0
    constrained = _min_variance_weights(cov, True)
    np.testing.assert_allclose(constrained, _simplex_min(cov), rtol=0, atol=1e-12)
    assert constrained.min() >= 0 and constrained.sum() == pytest.approx(1.0)
    # already non-negative: returned as the closed form
    cov2 = np.diag([1.0, 2.0, 4.0])
    np.testing.assert_allclose(
        _min_variance_weights(cov2, True), [4, 2, 1] / np.float64(7), rtol=1e-14
    )
    # six members, three correlated groups: two weights are clipped to 0
    a = rng.standard_normal((300, 6))
    E = a.copy()
    E[:, 1] = a[:, 0] + 0.2 * a[:, 1]
    E[:, 2] = a[:, 0] + 0.5 * a[:, 2]
    E[:, 3] = 3 * a[:, 3]
    E[:, 4] = a[:, 3] + a[:, 4]
    E[:, 5] = 0.5 * a[:, 0] + a[:, 5]
    cov6 = E.T @ E / 300
    got = _min_variance_weights(cov6, True)
    np.testing.assert_allclose(got, _simplex_min(cov6), rtol=0, atol=1e-5)
    assert got.min() >= 0 and got.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("scale", [1e-9, 1e-6, 1e-3, 1.0, 1e6])
def test_non_negative_weights_do_not_depend_on_the_units(scale):
    # errors in small units (y in thousands: cov ~1e-6) stopped SLSQP at its
    # start point (weights off by 0.019); scipy's default ftol (1e-6) fails
    # already at 1e-3
    rng = np.random.RandomState(3)
    a = rng.standard_normal((200, 3))
    errors = np.column_stack([a[:, 0], a[:, 0] + 0.3 * a[:, 1], 2.0 * a[:, 2]])
    cov = errors.T @ errors / 200
    np.testing.assert_allclose(
        _min_variance_weights(cov * scale, True), _simplex_min(cov), rtol=0, atol=1e-12
    )


def test_combine_by_hand_along_each_axis():
    means = np.array([[1.0, 2.0, 4.0], [3.0, -1.0, 0.0]])
    variances = np.array([[1.0, 4.0, 0.5], [2.0, 1.0, 8.0]])
    p = 1.0 / variances
    for axis in (0, 1, -1, -2):
        mean, var = inverse_variance_combine(means, variances, axis=axis)
        np.testing.assert_allclose(mean, (p * means).sum(axis) / p.sum(axis))
        np.testing.assert_allclose(var, 1.0 / p.sum(axis))
    mean, var = inverse_variance_combine([1.0, 3.0], [1.0, 3.0])
    assert mean == pytest.approx((1.0 + 1.0) / (1.0 + 1 / 3.0))
    assert var == pytest.approx(0.75)


@pytest.mark.parametrize(
    "means, variances, kwargs, match",
    [
        ([1.0, 2.0], [1.0], {}, r"same shape, got \(2,\) and \(1,\)"),
        (1.0, 1.0, {}, "non-empty"),
        ([], [], {}, "non-empty"),
        ([[1.0]], [[1.0]], {"axis": 2}, r"axis must be an int in \[-2, 1\]"),
        ([[1.0]], [[1.0]], {"axis": -3}, r"axis must be an int in \[-2, 1\]"),
        ([1.0], [1.0], {"axis": True}, "axis must be an int"),
        ([1.0], [1.0], {"axis": 0.0}, "axis must be an int"),
        ([np.nan], [1.0], {}, "means must be finite"),
        ([1.0], [np.inf], {}, "variances must be finite"),
        ([1.0, 1.0, 1.0], [1.0, 0.0, -1.0], {}, r"2 value\(s\) <= 0"),
    ],
)
def test_combine_rejects_bad_input_by_name(means, variances, kwargs, match):
    with pytest.raises(ValueError, match=match):
        inverse_variance_combine(means, variances, **kwargs)


def test_members_are_validated_by_name():
    X, y = _data()
    with pytest.raises(ValueError, match="non-empty list"):
        InverseVarianceEnsembleRegressor([]).fit(X, y)
    for bad in [
        ("a",),
        ("a", LinearRegression(), 1),
        (1, LinearRegression()),
        ("a", 3),
    ]:
        with pytest.raises(TypeError, match=r"\(str, regressor\) pairs"):
            InverseVarianceEnsembleRegressor([bad]).fit(X, y)

    class _FitOnly:
        def fit(self, X, y):
            return self

    with pytest.raises(TypeError, match=r"\(str, regressor\) pairs"):
        InverseVarianceEnsembleRegressor([("a", _FitOnly())]).fit(X, y)
    dup = [("a", LinearRegression()), ("a", Ridge())]
    with pytest.raises(ValueError, match="names must be unique"):
        InverseVarianceEnsembleRegressor(dup).fit(X, y)


def test_defaults():
    params = InverseVarianceEnsembleRegressor(_members()).get_params(deep=False)
    assert params["cv"] == 5 and params["covariance"] == "shrunk"
    assert params["non_negative"] is False and params["n_jobs"] is None
    assert InverseVarianceEnsembleRegressor([], n_jobs=2).get_params()["n_jobs"] == 2


def test_tags_follow_well_formed_members_only():
    # sparse input is accepted when every well-formed (name, model) member
    # accepts it (LinearRegression does); malformed lists give no members
    lr = LinearRegression()
    tags = InverseVarianceEnsembleRegressor([("a", lr)]).__sklearn_tags__()
    assert tags.input_tags.sparse
    for bad in [(("a", lr),), [("a", lr, 1)], None]:
        tags = InverseVarianceEnsembleRegressor(bad).__sklearn_tags__()
        assert not tags.input_tags.sparse


class _Tagged(LinearRegression):
    def fit(self, X, y, sample_weight=None, tag=None):
        self.tag_ = tag
        return super().fit(X, y, sample_weight=sample_weight)


def test_routing_sends_members_their_metadata():
    X, y = _data()
    tag = np.arange(len(y)) * 1.0
    with sklearn.config_context(enable_metadata_routing=True):
        reg = InverseVarianceEnsembleRegressor(
            [("a", _Tagged().set_fit_request(tag=True)), ("b", Ridge())],
            cv=_folds(len(y)),
        )
        assert reg.get_metadata_routing().owner == "InverseVarianceEnsembleRegressor"
        reg.fit(X, y, tag=tag)
    np.testing.assert_array_equal(reg.estimators_[0].tag_, tag)


def test_weights_to_frame_without_pandas_names_it(monkeypatch):
    X, y = _data()
    reg = InverseVarianceEnsembleRegressor(_members(), cv=_folds(len(y))).fit(X, y)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="^weights_to_frame needs pandas; weights_"):
        reg.weights_to_frame()
