"""Mutation tests of ConformalClassifier.conformalize's calibration step.

``_calibrate_prefit``, ``_calibrate_split`` and ``_true_label_scores``: whole
messages for bad ``classes_`` and labels (lists cut at ten), binary models,
APS/RAPS scores and shift weights against references computed by hand from
the known probabilities, the seed drawn from ``random_state`` and the rows
held out for RAPS tuning.
"""

import math
import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedShuffleSplit

from skvariance.calibration import CalibrationSizeWarning, ConformalClassifier
from skvariance.utils import derive_seeds

from ._helpers import KnownProba


class _Classes(BaseEstimator):
    """A fitted model whose ``classes_`` is given (or absent: ``None``)."""

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        if self.classes is not None:
            self.classes_ = np.asarray(self.classes)
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.full((X.shape[0], 2), 0.5)


def _raises(err, msg):
    return pytest.raises(err, match="^" + re.escape(msg) + "$")


def _probas(rng, n, k):
    p = rng.dirichlet(np.ones(k), size=n)
    return p, np.array([rng.choice(k, p=row) for row in p])


def _kth(scores, coverage):
    k = math.ceil(round((scores.size + 1) * coverage, 9))
    return np.inf if k > scores.size else np.sort(scores)[k - 1]


def _cumulative(p, y, penalty=0.0, k_reg=1):
    """Non-randomised APS/RAPS score of label y: mass ranked at or above it."""
    order = np.argsort(-p, kind="stable")
    rank = np.flatnonzero(order == y)[0] + 1
    return p[order[:rank]].sum() + penalty * max(0, rank - k_reg)


def test_classes_messages():
    X = np.zeros((4, 2))
    y = np.array([0, 1, 0, 1])
    with _raises(
        TypeError,
        "estimator _Classes has no 1-d classes_: conformalize needs a fitted "
        "single-output classifier.",
    ):
        ConformalClassifier(_Classes().fit(X)).conformalize(X, y)
    two_d = _Classes(classes=[[0, 1], [0, 1]]).fit(X)
    with _raises(
        TypeError,
        "estimator _Classes has no 1-d classes_: conformalize needs a fitted "
        "single-output classifier.",
    ):
        ConformalClassifier(two_d).conformalize(X, y)
    with _raises(
        ValueError,
        "the estimator's classes_ [0] must be at least two distinct labels in "
        "sorted order.",
    ):
        ConformalClassifier(_Classes(classes=[0]).fit(X)).conformalize(X, y)
    unsorted = _Classes(classes=np.arange(12)[::-1]).fit(X)
    with _raises(
        ValueError,
        "the estimator's classes_ [11, 10, 9, 8, 7, 6, 5, 4, 3, 2] must be at "
        "least two distinct labels in sorted order.",
    ):
        ConformalClassifier(unsorted).conformalize(X, y)


def test_unknown_labels_messages():
    X = np.zeros((12, 2))
    twelve = _Classes(classes=np.arange(12)).fit(X)
    with _raises(
        ValueError,
        "y_cal has labels the estimator was not fitted on: "
        "[100, 101, 102, 103, 104, 105, 106, 107, 108, 109]; its classes_ are "
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].",
    ):
        ConformalClassifier(twelve).conformalize(X, np.arange(100, 112))
    # a label above the largest class, beside known ones
    three = _Classes(classes=[0, 1, 2]).fit(X[:4])
    with _raises(
        ValueError,
        "y_cal has labels the estimator was not fitted on: [5]; its classes_ "
        "are [0, 1, 2].",
    ):
        ConformalClassifier(three).conformalize(X[:4], np.array([0, 2, 5, 1]))


def test_binary_lac_reference_on_every_row():
    rng = np.random.default_rng(0)
    p, y = _probas(rng, 60, 2)
    model = KnownProba().fit(p, y)
    clf = ConformalClassifier(model, coverage=0.8).conformalize(p, y)
    scores = 1.0 - p[np.arange(60), y]
    np.testing.assert_array_equal(clf.calibration_indices_, np.arange(60))
    np.testing.assert_allclose(clf.conformity_scores_, scores, rtol=0, atol=1e-15)
    test, _ = _probas(rng, 30, 2)
    np.testing.assert_array_equal(
        clf.predict_set(test), 1.0 - test <= _kth(scores, 0.8)
    )


