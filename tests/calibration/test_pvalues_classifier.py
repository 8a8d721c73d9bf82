"""ConformalClassifier.predict_pvalue: crepes' p-values, the sets, validity."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvariance.calibration import CalibrationSizeWarning, ConformalClassifier

from ._helpers import KnownProba, rep_variance, within

_X, _Y = load_wine(return_X_y=True)
_CUT = np.median(_X[:, 0])


def _alcohol_bins(X):
    """crepes' Mondrian categorizer: the wine's alcohol above the median."""
    return (np.asarray(X)[:, 0] > _CUT).astype(int)


def _estimator():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.05))


def _pair(taxonomy):
    """Our classifier and crepes' WrapClassifier on the same train/cal rows."""
    crepes = pytest.importorskip("crepes")
    groups = _alcohol_bins(_X) if taxonomy == "groups" else None
    ours = ConformalClassifier(
        _estimator(),
        calibration_size=0.5,
        class_conditional=taxonomy == "class",
        random_state=0,
    ).fit(_X, _Y, groups=groups)
    cal = ours.calibration_indices_
    train = np.setdiff1d(np.arange(_Y.size), cal)
    theirs = crepes.WrapClassifier(clone(_estimator()))
    theirs.fit(_X[train], _Y[train])
    theirs.calibrate(
        _X[cal],
        _Y[cal],
        class_cond=taxonomy == "class",
        mc=_alcohol_bins if taxonomy == "groups" else None,
    )
    return ours, theirs, groups


@pytest.mark.parametrize("taxonomy", [None, "class", "groups"])
def test_pvalues_equal_crepes_without_smoothing(taxonomy):
    ours, theirs, groups = _pair(taxonomy)
    ref = theirs.predict_p(_X, smoothing=False)
    np.testing.assert_allclose(ours.predict_pvalue(_X, groups=groups), ref, atol=1e-15)
    y = np.roll(_Y, 5)  # some true labels, some not
    ref_y = theirs.predict_p(_X, y=y, all_classes=False, smoothing=False)
    np.testing.assert_allclose(
        ours.predict_pvalue(_X, y=y, groups=groups), ref_y, atol=1e-15
    )
    assert np.unique(ref).size > 10


@pytest.mark.parametrize("taxonomy", [None, "class", "groups"])
def test_pvalues_equal_crepes_with_smoothing_on_the_same_uniforms(
    taxonomy, monkeypatch
):
    ours, theirs, groups = _pair(taxonomy)
    theta = ours._smoothing_draws(_X)
    # crepes draws np.random.rand(n_rows, n_classes): once, once per class
    # (class_cond), or once per Mondrian bin in sorted order; give it ours
    if taxonomy == "groups":
        blocks = [np.flatnonzero(groups == b) for b in np.unique(groups)]
    else:
        blocks = [np.arange(_Y.size)] * (3 if taxonomy == "class" else 1)
    feed = iter(blocks)

    def rand(*shape):
        return np.empty(shape) if shape[0] == 0 else theta[next(feed)]

    monkeypatch.setattr(np.random, "rand", rand)
    ref = theirs.predict_p(_X, smoothing=True)
    assert next(feed, None) is None
    got = ours.predict_pvalue(_X, groups=groups, smoothing=True)
    np.testing.assert_allclose(got, ref, atol=1e-15)
    # smoothing moved them: not the non-smoothed p-values
    assert (got < ours.predict_pvalue(_X, groups=groups)).all()


def test_smoothing_draws_depend_on_the_row_only():
    clf = ConformalClassifier(_estimator(), random_state=1).fit(_X, _Y)
    X_test = _X[:30] * 1.01  # new points: no exact tie with a calibration row
    batch = clf.predict_pvalue(X_test, smoothing=True)
    alone = [clf.predict_pvalue(X_test[i : i + 1], smoothing=True) for i in range(30)]
    np.testing.assert_array_equal(np.vstack(alone), batch)
    perm = np.random.RandomState(0).permutation(30)
    np.testing.assert_array_equal(
        clf.predict_pvalue(X_test[perm], smoothing=True), batch[perm]
    )
    theta = clf._smoothing_draws(_X)
    # one draw per (row, label), not shared by the labels nor the APS draw
    assert np.unique(theta).size == theta.size
    other = ConformalClassifier(_estimator(), random_state=2).fit(_X, _Y)
    assert not np.array_equal(other._smoothing_draws(_X), theta)


_CONFIGS = [
    dict(score="lac"),
    dict(score="aps"),
    dict(score="aps", randomized=False),
    dict(score="raps", penalty=0.1, k_reg=1),
    dict(score="raps", penalty=0.1, randomized=False),
    dict(score="lac", class_conditional=True),
    dict(score="aps", method="cv_plus"),
    dict(score="aps", method="cv_plus", randomized=False, class_conditional=True),
]


