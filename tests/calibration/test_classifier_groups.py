"""ConformalClassifier with user-defined Mondrian groups (alone and by class)."""

import warnings
from fractions import Fraction
from math import ceil

import numpy as np
import pytest

from skvariance.calibration import CalibrationSizeWarning, ConformalClassifier

from ._helpers import KnownProba, rep_variance, within


def _rank(n, level):
    """ceil((n + 1) * level) in exact decimal arithmetic."""
    return ceil((n + 1) * Fraction(str(level)))


def _lac_sets_by_hand(P_cal, y_cal, cat_cal, P_test, cat_test, levels):
    """LAC sets, one calibration per Mondrian category, by a loop.

    ``cat_test[i, c]``: the category of label ``c`` of test point ``i``.
    """
    n_test, n_classes = P_test.shape
    s_cal = 1.0 - P_cal[np.arange(len(y_cal)), y_cal]
    out = np.zeros((n_test, n_classes, len(levels)), dtype=bool)
    for i in range(n_test):
        for c in range(n_classes):
            ref = np.sort(s_cal[cat_cal == cat_test[i, c]])
            for j, level in enumerate(levels):
                k = _rank(ref.size, level)
                q = ref[k - 1] if k <= ref.size else np.inf
                out[i, c, j] = 1.0 - P_test[i, c] <= q
    return out


def _data(rng, n):
    P = rng.dirichlet([1.0, 1.0, 1.0], size=n)
    y = rng.randint(0, 3, size=n)
    g = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.5, 0.3, 0.2])
    return P, y, g


@pytest.mark.parametrize("method", ["split", "cv_plus"])
@pytest.mark.parametrize("class_conditional", [False, True])
def test_grouped_sets_equal_a_loop_per_group(method, class_conditional):
    rng = np.random.RandomState(3)
    P, y, g = _data(rng, 360)
    P_test, _, g_test = _data(rng, 30)
    levels = [0.6, 0.75, 0.8]
    clf = ConformalClassifier(
        KnownProba(),
        method=method,
        cv=4,
        class_conditional=class_conditional,
        calibration_size=240,
        random_state=0,
    ).fit(P, y, groups=g)
    # the fold models of KnownProba all give P: the CV+ count over folds is
    # the count over every row of the category
    cal = clf.calibration_indices_ if method == "split" else np.arange(len(y))
    groups = np.unique(g)
    gi, gi_test = np.searchsorted(groups, g), np.searchsorted(groups, g_test)
    if class_conditional:
        cat_cal = gi[cal] * 3 + y[cal]
        cat_test = gi_test[:, None] * 3 + np.arange(3)
    else:
        cat_cal = gi[cal]
        cat_test = np.repeat(gi_test[:, None], 3, axis=1)
    expected = _lac_sets_by_hand(P[cal], y[cal], cat_cal, P_test, cat_test, levels)
    got = clf.predict_set(P_test, coverage=levels, groups=g_test)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(clf.groups_, groups)
    # not the marginal (or class-only) sets: the groups change them
    other = ConformalClassifier(
        KnownProba(),
        method=method,
        cv=4,
        class_conditional=class_conditional,
        calibration_size=240,
        random_state=0,
    ).fit(P, y)
    assert (other.predict_set(P_test, coverage=levels) != got).any()


def test_groups_are_checked_and_an_unseen_group_is_named():
    rng = np.random.RandomState(0)
    P, y, g = _data(rng, 100)
    with pytest.raises(ValueError, match="groups has 99 entries but X has 100"):
        ConformalClassifier(KnownProba()).fit(P, y, groups=g[:-1])
    clf = ConformalClassifier(KnownProba(), random_state=0).fit(P, y, groups=g)
    with pytest.raises(ValueError, match=r"unseen at fit: \['z'\]"):
        clf.predict_set(P[:3], groups=["a", "z", "b"])
    with pytest.raises(ValueError, match="groups is required"):
        clf.predict_set(P[:3])
    with pytest.raises(ValueError, match="groups has 2 entries but X has 3"):
        clf.predict_set(P[:3], groups=["a", "b"])
    plain = ConformalClassifier(KnownProba(), random_state=0).fit(P, y)
    with pytest.raises(ValueError, match="fitted without groups"):
        plain.predict_set(P[:3], groups=["a", "a", "a"])
    assert plain.groups_ is None


