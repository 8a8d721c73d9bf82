"""ConformalClassifier: coverage by simulation, API and bad input."""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.calibration import ConformalClassifier

from ._helpers import rep_variance, within

N_CAL = 24  # expected coverage ceil(25 * 0.9) / 25 = 0.92 with continuous scores
EXACT = 23 / 25


def _three_classes(rng, n, weights=(0.5, 0.3, 0.2)):
    y = rng.choice(3, size=n, p=weights)
    X = rng.normal(size=(n, 2)) + np.array([[0, 0], [1.2, 0], [0, 1.2]])[y]
    return X, y


def _coverage(sets, y):
    return sets[np.arange(y.size), y]


@pytest.mark.parametrize(
    "score",
    # RAPS (~2 s) runs with -m slow in CI; test_raps_tuning's exact coverage
    # of the tuned RAPS from both sides stays in this suite
    ["lac", "aps", pytest.param("raps", marks=pytest.mark.slow)],
)
def test_split_coverage_is_exactly_k_over_n_plus_one(score):
    n_reps = 250
    cover = np.empty(n_reps)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = _three_classes(rng, 84)
        X_test, y_test = _three_classes(rng, 100)
        # a closed-form classifier keeps the simulation fast
        clf = ConformalClassifier(
            GaussianNB(),
            score=score,
            calibration_size=N_CAL,
            penalty=0.1,
            random_state=r,
        ).fit(X, y)
        cover[r] = _coverage(clf.predict_set(X_test), y_test).mean()
    ok, se = within(cover.mean(), EXACT, rep_variance(EXACT, N_CAL, 100), n_reps)
    assert ok, (cover.mean(), se)


@pytest.mark.slow
@pytest.mark.parametrize("score", ["lac", "aps"])
def test_cv_plus_covers_at_least_nominal(score):
    n_reps = 100
    cover = np.empty(n_reps)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = _three_classes(rng, 60)
        X_test, y_test = _three_classes(rng, 100)
        clf = ConformalClassifier(
            GaussianNB(), score=score, method="cv_plus", cv=4, random_state=r
        ).fit(X, y)
        cover[r] = _coverage(clf.predict_set(X_test), y_test).mean()
    se = np.sqrt(rep_variance(0.9, 60, 100) / n_reps)
    assert cover.mean() >= 0.9 - 4 * se, (cover.mean(), se)
    # from above: no more than split conformal's 0.9 + 1 / (n + 1)
    assert cover.mean() <= 0.9 + 1 / 61 + 4 * se, (cover.mean(), se)


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_class_conditional_covers_the_rare_class(method):
    X, y = make_classification(
        n_samples=6000,
        n_classes=3,
        n_informative=3,
        n_redundant=0,
        weights=[0.6, 0.32, 0.08],
        class_sep=0.6,
        random_state=0,
    )
    X_test, y_test = X[3000:], y[3000:]
    X, y = X[:3000], y[:3000]
    kwargs = dict(score="lac", method=method, random_state=0)
    marginal = ConformalClassifier(GaussianNB(), **kwargs).fit(X, y)
    per_class = ConformalClassifier(GaussianNB(), class_conditional=True, **kwargs).fit(
        X, y
    )
    hit_m = _coverage(marginal.predict_set(X_test), y_test)
    hit_c = _coverage(per_class.predict_set(X_test), y_test)
    rare = y_test == 2
    # about 240 rare test points and 60 (split) calibration points
    assert hit_m[rare].mean() < 0.75
    for k in range(3):
        # split: >= 60 calibration points per class, one test draw of >= 240
        assert hit_c[y_test == k].mean() >= 0.9 - 0.08, k
        assert hit_c[y_test == k].mean() <= 0.9 + 1 / 61 + 0.08, k


def test_aps_sets_adapt_and_lac_sets_are_smaller():
    rng = np.random.RandomState(0)
    X, y = _three_classes(rng, 2000)
    X_test, _ = _three_classes(rng, 500)
    sizes = {}
    for score in ("lac", "aps", "raps"):
        clf = ConformalClassifier(LogisticRegression(), score=score, random_state=0)
        sizes[score] = clf.fit(X, y).predict_set(X_test).sum(axis=1).mean()
    assert sizes["lac"] <= sizes["aps"]
    assert sizes["raps"] <= sizes["aps"] + 0.05


