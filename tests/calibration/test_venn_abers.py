"""VennAbersClassifier: brute force, the venn-abers package, validity, API."""

import contextlib
import pickle
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_breast_cancer, load_wine, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier
from skvariance.calibration._venn_abers import (
    venn_abers_interval,
    venn_abers_tables,
)


def naive_pair(cal_scores, cal_y, test_scores):
    """The definition: isotonic regression refitted with (s, 0) and (s, 1)."""
    out = np.empty((len(test_scores), 2))
    for t, s in enumerate(test_scores):
        for label in (0, 1):
            iso = IsotonicRegression(out_of_bounds="clip").fit(
                np.append(cal_scores, s), np.append(cal_y, label)
            )
            out[t, label] = iso.predict([s])[0]
    return out


def _va():
    """The venn-abers package, without its global np.seterr change."""
    state = np.geterr()
    module = pytest.importorskip("venn_abers.venn_abers")
    np.seterr(**state)
    return module


@contextlib.contextmanager
def _quiet():
    """The package divides 0 by 0 on purpose (NaN slopes it then skips)."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _shuffled(loader, seed=0):
    X, y = loader(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    return X[order], y[order]


# -- the fast algorithm against the definition --------------------------------
@pytest.mark.parametrize("seed", range(3))
def test_tables_equal_isotonic_refits_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 25
    cal = rng.integers(0, 8, n) / 7.0  # many ties
    y = rng.integers(0, 2, n)
    # test scores on calibration scores, between them and outside their range
    test = np.concatenate([np.unique(cal), [-0.5, 0.07, 0.5, 1.5], rng.uniform(size=4)])
    p0, p1 = venn_abers_interval(venn_abers_tables(cal, y), test)
    np.testing.assert_allclose(
        np.column_stack([p0, p1]), naive_pair(cal, y, test), rtol=0, atol=1e-12
    )
    assert np.all(p0 <= p1)


def split_pair_by_hand(X, y, X_test, calibration_size, seed):
    """The Venn-Abers pair of a GaussianNB fitted on the training rows of an
    independent stratified ``train_test_split`` with the classifier's seed."""
    train, cal = train_test_split(
        np.arange(y.size), test_size=calibration_size, random_state=seed, stratify=y
    )
    model = GaussianNB().fit(X[train], y[train])
    return naive_pair(
        model.predict_proba(X[cal])[:, 1], y[cal], model.predict_proba(X_test)[:, 1]
    )


def test_estimator_interval_equals_refits_on_calibration_rows():
    # the classifier's own split: the reference takes its calibration rows
    # from an independent train_test_split with the same seed
    X, y = make_classification(n_samples=80, random_state=1)
    va = VennAbersClassifier(GaussianNB(), calibration_size=30, random_state=5)
    va.fit(X, y)
    X_test = X[:12]
    ref = split_pair_by_hand(X, y, X_test, calibration_size=30, seed=5)
    np.testing.assert_allclose(va.predict_proba_interval(X_test), ref, atol=1e-12)
    p = ref[:, 1] / (1 - ref[:, 0] + ref[:, 1])
    np.testing.assert_allclose(va.predict_proba(X_test)[:, 1], p, atol=1e-12)


def test_cross_merge_is_geometric_mean_rule():
    X, y = make_classification(n_samples=90, random_state=2)
    X_test = X[:15] + 0.3
    va = VennAbersClassifier(GaussianNB(), method="cross", cv=3, random_state=4)
    va.fit(X, y)
    folds = StratifiedKFold(3, shuffle=True, random_state=4).split(X, y)
    pairs = []
    for train, cal in folds:
        model = GaussianNB().fit(X[train], y[train])
        pairs.append(
            naive_pair(
                model.predict_proba(X[cal])[:, 1],
                y[cal],
                model.predict_proba(X_test)[:, 1],
            )
        )
    p0 = np.column_stack([q[:, 0] for q in pairs])
    p1 = np.column_stack([q[:, 1] for q in pairs])
    gm1 = np.prod(p1, axis=1) ** (1 / 3)
    gm0 = np.prod(1 - p0, axis=1) ** (1 / 3)
    np.testing.assert_allclose(
        va.predict_proba(X_test)[:, 1], gm1 / (gm0 + gm1), atol=1e-12
    )
    interval = va.predict_proba_interval(X_test)
    np.testing.assert_allclose(
        interval, np.column_stack([p0.mean(1), p1.mean(1)]), atol=1e-12
    )


