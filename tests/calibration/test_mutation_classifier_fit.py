"""Tests written against mutants of ``ConformalClassifier.fit`` that survived.

``fit`` is wrapped in scikit-learn's ``@_fit_context``, which mutmut skips;
these tests were checked against its body moved out by
``tools/mutation_unwrap.py`` (doc/developers.rst, "Mutation testing").
Messages are matched whole; references are computed here.
"""

import threading

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from skvariance.calibration import ConformalClassifier

from ._helpers import KnownProba, draw_known, whole


@pytest.fixture
def data():
    rng = np.random.RandomState(5)
    return draw_known(rng, 60)


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_n_jobs_zero_is_rejected_before_fitting(data, method):
    # split never starts a worker pool: only fit's own check can refuse 0
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
            "int (-1 for all cores)."
        ),
    ):
        ConformalClassifier(KnownProba(softmax=True), method=method, n_jobs=0).fit(X, y)


def test_one_class_message_inwhole(data):
    X, _ = data
    with pytest.raises(
        ValueError,
        match=whole("y has only one class ['a']; conformal sets need at least two."),
    ):
        ConformalClassifier(LogisticRegression()).fit(X, np.full(len(X), "a"))


def test_all_zero_shift_weights_are_refused_before_the_method_check(data):
    # the weights are checked (positive total) at fit's entry, whatever the
    # method: the method's own objection comes second
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            "shift_weight is zero for every calibration row: weighted conformal "
            "prediction needs a positive total weight on the calibration set."
        ),
    ):
        ConformalClassifier(KnownProba(softmax=True), method="cv_plus").fit(
            X, y, shift_weight=np.zeros(len(X))
        )


def test_cross_method_shift_message_inwhole(data):
    X, y = data
    message = whole(
        "covariate-shift weights (shift_weight, weight_function) need "
        "method='split', got method='cv_plus'."
    )
    clf = ConformalClassifier(KnownProba(softmax=True), method="cv_plus")
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, shift_weight=np.ones(len(X)))
    clf.set_params(weight_function=lambda Z: np.ones(len(Z)))
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


class Recorder(KnownProba):
    """KnownProba (softmax) that records its training rows and thread."""

    threads: list = []

    def __init__(self, softmax=True):
        super().__init__(softmax=softmax)

    def fit(self, X, y):
        Recorder.threads.append(threading.current_thread().name)
        self.rows_ = np.asarray(X)[:, 3].astype(int)
        return super().fit(X, y)


def _with_ids(X):
    return np.column_stack([X, np.arange(len(X))])


@pytest.mark.parametrize("cv", [2, 5])
def test_cv_plus_folds_are_stratified_and_every_fold_is_fitted(cv):
    # an int cv is StratifiedKFold(cv) on the labels: fold k's model is
    # fitted on the complement of its test fold, and every row is scored
    rng = np.random.RandomState(1)
    X, y = draw_known(rng, 41)
    y = np.where(y == 2, "c", np.where(y == 1, "b", "a"))
    clf = ConformalClassifier(Recorder(), method="cv_plus", cv=cv).fit(_with_ids(X), y)
    folds = list(StratifiedKFold(cv).split(X, y))
    assert len(clf.estimators_) == cv
    for model, (train, _) in zip(clf.estimators_, folds):
        np.testing.assert_array_equal(np.sort(model.rows_), train)
    assert clf.conformity_scores_.shape == (41,)


def test_cv_plus_models_follow_n_jobs():
    # n_jobs=1 is sequential even inside a context asking for 2 workers
    rng = np.random.RandomState(2)
    X, y = draw_known(rng, 30)
    Recorder.threads = []
    with parallel_config(backend="threading", n_jobs=2):
        ConformalClassifier(Recorder(), method="cv_plus", cv=3, n_jobs=1).fit(
            _with_ids(X), y
        )
    assert Recorder.threads == [threading.current_thread().name] * 3


def test_cv_plus_verbose_prints_joblib_progress(capsys):
    rng = np.random.RandomState(2)
    X, y = draw_known(rng, 30)
    ConformalClassifier(Recorder(), method="cv_plus", cv=3, verbose=10).fit(
        _with_ids(X), y
    )
    assert "Done" in capsys.readouterr().err


class SeededRecorder(Recorder):
    """``Recorder`` with a ``random_state`` it does not use."""

    def __init__(self, softmax=True, random_state=None):
        super().__init__(softmax=softmax)
        self.random_state = random_state


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_models_get_their_own_reproducible_seeds(method):
    rng = np.random.RandomState(2)
    X, y = draw_known(rng, 30)
    seeds = [
        [
            m.random_state
            for m in ConformalClassifier(
                SeededRecorder(), method=method, cv=3, random_state=4
            )
            .fit(_with_ids(X), y)
            .estimators_
        ]
        for _ in range(2)
    ]
    assert all(isinstance(s, int) for s in seeds[0])
    assert len(set(seeds[0])) == len(seeds[0]) == (1 if method == "split" else 3)
    assert seeds[0] == seeds[1]


@pytest.mark.parametrize("score", ["aps", "raps"])
def test_randomized_draws_are_reproducible(score):
    # the key of the draws u comes from random_state: the same random_state
    # gives the same randomized calibration scores and sets
    rng = np.random.RandomState(6)
    X, y = draw_known(rng, 60)
    fits = [
        ConformalClassifier(
            KnownProba(softmax=True), score=score, randomized=True, random_state=1
        ).fit(X, y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(*(f.conformity_scores_ for f in fits))
    np.testing.assert_array_equal(*(f.predict_set(X[:20]) for f in fits))
