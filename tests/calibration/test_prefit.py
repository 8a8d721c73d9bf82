"""Prefit calibration: ``conformalize(X_cal, y_cal)`` on an already fitted model.

References are written out here (the ``ceil((n + 1) c)``-th smallest score of
the calibration rows, per group, weighted) or come from the peers (MAPIE 1.6
``prefit=True``, crepes ``WrapRegressor.calibrate``) on statsmodels' Grunfeld
investment data, which the other calibration tests do not use.
"""

import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from skvariance.calibration import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)

from ._helpers import KnownProba, draw_known, heteroscedastic, rep_variance, within


def _kth(scores, coverage):
    """``ceil((n + 1) coverage)``-th smallest score (``+inf`` past ``n``)."""
    n = len(scores)
    k = math.ceil(round((n + 1) * coverage, 9))
    return np.inf if k > n else np.sort(scores)[k - 1]


class CountingRidge(Ridge):
    """Ridge that counts the calls to its own ``fit``."""

    def fit(self, X, y, sample_weight=None):
        self.fit_calls_ = getattr(self, "fit_calls_", 0) + 1
        return super().fit(X, y, sample_weight=sample_weight)


class StackedQuantiles(RegressorMixin, BaseEstimator):
    """Fitted single-level models as one multi-quantile model (prefit only)."""

    def __init__(self, models=None, quantiles=None):
        self.models = models
        self.quantiles = quantiles

    def __sklearn_is_fitted__(self):
        return True

    def fit(self, X, y):  # pragma: no cover - never called by conformalize
        raise AssertionError("a prefit model must not be refitted")

    def predict(self, X):
        return np.column_stack([m.predict(X) for m in self.models])


class ShiftedQuantiles(RegressorMixin, BaseEstimator):
    """x0 -+ 1.2816 (the 10% and 90% quantiles when y = x0 + N(0, 1))."""

    def __init__(self, quantiles=(0.1, 0.9)):
        self.quantiles = quantiles

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        x0 = np.asarray(X)[:, 0]
        return np.column_stack([x0 - 1.2816, x0 + 1.2816])


def _grunfeld():
    sm_datasets = pytest.importorskip("statsmodels.datasets")
    df = sm_datasets.grunfeld.load_pandas().data
    X = np.column_stack(
        [np.log(df["value"]), np.log(df["capital"]), df["year"] - 1945.0]
    )
    y = np.log(df["invest"].to_numpy())
    firm = pd.factorize(df["firm"])[0]
    order = np.random.RandomState(3).permutation(len(y))
    return X[order], y[order], firm[order]


def _parts(n, sizes=(100, 60)):
    train = np.arange(sizes[0])
    cal = np.arange(sizes[0], sizes[0] + sizes[1])
    test = np.arange(sizes[0] + sizes[1], n)
    return train, cal, test


# -- regressor ---------------------------------------------------------------
def test_regressor_intervals_are_the_conformal_quantile_of_every_row():
    rng = np.random.RandomState(0)
    X, y = heteroscedastic(rng, 140)
    model = Ridge().fit(X[:80], y[:80])
    reg = ConformalRegressor(model, coverage=0.9, calibration_size=0.5)
    assert reg.conformalize(X[80:], y[80:]) is reg
    assert reg.calibration_indices_.tolist() == list(range(60))  # every row
    scores = np.abs(y[80:] - model.predict(X[80:]))
    X_test = X[:5]
    got = reg.predict_interval(X_test, coverage=[0.8, 0.9])
    for k, c in enumerate([0.8, 0.9]):
        q = _kth(scores, c)
        want = np.column_stack([model.predict(X_test) - q, model.predict(X_test) + q])
        np.testing.assert_allclose(got[:, :, k], want, rtol=1e-12)
    np.testing.assert_allclose(reg.predict(X_test), model.predict(X_test))


