"""ResampledClassifier: tests written against surviving mutants (issue 15).

Every reference is computed by hand (NumPy, scikit-learn's
LogisticRegression, explicit draws of a RandomState), never read from the
object under test.
"""

import re

import numpy as np
import pytest
import sklearn
from scipy import sparse
from scipy.special import logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from skvariance.resampling import ResampledClassifier, clear_neighbors_cache
from skvariance.resampling._resampled_classifier import (
    _fit_logit_shift,
    _rebalance,
    _smote,
)


@pytest.fixture(autouse=True)
def _fresh_neighbors_cache():
    """No neighbour graph carried over from another test (or another run)."""
    clear_neighbors_cache()
    yield
    clear_neighbors_cache()


class Recorder(ClassifierMixin, BaseEstimator):
    """Stores what fit and every partial_fit received, and predict's input."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sw_ = X, np.asarray(y), sample_weight
        self.classes_ = np.unique(y)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if not hasattr(self, "steps_"):
            self.steps_ = []
        self.steps_.append((np.asarray(X), np.asarray(y), sample_weight))
        self.classes_ = np.asarray(classes)
        return self

    def predict_proba(self, X):
        return np.full((X.shape[0], len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        self.seen_ = X
        return self.classes_[np.zeros(X.shape[0], dtype=int)]


def _blobs(counts, seed=0, n_features=2):
    """Gaussian rows, class ``c`` shifted by ``c``; labels in blocks."""
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.normal(size=(len(y), n_features)) + y[:, None]
    return X, y


# -- _rebalance -------------------------------------------------------------
def test_zero_weight_class_is_named_in_the_error():
    # class "a" has a total weight in (0, 1], "c" sums to zero
    X, y_enc = _blobs([5, 10, 5])
    y = np.array(["a", "b", "c"])[y_enc]
    w = np.r_[np.full(5, 0.1), np.ones(10), np.zeros(5)]
    expected = (
        "sample_weight sums to zero over class np.str_('c'); every class needs "
        "a positive total weight to be rebalanced."
    )
    for strategy in ("upsample", "none"):
        clf = ResampledClassifier(Recorder(), strategy=strategy, random_state=0)
        with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
            clf.fit(X, y, sample_weight=w)


def test_undersample_keeps_a_heavy_class_at_one_row():
    # A: 100 rows of weight 1; B: 2 rows of weight 500. Balanced by weight:
    # total = min(100, 1000) / 0.5 = 200; keep rint(0.5 * 200 / mean_w) rows:
    # A 100, B rint(0.2) = 0 -> at least one row.
    X, y = _blobs([100, 2])
    w = np.r_[np.ones(100), np.full(2, 500.0)]
    clf = ResampledClassifier(Recorder(), strategy="undersample", random_state=0)
    rec = clf.fit(X, y, sample_weight=w).estimator_
    np.testing.assert_array_equal(np.bincount(rec.y_), [100, 1])
    np.testing.assert_array_equal(rec.sw_, np.r_[np.ones(100), 500.0])
    np.testing.assert_allclose(clf.resampled_prior_, [100 / 600, 500 / 600])


def test_undersample_draws_distinct_rows():
    X, y = _blobs([300, 30])
    rec = (
        ResampledClassifier(Recorder(), strategy="undersample", random_state=0)
        .fit(X, y)
        .estimator_
    )
    np.testing.assert_array_equal(np.bincount(rec.y_), [30, 30])
    assert np.unique(rec.X_, axis=0).shape[0] == 60  # no row twice
    # every kept row is a row of X with its own label
    rows = {tuple(r): c for r, c in zip(X, y)}
    assert all(rows[tuple(r)] == c for r, c in zip(rec.X_, rec.y_))


def test_smote_without_shrink_needs_k_plus_one_rows():
    # the default of the private helpers is fit's rule: no shrinking
    X, y = _blobs([20, 3])
    target = np.array([0.5, 0.5])
    kwargs = dict(k_neighbors=5, n_jobs=None, classes=np.array([0, 1]))
    with pytest.raises(ValueError, match="k_neighbors"):
        _rebalance(X, y, None, "smote", target, np.random.RandomState(0), **kwargs)
    counts, n_extra = np.array([20, 3]), np.array([0, 17])
    with pytest.raises(ValueError, match="k_neighbors"):
        _smote(X, y, None, counts, n_extra, np.random.RandomState(0), 5, None)
    out = _smote(
        X, y, None, counts, n_extra, np.random.RandomState(0), 5, None, shrink=True
    )
    np.testing.assert_array_equal(np.bincount(out[1]), [20, 20])


# -- _step ------------------------------------------------------------------
def test_light_weights_keep_the_tempered_target():
    # class masses 0.9 and 0.1 (< 1): T=2 gives p ∝ sqrt(mass) = [0.75, 0.25]
    X, y = _blobs([90, 10])
    w = np.full(100, 0.01)
    clf = ResampledClassifier(
        Recorder(), strategy="upweight", temperature=2.0, random_state=0
    ).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.resampled_prior_, [0.75, 0.25])
    expected = w * np.where(y == 0, 0.75 / 0.9, 0.25 / 0.1)
    np.testing.assert_allclose(clf.estimator_.sw_, expected)


@pytest.mark.parametrize("absent", [0, 2])
def test_partial_fit_batch_without_a_class_upweight(absent):
    # batch 1 has all three classes; batch 2 lacks one (no replay): its
    # target is p ∝ data_mass ** (1 / T) over the classes in the batch only
    X1, y1 = _blobs([30, 20, 10], seed=1)
    X2, y2 = _blobs([40, 40, 40], seed=2)
    keep = y2 != absent
    X2, y2 = X2[keep][::2], y2[keep][::2]
    y2 = y2[: len(y2) - 5]  # uneven batch: the counts are not equal
    X2 = X2[: len(y2)]
    clf = ResampledClassifier(
        Recorder(), strategy="upweight", temperature=2.0, replay_size=0
    )
    clf.partial_fit(X1, y1, classes=[0, 1, 2]).partial_fit(X2, y2)
    data_mass = np.bincount(y1, minlength=3) + np.bincount(y2, minlength=3)
    target = np.sqrt(data_mass)
    target[absent] = 0.0
    target /= target.sum()
    batch = np.bincount(y2, minlength=3)
    prior = batch / batch.sum()
    _, y_seen, w_seen = clf.estimator_.steps_[1]
    np.testing.assert_array_equal(y_seen, y2)
    np.testing.assert_allclose(w_seen, (target / np.where(batch, prior, 1))[y2])


def test_partial_fit_undersample_batch_without_the_last_class():
    X1, y1 = _blobs([30, 20, 10], seed=1)
    X2, y2 = _blobs([25, 15, 0], seed=2)
    clf = ResampledClassifier(Recorder(), strategy="undersample", replay_size=0)
    clf.partial_fit(X1, y1, classes=[0, 1, 2]).partial_fit(X2, y2)
    _, y_seen, w_seen = clf.estimator_.steps_[1]
    # balanced over classes 0 and 1: total = min(25, 15) / 0.5 = 30
    np.testing.assert_array_equal(np.bincount(y_seen, minlength=3), [15, 15, 0])
    assert w_seen is None


def test_smote_shrink_groups_go_from_most_to_fewest_neighbours():
    # batch: 40, 3, 2 and 1 rows; k_neighbors=5 shrinks to k = 2, 1 and 0 (copies)
    X, y = _blobs([40, 3, 2, 1])
    clf = ResampledClassifier(Recorder(), strategy="smote", random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    X_seen, y_seen, w_seen = clf.estimator_.steps_[0]
    assert w_seen is None
    np.testing.assert_array_equal(X_seen[:46], X)
    np.testing.assert_array_equal(y_seen[46:], np.repeat([1, 2, 3], [37, 38, 39]))
    np.testing.assert_array_equal(X_seen[-39:], np.repeat(X[-1:], 39, axis=0))
    # class 2's new rows lie on the segment between its two rows
    a, b = X[43], X[44]
    new = X_seen[46 + 37 : 46 + 75]
    t = (new - a) @ (b - a) / ((b - a) @ (b - a))
    np.testing.assert_allclose(new, a + t[:, None] * (b - a), atol=1e-12)
    assert np.all((t >= 0) & (t <= 1))


def test_smote_with_per_sample_fit_params_is_refused_by_name():
    # more features than rows: the alignment check must index rows, not columns
    X, y = _blobs([10, 7], n_features=30)

    class Tagged(Recorder):
        def fit(self, X, y, sample_weight=None, tag=None):
            return super().fit(X, y, sample_weight)

    expected = (
        "strategy='smote' makes rows that have no value of the per-sample fit "
        "parameter(s) ['tag']; use strategy='upsample', 'upweight' or "
        "'undersample' with them."
    )
    with sklearn.config_context(enable_metadata_routing=True):
        est = Tagged().set_fit_request(tag=True)
        clf = ResampledClassifier(est, strategy="smote", k_neighbors=3)
        with pytest.raises(TypeError, match=f"^{re.escape(expected)}$"):
            clf.fit(X, y, tag=np.arange(len(y)))


# -- prior_correction="cv" ---------------------------------------------------
def _cv_data(seed=0):
    X, y = _blobs([150, 50], seed=seed, n_features=3)
    X[:, 0] += np.random.RandomState(seed + 1).normal(scale=2.0, size=len(y))
    return X, y


def test_cv_correction_by_hand_with_upsampled_folds():
    X, y = _cv_data()
    n0, n1 = np.bincount(y)
    clf = ResampledClassifier(
        LogisticRegression(),
        strategy="upsample",
        prior_correction="cv",
        cv=4,
        random_state=0,
    ).fit(X, y)
    # the fit's stream: the copies of the rare class, then the folds' seed
    rng = np.random.RandomState(0)
    rng.randint(0, n1, size=n0 - n1)
    seed = rng.randint(np.iinfo(np.int32).max)
    oof = np.empty((len(y), 2))
    folds = StratifiedKFold(4, shuffle=True, random_state=seed).split(X, y)
    for train, test in folds:
        Xt, yt = X[train], y[train]
        rare = np.flatnonzero(yt == 1)
        fold_rng = np.random.RandomState(seed)  # each inner fit is seeded so
        extra = rare[fold_rng.randint(0, len(rare), size=np.sum(yt == 0) - len(rare))]
        take = np.r_[np.arange(len(yt)), extra]
        model = LogisticRegression().fit(Xt[take], yt[take])
        oof[test] = model.predict_proba(X[test])
    platt = LogisticRegression(C=np.inf, tol=1e-12).fit(logit(oof[:, [1]]), y)
    np.testing.assert_allclose(clf.calibration_coef_, platt.coef_[0, 0], rtol=1e-4)
    np.testing.assert_allclose(
        clf.calibration_intercept_, [0.0, platt.intercept_[0]], atol=1e-4
    )


def test_cv_correction_is_reproducible():
    X, y = _cv_data(seed=3)
    fits = [
        ResampledClassifier(
            LogisticRegression(),
            strategy="upsample",
            prior_correction="cv",
            random_state=7,
        ).fit(X, y)
        for _ in range(2)
    ]
    assert fits[0].calibration_coef_ == fits[1].calibration_coef_
    np.testing.assert_array_equal(
        fits[0].calibration_intercept_, fits[1].calibration_intercept_
    )


def test_cv_missing_class_in_a_training_fold_message():
    X, y_enc = _blobs([16, 4])
    y = np.array(["a", "b"])[y_enc]
    rows = np.arange(20)
    cv = [(rows[:10], rows[10:]), (rows[10:], rows[:10])]  # no "b" in fold 2
    clf = ResampledClassifier(
        LogisticRegression(), strategy="upweight", prior_correction="cv", cv=cv
    )
    expected = (
        "prior_correction='cv' needs every class in every training fold; class "
        f"np.str_('b') is missing from one of cv={cv!r}."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        clf.fit(X, y)


class TaggedLR(LogisticRegression):
    """A logistic regression whose fit insists on the rows' own tags."""

    def fit(self, X, y, sample_weight=None, tag=None):
        if tag is None or not np.array_equal(tag, X[:, 0] * 10):
            raise RuntimeError("fit did not get the tags of its rows")
        return super().fit(X[:, 1:], y, sample_weight=sample_weight)

    def predict_proba(self, X):
        return super().predict_proba(X[:, 1:])


