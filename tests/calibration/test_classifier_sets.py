"""ConformalClassifier: per-row draws, non-randomised APS, RAPS by hand, labels."""

import numpy as np
import pytest
from scipy.stats import chi2
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.calibration import CalibrationSizeWarning, ConformalClassifier
from skvariance.calibration._classifier import label_scores

from ._helpers import KnownProba, draw_known, rep_variance, softmax, within


def _three_classes(rng, n):
    y = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    X = rng.normal(size=(n, 2)) + np.array([[0, 0], [1.2, 0], [0, 1.2]])[y]
    return X, y


# -- a row's set depends on the row only ------------------------------------------
@pytest.mark.parametrize("method", ["split", "cv_plus"])
@pytest.mark.parametrize("score", ["aps", "raps"])
def test_row_set_does_not_depend_on_the_batch(score, method):
    rng = np.random.RandomState(0)
    X, y = _three_classes(rng, 300)
    X_test, _ = _three_classes(rng, 40)
    clf = ConformalClassifier(
        LogisticRegression(), score=score, method=method, cv=3, random_state=0
    ).fit(X, y)
    batch = clf.predict_set(X_test, coverage=[0.7, 0.9])
    alone = np.stack(
        [clf.predict_set(X_test[i : i + 1], [0.7, 0.9])[0] for i in range(40)]
    )
    np.testing.assert_array_equal(alone, batch)
    np.testing.assert_array_equal(clf.predict_set(X_test[1:], [0.7, 0.9]), batch[1:])
    perm = rng.permutation(40)
    np.testing.assert_array_equal(
        clf.predict_set(X_test[perm], [0.7, 0.9]), batch[perm]
    )
    # identical rows get the same draw, so the same set
    twice = clf.predict_set(np.repeat(X_test[:5], 2, axis=0), [0.7, 0.9])
    np.testing.assert_array_equal(twice[::2], twice[1::2])
    # the calibration rows were scored with the same per-row rule
    cal = clf.calibration_indices_ if method == "split" else None
    if cal is not None:
        u = clf._draws(X[cal])
        proba = clf.estimator_.predict_proba(X[cal])
        mine = label_scores(proba, score, u, clf.penalty, clf.k_reg)
        np.testing.assert_array_equal(
            mine[np.arange(cal.size), y[cal]], clf.conformity_scores_
        )


@pytest.mark.parametrize("score", ["aps", "raps"])
def test_one_row_calls_cover_nominally_within_every_fit(score):
    # a large calibration set pins each fit's coverage near 0.9; one-row calls
    # of one fit must cover like independent test points, not share one draw
    # (confident probabilities: there, one shared u moves coverage the most)
    n_fits, n_calls, n_cal, level = 10, 150, 3000, 0.9
    hits = np.empty((n_fits, n_calls))
    for f in range(n_fits):
        rng = np.random.RandomState(100 + f)
        X, y = draw_known(rng, n_cal + 100, scale=3.0)
        X_test, y_test = draw_known(rng, n_calls, scale=3.0)
        clf = ConformalClassifier(
            KnownProba(softmax=True),
            score=score,
            calibration_size=n_cal,
            penalty=0.05,
            random_state=f,
        ).fit(X, y)
        for i in range(n_calls):
            hits[f, i] = clf.predict_set(X_test[i : i + 1], level)[0, y_test[i]]
    exact = np.ceil((n_cal + 1) * level) / (n_cal + 1)
    per_fit = hits.mean(axis=1)
    var = rep_variance(exact, n_cal, n_calls)
    # spread over fits: chi-square of the per-fit coverages around nominal
    stat = np.sum((per_fit - exact) ** 2 / var)
    assert stat <= chi2.ppf(0.9999, n_fits), (per_fit, stat)
    se = np.sqrt(var / n_fits)
    assert per_fit.mean() >= level - 4 * se, per_fit.mean()
    assert per_fit.mean() <= level + 1 / (n_cal + 1) + 4 * se, per_fit.mean()


