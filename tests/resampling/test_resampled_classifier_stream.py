"""ResampledClassifier.partial_fit: state after fit, small SMOTE batches, replay."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from skvariance.resampling import ResampledClassifier


class Recorder(ClassifierMixin, BaseEstimator):
    """Stores the rows, labels and weights of fit and of every partial_fit."""

    def fit(self, X, y, sample_weight=None):
        self.steps_ = [(np.asarray(X), np.asarray(y), sample_weight)]
        self.classes_ = np.unique(y)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if not hasattr(self, "steps_"):
            self.steps_ = []
        self.steps_.append((np.asarray(X), np.asarray(y), sample_weight))
        self.classes_ = np.asarray(classes)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


def _mass(y, w=None, n_classes=2):
    return np.bincount(y, weights=w, minlength=n_classes).astype(float)


def _labels(counts, seed):
    """Shuffled labels with the given class counts and 3 random features."""
    rng = np.random.RandomState(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    return rng.normal(size=(len(y), 3)), y


# -- 1. fit resets the partial_fit state; partial_fit continues from fit -----
def test_partial_fit_after_fit_continues_from_the_fit():
    X1, y1 = _labels([300, 30], seed=0)
    X2, y2 = _labels([80, 20], seed=1)
    w1 = np.random.RandomState(2).uniform(0.5, 2.0, size=len(y1))
    clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    clf.fit(X1, y1, sample_weight=w1)
    clf.partial_fit(X2, y2)  # the bug: AttributeError '_data_mass'
    assert clf.n_steps_ == 2
    seen = _mass(y1, w1) + _mass(y2)
    np.testing.assert_allclose(clf.class_prior_, seen / seen.sum())
    # the mixture: what fit trained on plus what the batch trained on
    (X_f, y_f, w_f), (X_b, y_b, w_b) = clf.estimator_.steps_
    trained = _mass(y_f, w_f) + _mass(y_b, w_b)
    np.testing.assert_allclose(clf.resampled_prior_, trained / trained.sum())
    # the batch is rebalanced toward the class sizes seen so far (fit's too)
    np.testing.assert_allclose(_mass(y_b)[0], _mass(y_b)[1], atol=1)


def test_fit_resets_the_state_of_an_earlier_stream():
    # the numbers: a first stream with prior [0.167, 0.833], then fit
    # on data with prior [0.967, 0.033], then one more batch
    XA, yA = _labels([20, 100], seed=0)
    XB, yB = _labels([290, 10], seed=1)
    XC, yC = _labels([50, 0], seed=2)
    clf = ResampledClassifier(Recorder(), strategy="upweight", random_state=0)
    clf.partial_fit(XA, yA, classes=[0, 1])
    np.testing.assert_allclose(clf.class_prior_, [1 / 6, 5 / 6])
    clf.fit(XB, yB)
    np.testing.assert_allclose(clf.class_prior_, [290 / 300, 10 / 300])
    clf.partial_fit(XC, yC)
    np.testing.assert_allclose(clf.class_prior_, [340 / 350, 10 / 350])
    assert clf.n_steps_ == 2
    steps = clf.estimator_.steps_
    assert len(steps) == 2  # fit started a new estimator
    trained = sum(_mass(y, w) for _, y, w in steps)
    np.testing.assert_allclose(clf.resampled_prior_, trained / trained.sum())
    # the replayed class-1 rows come from fit's data, not the first stream
    X_c, y_c, _ = steps[1]
    np.testing.assert_array_equal(X_c[:50], XC)
    np.testing.assert_array_equal(X_c[y_c == 1], XB[yB == 1])


def test_partial_fit_rejects_classes_that_change():
    X, y = _labels([30, 10], seed=0)
    clf = ResampledClassifier(Recorder(), random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y, classes=[1, 0])  # the same set
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


# -- 3. SMOTE on batches with 1 to k rows of a class ---------------------------
def _on_segments(new, parents):
    """Whether every row of ``new`` lies on a segment between two parents."""
    for row in new:
        ok = False
        for i in range(len(parents)):
            for j in range(len(parents)):
                d = parents[j] - parents[i]
                t = 0.0 if not d.any() else np.dot(row - parents[i], d) / np.dot(d, d)
                if -1e-9 <= t <= 1 + 1e-9 and np.allclose(parents[i] + t * d, row):
                    ok = True
        if not ok:
            return False
    return True


@pytest.mark.parametrize("n_rare", [1, 2, 5])
def test_smote_partial_fit_on_batches_with_few_rare_rows(n_rare):
    X, y = _labels([40, n_rare], seed=n_rare)
    w = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    clf = ResampledClassifier(
        Recorder(), strategy="smote", k_neighbors=5, random_state=0
    )
    clf.partial_fit(X, y, classes=[0, 1], sample_weight=w)
    X_r, y_r, w_r = clf.estimator_.steps_[0]
    np.testing.assert_array_equal(X_r[: len(y)], X)  # originals first
    # balanced by weight: 40 rows of class 0 against n_rare rows and new ones
    np.testing.assert_allclose(_mass(y_r, w_r)[1], _mass(y, w)[0], rtol=0.1)
    assert np.all(y_r[len(y) :] == 1)
    parents = X[y == 1]
    new = X_r[len(y) :]
    assert len(new) > 30
    if n_rare == 1:  # a single row: its copies, with its weight
        np.testing.assert_array_equal(new, np.repeat(parents, len(new), axis=0))
        np.testing.assert_array_equal(w_r[len(y) :], w[y == 1][0])
    else:  # interpolations between the batch's rare rows
        assert _on_segments(new, parents)
        assert len(np.unique(new, axis=0)) > len(new) // 2  # not copies


def test_smote_fit_still_needs_k_plus_one_rows():
    X, y = _labels([40, 3], seed=0)
    clf = ResampledClassifier(Recorder(), strategy="smote", k_neighbors=5)
    with pytest.raises(ValueError, match="k_neighbors"):
        clf.fit(X, y)


# -- 4. replay: batches that lack a class get its remembered rows ---------------
def test_replay_memory_is_the_last_rows_of_each_class():
    X1, y1 = _labels([60, 25], seed=0)
    X2, y2 = _labels([40, 0], seed=1)
    X3, y3 = _labels([0, 30], seed=2)
    w1 = np.random.RandomState(3).uniform(0.5, 2.0, size=len(y1))
    clf = ResampledClassifier(
        Recorder(), strategy="upsample", replay_size=10, random_state=0
    )
    clf.partial_fit(X1, y1, classes=[0, 1], sample_weight=w1)
    clf.partial_fit(X2, y2)
    clf.partial_fit(X3, y3)
    # batch 2 lacks class 1: the last 10 class-1 rows of batch 1, in arrival
    # order and with their weights, follow the batch (copies come after)
    X_2, y_2, w_2 = clf.estimator_.steps_[1]
    rows = np.flatnonzero(y1 == 1)[-10:]
    np.testing.assert_array_equal(X_2[:40], X2)
    np.testing.assert_array_equal(X_2[40:50], X1[rows])
    np.testing.assert_array_equal(y_2[:50], np.r_[np.zeros(40), np.ones(10)])
    np.testing.assert_array_equal(w_2[:50], np.r_[np.ones(40), w1[rows]])
    # batch 3 lacks class 0: the last 10 class-0 rows seen, all from batch 2
    X_3, y_3, w_3 = clf.estimator_.steps_[2]
    np.testing.assert_array_equal(X_3[30:40], X2[-10:])
    assert w_3 is None  # no weight other than 1 involved: none passed on
    # the data prior counts the real rows only; the trained mixture counts all
    seen = _mass(y1, w1) + _mass(y2) + _mass(y3)
    np.testing.assert_allclose(clf.class_prior_, seen / seen.sum())
    trained = sum(_mass(y, w) for _, y, w in clf.estimator_.steps_)
    np.testing.assert_allclose(clf.resampled_prior_, trained / trained.sum())


def test_replay_default_and_none_strategy():
    X1, y1 = _labels([60, 80], seed=0)
    X2, y2 = _labels([40, 0], seed=1)
    for strategy, replayed in [("upsample", 50), ("upweight", 50), ("none", 0)]:
        clf = ResampledClassifier(Recorder(), strategy=strategy, random_state=0)
        clf.partial_fit(X1, y1, classes=[0, 1])
        clf.partial_fit(X2, y2)
        _, y_2, _ = clf.estimator_.steps_[1]
        assert np.sum(y_2[40 : 40 + replayed] == 1) == replayed
        assert np.sum(y_2 == 1) == (0 if strategy == "none" else np.sum(y_2 == 1))
    clf = ResampledClassifier(Recorder(), strategy="none", replay_size=5)
    clf.partial_fit(X1, y1, classes=[0, 1]).partial_fit(X2, y2)
    np.testing.assert_array_equal(clf.estimator_.steps_[1][1], np.r_[y2, [1] * 5])
    with pytest.raises(ValueError, match="replay_size"):
        ResampledClassifier(Recorder(), replay_size=-1).fit(X1, y1)


def _forgetting_stream(seed, batch=500, n_batches=7, minority=0.05):
    """One batch with both classes, then six batches of the majority only."""
    X, y = make_classification(
        n_samples=n_batches * batch + 4000,
        n_features=5,
        n_informative=3,
        weights=[1 - minority, minority],
        class_sep=1.5,
        flip_y=0.0,
        random_state=seed,
    )
    X_test, y_test = X[-4000:], y[-4000:]
    X, y = X[:-4000], y[:-4000]
    rare, common = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    parts = np.array_split(common, n_batches)
    batches = [np.concatenate([parts[0], rare])] + parts[1:]
    return X, y, batches, X_test, y_test


def test_replay_keeps_predicting_a_class_missing_from_later_batches():
    ratios = {0: [], "auto": []}
    for seed in range(4):
        X, y, batches, X_test, y_test = _forgetting_stream(seed)
        for replay in ratios:
            clf = ResampledClassifier(
                SGDClassifier(
                    loss="log_loss", learning_rate="constant", eta0=0.1, random_state=0
                ),
                strategy="upsample",
                replay_size=replay,
                prior_correction=True,
                random_state=0,
            )
            for b in batches:
                clf.partial_fit(X[b], y[b], classes=[0, 1])
            ratios[replay].append(
                clf.predict_proba(X_test)[:, 1].mean() / y_test.mean()
            )
    ratios = {k: np.array(v) for k, v in ratios.items()}
    # with replay (the default) the mean probability of the rare class stays
    # near its rate on every stream; without it the model forgets the class
    assert np.all((ratios["auto"] > 0.8) & (ratios["auto"] < 1.3)), ratios
    assert ratios[0].min() < 0.1 and ratios[0].mean() < 0.5, ratios


def test_replay_with_sparse_batches_equals_dense():
    from scipy import sparse

    X1, y1 = _labels([60, 25], seed=0)
    X2, y2 = _labels([40, 0], seed=1)
    X1[X1 < 0.5] = 0.0  # mostly zeros
    X2[X2 < 0.5] = 0.0
    steps = {}
    for kind, to in [("dense", np.asarray), ("csr", sparse.csr_matrix)]:
        clf = ResampledClassifier(
            SparseRecorder(), strategy="upsample", replay_size=10, random_state=0
        )
        clf.partial_fit(to(X1), y1, classes=[0, 1]).partial_fit(to(X2), y2)
        steps[kind] = clf.estimator_.steps_[1]
    X_csr = steps["csr"][0]
    assert sparse.issparse(X_csr) and X_csr.format == "csr"
    np.testing.assert_array_equal(X_csr.toarray(), steps["dense"][0])
    np.testing.assert_array_equal(steps["csr"][1], steps["dense"][1])


class SparseRecorder(Recorder):
    """Keeps X as given (sparse or not)."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if not hasattr(self, "steps_"):
            self.steps_ = []
        self.steps_.append((X, np.asarray(y), sample_weight))
        self.classes_ = np.asarray(classes)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