@pytest.mark.parametrize("score, penalty, k_reg", [("aps", 0.0, 1), ("raps", 0.1, 2)])
def test_nonrandomized_scores_reference(score, penalty, k_reg):
    rng = np.random.default_rng(1)
    p, y = _probas(rng, 50, 4)
    model = KnownProba().fit(p, y)
    clf = ConformalClassifier(
        model, score=score, randomized=False, penalty=penalty, k_reg=k_reg
    ).conformalize(p, y)
    want = [_cumulative(p[i], y[i], penalty, k_reg) for i in range(50)]
    np.testing.assert_allclose(clf.conformity_scores_, want, rtol=0, atol=1e-12)


def test_shift_weights_reference():
    # weighted conformal (Tibshirani et al.): the test weight sits at +inf
    rng = np.random.default_rng(2)
    p, y = _probas(rng, 80, 3)
    w = np.exp(p[:, 0])
    model = KnownProba().fit(p, y)
    clf = ConformalClassifier(model, coverage=0.8).conformalize(p, y, shift_weight=w)
    scores = 1.0 - p[np.arange(80), y]
    order = np.argsort(scores)
    test, _ = _probas(rng, 4, 3)
    w_test = np.array([0.5, 1.0, 2.0, 8.0])
    want = []
    for wt in w_test:
        cum = np.cumsum(w[order]) / (w.sum() + wt)
        k = np.searchsorted(cum, 0.8 - 1e-12)
        want.append(1.0 - test[len(want)] <= (scores[order][k] if k < 80 else np.inf))
    np.testing.assert_array_equal(clf.predict_set(test, shift_weight=w_test), want)


def test_random_state_keys_the_aps_draws():
    rng = np.random.default_rng(3)
    p, y = _probas(rng, 40, 3)
    model = KnownProba().fit(p, y)

    def scores(rs):
        clf = ConformalClassifier(model, score="aps", random_state=rs)
        return clf.conformalize(p, y).conformity_scores_

    np.testing.assert_array_equal(scores(0), scores(0))
    assert not np.array_equal(scores(0), scores(1))


def test_raps_tuning_rows_and_weights():
    # the seed of the draws comes first from random_state, then the tuning
    # split's; the tuning rows leave the calibration set with their weights
    rng = np.random.default_rng(4)
    p, y = _probas(rng, 200, 3)
    w = np.exp(2 * p[:, 0])
    model = KnownProba().fit(p, y)
    clf = ConformalClassifier(
        model,
        score="raps",
        k_reg="auto",
        penalty="auto",
        randomized=False,
        coverage=0.8,
        tuning_size=0.3,
        random_state=7,
    ).conformalize(p, y, shift_weight=w)
    state = np.random.RandomState(7)
    derive_seeds(state, 1)
    seed = int(derive_seeds(state, 1)[0])
    split = StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=seed)
    tune = np.sort(next(split.split(np.arange(200), y))[1])
    np.testing.assert_array_equal(clf.tuning_indices_, tune)
    cal = np.setdiff1d(np.arange(200), tune)
    np.testing.assert_array_equal(clf.calibration_indices_, cal)
    scores = np.array([_cumulative(p[i], y[i], clf.penalty_, clf.k_reg_) for i in cal])
    np.testing.assert_allclose(clf.conformity_scores_, scores, rtol=0, atol=1e-12)
    # a test point of weight 1: the weighted quantile of the calibration rows
    order = np.argsort(scores)
    cum = np.cumsum(w[cal][order]) / (w[cal].sum() + 1.0)
    q = scores[order][np.searchsorted(cum, 0.8 - 1e-12)]
    test, _ = _probas(rng, 20, 3)
    # non-randomised sets: a label is in when the label ranked above it
    # scores below q (the top label always is)
    want = np.zeros((20, 3), dtype=bool)
    for i, t in enumerate(test):
        order = np.argsort(-t, kind="stable")
        above = -np.inf
        for c in order:
            want[i, c] = above < q
            above = _cumulative(t, c, clf.penalty_, clf.k_reg_)
    np.testing.assert_array_equal(clf.predict_set(test, shift_weight=np.ones(20)), want)


def test_small_group_warning_names_the_group_label():
    # group "b" has 3 calibration rows, too few for 90%: the warning names
    # the group by its label
    rng = np.random.default_rng(5)
    p, y = _probas(rng, 40, 3)
    groups = np.where(np.arange(40) < 3, "b", "a")
    model = KnownProba().fit(p, y)
    clf = ConformalClassifier(model, coverage=0.9).conformalize(p, y, groups=groups)
    msg = (
        "calibration group 'b' has 3 samples; coverage 0.9 needs at least 9: "
        "the conformal quantile is +inf, so every prediction set of its test "
        "points holds every label"
    )
    with pytest.warns(CalibrationSizeWarning, match="^" + re.escape(msg)):
        sets = clf.predict_set(p[:2], groups=np.array(["b", "b"]))
    assert sets.all()