def test_cv_correction_routes_fit_params_to_the_fold_fits():
    X, y = _cv_data()
    X = np.column_stack([np.arange(len(y)), X])  # column 0 names the row
    with sklearn.config_context(enable_metadata_routing=True):
        est = TaggedLR().set_fit_request(tag=True, sample_weight=True)
        clf = ResampledClassifier(
            est, strategy="upsample", prior_correction="cv", cv=3, random_state=0
        ).fit(X, y, tag=np.arange(len(y)) * 10.0)
    assert 0 < clf.calibration_coef_ < 3


# -- _fit_logit_shift ----------------------------------------------------------
def test_logit_shift_does_not_depend_on_the_scale_of_the_weights():
    rng = np.random.RandomState(0)
    n = 300
    p1 = rng.uniform(0.02, 0.98, size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(1.7 * logit(p1) - 0.8)))).astype(int)
    proba = np.column_stack([1 - p1, p1])
    w = rng.uniform(0.5, 2.0, size=n)
    platt = LogisticRegression(C=np.inf, tol=1e-12).fit(
        logit(p1)[:, None], y, sample_weight=w
    )
    start = np.zeros(2)
    for scale in (1.0, 1e-6, 1e3):
        a, b = _fit_logit_shift(proba, y, w * scale, start)
        np.testing.assert_allclose(a, platt.coef_[0, 0], rtol=1e-4)
        np.testing.assert_allclose(b, [0.0, platt.intercept_[0]], atol=1e-4)