def test_regressor_never_clones_refits_or_mutates_the_estimator():
    rng = np.random.RandomState(1)
    X, y = heteroscedastic(rng, 100)
    model = CountingRidge(alpha=2.0).fit(X[:50], y[:50])
    before, params = pickle.dumps(model), model.get_params()
    pred = model.predict(X)
    reg = ConformalRegressor(model, random_state=0).conformalize(X[50:], y[50:])
    reg.predict_interval(X[:3])
    reg.predict_quantiles(X[:3], [0.1, 0.9])
    assert reg.estimator_ is model and reg.estimators_ == [model]
    assert model.fit_calls_ == 1 and pickle.dumps(model) == before
    assert model.get_params() == params
    np.testing.assert_array_equal(model.predict(X), pred)
    # a later fit refits a clone, as usual
    reg.fit(X, y)
    assert reg.estimator_ is not model and model.fit_calls_ == 1
    assert reg.calibration_indices_.size == 25


def test_regressor_groups_and_shift_weights_reference():
    rng = np.random.RandomState(2)
    X, y = heteroscedastic(rng, 160)
    model = LinearRegression().fit(X[:60], y[:60])
    X_cal, y_cal, X_test = X[60:], y[60:], X[:4]
    g = (X_cal[:, 1] > 0).astype(int)
    reg = ConformalRegressor(model).conformalize(X_cal, y_cal, groups=g)
    scores = np.abs(y_cal - model.predict(X_cal))
    g_test = np.array([0, 1, 1, 0])
    q = np.array([_kth(scores[g == k], 0.9) for k in g_test])
    mu = model.predict(X_test)
    np.testing.assert_allclose(
        reg.predict_interval(X_test, groups=g_test), np.column_stack([mu - q, mu + q])
    )
    # weighted conformal (Tibshirani et al.): the test weight sits at +inf
    w = np.exp(X_cal[:, 0] / 2)
    w_test = np.array([0.5, 1.0, 2.0, 3.0])
    reg = ConformalRegressor(model).conformalize(X_cal, y_cal, shift_weight=w)
    order = np.argsort(scores)
    want = []
    for wt in w_test:
        cum = np.cumsum(w[order]) / (w.sum() + wt)
        want.append(scores[order][np.searchsorted(cum, 0.9 - 1e-12)])
    want = np.array(want)
    np.testing.assert_allclose(
        reg.predict_interval(X_test, shift_weight=w_test),
        np.column_stack([mu - want, mu + want]),
    )


def test_normalized_score_with_a_prefit_sigma_estimator():
    rng = np.random.RandomState(3)
    X, y = heteroscedastic(rng, 200)
    model = LinearRegression().fit(X[:100], y[:100])
    sigma = Ridge().fit(X[:100], np.abs(y[:100] - model.predict(X[:100])) + 1.0)
    reg = ConformalRegressor(model, score="normalized", sigma_estimator=sigma)
    reg.conformalize(X[100:], y[100:])
    assert reg.sigma_estimator_ is sigma
    s_cal = sigma.predict(X[100:])
    q = _kth(np.abs(y[100:] - model.predict(X[100:])) / s_cal, 0.9)
    mu, s = model.predict(X[:3]), sigma.predict(X[:3])
    np.testing.assert_allclose(
        reg.predict_interval(X[:3]), np.column_stack([mu - q * s, mu + q * s])
    )
    unfitted = ConformalRegressor(model, score="normalized", sigma_estimator=Ridge())
    with pytest.raises(NotFittedError, match="sigma_estimator Ridge is not fitted"):
        unfitted.conformalize(X[100:], y[100:])
    with pytest.raises(TypeError, match="needs sigma"):
        ConformalRegressor(model, score="normalized").conformalize(X[100:], y[100:])


def test_fit_and_conformalize_share_the_calibration_step():
    rng = np.random.RandomState(4)
    X, y = heteroscedastic(rng, 120)
    fitted = ConformalRegressor(Ridge(), random_state=0).fit(X, y)
    cal = fitted.calibration_indices_
    prefit = ConformalRegressor(fitted.estimator_).conformalize(X[cal], y[cal])
    np.testing.assert_array_equal(
        prefit.predict_interval(X[:6], coverage=[0.7, 0.9]),
        fitted.predict_interval(X[:6], coverage=[0.7, 0.9]),
    )


