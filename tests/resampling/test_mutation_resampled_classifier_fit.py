"""Mutation tests of ResampledClassifier's fit, partial_fit and predict_proba.

References by hand: messages spelled out, class masses from np.bincount,
the prior correction written out from what a recording estimator received,
never read from the fitted object.
"""

import re

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from skvariance.resampling import ResampledClassifier


class Recorder(ClassifierMixin, BaseEstimator):
    """Records every fit / partial_fit call and what predict_proba received."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y, sample_weight=None):
        call = ("fit", X, np.asarray(y), sample_weight)
        self.calls_ = getattr(self, "calls_", []) + [call]
        self.classes_ = np.unique(y)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        self.calls_ = getattr(self, "calls_", []) + [
            ("partial_fit", X, np.asarray(y), sample_weight)
        ]
        self.classes_ = np.asarray(classes)
        return self

    def predict_proba(self, X):
        self.seen_ = X
        k = len(self.classes_)
        if self.proba is None:
            return np.full((X.shape[0], k), 1 / k)
        return np.tile(np.asarray(self.proba, dtype=float), (X.shape[0], 1))

    def predict(self, X):
        return self.classes_[np.zeros(X.shape[0], dtype=int)]


def _data(counts, seed=0, n_features=2):
    rng = np.random.RandomState(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    return rng.normal(size=(len(y), n_features)) + y[:, None], y


def _raises(kind, message):
    return pytest.raises(kind, match="^" + re.escape(message) + "$")


def _mass(y, w=None, n=2):
    return np.bincount(y, weights=w, minlength=n).astype(float)


# -- fit ----------------------------------------------------------------------
def test_one_class_message_names_the_class():
    X, _ = _data([6, 4])
    msg = (
        "y has only one class (np.str_('a')); ResampledClassifier needs at "
        "least two classes."
    )
    with _raises(ValueError, msg):
        ResampledClassifier(Recorder()).fit(X, np.full(10, "a"))


def test_cv_correction_row_count_rule_and_message():
    X, y = _data([20, 2])
    msg = (
        "prior_correction='cv' with cv=3 needs at least 3 rows of every class; "
        "class np.int64(1) has 2. Use fewer folds or prior_correction=True."
    )
    clf = ResampledClassifier(LogisticRegression(), prior_correction="cv", cv=3)
    with _raises(ValueError, msg):
        clf.fit(X, y)
    # exactly cv rows of the rarest class is enough
    X, y = _data([20, 3])
    clf.set_params(random_state=0).fit(X, y)
    assert np.isfinite(clf.calibration_coef_)


def test_fit_class_prior_is_the_weighted_class_mass():
    X, y = _data([30, 10])
    w = np.random.RandomState(1).uniform(0.2, 3.0, size=len(y))
    for strategy in ("upweight", "upsample", "none"):
        clf = ResampledClassifier(Recorder(), strategy=strategy, random_state=0)
        clf.fit(X, y, sample_weight=w)
        mass = _mass(y, w)
        np.testing.assert_allclose(clf.class_prior_, mass / mass.sum())


def test_fit_without_schedule_fits_once():
    X, y = _data([30, 10])
    clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    clf.fit(X, y)
    assert clf.n_steps_ == 1
    assert [c[0] for c in clf.estimator_.calls_] == ["fit"]
    X_f, y_f, _ = clf.estimator_.calls_[0][1:]
    np.testing.assert_array_equal(X_f[:40], X)  # the original rows first
    np.testing.assert_array_equal(np.bincount(y_f), [30, 30])


def test_refit_without_cv_correction_drops_its_coefficients():
    X, y = _data([40, 12])
    clf = ResampledClassifier(
        LogisticRegression(), prior_correction="cv", cv=3, random_state=0
    ).fit(X, y)
    assert hasattr(clf, "calibration_coef_")
    clf.set_params(prior_correction=True).fit(X, y)
    assert not hasattr(clf, "calibration_coef_")
    assert not hasattr(clf, "calibration_intercept_")
    # the analytic correction by hand: balanced training (upweight), data prior
    raw = clf.estimator_.predict_proba(X)
    ratio = np.array([40, 12]) / 52 / 0.5
    expected = raw * ratio / (raw * ratio).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)


def test_cv_correction_uses_the_sample_weight_on_held_out_rows():
    X, y = _data([40, 14], seed=3)
    w = np.r_[np.full(27, 0.2), np.full(27, 5.0)]
    clf = ResampledClassifier(
        LogisticRegression(), prior_correction="cv", cv=3, random_state=0
    )
    weighted = clf.fit(X, y, sample_weight=w).calibration_intercept_.copy()
    unweighted = clf.fit(X, y, sample_weight=np.ones(54)).calibration_intercept_
    assert abs(weighted[1] - unweighted[1]) > 1e-3


def test_n_features_in_is_set_by_fit_and_by_the_first_partial_fit():
    X, y = _data([20, 10], n_features=3)
    for clf in (
        ResampledClassifier(Recorder(), random_state=0).fit(X, y),
        ResampledClassifier(Recorder(), random_state=0).partial_fit(
            X, y, classes=[0, 1]
        ),
    ):
        assert clf.n_features_in_ == 3
        msg = (
            "X has 2 features, but ResampledClassifier is expecting 3 features "
            "as input."
        )
        with _raises(ValueError, msg):
            clf.predict_proba(X[:, :2])
        with _raises(ValueError, msg):
            clf.partial_fit(X[:, :2], y)


def test_fit_then_partial_fit_replays_fits_weighted_rows():
    X1, y1 = _data([30, 12])
    w1 = np.random.RandomState(2).uniform(0.5, 2.0, size=len(y1))
    X2, _ = _data([20, 0], seed=1)
    y2 = np.zeros(20, dtype=int)
    clf = ResampledClassifier(
        Recorder(), strategy="upsample", replay_size=5, random_state=0
    )
    clf.fit(X1, y1, sample_weight=w1).partial_fit(X2, y2)
    _, X_b, y_b, w_b = clf.estimator_.calls_[1]
    rows = np.flatnonzero(y1 == 1)[-5:]
    np.testing.assert_array_equal(X_b[20:25], X1[rows])
    np.testing.assert_array_equal(y_b[:25], np.r_[np.zeros(20), np.ones(5)])
    np.testing.assert_array_equal(w_b[:25], np.r_[np.ones(20), w1[rows]])


# -- partial_fit ----------------------------------------------------------------
def test_partial_fit_messages_in_full():
    X, y = _data([20, 10])
    with _raises(ValueError, "classes must be given on the first partial_fit."):
        ResampledClassifier(Recorder()).partial_fit(X, y)
    msg = (
        "prior_correction='cv' fits its correction on held-out rows in fit and "
        "cannot follow a stream; use prior_correction=True (the analytic "
        "correction) with partial_fit."
    )
    with _raises(ValueError, msg):
        ResampledClassifier(Recorder(), prior_correction="cv").partial_fit(
            X, y, classes=[0, 1]
        )
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative int "
        "(-1 for all cores)."
    )
    with _raises(ValueError, msg):
        ResampledClassifier(Recorder(), n_jobs=0).partial_fit(X, y, classes=[0, 1])
    clf = ResampledClassifier(Recorder()).partial_fit(X, y, classes=[1, 0])
    clf.partial_fit(X, y, classes=[0, 1])  # the same set again is fine
    msg = "classes=[0, 1, 2] differs from the classes of the first call [0, 1]."
    with _raises(ValueError, msg):
        clf.partial_fit(X, y, classes=[2, 1, 0])
    with _raises(ValueError, "y has labels [5] not in classes [0, 1]."):
        clf.partial_fit(X, np.where(y == 1, 5, 0))
    assert clf.n_steps_ == 2  # the refused calls changed nothing


def test_partial_fit_class_prior_and_step_count():
    X1, y1 = _data([30, 10])
    X2, y2 = _data([5, 25], seed=1)
    w1 = np.random.RandomState(1).uniform(0.2, 3.0, size=len(y1))
    clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    clf.partial_fit(X1, y1, classes=[0, 1], sample_weight=w1)
    assert clf.n_steps_ == 1
    np.testing.assert_allclose(clf.class_prior_, _mass(y1, w1) / w1.sum())
    # the estimator got the batch's rows with their weights, copies after
    _, X_a, y_a, w_a = clf.estimator_.calls_[0]
    np.testing.assert_array_equal(X_a[:40], X1)
    np.testing.assert_array_equal(w_a[:40], w1)
    clf.partial_fit(X2, y2)
    assert clf.n_steps_ == 2
    seen = _mass(y1, w1) + _mass(y2)
    np.testing.assert_allclose(clf.class_prior_, seen / seen.sum())


def test_partial_fit_without_the_last_class_in_the_first_batch():
    X1, y1 = _data([20, 10])  # classes 0 and 1 of [0, 1, 2]
    clf = ResampledClassifier(
        Recorder(), strategy="upweight", prior_correction=True, random_state=0
    )
    clf.partial_fit(X1, y1, classes=[0, 1, 2])
    np.testing.assert_allclose(clf.class_prior_, [2 / 3, 1 / 3, 0.0])


def test_same_random_state_gives_the_same_stream():
    X1, y1 = _data([30, 7])
    X2, y2 = _data([25, 4], seed=1)
    runs = []
    for _ in range(2):
        clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=3)
        clf.partial_fit(X1, y1, classes=[0, 1]).partial_fit(X2, y2)
        runs.append([c[1] for c in clf.estimator_.calls_])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_with_routing_gives_the_rebalanced_weights():
    X, y = _data([30, 10])
    w = np.random.RandomState(4).uniform(0.5, 2.0, size=40)
    with sklearn.config_context(enable_metadata_routing=True):
        rec = Recorder().set_partial_fit_request(sample_weight=True)
        clf = ResampledClassifier(rec, strategy="upweight", random_state=0)
        clf.partial_fit(X, y, classes=[0, 1], sample_weight=w)
    # upweight to balance: each class's total weight becomes half the total
    mass = _mass(y, w)
    expected = w * (0.5 * mass.sum() / mass)[y]
    np.testing.assert_allclose(clf.estimator_.calls_[0][3], expected, rtol=1e-12)


class NoWeightPartial(Recorder):
    def partial_fit(self, X, y, classes=None):
        return super().partial_fit(X, y, classes=classes)


def test_partial_fit_refuses_weights_the_estimator_cannot_take():
    X, y = _data([20, 10])
    msg = (
        "estimator NoWeightPartial does not accept sample_weight in partial_fit, "
        "which the given sample_weight needs (every strategy passes it on); use "
        "an estimator, or a Pipeline whose final step, that takes sample_weight "
        "(or enable metadata routing and request it)."
    )
    with _raises(TypeError, msg):
        ResampledClassifier(NoWeightPartial(), strategy="upsample").partial_fit(
            X, y, classes=[0, 1], sample_weight=np.ones(30)
        )


# -- predict_proba -------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_predict_proba_keeps_the_sparse_format(fmt):
    X, y = _data([20, 10])
    clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    clf.fit(sparse.csr_matrix(X), y)
    clf.predict_proba(sparse.csr_matrix(X).asformat(fmt))
    assert sparse.issparse(clf.estimator_.seen_)
    assert clf.estimator_.seen_.format == fmt


def test_correction_of_a_class_never_trained_on():
    X1, y1 = _data([20, 10])
    clf = ResampledClassifier(
        Recorder(proba=[0.2, 0.3, 0.5]),
        strategy="upweight",
        prior_correction=True,
        random_state=0,
    )
    clf.partial_fit(X1, y1, classes=[0, 1, 2])
    # trained balanced on classes 0 and 1 (upweight: 15 and 15 of 30),
    # data prior 2/3, 1/3, 0: ratio [4/3, 2/3, 0] (0/0 counts as 0)
    p = np.array([0.2, 0.3, 0.5]) * [4 / 3, 2 / 3, 0.0]
    with np.errstate(all="raise"):
        out = clf.predict_proba(X1[:4])
    np.testing.assert_allclose(out, np.tile(p / p.sum(), (4, 1)), rtol=1e-12)
    # a row with all its probability on that class has nothing left: zeros
    clf.estimator_.proba = [0.0, 0.0, 1.0]
    with np.errstate(all="raise"):
        out = clf.predict_proba(X1[:3])
    np.testing.assert_array_equal(out, np.zeros((3, 3)))