# -- identical to the venn-abers package ---------------------------------------
@pytest.mark.parametrize("inductive", [True, False])
def test_binary_equals_venn_abers_package(inductive):
    va_pkg = _va()
    X, y = _shuffled(load_breast_cancer)
    X_train, y_train, X_test = X[:-60], y[:-60], X[-60:]
    if inductive:
        kw = dict(inductive=True, cal_size=0.3, stratify=y_train)
    else:
        kw = dict(inductive=False, n_splits=4)
    peer = va_pkg.VennAbersCalibrator(GaussianNB(), random_state=7, **kw)
    with _quiet():
        peer.fit(X_train, y_train)
        proba, p0p1 = peer.predict_proba(X_test, p0_p1_output=True)
    ours = VennAbersClassifier(
        GaussianNB(),
        method="inductive" if inductive else "cross",
        calibration_size=0.3,
        cv=4,
        random_state=7,
    ).fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(X_test), proba, rtol=0, atol=1e-12)
    n_folds = 1 if inductive else 4
    p0, p1 = p0p1[0][:, :n_folds], p0p1[0][:, n_folds:]
    np.testing.assert_allclose(
        ours.predict_proba_interval(X_test),
        np.column_stack([p0.mean(1), p1.mean(1)]),
        rtol=0,
        atol=1e-12,
    )


@pytest.mark.parametrize("inductive", [True, False])
def test_multiclass_equals_venn_abers_package(inductive):
    va_pkg = _va()
    X, y = _shuffled(load_wine, seed=3)
    X_train, y_train, X_test = X[:-40], y[:-40], X[-40:]
    kw = (
        dict(inductive=True, cal_size=0.3)
        if inductive
        else dict(inductive=False, n_splits=3)
    )
    peer = va_pkg.VennAbersCalibrator(GaussianNB(), random_state=11, **kw)
    with _quiet():
        peer.fit(X_train, y_train)
        proba, p0p1 = peer.predict_proba(X_test, p0_p1_output=True)
    ours = VennAbersClassifier(
        GaussianNB(),
        method="inductive" if inductive else "cross",
        calibration_size=0.3,
        cv=3,
        stratify=False,  # the package splits each pair's rows unstratified
        random_state=11,
    ).fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(X_test), proba, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.pairs_, [[0, 1], [0, 2], [1, 2]])
    if inductive:
        np.testing.assert_allclose(
            ours.predict_proba_interval(X_test), np.stack(p0p1, axis=1), atol=1e-12
        )


def test_prefit_equals_venn_abers_package_manual_mode():
    va_pkg = _va()
    X, y = _shuffled(load_wine, seed=5)
    model = LogisticRegression(max_iter=5000).fit(X[:60], y[:60])
    X_cal, y_cal, X_test = X[60:140], y[60:140], X[140:]
    ours = VennAbersClassifier(model).conformalize(X_cal, y_cal)
    with _quiet():
        proba, p0p1 = va_pkg.predict_proba_prefitted_va(
            model.predict_proba(X_cal), y_cal, model.predict_proba(X_test)
        )
    np.testing.assert_allclose(ours.predict_proba(X_test), proba, atol=1e-12)
    np.testing.assert_allclose(
        ours.predict_proba_interval(X_test), np.stack(p0p1, axis=1), atol=1e-12
    )
    # binary: VennAbers fitted on the calibration probabilities directly
    yb = (y == 0).astype(int)
    model = LogisticRegression(max_iter=5000).fit(X[:60], yb[:60])
    ours = VennAbersClassifier(model).conformalize(X_cal, yb[60:140])
    with _quiet():
        peer = va_pkg.VennAbers().fit(model.predict_proba(X_cal), yb[60:140])
        proba, pair = peer.predict_proba(model.predict_proba(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), proba, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba_interval(X_test), pair, atol=1e-12)