@pytest.mark.parametrize(
    "cls, unfitted",
    [
        (ConformalRegressor, Ridge()),
        (ConformalQuantileRegressor, ShiftedQuantiles()),
        (ConformalClassifier, LogisticRegression()),
    ],
)
def test_unfitted_or_missing_estimator_is_refused(cls, unfitted):
    rng = np.random.RandomState(5)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="estimator is None"):
        cls(None).conformalize(X, y)
    with pytest.raises(
        NotFittedError,
        match=r"already fitted estimator, but estimator \w+ is not fitted: fit it "
        r"first, or call fit\(X, y\)",
    ):
        cls(unfitted).conformalize(X, y)


@pytest.mark.parametrize(
    "cls, method",
    [
        (ConformalRegressor, "cv_plus"),
        (ConformalRegressor, "jackknife_plus_ab"),
        (ConformalClassifier, "cv_plus"),
        (ConformalQuantileRegressor, "cv_plus"),
    ],
)
def test_only_split_can_conformalize(cls, method):
    rng = np.random.RandomState(6)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(
        ValueError, match=rf"method='{method}' fits one model per fold .* use a single"
    ):
        cls(model, method=method).conformalize(X, y)


def test_calibration_X_is_checked_against_the_fitted_estimator():
    rng = np.random.RandomState(7)
    X, y = heteroscedastic(rng, 80)
    frame = pd.DataFrame(X, columns=["a", "b"])
    model = Ridge().fit(frame[:40], y[:40])
    reg = ConformalRegressor(model).conformalize(frame[40:], y[40:])
    assert reg.n_features_in_ == 2
    assert reg.feature_names_in_.tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="but ConformalRegressor is expecting 2 "):
        ConformalRegressor(Ridge().fit(X[:40], y[:40])).conformalize(
            np.hstack([X[40:], X[40:]]), y[40:]
        )
    # checked by the calibrator itself, not only by the estimator's predict
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ConformalRegressor(model).conformalize(X[40:], y[40:])
    assert any(
        "but ConformalRegressor was fitted with feature names" in str(w.message)
        for w in caught
    )
    renamed = frame.rename(columns={"b": "c"})
    with pytest.raises(ValueError, match="feature names"):
        ConformalRegressor(model).conformalize(renamed[40:], y[40:])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ConformalRegressor(model).conformalize(frame[40:], y[41:])


# -- classifier --------------------------------------------------------------
def test_classifier_lac_sets_reference_and_classes_from_the_estimator():
    rng = np.random.RandomState(8)
    X, y = draw_known(rng, 300)
    labels = np.array(["a", "b", "c"])[y]
    model = KnownProba(softmax=True).fit(X[:10], labels[:10])
    before = pickle.dumps(model)
    clf = ConformalClassifier(model, coverage=0.85).conformalize(X[10:], labels[10:])
    clf.predict_set(X[:5])
    assert clf.estimator_ is model and clf.estimators_ == [model]
    assert pickle.dumps(model) == before
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    proba = model.predict_proba(X[10:])
    scores = 1.0 - proba[np.arange(290), y[10:]]
    q = _kth(scores, 0.85)
    np.testing.assert_array_equal(
        clf.predict_set(X[:20]), 1.0 - model.predict_proba(X[:20]) <= q
    )
    # class-conditional: one quantile per class
    cc = ConformalClassifier(model, class_conditional=True, coverage=0.85)
    cc.conformalize(X[10:], labels[10:])
    q_c = np.array([_kth(scores[y[10:] == c], 0.85) for c in range(3)])
    np.testing.assert_array_equal(
        cc.predict_set(X[:20]), 1.0 - model.predict_proba(X[:20]) <= q_c
    )
    with pytest.raises(
        ValueError, match=r"labels the estimator was not fitted on: \['d'\]"
    ):
        ConformalClassifier(model).conformalize(X[:3], np.array(["a", "d", "b"]))