@pytest.mark.parametrize("with_groups", [False, True])
@pytest.mark.parametrize("config", _CONFIGS)
def test_labels_with_pvalue_above_alpha_are_the_set(config, with_groups):
    rng = np.random.RandomState(4)
    X = rng.normal(size=(600, 3)) * 1.5
    y = rng.randint(0, 3, size=600)
    g = rng.randint(0, 2, size=600) if with_groups else None
    clf = ConformalClassifier(
        KnownProba(softmax=True), cv=3, calibration_size=0.5, random_state=0, **config
    ).fit(X, y, groups=g)
    X_test = rng.normal(size=(200, 3)) * 1.5
    g_test = rng.randint(0, 2, size=200) if with_groups else None
    p = clf.predict_pvalue(X_test, groups=g_test)
    alphas = [0.05, 0.1, 0.2, 0.25, 0.5, *rng.uniform(0.04, 0.9, size=5)]
    sets = clf.predict_set(X_test, [1 - a for a in alphas], groups=g_test)
    for j, a in enumerate(alphas):
        np.testing.assert_array_equal(p > a, sets[:, :, j], err_msg=str(a))
    assert 0 < sets.mean() < 1
    given = clf.predict_pvalue(X_test, y=np.arange(200) % 3, groups=g_test)
    np.testing.assert_array_equal(given, p[np.arange(200), np.arange(200) % 3])


def test_weighted_pvalues_by_hand_and_their_sets():
    rng = np.random.RandomState(5)
    P = rng.dirichlet([1.0, 1.0, 1.0], size=300)
    y = rng.randint(0, 3, size=300)
    w = rng.uniform(0.2, 3.0, size=300)
    clf = ConformalClassifier(KnownProba(), calibration_size=150, random_state=0)
    clf.fit(P, y, shift_weight=w)
    P_test = rng.dirichlet([1.0, 1.0, 1.0], size=40)
    w_test = rng.uniform(0.2, 3.0, size=40)
    got = clf.predict_pvalue(P_test, shift_weight=w_test)
    cal = clf.calibration_indices_
    s_cal, w_cal = 1.0 - P[cal, y[cal]], w[cal]
    s_test = 1.0 - P_test
    beat = (w_cal * (s_cal >= s_test[:, :, None])).sum(axis=2)
    expected = (beat + w_test[:, None]) / (w_cal.sum() + w_test[:, None])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    for a in rng.uniform(0.05, 0.6, size=5):
        sets = clf.predict_set(P_test, 1 - a, shift_weight=w_test)
        np.testing.assert_array_equal(got > a, sets)


def test_pvalue_input_is_checked():
    clf = ConformalClassifier(_estimator(), random_state=0).fit(_X, _Y)
    with pytest.raises(ValueError, match=r"labels not in classes_: \[7\]"):
        clf.predict_pvalue(_X[:2], y=[0, 7])
    with pytest.raises(ValueError, match=r"y must have shape \(2,\)"):
        clf.predict_pvalue(_X[:2], y=[0, 1, 2])
    with pytest.raises(TypeError, match="smoothing must be a bool"):
        clf.predict_pvalue(_X[:2], smoothing="yes")
    with pytest.raises(ValueError, match="fitted without groups"):
        clf.predict_pvalue(_X[:2], groups=[0, 0])
    with pytest.raises(ValueError, match="shift_weight was given"):
        clf.predict_pvalue(_X[:2], shift_weight=[1.0, 1.0])
    aps = ConformalClassifier(
        _estimator(), score="aps", randomized=False, random_state=0
    ).fit(_X, _Y)
    with pytest.raises(ValueError, match="smoothing=True needs randomised scores"):
        aps.predict_pvalue(_X[:2], smoothing=True)
    cv = ConformalClassifier(_estimator(), method="cv_plus", cv=3).fit(_X, _Y)
    with pytest.raises(ValueError, match="shift_weight needs method='split'"):
        cv.predict_pvalue(_X[:2], shift_weight=[1.0, 1.0])


def _draw(rng, n):
    P = rng.dirichlet([1.0, 1.0, 1.0], size=n)
    y = (rng.uniform(size=(n, 1)) > P.cumsum(axis=1)).sum(axis=1)
    return P, np.minimum(y, 2)


def test_true_label_pvalues_are_valid_from_both_sides():
    # n = 19 calibration scores: a non-smoothed p-value is k / 20, so
    # P(p <= 0.12) = floor(0.12 * 20) / 20 = 0.1; smoothed it is exactly 0.12.
    # One step of 1/20 is over 5 standard errors.
    n_reps, n_cal, n_test, a = 150, 19, 300, 0.12
    plain, smooth = np.empty(n_reps), np.empty(n_reps)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        P, y = _draw(rng, 2 * n_cal)
        P_test, y_test = _draw(rng, n_test)
        clf = ConformalClassifier(KnownProba(), calibration_size=n_cal, random_state=r)
        clf.fit(P, y)
        plain[r] = np.mean(clf.predict_pvalue(P_test, y=y_test) <= a)
        smooth[r] = np.mean(clf.predict_pvalue(P_test, y=y_test, smoothing=True) <= a)
    for got, exact in ((plain, 0.1), (smooth, a)):
        ok, se = within(got.mean(), exact, rep_variance(exact, n_cal, n_test), n_reps)
        assert ok, (got.mean(), exact, se)
        assert 1 / (n_cal + 1) > 5 * se
    assert plain.mean() <= a


def test_small_groups_give_pvalues_without_a_warning():
    # p-values need no minimum calibration size: (k + 1) / (n + 1) >= 1/(n+1)
    rng = np.random.RandomState(6)
    P, y = _draw(rng, 100)
    g = np.where(np.arange(100) < 4, 1, 0)
    clf = ConformalClassifier(KnownProba(), calibration_size=50, random_state=0)
    clf.fit(P, y, groups=g)
    n_small = np.sum(g[clf.calibration_indices_] == 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalibrationSizeWarning)
        p = clf.predict_pvalue(P[:5], groups=np.ones(5, dtype=int))
    assert p.min() >= 1 / (n_small + 1)