# -- predict -------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_predict_passes_sparse_input_in_its_format(fmt):
    X, y = _blobs([30, 10])
    Xs = sparse.csr_matrix(X).asformat(fmt)
    clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    clf.fit(Xs, y)
    clf.predict(Xs)
    assert sparse.issparse(clf.estimator_.seen_)
    assert clf.estimator_.seen_.format == fmt


def test_predict_checks_the_number_of_features():
    X, y = _blobs([30, 10], n_features=5)
    clf = ResampledClassifier(Recorder(), strategy="upsample", random_state=0)
    clf.fit(X, y)
    expected = "X has 3 features, but ResampledClassifier is expecting 5 features"
    with pytest.raises(ValueError, match=f"^{expected} as input.$"):
        clf.predict(X[:, :3])
    assert clf.n_features_in_ == 5


# -- schedule="cooldown" -------------------------------------------------------
@pytest.mark.parametrize("n_epochs", [1, 2, 3])
def test_cooldown_temperatures_by_hand(n_epochs):
    # T_s = 1 / ((1 - s) / T + s), s = step / (n_epochs - 1) capped at 1
    # (s = 1 for a single epoch); upweighting gives p_k / pi_k per row
    X, y = _blobs([70, 20, 10])
    clf = ResampledClassifier(
        Recorder(),
        strategy="upweight",
        temperature=4.0,
        schedule="cooldown",
        n_epochs=n_epochs,
    ).fit(X, y)
    # two more calls on the same data: the schedule stays at its end, T = 1
    clf.partial_fit(X, y).partial_fit(X, y)
    prior = np.bincount(y) / len(y)
    steps = clf.estimator_.steps_
    assert len(steps) == n_epochs + 2
    for step, (_, y_seen, w_seen) in enumerate(steps):
        s = 1.0 if n_epochs == 1 else min(step / (n_epochs - 1), 1.0)
        target = prior ** ((1 - s) / 4.0 + s)
        target /= target.sum()
        np.testing.assert_array_equal(y_seen, y)
        np.testing.assert_allclose(w_seen, (target / prior)[y], rtol=1e-12)