# -- quantile regressor ------------------------------------------------------
def test_cqr_prefit_reference_and_single_level_models_are_refused():
    rng = np.random.RandomState(9)
    X, y = heteroscedastic(rng, 120)
    model = ShiftedQuantiles().fit(X[:10], y[:10])
    before = pickle.dumps(model)
    cqr = ConformalQuantileRegressor(model, coverage=0.8).conformalize(X[10:], y[10:])
    assert cqr.estimators_[0] is model and len(cqr.estimators_) == 1
    assert cqr.calibration_indices_.tolist() == list(range(110))
    lo, hi = model.predict(X[10:]).T
    q = _kth(np.maximum(lo - y[10:], y[10:] - hi), 0.8)
    lo_t, hi_t = model.predict(X[:4]).T
    np.testing.assert_allclose(
        cqr.predict_interval(X[:4]), np.column_stack([lo_t - q, hi_t + q])
    )
    np.testing.assert_allclose(cqr.predict(X[:4]), (lo_t + hi_t) / 2)
    assert pickle.dumps(model) == before
    from sklearn.ensemble import GradientBoostingRegressor

    single = GradientBoostingRegressor(loss="quantile", alpha=0.9, n_estimators=5)
    single.fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="predicts a single level"):
        ConformalQuantileRegressor(single).conformalize(X[10:], y[10:])


# -- coverage by simulation, from both sides ----------------------------------
def _normal_xy(rng, n):
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + rng.normal(size=n)


@pytest.mark.parametrize("kind", ["regressor", "cqr", "classifier"])
def test_prefit_coverage_is_exactly_k_over_n_plus_one(kind):
    """n_cal = 19 at 90%: rank 18, coverage 18/20 = 0.90; ranks 17 or 19 would give
    0.85 or 0.95, more than 10 Monte-Carlo standard errors away."""
    n_reps, n_cal, n_test = 300, 19, 100
    rng = np.random.RandomState(10)
    if kind == "regressor":
        X0, y0 = _normal_xy(rng, 50)
        model = LinearRegression().fit(X0, y0)
        wrapper = ConformalRegressor(model, coverage=0.9)
        draw = _normal_xy

        def covered(est, X, y):
            b = est.predict_interval(X)
            return np.mean((b[:, 0] <= y) & (y <= b[:, 1]))

    elif kind == "cqr":
        wrapper = ConformalQuantileRegressor(
            ShiftedQuantiles().fit(np.zeros((1, 2)), [0])
        )
        draw = _normal_xy

        def covered(est, X, y):
            b = est.predict_interval(X)
            return np.mean((b[:, 0] <= y) & (y <= b[:, 1]))

    else:
        model = KnownProba(softmax=True).fit(np.zeros((3, 3)), [0, 1, 2])
        wrapper = ConformalClassifier(model, coverage=0.9)
        draw = draw_known

        def covered(est, X, y):
            return np.mean(est.predict_set(X)[np.arange(len(y)), y])

    rng = np.random.RandomState(11)
    cover = np.empty(n_reps)
    for r in range(n_reps):
        X, y = draw(rng, n_cal + n_test)
        wrapper.conformalize(X[:n_cal], y[:n_cal])
        cover[r] = covered(wrapper, X[n_cal:], y[n_cal:])
    ok, se = within(cover.mean(), 18 / 20, rep_variance(0.9, n_cal, n_test), n_reps)
    assert ok, (cover.mean(), se)