def test_sets_grow_with_coverage_and_reproduce():
    rng = np.random.RandomState(1)
    X, y = _three_classes(rng, 400)
    clf = ConformalClassifier(LogisticRegression(), random_state=0).fit(X, y)
    sets = clf.predict_set(X[:50], coverage=[0.5, 0.8, 0.95])
    assert sets.shape == (50, 3, 3)
    assert np.all(sets[:, :, 0] <= sets[:, :, 1])
    assert np.all(sets[:, :, 1] <= sets[:, :, 2])
    np.testing.assert_array_equal(clf.predict_set(X[:50], 0.8), sets[:, :, 1])
    np.testing.assert_array_equal(clf.predict_set(X[:50]), clf.predict_set(X[:50]))
    assert clf.predict_proba(X[:5]).shape == (5, 3)
    assert set(clf.predict(X[:20])) <= {0, 1, 2}


def test_string_labels_and_grid_search_over_score():
    rng = np.random.RandomState(2)
    X, y = _three_classes(rng, 300)
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = ConformalClassifier(LogisticRegression(), random_state=0)
    search = GridSearchCV(
        clf, {"score": ["lac", "aps"], "estimator__C": [0.1, 1.0]}, cv=3
    ).fit(X, labels)
    assert search.best_estimator_.classes_.tolist() == ["cat", "dog", "eel"]
    assert search.best_estimator_.get_params()["score"] in ("lac", "aps")
    pipe = make_pipeline(StandardScaler(), clf).fit(X, labels)
    assert pipe[-1].predict_set(X[:4]).shape == (4, 3)


def test_mapie_lac_sets_identical_on_the_same_split():
    mapie = pytest.importorskip("mapie.classification")
    rng = np.random.RandomState(3)
    X, y = _three_classes(rng, 600)
    clf = ConformalClassifier(LogisticRegression(), score="lac", random_state=0)
    clf.fit(X, y)
    cal = clf.calibration_indices_
    peer = mapie.SplitConformalClassifier(
        clf.estimator_, confidence_level=0.9, conformity_score="lac", prefit=True
    ).conformalize(X[cal], y[cal])
    _, peer_sets = peer.predict_set(X[:200])
    agree = (clf.predict_set(X[:200]) == peer_sets[:, :, 0]).mean()
    assert agree >= 0.999


def test_sample_weight_with_and_without_routing():
    rng = np.random.RandomState(4)
    X, y = _three_classes(rng, 300)
    w = rng.uniform(0.2, 3.0, size=300)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    plain = ConformalClassifier(pipe, random_state=0).fit(X, y, sample_weight=w)
    with sklearn.config_context(enable_metadata_routing=True):
        routed_pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LogisticRegression().set_fit_request(sample_weight=True),
        )
        routed = ConformalClassifier(routed_pipe, random_state=0)
        routed.fit(X, y, sample_weight=w)
        proba_routed = routed.predict_proba(X[:20])
    np.testing.assert_allclose(plain.predict_proba(X[:20]), proba_routed)
    unweighted = ConformalClassifier(pipe, random_state=0).fit(X, y)
    assert not np.allclose(unweighted.predict_proba(X[:20]), proba_routed)
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        ConformalClassifier(KNeighborsClassifier()).fit(X, y, sample_weight=w)


def test_bad_input():
    rng = np.random.RandomState(5)
    X, y = _three_classes(rng, 300)
    with pytest.raises(ValueError, match="only one class"):
        ConformalClassifier().fit(X, np.zeros(300))
    with pytest.raises(ValueError, match="coverage"):
        ConformalClassifier(coverage=1.0).fit(X, y)
    clf = ConformalClassifier(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="coverage"):
        clf.predict_set(X, coverage=0.0)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ConformalClassifier().fit(X_nan, y)
    with pytest.raises(ValueError, match="shift_weight must be non-negative"):
        ConformalClassifier().fit(X, y, shift_weight=-np.ones(300))


@pytest.mark.filterwarnings(
    "ignore::skvariance.calibration.CalibrationSizeWarning"
)  # infinite weighted bounds are part of what this checks
def test_unit_shift_weights_give_the_unweighted_sets():
    rng = np.random.RandomState(6)
    X, y = _three_classes(rng, 400)
    plain = ConformalClassifier(GaussianNB(), random_state=0).fit(X, y)
    unit = ConformalClassifier(GaussianNB(), random_state=0).fit(
        X, y, shift_weight=np.ones(400)
    )
    np.testing.assert_array_equal(
        unit.predict_set(X[:60], shift_weight=np.ones(60)), plain.predict_set(X[:60])
    )
    # a dominant test weight gives every label (the honest infinite quantile)
    full = unit.predict_set(X[:5], shift_weight=np.full(5, 1e6))
    assert full.all()