class FitWithoutWeights(Recorder):
    """partial_fit takes sample_weight, fit does not."""

    def fit(self, X, y):
        return super().fit(X, y)


def test_partial_fit_weights_need_only_partial_fit_to_take_them():
    X, y = _blobs([30, 10])
    clf = ResampledClassifier(FitWithoutWeights(), strategy="upweight")
    clf.partial_fit(X, y, classes=[0, 1])
    _, y_seen, w_seen = clf.estimator_.steps_[0]
    np.testing.assert_allclose(w_seen, np.where(y_seen == 0, 0.5 / 0.75, 0.5 / 0.25))


def test_smote_shrink_copies_a_single_row_with_its_weight():
    # class 1 is one row of weight 2: mass 40 against 2, balanced: 38 more
    # weight, i.e. 19 copies of weight 2 (SMOTE rows keep the parents' weights)
    X, y = _blobs([40, 1])
    w = np.r_[np.ones(40), 2.0]
    clf = ResampledClassifier(Recorder(), strategy="smote", random_state=0)
    clf.partial_fit(X, y, classes=[0, 1], sample_weight=w)
    X_seen, y_seen, w_seen = clf.estimator_.steps_[0]
    np.testing.assert_array_equal(y_seen, np.r_[y, np.ones(19, dtype=int)])
    np.testing.assert_array_equal(X_seen[41:], np.repeat(X[-1:], 19, axis=0))
    np.testing.assert_array_equal(w_seen, np.r_[w, np.full(19, 2.0)])
