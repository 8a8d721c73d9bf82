"""ResampledClassifier: strategies, weights, prior correction, search, errors."""

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import balanced_accuracy_score, brier_score_loss, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skvariance.resampling import SMOTE, ResampledClassifier
from skvariance.resampling import _resampled_classifier as module
from skvariance.resampling._resampled_classifier import target_distribution


class Recorder(ClassifierMixin, BaseEstimator):
    """Stores what fit (or each partial_fit) received; predicts uniformly."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sw_ = X, y, sample_weight
        self.classes_ = np.unique(y)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if not hasattr(self, "steps_"):
            self.steps_ = []
        self.steps_.append((np.asarray(y), sample_weight))
        self.classes_ = np.asarray(classes)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


def _clone_fit(est, X, y, **params):
    return clone(est).fit(X, y, **params)


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


def _step_mass(step, classes):
    y, sw = step
    w = np.ones(len(y)) if sw is None else sw
    return np.array([w[y == c].sum() for c in classes])


def test_cooldown_steps_follow_the_schedule_and_correct_with_their_mixture():
    X, y = _data()
    clf = ResampledClassifier(
        Recorder(), strategy="upsample", schedule="cooldown", n_epochs=4, random_state=0
    ).fit(X, y)
    assert clf.n_steps_ == 4
    masses = [_step_mass(step, [0, 1]) for step in clf.estimator_.steps_]
    assert len(masses) == 4
    counts = np.bincount(y)
    # inverse temperature 0, 1/3, 2/3, 1: balanced first, the data last
    for mass, inverse in zip(masses, [0.0, 1 / 3, 2 / 3, 1.0]):
        expected = counts**inverse / (counts**inverse).sum()
        np.testing.assert_allclose(mass / mass.sum(), expected, atol=2e-3)
    # the correction uses what the model was trained on over all steps: the
    # mixture, not the last step (which is the data prior: no correction)
    mixture = np.sum(masses, axis=0)
    np.testing.assert_allclose(clf.resampled_prior_, mixture / mixture.sum())
    assert clf.resampled_prior_[1] > clf.class_prior_[1] + 0.1


def _stream(
    n_batches=20, batch=100, minority=0.05, with_minority=(2, 6, 10, 14, 18), seed=0
):
    """Batches of a 5% class that shows up in five batches out of twenty."""
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
    rare_parts = np.array_split(rare, len(with_minority))
    common_parts = np.array_split(common, n_batches)
    batches = []
    for b in range(n_batches):
        index = common_parts[b]
        if b in with_minority:
            index = np.concatenate([index, rare_parts[with_minority.index(b)]])
        batches.append(index)
    return X, y, batches, X_test, y_test


@pytest.mark.parametrize("strategy", ["upsample", "upweight"])
def test_partial_fit_keeps_classes_missing_from_later_batches(strategy):
    X, y, batches, X_test, y_test = _stream()
    assert sum(np.any(y[b] == 1) for b in batches) == 5  # 15 of 20 lack class 1
    assert not np.any(y[batches[-1]] == 1)
    proba, predicted = {}, {}
    for correct in (True, False):
        clf = ResampledClassifier(
            SGDClassifier(
                loss="log_loss", learning_rate="constant", eta0=0.01, random_state=0
            ),
            strategy=strategy,
            prior_correction=correct,
            random_state=0,
        )
        for b in batches:
            clf.partial_fit(X[b], y[b], classes=[0, 1])
        proba[correct] = clf.predict_proba(X_test)[:, 1]
        predicted[correct] = clf.predict(X_test)
    assert clf.n_steps_ == 20
    np.testing.assert_allclose(clf.class_prior_, np.bincount(y) / len(y))
    assert 0.1 < clf.resampled_prior_[1] < 0.5
    # corrected to the stream's prior: the mean probability is near the rate
    # (the bug made it exactly 0), the rare class is still predicted, and the
    # probabilities are better than the rebalanced ones
    rate = y_test.mean()
    assert 0.5 * rate < proba[True].mean() < 2 * rate
    assert np.sum(predicted[True] == 1) >= 5
    assert log_loss(y_test, proba[True]) < log_loss(y_test, proba[False]) - 0.03


def test_partial_fit_corrects_with_the_mixture_of_all_steps():
    X, y = _data(n=600)
    first, second = np.arange(300), np.arange(300, 600)
    second = second[y[second] == 0]  # the case: class 0 only
    w = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    clf = ResampledClassifier(
        Recorder(), strategy="upsample", replay_size=0, random_state=0
    )
    clf.partial_fit(X[first], y[first], classes=[0, 1], sample_weight=w[first])
    clf.partial_fit(X[second], y[second], sample_weight=w[second])
    masses = [_step_mass(step, [0, 1]) for step in clf.estimator_.steps_]
    np.testing.assert_allclose(masses[0][0], masses[0][1], rtol=0.02)  # balanced
    assert masses[1][1] == 0
    mixture = masses[0] + masses[1]
    np.testing.assert_allclose(clf.resampled_prior_, mixture / mixture.sum())
    seen = np.bincount(
        y[np.concatenate([first, second])], weights=w[np.concatenate([first, second])]
    )
    np.testing.assert_allclose(clf.class_prior_, seen / seen.sum())


def test_string_labels_match_integer_labels():
    X, y = _data()
    # the rare class sorts first, so a mix-up of label order shows
    names = np.array(["common", "another"], dtype=object)[y]
    for strategy in ("upsample", "smote", "upweight"):
        est = ResampledClassifier(
            LogisticRegression(), strategy=strategy, random_state=0
        )
        by_int = _clone_fit(est, X, y)
        by_name = _clone_fit(est, X, names)
        np.testing.assert_array_equal(by_name.classes_, ["another", "common"])
        np.testing.assert_allclose(
            by_name.predict_proba(X), by_int.predict_proba(X)[:, ::-1]
        )
        np.testing.assert_array_equal(
            by_name.predict(X), np.array(["common", "another"])[by_int.predict(X)]
        )
        assert np.any(by_name.predict(X) == "another")
        # the estimator itself is fitted on the user's labels
        raw = _clone_fit(est.set_params(prior_correction=False), X, names)
        np.testing.assert_array_equal(raw.estimator_.classes_, ["another", "common"])
        np.testing.assert_array_equal(
            raw.predict(X), raw.classes_[raw.predict_proba(X).argmax(axis=1)]
        )


def test_smote_strategy_raises_balanced_accuracy_over_no_rebalancing():
    X, y = _data(n=4000, minority=0.05, seed=3)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    scores = {}
    for strategy in ("none", "smote"):
        clf = ResampledClassifier(
            LogisticRegression(),
            strategy=strategy,
            prior_correction=False,  # the balanced decision rule
            random_state=0,
        ).fit(X_train, y_train)
        scores[strategy] = balanced_accuracy_score(y_test, clf.predict(X_test))
    # a majority vote scores 0.5; plain logistic regression misses much of the
    # rare class, SMOTE to balance recovers it
    assert scores["smote"] > scores["none"] + 0.05
    assert scores["smote"] > 0.8


def test_smote_strategy_is_the_family_smote(monkeypatch):
    X, y = _data()
    w = np.random.RandomState(1).uniform(1, 2, size=len(y))
    calls = []

    class Spy(SMOTE):
        def fit_resample(self, X, y, **params):
            calls.append(self.get_params())
            return super().fit_resample(X, y, **params)

    monkeypatch.setattr(module, "SMOTE", Spy)
    clf = ResampledClassifier(
        Recorder(), strategy="smote", k_neighbors=3, n_jobs=2, random_state=0
    ).fit(X, y, sample_weight=w)
    (params,) = calls
    assert params["n_jobs"] == 2 and params["k_neighbors"] == 3
    seed = params["random_state"]
    assert isinstance(seed, int)
    expected = SMOTE(
        sampling_strategy=params["sampling_strategy"], k_neighbors=3, random_state=seed
    ).fit_resample(X, y, sample_weight=w)
    rec = clf.estimator_
    np.testing.assert_array_equal(rec.X_, expected[0])
    np.testing.assert_array_equal(rec.sw_, expected[2])


def test_n_jobs_rule():
    X, y = _data()
    with pytest.raises(ValueError, match="n_jobs == 0"):
        ResampledClassifier(LogisticRegression(), n_jobs=0).fit(X, y)
    one = ResampledClassifier(
        LogisticRegression(), strategy="smote", n_jobs=1, random_state=0
    ).fit(X, y)
    two = ResampledClassifier(
        LogisticRegression(), strategy="smote", n_jobs=2, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))


# -- weights through Pipelines, with and without metadata routing -----------------
def _weighted_reference(X, y, w, *, routed=False):
    lr = LogisticRegression()
    scaler = StandardScaler()
    if routed:
        scaler.set_fit_request(sample_weight=False)
        lr.set_fit_request(sample_weight=True)
        return make_pipeline(scaler, lr).fit(X, y, sample_weight=w)
    return make_pipeline(scaler, lr).fit(X, y, logisticregression__sample_weight=w)


def _upweights(y, w):
    mass = np.bincount(y, weights=w)
    return w * (0.5 / (mass / mass.sum()))[y]


def test_pipeline_gets_weights_at_its_final_step_without_routing():
    X, y = _data()
    user_w = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    clf = ResampledClassifier(pipe, strategy="upweight").fit(X, y)
    ref = _weighted_reference(X, y, _upweights(y, np.ones(len(y))))
    np.testing.assert_allclose(clf.estimator_[-1].coef_, ref[-1].coef_, rtol=1e-6)
    # a user sample_weight reaches the final step under "upsample" too
    clf = ResampledClassifier(pipe, strategy="upsample", random_state=0).fit(
        X, y, sample_weight=user_w
    )
    unweighted = ResampledClassifier(pipe, strategy="upsample", random_state=0).fit(
        X, y
    )
    assert not np.allclose(clf.estimator_[-1].coef_, unweighted.estimator_[-1].coef_)
    assert pipe.steps[-1][1].__dict__.get("coef_") is None  # user's pipe untouched


def test_grid_search_over_strategies_with_a_pipeline():
    X, y = _data(n=600)
    clf = ResampledClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()), random_state=0
    )
    grid = {"strategy": ["none", "upweight", "upsample", "smote", "undersample"]}
    search = GridSearchCV(clf, grid, cv=3, scoring="neg_log_loss", error_score="raise")
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_errors_do_not_advise_the_chosen_strategy():
    X, y = _data()
    knn_pipe = make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(TypeError, match="final step KNeighborsClassifier") as info:
        ResampledClassifier(knn_pipe, strategy="upweight").fit(X, y)
    advice = str(info.value).split("; ", 1)[1]
    assert "'upsample'" in advice and "upweight" not in advice  # another one is
    for strategy in ("upsample", "smote", "undersample", "upweight"):
        with pytest.raises(TypeError, match="given sample_weight needs") as info:
            ResampledClassifier(knn_pipe, strategy=strategy).fit(
                X, y, sample_weight=np.ones(len(y))
            )
        assert "strategy=" not in str(info.value)  # no strategy helps
    # without weights every other strategy works with this pipeline
    ResampledClassifier(knn_pipe, strategy="upsample", random_state=0).fit(X, y)


def test_metadata_routing_honours_requests():
    X, y = _data()
    user_w = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LogisticRegression().set_fit_request(sample_weight=True),
        )
        clf = ResampledClassifier(pipe, strategy="upweight").fit(
            X, y, sample_weight=user_w
        )
        ref = _weighted_reference(X, y, _upweights(y, user_w), routed=True)
        np.testing.assert_allclose(clf.estimator_[-1].coef_, ref[-1].coef_, rtol=1e-6)
        assert clf.estimator_[0].n_samples_seen_ == len(y)  # scaler: unweighted
        # the scaler asks for the weights too: it gets the rebalanced ones
        both = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=True),
            LogisticRegression().set_fit_request(sample_weight=True),
        )
        clf = ResampledClassifier(both, strategy="upweight").fit(X, y)
        expected = np.average(X, axis=0, weights=_upweights(y, np.ones(len(y))))
        np.testing.assert_allclose(clf.estimator_[0].mean_, expected)
        # nothing requested: refused up front, with the request to make
        bare = make_pipeline(StandardScaler(), LogisticRegression())
        with pytest.raises(TypeError, match=r"set_fit_request\(sample_weight=True\)"):
            ResampledClassifier(bare, strategy="upweight").fit(X, y)
        declined = LogisticRegression().set_fit_request(sample_weight=False)
        with pytest.raises(TypeError, match="given sample_weight needs"):
            ResampledClassifier(declined, strategy="upsample").fit(
                X, y, sample_weight=user_w
            )
        # weights routed by a GridSearchCV reach the pipeline through us
        search = GridSearchCV(
            ResampledClassifier(pipe, strategy="upsample", random_state=0)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False),
            {"temperature": [1.0, np.inf]},
            cv=3,
            error_score="raise",
        ).fit(X, y, sample_weight=user_w)
        plain = GridSearchCV(
            ResampledClassifier(pipe, strategy="upsample", random_state=0),
            {"temperature": [1.0, np.inf]},
            cv=3,
        ).fit(X, y)
        assert not np.allclose(
            search.best_estimator_.estimator_[-1].coef_,
            plain.best_estimator_.estimator_[-1].coef_,
        )


class TagRecorder(Recorder):
    def fit(self, X, y, sample_weight=None, tag=None):
        self.tag_ = tag
        return super().fit(X, y, sample_weight=sample_weight)


def test_routed_per_sample_metadata_follows_its_rows():
    X, y = _data()
    X = np.column_stack([np.arange(len(y)), X])  # column 0 names the row
    tag = np.arange(len(y)) * 10
    with sklearn.config_context(enable_metadata_routing=True):
        rec = TagRecorder().set_fit_request(tag=True)
        for strategy in ("upsample", "undersample"):
            clf = ResampledClassifier(rec, strategy=strategy, random_state=0)
            fitted = clf.fit(X, y, tag=tag).estimator_
            np.testing.assert_array_equal(fitted.tag_, fitted.X_[:, 0] * 10)
        with pytest.raises(TypeError, match="no value of the per-sample"):
            ResampledClassifier(rec, strategy="smote").fit(X, y, tag=tag)
    with pytest.raises(TypeError, match="metadata routing"):
        ResampledClassifier(rec, strategy="upsample").fit(X, y, tag=tag)


def test_bad_input():
    X, y = _data()
    with pytest.raises(ValueError, match="temperature"):
        ResampledClassifier(LogisticRegression(), temperature=0.5).fit(X, y)
    with pytest.raises(TypeError, match="KNeighborsClassifier does not accept"):
        ResampledClassifier(KNeighborsClassifier()).fit(X, y)
    with pytest.raises(TypeError, match="LinearSVC has no predict_proba"):
        ResampledClassifier(
            LinearSVC(), strategy="upsample", prior_correction=True
        ).fit(X, y)
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
    with pytest.raises(TypeError, match="has no partial_fit"):
        ResampledClassifier(LogisticRegression(), schedule="cooldown").fit(X, y)
    with pytest.raises(ValueError, match="classes must be given"):
        ResampledClassifier(SGDClassifier(loss="log_loss")).partial_fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[2\] not in classes"):
        ResampledClassifier(SGDClassifier(loss="log_loss")).partial_fit(
            X, np.where(y == 1, 2, 0), classes=[0, 1]
        )
    # no predict_proba is fine without prior correction
    ok = ResampledClassifier(LinearSVC(), prior_correction=False).fit(X, y)
    assert ok.predict(X).shape == y.shape


def test_weights_error_messages_in_full():
    X, y = _data(n=200)
    # three steps: the final one is steps[-1], not steps[1]
    knn_pipe = make_pipeline(StandardScaler(), StandardScaler(), KNeighborsClassifier())
    expected = (
        "estimator Pipeline does not accept sample_weight in fit (its final step "
        "KNeighborsClassifier does not), which strategy='upweight' needs; use "
        "strategy='upsample', 'smote' or 'undersample'; or use an estimator, or a "
        "Pipeline whose final step, that takes sample_weight (or enable metadata "
        "routing and request it)."
    )
    with pytest.raises(TypeError) as info:
        ResampledClassifier(knn_pipe, strategy="upweight").fit(X, y)
    assert str(info.value) == expected
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(TypeError) as info:
            ResampledClassifier(LogisticRegression(), strategy="upweight").fit(X, y)
    assert str(info.value) == (
        "estimator LogisticRegression does not request sample_weight in fit, "
        "which strategy='upweight' needs; use strategy='upsample', 'smote' or "
        "'undersample'; or request it with set_fit_request(sample_weight=True) on "
        "the estimator (on the steps that should receive it, in a Pipeline)."
    )


def test_default_keeps_the_balanced_decision_rule():
    """Issue 16: the default is what rebalancing is for. Upweighting to
    balance is scikit-learn's class_weight="balanced" (an independent fit),
    and by default ResampledClassifier's probabilities and predictions are
    that model's; the prior correction is opt-in and gives the unbalanced
    rule (far lower recall of the rare class)."""
    X, y = make_classification(
        n_samples=2000, weights=[0.95, 0.05], class_sep=0.6, random_state=0
    )
    reference = LogisticRegression(class_weight="balanced").fit(X, y)
    default = ResampledClassifier(LogisticRegression(), random_state=0).fit(X, y)
    np.testing.assert_allclose(
        default.predict_proba(X), reference.predict_proba(X), atol=1e-6
    )
    np.testing.assert_array_equal(default.predict(X), reference.predict(X))
    corrected = ResampledClassifier(
        LogisticRegression(), prior_correction=True, random_state=0
    ).fit(X, y)
    recall_default = default.predict(X)[y == 1].mean()
    recall_corrected = corrected.predict(X)[y == 1].mean()
    assert recall_default > recall_corrected + 0.1, (recall_default, recall_corrected)
    # predict stays the argmax of predict_proba under both rules
    for clf in (default, corrected):
        np.testing.assert_array_equal(
            clf.predict(X), clf.classes_[clf.predict_proba(X).argmax(axis=1)]
        )