# -- validity by simulation ----------------------------------------------------
def _simulate(n_cal, n_reps, rng):
    """Raw scores s ~ U(0, 1) with P(y=1 | s) = s**2 (miscalibrated)."""
    p0 = np.empty(n_reps)
    p1 = np.empty(n_reps)
    y_test = np.empty(n_reps)
    for r in range(n_reps):
        s = rng.uniform(size=n_cal + 1)
        y = (rng.uniform(size=n_cal + 1) < s**2).astype(int)
        a, b = venn_abers_interval(venn_abers_tables(s[:-1], y[:-1]), s[-1:])
        p0[r], p1[r], y_test[r] = a[0], b[0], y[-1]
    return p0, p1, y_test


def test_the_true_labels_probability_is_calibrated():
    # Venn prediction: p_Y (p1 if the test label is 1, else p0) is
    # perfectly calibrated, so E[y - p_Y] = 0 exactly for any n
    rng = np.random.default_rng(0)
    n_reps = 4000
    p0, p1, y = _simulate(10, n_reps, rng)
    p_true = np.where(y == 1, p1, p0)
    se = np.std(y - p_true) / np.sqrt(n_reps)
    assert abs(np.mean(y - p_true)) < 4 * se
    # mean(y) within [mean p0, mean p1], and not by construction: the
    # other label's probability is far off
    assert np.mean(p0) < np.mean(y) < np.mean(p1)
    p_wrong = np.where(y == 1, p0, p1)
    assert abs(np.mean(y - p_wrong)) > 10 * se
    # raw scores are miscalibrated by 1/2 - 1/3 on average: visible here
    assert np.mean(y) < 0.36


def test_interval_shrinks_with_calibration_size():
    rng = np.random.default_rng(1)
    low, high = [], []
    for n_cal in (10, 100, 1000):
        p0, p1, y = _simulate(n_cal, 300, rng)
        low.append(np.mean(p0))
        high.append(np.mean(p1))
    low, high = np.array(low), np.array(high)
    # both ends move in: p0 up, p1 down, towards E[y] = 1/3
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) < 0)
    assert np.all(np.abs([low[-1], high[-1]]) - 1 / 3 < 0.05)
    # each tenfold increase divides the width by more than 3 (n ** -2/3)
    width = high - low
    assert width[0] > 3 * width[1] > 9 * width[2] > 0


# -- prefit contract -----------------------------------------------------------
def test_conformalize_neither_refits_nor_mutates_and_uses_every_row():
    X, y = make_classification(n_samples=200, random_state=3)
    model = GaussianNB().fit(X[:100], y[:100])
    before = pickle.dumps(model)
    va = VennAbersClassifier(model).conformalize(X[100:150], y[100:150])
    assert pickle.dumps(model) == before
    assert va.estimators_[0][0] is model
    ref = naive_pair(
        model.predict_proba(X[100:150])[:, 1],
        y[100:150],
        model.predict_proba(X[150:])[:, 1],
    )
    np.testing.assert_allclose(va.predict_proba_interval(X[150:]), ref, atol=1e-12)


def test_conformalize_rejects_bad_use():
    X, y = make_classification(n_samples=60, random_state=0)
    with pytest.raises(NotFittedError):
        VennAbersClassifier(GaussianNB()).conformalize(X, y)
    with pytest.raises(ValueError, match="needs an already fitted estimator"):
        VennAbersClassifier().conformalize(X, y)
    model = GaussianNB().fit(X, y)
    with pytest.raises(ValueError, match="method must be 'inductive'"):
        VennAbersClassifier(model, method="cross").conformalize(X, y)
    with pytest.raises(ValueError, match=r"labels \[2\] that the estimator"):
        VennAbersClassifier(model).conformalize(X, np.where(y == 1, 2, 0))