@pytest.mark.slow
@pytest.mark.parametrize("score", ["aps", "raps"])
def test_one_row_calls_cover_exactly_over_many_fits(score):
    # 300 fits, each a new calibration draw, 10 one-row calls each
    n_fits, n_calls, n_cal = 300, 10, 24
    cover = np.empty(n_fits)
    for f in range(n_fits):
        rng = np.random.RandomState(f)
        X, y = draw_known(rng, 60)
        X_test, y_test = draw_known(rng, n_calls)
        clf = ConformalClassifier(
            KnownProba(softmax=True),
            score=score,
            calibration_size=n_cal,
            penalty=0.05,
            random_state=f,
        ).fit(X, y)
        cover[f] = np.mean(
            [clf.predict_set(X_test[i : i + 1])[0, y_test[i]] for i in range(n_calls)]
        )
    exact = 23 / 25  # ceil(25 * 0.9) / 25: >= 0.9 and <= 0.9 + 1 / 25
    ok, se = within(cover.mean(), exact, rep_variance(exact, n_cal, n_calls), n_fits)
    assert ok, (cover.mean(), se)


# -- non-randomised APS (Romano et al., 2020) and RAPS by hand ---------------------
# 40 identical calibration-data rows with probabilities (1/2, 1/4, 1/4) and
# labels a: 20, b: 12, c: 8; the stratified 20-row calibration set holds
# 10 a, 6 b, 4 c. Dyadic probabilities keep every sum exact.
_CAL_ROW = [0.5, 0.25, 0.25]
_TEST = np.array(
    [
        [0.875, 0.0625, 0.0625],
        [0.5, 0.375, 0.125],
        [0.125, 0.625, 0.25],
        [0.25, 0.25, 0.5],  # tie of a and b: a ranks first (lower index)
    ]
)


def _fit_table(score, penalty=0.0):
    X = np.tile(_CAL_ROW, (40, 1))
    y = np.array(["a"] * 20 + ["b"] * 12 + ["c"] * 8)
    return ConformalClassifier(
        KnownProba(),
        score=score,
        randomized=False,
        coverage=0.7,
        calibration_size=20,
        penalty=penalty,
        k_reg=1,
        random_state=0,
    ).fit(X, y)


def test_nonrandomized_aps_set_by_hand():
    clf = _fit_table("aps")
    # calibration scores = cumulative probability up to and including y:
    # a: 0.5 (x10), b: 0.75 (x6), c: 1.0 (x4); rank ceil(21 * 0.7) = 15 -> 0.75
    np.testing.assert_array_equal(
        np.sort(clf.conformity_scores_), [0.5] * 10 + [0.75] * 6 + [1.0] * 4
    )
    # labels in decreasing probability until the cumulative sum reaches 0.75,
    # the crossing label included: the top label is always in
    expected = np.array(
        [
            [True, False, False],  # 0.875 >= 0.75 at once
            [True, True, False],  # 0.5, then 0.875
            [False, True, True],  # b 0.625, then c 0.875
            [True, False, True],  # c 0.5, a 0.75 (reached: b out)
        ]
    )
    np.testing.assert_array_equal(clf.predict_set(_TEST), expected)


def test_raps_penalty_by_hand():
    lam = 0.25
    clf = _fit_table("raps", penalty=lam)
    # RAPS score: cumulative probability through y + lam * (rank - 1):
    # a 0.5 (rank 1), b 0.75 + 0.25 = 1.0, c 1.0 + 0.5 = 1.5 -> tau = 1.0
    np.testing.assert_array_equal(
        np.sort(clf.conformity_scores_), [0.5] * 10 + [1.0] * 6 + [1.5] * 4
    )
    # row 0: a 0.875, b 0.9375 + 0.25 = 1.1875: b enters (a's 0.875 < 1.0),
    # c does not (1.1875 >= 1.0); without the penalty the set would be {a}
    expected = np.array(
        [
            [True, True, False],
            [True, True, False],
            [False, True, True],
            [True, False, True],  # c 0.5, a 0.75 + 0.25 = 1.0 reached
        ]
    )
    np.testing.assert_array_equal(clf.predict_set(_TEST), expected)
    # randomised scores by hand: before + u * p + lam * max(0, rank - k_reg)
    u = np.array([0.5, 0.25, 1.0, 0.0])
    by_hand = np.array(
        [
            [0.4375, 0.875 + 0.03125 + lam, 0.9375 + 0.03125 + 2 * lam],
            [0.125, 0.5 + 0.09375 + lam, 0.875 + 0.03125 + 2 * lam],
            [0.875 + 0.125 + 2 * lam, 0.625, 0.625 + 0.25 + lam],
            [0.5 + 0.0 + lam, 0.75 + 0.0 + 2 * lam, 0.0],
        ]
    )
    np.testing.assert_allclose(
        label_scores(_TEST, "raps", u, lam, 1), by_hand, rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        label_scores(_TEST, "aps", u, lam, 1)[0], [0.4375, 0.90625, 0.96875]
    )


