"""ResampledClassifier: strategies, weights, prior correction, search, errors."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skvariance.resampling import ResampledClassifier
from skvariance.resampling._resampled_classifier import target_distribution


class Recorder(ClassifierMixin, BaseEstimator):
    """Stores what fit received; predicts the training prior."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sw_ = X, y, sample_weight
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


def _data(n=1000, minority=0.1, seed=0):
    return make_classification(
        n_samples=n,
        n_features=5,
        n_informative=3,
        weights=[1 - minority, minority],
        flip_y=0.0,
        random_state=seed,
    )


def test_target_distribution():
    np.testing.assert_allclose(target_distribution([90, 10], 1.0), [0.9, 0.1])
    np.testing.assert_allclose(target_distribution([90, 10], 2.0), [0.75, 0.25])
    np.testing.assert_allclose(target_distribution([90, 10], np.inf), [0.5, 0.5])


@pytest.mark.parametrize("strategy", ["upweight", "upsample", "smote", "undersample"])
@pytest.mark.parametrize("temperature", [1.0, 2.0, np.inf])
def test_reaches_the_target_distribution(strategy, temperature):
    X, y = _data()
    clf = ResampledClassifier(
        Recorder(), strategy=strategy, temperature=temperature, random_state=0
    ).fit(X, y)
    target = target_distribution(np.bincount(y), temperature)
    np.testing.assert_allclose(clf.resampled_prior_, target, atol=2e-3)
    np.testing.assert_allclose(clf.class_prior_, np.bincount(y) / len(y))
    rec = clf.estimator_
    if strategy in ("upsample", "smote"):
        np.testing.assert_array_equal(rec.X_[: len(X)], X)  # originals first
    if strategy == "undersample":
        assert len(rec.y_) <= len(y)


def test_user_weights_are_carried_through():
    X, y = _data()
    w = np.random.RandomState(1).randint(1, 4, size=len(y)).astype(float)
    up = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    rec = up.fit(X, y, sample_weight=w).estimator_
    np.testing.assert_array_equal(rec.sw_[: len(w)], w)
    # each copy keeps the weight of the row it copies
    copies = rec.X_[len(X) :]
    for row, weight in zip(copies[:20], rec.sw_[len(X) : len(X) + 20]):
        source = np.flatnonzero((X == row).all(axis=1))
        assert weight == w[source[0]]
    sm = ResampledClassifier(Recorder(), strategy="smote", random_state=0)
    rec = sm.fit(X, y, sample_weight=w).estimator_
    new = rec.sw_[len(w) :]
    assert new.min() >= 1.0 and new.max() <= 3.0 and len(np.unique(new)) > 3
    uw = ResampledClassifier(Recorder(), strategy="upweight").fit(X, y, sample_weight=w)
    mass = np.bincount(y, weights=w)
    factor = 0.5 / (mass / mass.sum())
    np.testing.assert_allclose(uw.estimator_.sw_, w * factor[y])


@pytest.mark.parametrize("strategy", ["upweight", "none"])
def test_integer_weights_equal_row_duplication(strategy):
    X, y = _data(n=300)
    w = np.random.RandomState(0).randint(0, 4, size=len(y))
    w[:2] = 1
    repeat = np.repeat(np.arange(len(y)), w)
    lr = LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=10_000)
    weighted = ResampledClassifier(lr, strategy=strategy).fit(X, y, sample_weight=w)
    repeated = ResampledClassifier(lr, strategy=strategy).fit(X[repeat], y[repeat])
    np.testing.assert_allclose(
        weighted.estimator_.coef_, repeated.estimator_.coef_, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-7
    )


def test_temperature_one_is_the_plain_estimator():
    X, y = _data()
    lr = LogisticRegression()
    clf = ResampledClassifier(lr, temperature=1.0).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), lr.fit(X, y).predict_proba(X))


@pytest.mark.parametrize("strategy", ["upweight", "upsample", "smote"])
def test_prior_correction_improves_held_out_calibration(strategy):
    X, y = _data(n=6000, minority=0.05, seed=2)
    X_train, y_train, X_test, y_test = X[:3000], y[:3000], X[3000:], y[3000:]
    scores = {}
    for correct in (False, True):
        clf = ResampledClassifier(
            LogisticRegression(),
            strategy=strategy,
            prior_correction=correct,
            random_state=0,
        ).fit(X_train, y_train)
        p = clf.predict_proba(X_test)[:, 1]
        scores[correct] = (log_loss(y_test, p), brier_score_loss(y_test, p))
    assert scores[True][0] < scores[False][0]
    assert scores[True][1] < scores[False][1]


def test_pipeline_and_grid_search():
    X, y = _data()
    pipe = make_pipeline(
        StandardScaler(), ResampledClassifier(LogisticRegression(), random_state=0)
    )
    grid = {
        "resampledclassifier__strategy": ["none", "upweight", "upsample", "smote"],
        "resampledclassifier__temperature": [1.0, 3.0, np.inf],
    }
    search = GridSearchCV(pipe, grid, cv=3, scoring="neg_log_loss").fit(X, y)
    assert len(search.cv_results_["params"]) == 12
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_cooldown_schedule_with_partial_fit():
    X, y = _data()
    sgd = SGDClassifier(loss="log_loss", random_state=0)
    clf = ResampledClassifier(
        sgd, strategy="upsample", schedule="cooldown", n_epochs=4, random_state=0
    )
    temps = [clf._schedule_temperature(t) for t in range(5)]
    assert temps[0] == np.inf and temps[3] == 1.0 and temps[4] == 1.0
    np.testing.assert_allclose(temps[1], 3.0)  # inverse temperature 1/3
    clf.fit(X, y)
    assert clf.n_steps_ == 4
    np.testing.assert_allclose(clf.resampled_prior_, clf.class_prior_, atol=1e-3)
    online = ResampledClassifier(sgd, strategy="upweight", random_state=0)
    for batch in np.array_split(np.arange(len(y)), 5):
        online.partial_fit(X[batch], y[batch], classes=[0, 1])
    assert online.n_steps_ == 5
    np.testing.assert_allclose(online.resampled_prior_, [0.5, 0.5])
    assert online.predict(X).shape == y.shape


def test_bad_input():
    X, y = _data()
    with pytest.raises(ValueError, match="temperature"):
        ResampledClassifier(LogisticRegression(), temperature=0.5).fit(X, y)
    with pytest.raises(TypeError, match="KNeighborsClassifier does not accept"):
        ResampledClassifier(KNeighborsClassifier()).fit(X, y)
    with pytest.raises(TypeError, match="LinearSVC has no predict_proba"):
        ResampledClassifier(LinearSVC(), strategy="upsample").fit(X, y)
    with pytest.raises(ValueError, match="negative"):
        ResampledClassifier(LogisticRegression()).fit(
            X, y, sample_weight=-np.ones(1000)
        )
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ResampledClassifier(LogisticRegression()).fit(X_nan, y)
    y_small = y.copy()
    y_small[np.flatnonzero(y == 1)[2:]] = 0
    with pytest.raises(ValueError, match="Class 1 has 2 sample"):
        ResampledClassifier(LogisticRegression(), strategy="smote").fit(X, y_small)
    with pytest.raises(ValueError, match="one class"):
        ResampledClassifier(LogisticRegression()).fit(X, np.zeros(1000))
    # no predict_proba is fine without prior correction
    ok = ResampledClassifier(LinearSVC(), prior_correction=False).fit(X, y)
    assert ok.predict(X).shape == y.shape