# -- scikit-learn API and bad input ---------------------------------------------
class _Spy(ClassifierMixin, BaseEstimator):
    """Records its fits (clone copies parameters: a class attribute);
    scores from decision_function only."""

    fits: list = []

    def fit(self, X, y):
        _Spy.fits.append(len(y))
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, X):
        return self.model_.decision_function(X)


def test_decision_function_equals_predict_proba_scores():
    # isotonic fits only see the order of the scores
    # not separable: no probability rounds to 0 or 1 (ties the scores lack)
    X, y = make_classification(n_samples=120, class_sep=0.5, flip_y=0.1, random_state=4)
    _Spy.fits = []
    a = VennAbersClassifier(_Spy(), random_state=0).fit(X, y)
    b = VennAbersClassifier(LogisticRegression(), random_state=0).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-12)
    assert _Spy.fits == [90]  # one fit, on the proper training rows


def test_bad_input_rejected_before_fitting():
    X, y = make_classification(n_samples=40, random_state=0)
    _Spy.fits = []
    with pytest.raises(ValueError, match="calibration_size=40"):
        VennAbersClassifier(_Spy(), calibration_size=40).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        VennAbersClassifier(_Spy()).fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="Unknown label type"):
        VennAbersClassifier(_Spy()).fit(X, np.linspace(0, 1, 40))
    with pytest.raises(ValueError, match="cv=50 folds need at least"):
        VennAbersClassifier(_Spy(), method="cross", cv=50).fit(X, y)
    assert _Spy.fits == []
    with pytest.raises(ValueError, match="'estimator' parameter"):
        VennAbersClassifier(IsotonicRegression()).fit(X, y)


def test_non_finite_scores_rejected():
    class NaNScores(_Spy):
        def decision_function(self, X):
            return np.full(len(X), np.nan)

    X, y = make_classification(n_samples=40, random_state=0)
    with pytest.raises(ValueError, match="non-finite scores"):
        VennAbersClassifier(NaNScores()).fit(X, y)


def test_same_random_state_same_result_for_any_n_jobs():
    X, y = _shuffled(load_wine, seed=1)
    kw = dict(method="cross", cv=3, random_state=0)
    a = VennAbersClassifier(GaussianNB(), n_jobs=1, **kw).fit(X, y).predict_proba(X)
    with parallel_config(backend="threading"):
        b = VennAbersClassifier(GaussianNB(), n_jobs=2, **kw).fit(X, y)
    b = b.predict_proba(X)
    np.testing.assert_array_equal(a, b)
    proba = VennAbersClassifier(GaussianNB(), **kw).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_equals_mapie_venn_abers():
    mapie_calibration = pytest.importorskip("mapie.calibration")
    X, y = _shuffled(load_wine, seed=2)
    X_train, y_train, X_test = X[:-40], y[:-40], X[-40:]
    with _quiet():
        peer = mapie_calibration.VennAbersCalibrator(
            GaussianNB(), inductive=False, n_splits=4, random_state=7
        ).fit(X_train, y_train)
        expected = peer.predict_proba(X_test)
    ours = VennAbersClassifier(GaussianNB(), method="cross", cv=4, random_state=7)
    ours.fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(X_test), expected, atol=1e-12)
    # prefit (MAPIE's cv="prefit"), binary
    X, y = _shuffled(load_breast_cancer, seed=2)
    model = GaussianNB().fit(X[:200], y[:200])
    with _quiet():
        peer = mapie_calibration.VennAbersCalibrator(model, cv="prefit")
        expected = peer.fit(X[200:450], y[200:450]).predict_proba(X[450:])
    ours = VennAbersClassifier(model).conformalize(X[200:450], y[200:450])
    np.testing.assert_allclose(ours.predict_proba(X[450:]), expected, atol=1e-12)