def _nonrandomized_aps_by_hand(rng, n_reps, n_cal, n_test, level, scale):
    """Coverage of Romano et al.'s non-randomised APS, written out in NumPy.

    Calibration score: cumulative probability through the true label (labels
    in decreasing probability, ties by index); threshold: the
    ``ceil((n + 1) level)``-th smallest; a test label is in the set when the
    cumulative probability of the labels ranked above it is below the
    threshold.
    """
    rank = int(np.ceil(round((n_cal + 1) * level, 9)))
    cover = np.empty(n_reps)
    for r in range(n_reps):
        X, y = draw_known(rng, n_cal + n_test, scale=scale)
        p = softmax(X)
        order = np.argsort(-p, axis=1, kind="stable")
        cum = np.cumsum(np.take_along_axis(p, order, axis=1), axis=1)
        pos = np.argmax(order == y[:, None], axis=1)  # rank of y, 0-based
        through = cum[np.arange(y.size), pos]
        before = through - np.take_along_axis(p, y[:, None], axis=1)[:, 0]
        tau = np.sort(through[:n_cal])[rank - 1]
        cover[r] = np.mean(before[n_cal:] < tau)
    return cover


def test_nonrandomized_sets_are_never_empty_and_cover():
    n_reps, n_cal, n_test, level, scale = 150, 49, 200, 0.6, 1.5
    cover = np.empty((2, n_reps))
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        X, y = draw_known(rng, 100, scale=scale)  # some confident rows
        X_test, y_test = draw_known(rng, n_test, scale=scale)
        for k, score in enumerate(["aps", "raps"]):
            sets = (
                ConformalClassifier(
                    KnownProba(softmax=True),
                    score=score,
                    randomized=False,
                    calibration_size=n_cal,
                    random_state=r,
                )
                .fit(X, y)
                .predict_set(X_test, level)
            )
            top = softmax(X_test).argmax(axis=1)
            assert sets[np.arange(n_test), top].all()  # never empty
            cover[k, r] = sets[np.arange(n_test), y_test].mean()
    # conservative: at least nominal
    se = np.sqrt(rep_variance(level, n_cal, n_test) / n_reps)
    assert np.all(cover.mean(axis=1) >= level - 4 * se), cover.mean(axis=1)
    # and exactly the coverage of the procedure written out (two-sided)
    ref = _nonrandomized_aps_by_hand(
        np.random.RandomState(12345), 1500, n_cal, n_test, level, scale
    )
    se = np.sqrt(cover[0].var() / n_reps + ref.var() / ref.size)
    assert abs(cover[0].mean() - ref.mean()) <= 4 * se, (cover[0].mean(), ref.mean())
    assert ref.mean() < 0.97  # the reference does not cover trivially


def test_nonrandomized_aps_on_digits_has_no_empty_set():
    X, y = load_digits(return_X_y=True)
    # confident probabilities: 8% of the sets were empty before the fix
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf = ConformalClassifier(model, score="aps", randomized=False, random_state=0).fit(
        X[:1200], y[:1200]
    )
    sets = clf.predict_set(X[1200:])
    assert sets.any(axis=1).all()


# -- estimator_ works in the user's labels -----------------------------------------
@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_fitted_models_predict_the_users_labels(method):
    rng = np.random.RandomState(7)
    X, y = _three_classes(rng, 300)
    names = np.array(["cat", "dog", "eel"])
    clf = ConformalClassifier(LogisticRegression(), method=method, random_state=0)
    clf.fit(X, names[y])
    for model in clf.estimators_:
        assert set(model.predict(X[:50])) <= set(names)
        np.testing.assert_array_equal(model.classes_, names)
    if method == "split":
        # the same model as one fitted by hand on the training rows' labels
        train = np.setdiff1d(np.arange(300), clf.calibration_indices_)
        ref = LogisticRegression().fit(X[train], names[y][train])
        np.testing.assert_array_equal(clf.estimator_.predict(X), ref.predict(X))
        np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))
    assert set(clf.predict(X)) <= set(names)