# -- peers ------------------------------------------------------------------
def test_regressor_equals_mapie_and_crepes_prefit():
    mapie_regression = pytest.importorskip("mapie.regression")
    crepes = pytest.importorskip("crepes")
    X, y, _ = _grunfeld()
    train, cal, test = _parts(len(y))
    model = Ridge(alpha=1.0).fit(X[train], y[train])
    ours = ConformalRegressor(model, coverage=0.9).conformalize(X[cal], y[cal])
    got = ours.predict_interval(X[test])
    mapie = mapie_regression.SplitConformalRegressor(
        model, confidence_level=0.9, prefit=True
    ).conformalize(X[cal], y[cal])
    _, mapie_bounds = mapie.predict_interval(X[test])
    np.testing.assert_allclose(got, mapie_bounds[:, :, 0], rtol=1e-12)
    wrapped = crepes.WrapRegressor(model)
    wrapped.calibrate(X[cal], y[cal])
    np.testing.assert_allclose(
        got, wrapped.predict_int(X[test], confidence=0.9), rtol=1e-12
    )
    assert np.ptp(got[:, 1] - got[:, 0]) < 1e-9  # absolute score: one width


def test_classifier_lac_equals_mapie_prefit():
    mapie_classification = pytest.importorskip("mapie.classification")
    X, _, firm = _grunfeld()
    train, cal, test = _parts(len(firm), (80, 70))
    model = LogisticRegression(C=10.0, max_iter=2000).fit(X[train], firm[train])
    ours = ConformalClassifier(model, score="lac", coverage=0.9)
    sets = ours.conformalize(X[cal], firm[cal]).predict_set(X[test])
    mapie = mapie_classification.SplitConformalClassifier(
        model, confidence_level=0.9, conformity_score="lac", prefit=True
    ).conformalize(X[cal], firm[cal])
    _, mapie_sets = mapie.predict_set(X[test])
    np.testing.assert_array_equal(sets, mapie_sets[:, :, 0])
    assert 1.2 < sets.sum(axis=1).mean() < 11  # sets of several firms


def test_cqr_equals_mapie_prefit_with_three_models():
    mapie_regression = pytest.importorskip("mapie.regression")
    from sklearn.linear_model import QuantileRegressor

    X, y, _ = _grunfeld()
    train, cal, test = _parts(len(y))
    models = [
        QuantileRegressor(quantile=q, alpha=0.0, solver="highs").fit(X[train], y[train])
        for q in (0.05, 0.95, 0.5)
    ]
    ours = ConformalQuantileRegressor(
        StackedQuantiles(models[:2], quantiles=[0.05, 0.95]), coverage=0.9
    ).conformalize(X[cal], y[cal])
    mapie = mapie_regression.ConformalizedQuantileRegressor(
        models, confidence_level=0.9, prefit=True
    ).conformalize(X[cal], y[cal])
    _, mapie_bounds = mapie.predict_interval(X[test], symmetric_correction=True)
    np.testing.assert_allclose(
        ours.predict_interval(X[test]), mapie_bounds[:, :, 0], rtol=1e-12
    )


@pytest.mark.parametrize("coverage", [0.8, 0.9, 0.95])
def test_mapie_rank_convention_is_ours_at_integer_boundaries(coverage):
    """Scores 1..n make the quantile the rank itself: MAPIE 1.6's rank equals
    ``ceil((n + 1) coverage)`` also where ``(n + 1) coverage`` is an integer
    (n = 19, 39, 99), where a float product could round up one rank. The one
    difference: MAPIE refuses ``n < 1 / alpha`` (19 rows at 95%) where the
    conformal quantile is still finite, the largest score (rank 19)."""
    mapie_regression = pytest.importorskip("mapie.regression")

    class Zero(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.n_features_in_ = 1
            return self

        def predict(self, X):
            return np.zeros(len(X))

    for n in (19, 39, 60, 99):
        X, y = np.zeros((n, 1)), np.arange(1.0, n + 1)
        model = Zero().fit(X, y)
        ours = ConformalRegressor(model, coverage=coverage).conformalize(X, y)
        mapie = mapie_regression.SplitConformalRegressor(
            model, confidence_level=coverage, prefit=True
        ).conformalize(X, y)
        want = math.ceil(round((n + 1) * coverage, 9))
        assert ours.predict_interval(X[:1])[0, 1] == want
        if n < round(1 / (1 - coverage)):
            with pytest.raises(ValueError, match="too low"):
                mapie.predict_interval(X[:1])
        else:
            assert mapie.predict_interval(X[:1])[1][0, 1, 0] == want