@pytest.mark.parametrize("class_conditional", [False, True])
def test_small_group_gets_all_label_sets_with_a_warning(class_conditional):
    rng = np.random.RandomState(1)
    P, y, _ = _data(rng, 200)
    g = np.where(np.arange(200) < 6, "tiny", "big")  # <= 6 calibration rows
    clf = ConformalClassifier(
        KnownProba(),
        calibration_size=0.5,
        class_conditional=class_conditional,
        random_state=0,
    ).fit(P, y, groups=g)
    P_test, _, _ = _data(rng, 40)
    g_test = np.where(np.arange(40) < 10, "tiny", "big")
    with pytest.warns(CalibrationSizeWarning, match="tiny") as record:
        sets = clf.predict_set(P_test, coverage=0.9, groups=g_test)
    assert len(record) == 1
    assert sets[:10].all()
    assert not sets[10:].all()
    # the big group alone: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict_set(P_test[10:], coverage=0.9, groups=g_test[10:])


def test_groups_with_shift_weight_are_weighted_within_the_group():
    # weighted Mondrian conformal: each group's quantile uses its own rows'
    # weights and the test point's weight (Tibshirani et al. within a group)
    rng = np.random.RandomState(2)
    P, y, g = _data(rng, 160)
    w = rng.uniform(0.5, 2.0, size=160)
    clf = ConformalClassifier(KnownProba(), calibration_size=80, random_state=0)
    clf.fit(P, y, groups=g, shift_weight=w)
    P_test, _, g_test = _data(rng, 20)
    w_test = rng.uniform(0.5, 2.0, size=20)
    got = clf.predict_set(P_test, coverage=0.8, groups=g_test, shift_weight=w_test)
    cal = clf.calibration_indices_
    s_cal = 1.0 - P[cal, y[cal]]
    for i in range(20):
        rows = g[cal] == g_test[i]
        order = np.argsort(s_cal[rows])
        s, ws = s_cal[rows][order], w[cal][rows][order]
        cum = np.cumsum(ws) / (ws.sum() + w_test[i])
        k = np.flatnonzero(cum >= 0.8)
        q = s[k[0]] if k.size else np.inf
        np.testing.assert_array_equal(got[i], 1.0 - P_test[i] <= q)


def _two_groups(rng, n):
    """An easy group (labels drawn from P) and a hard one (uniform labels)."""
    P = rng.dirichlet([0.3, 0.3, 0.3], size=n)
    hard = rng.uniform(size=n) < 0.3
    y_easy = (rng.uniform(size=(n, 1)) > P.cumsum(axis=1)).sum(axis=1)
    y = np.where(hard, rng.randint(0, 3, size=n), np.minimum(y_easy, 2))
    return P, y, hard.astype(int)


def test_mondrian_covers_the_hard_group_and_marginal_does_not():
    # per-group coverage by simulation, from both sides: ceil((n_g + 1) c) /
    # (n_g + 1) given the group's n_g calibration rows (about 11 hard ones:
    # one rank moves coverage by 1/12, over 10 standard errors)
    n_reps, n_cal, n_test, level = 160, 36, 300, 0.8
    cover = np.empty((n_reps, 2))
    expected = np.empty((n_reps, 2))
    sizes = np.empty((n_reps, 2))
    marginal_hard = np.empty(40)
    for r in range(n_reps):
        rng = np.random.RandomState(r)
        P, y, g = _two_groups(rng, 2 * n_cal)
        P_test, y_test, g_test = _two_groups(rng, n_test)
        clf = ConformalClassifier(KnownProba(), calibration_size=n_cal, random_state=r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CalibrationSizeWarning)
            sets = clf.fit(P, y, groups=g).predict_set(P_test, level, groups=g_test)
        hit = sets[np.arange(n_test), y_test]
        n_g = np.bincount(g[clf.calibration_indices_], minlength=2)
        for k in range(2):
            cover[r, k] = hit[g_test == k].mean()
            rank = _rank(n_g[k], level)
            expected[r, k] = rank / (n_g[k] + 1) if rank <= n_g[k] else 1.0
            sizes[r, k] = n_g[k]
        if r < 40:
            plain = ConformalClassifier(
                KnownProba(), calibration_size=n_cal, random_state=r
            ).fit(P, y)
            hit = plain.predict_set(P_test, level)[np.arange(n_test), y_test]
            marginal_hard[r] = hit[g_test == 1].mean()
    for k, n_test_k in ((0, 0.7 * n_test), (1, 0.3 * n_test)):
        exact = expected[:, k].mean()
        var = rep_variance(exact, sizes[:, k].mean(), n_test_k)
        ok, se = within(cover[:, k].mean(), exact, var, n_reps)
        assert ok, (k, cover[:, k].mean(), exact, se)
        assert 1 / (sizes[:, k].max() + 1) > 3 * se  # an off-by-one rank fails
        assert cover[:, k].mean() >= level - 4 * se
    # marginal calibration: the hard group is far below nominal
    assert marginal_hard.mean() < level - 0.1, marginal_hard.mean()