def test_a_class_missing_from_a_fold_gets_zero_probability():
    rng = np.random.RandomState(8)
    X, y = _three_classes(rng, 90)
    labels = np.array(["x", "y", "z"])[y]
    labels[:3] = "w"  # a rare class, all in the first fold: its model lacks it
    clf = ConformalClassifier(
        GaussianNB(), method="cv_plus", cv=KFold(3), score="lac", random_state=0
    ).fit(X, labels)
    assert "w" not in clf.estimators_[0].classes_
    proba = [clf._proba(m, X) for m in clf.estimators_]
    for m, p in zip(clf.estimators_, proba):
        missing = ~np.isin(clf.classes_, m.classes_)
        assert np.all(p[:, missing] == 0)
        np.testing.assert_allclose(p[:, ~missing], m.predict_proba(X))


def test_documented_defaults():
    params = ConformalClassifier().get_params()
    assert params == {
        "estimator": None,
        "score": "lac",
        "coverage": 0.9,
        "method": "split",
        "cv": 5,
        "calibration_size": 0.25,
        "class_conditional": False,
        "randomized": True,
        "penalty": 0.01,
        "k_reg": 1,
        "tuning_size": 0.2,
        "weight_function": None,
        "n_jobs": None,
        "random_state": None,
        "verbose": 0,
    }


def test_calibration_size_boundary():
    # coverage 0.9 needs ceil((n + 1) 0.9) <= n: n >= 9; below, the exact
    # answer (every label) with a CalibrationSizeWarning, never an error
    rng = np.random.RandomState(9)
    X, y = _three_classes(rng, 200)
    kwargs = dict(score="lac", random_state=0)
    ConformalClassifier(GaussianNB(), calibration_size=9, **kwargs).fit(X, y)
    small = ConformalClassifier(GaussianNB(), calibration_size=8, **kwargs).fit(X, y)
    with pytest.warns(CalibrationSizeWarning, match="has 8 samples.*at least 9"):
        assert small.predict_set(X[:5]).all()
    # class-conditional: each class needs 9 calibration rows
    y3 = np.repeat([0, 1, 2], [30, 30, 30])
    X3 = rng.normal(size=(90, 2)) + y3[:, None]
    ConformalClassifier(
        GaussianNB(), class_conditional=True, calibration_size=27, **kwargs
    ).fit(X3, y3).predict_set(X3[:3])
    per_class = ConformalClassifier(
        GaussianNB(), class_conditional=True, calibration_size=24, **kwargs
    ).fit(X3, y3)
    with pytest.warns(CalibrationSizeWarning, match="group 0 has 8 samples"):
        assert per_class.predict_set(X3[:3]).all()
    # cv_plus class-conditional at predict: every class has 30 rows, 0.97
    # needs 33 (ceil(31 * 0.97) = 31 > 30)
    cvp = ConformalClassifier(
        GaussianNB(), method="cv_plus", class_conditional=True, cv=3, **kwargs
    ).fit(X3, y3)
    assert not cvp.predict_set(X3[:3], coverage=0.96).all()
    with pytest.warns(CalibrationSizeWarning, match="group 0 has 30 samples"):
        assert cvp.predict_set(X3[:3], coverage=0.97).all()


@pytest.mark.parametrize("class_conditional", [False, True])
@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_nonrandomized_aps_by_hand_split_cv_plus_and_per_class(
    method, class_conditional
):
    # KnownProba ignores its training rows, so every CV+ fold model gives the
    # same probabilities and CV+ calibrates on all 40 rows: a 0.5 (x20),
    # b 0.75 (x12), c 1.0 (x8); rank ceil(41 * 0.7) = 29 -> tau = 0.75, as
    # split (rank 15 of 20). Per class: tau_a = 0.5, tau_b = 0.75, tau_c = 1.0
    # (split and CV+ alike).
    X = np.tile(_CAL_ROW, (40, 1))
    y = np.array(["a"] * 20 + ["b"] * 12 + ["c"] * 8)
    clf = ConformalClassifier(
        KnownProba(),
        score="aps",
        randomized=False,
        coverage=0.7,
        method=method,
        cv=4,
        class_conditional=class_conditional,
        calibration_size=20,
        random_state=0,
    ).fit(X, y)
    if class_conditional:
        # label k is in when the mass ranked above it is < tau_k
        expected = [
            [True, False, True],
            [True, True, True],
            [False, True, True],
            [False, False, True],
        ]
    else:
        expected = [
            [True, False, False],
            [True, True, False],
            [False, True, True],
            [True, False, True],
        ]
    np.testing.assert_array_equal(clf.predict_set(_TEST), expected)
