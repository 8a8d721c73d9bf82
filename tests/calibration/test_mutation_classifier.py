"""Tests written against mutants of skvariance/calibration/_classifier.py that survived.

KnownProba returns X as its probabilities whatever it was fitted on, so every
CV+ fold model is the same function and the CV+ count of a label is simply
the number of calibration scores below its score (written out here).
"""

import itertools

import numpy as np

from skvariance.calibration import ConformalClassifier
from skvariance.calibration._classifier import entry_scores

from ._helpers import KnownProba


def _tied_probabilities(rng, n):
    """Rows that are permutations of (0.1, 0.3, 0.6): LAC scores tie often."""
    perms = np.array(list(itertools.permutations([0.1, 0.3, 0.6])))
    return perms[rng.randint(0, len(perms), n)]


def test_lac_cv_plus_sets_by_hand_with_tied_scores():
    # kills the CV+ count taken with side="right" for a randomised score
    # (ties counted) and ``counts <= ranks``: levels are chosen so that the
    # conformal rank equals a count exactly
    rng = np.random.RandomState(0)
    n = 30
    X = _tied_probabilities(rng, n)
    y = rng.randint(0, 3, n)
    s_cal = 1.0 - X[np.arange(n), y]
    X_test = _tied_probabilities(rng, 12)
    clf = ConformalClassifier(
        KnownProba(), score="lac", method="cv_plus", cv=3, coverage=0.5
    ).fit(X, y)
    counts = {s: int(np.sum(s_cal < s)) for s in (0.9, 0.7, 0.4)}
    ranks = sorted({c for c in counts.values() if 1 <= c <= n - 1})
    assert ranks  # a count strictly inside (0, n): the boundary is exercised
    levels = [r / (n + 1) for r in ranks]  # ceil((n + 1) level) = r
    sets = clf.predict_set(X_test, coverage=levels)
    for k, r in enumerate(ranks):
        want = np.array(
            [[counts[round(1.0 - p, 10)] < r for p in row] for row in X_test]
        )
        np.testing.assert_array_equal(sets[:, :, k], want)


def test_class_conditional_cv_plus_with_exactly_the_needed_rows():
    # coverage 0.8 needs 4 calibration rows per class (ceil(5 * 0.8) = 4):
    # a class of exactly 4 rows is enough (kills ``min() <= needed``)
    rng = np.random.RandomState(1)
    y = np.array([0] * 4 + [1] * 6)
    X = _tied_probabilities(rng, 10)[:, :2]
    X = X / X.sum(axis=1, keepdims=True)
    clf = ConformalClassifier(
        KnownProba(),
        score="lac",
        method="cv_plus",
        cv=2,
        coverage=0.8,
        class_conditional=True,
    ).fit(X, y)
    X_test = X[:3]
    sets = clf.predict_set(X_test)
    for c in (0, 1):
        s_c = 1.0 - X[y == c, c]
        rank = int(np.ceil((s_c.size + 1) * 0.8 - 1e-9))
        want = [np.sum(s_c < 1.0 - p[c]) < rank for p in X_test]
        np.testing.assert_array_equal(sets[:, c], want)


def test_entry_scores_break_ties_by_label_index_with_many_classes():
    # 64 labels drawn from three probabilities: a non-stable argsort
    # (kind=None, quicksort) reorders tied labels beyond ~16 of them
    rng = np.random.RandomState(0)
    proba = rng.choice([1.0, 2.0, 3.0], size=(4, 64))
    proba /= proba.sum(axis=1, keepdims=True)
    scores = rng.uniform(size=proba.shape)
    got = entry_scores(proba, scores)
    for i in range(proba.shape[0]):
        order = sorted(range(64), key=lambda c: (-proba[i, c], c))
        want = np.empty(64)
        previous = -np.inf
        for c in order:
            want[c] = previous
            previous = scores[i, c]
        np.testing.assert_array_equal(got[i], want)


def _aps_by_hand(proba, u, penalty, k_reg):
    out = np.empty_like(proba)
    for i in range(proba.shape[0]):
        order = sorted(range(proba.shape[1]), key=lambda c: (-proba[i, c], c))
        before = 0.0
        for r, c in enumerate(order):
            out[i, c] = before + u[i] * proba[i, c] + penalty * max(0, r + 1 - k_reg)
            before += proba[i, c]
    return out


def test_label_scores_defaults_dtype_and_message():
    import pytest

    from skvariance.calibration._classifier import label_scores

    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.ones(5), size=6)
    u = rng.uniform(size=6)
    # defaults: no penalty (RAPS is APS), the penalty from rank 1 on
    np.testing.assert_allclose(
        label_scores(proba, "raps", u), _aps_by_hand(proba, u, 0.0, 1), atol=1e-12
    )
    np.testing.assert_allclose(
        label_scores(proba, "raps", u, penalty=0.1),
        _aps_by_hand(proba, u, 0.1, 1),
        atol=1e-12,
    )
    # LAC: 1 - p (kills ``2.0 - proba``, which would keep every set)
    np.testing.assert_array_equal(label_scores(proba, "lac", u), 1.0 - proba)
    # float32 probabilities are scored in float64
    for score in ("lac", "aps"):
        got = label_scores(proba.astype(np.float32), score, u)
        assert got.dtype == np.float64
    bad = proba.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError) as exc:
        label_scores(bad, "aps", u)
    assert str(exc.value) == "the estimator's predict_proba returned NaN or infinity."


def _split_rank(n, level):
    return int(np.ceil((n + 1) * level - 1e-9))


def test_split_lac_sets_keep_a_label_whose_score_equals_the_threshold():
    # randomised scores (LAC) are in the set when score <= q; with three
    # possible scores, test scores equal q exactly (kills ``<`` for LAC)
    rng = np.random.RandomState(5)
    X = _tied_probabilities(rng, 60)
    y = rng.randint(0, 3, 60)
    clf = ConformalClassifier(
        KnownProba(), random_state=0, score="lac", coverage=0.6
    ).fit(X, y)
    cal = clf.calibration_indices_
    s_cal = np.sort(1.0 - X[cal, y[cal]])
    q = s_cal[_split_rank(cal.size, 0.6) - 1]
    X_test = _tied_probabilities(rng, 40)
    sets = clf.predict_set(X_test)
    assert sets.dtype == bool
    np.testing.assert_array_equal(sets, (1.0 - X_test) <= q)
    assert np.any(np.isclose(1.0 - X_test, q) & sets)  # a tie is in the set
    multi = clf.predict_set(X_test, coverage=[0.6, 0.8])
    assert multi.dtype == bool and multi.shape == (40, 3, 2)
    np.testing.assert_array_equal(multi[:, :, 0], sets)


def test_class_conditional_sets_are_boolean_per_level():
    rng = np.random.RandomState(6)
    X = _tied_probabilities(rng, 90)
    y = rng.randint(0, 3, 90)
    clf = ConformalClassifier(
        KnownProba(), random_state=0, score="lac", class_conditional=True, coverage=0.5
    ).fit(X, y)
    cal = clf.calibration_indices_
    X_test = _tied_probabilities(rng, 10)
    sets = clf.predict_set(X_test, coverage=[0.5, 0.7])
    assert sets.dtype == bool and sets.shape == (10, 3, 2)
    for k, level in enumerate([0.5, 0.7]):
        for c in range(3):
            s_c = np.sort(1.0 - X[cal[y[cal] == c], c])
            q = s_c[_split_rank(s_c.size, level) - 1]
            np.testing.assert_array_equal(sets[:, c, k], 1.0 - X_test[:, c] <= q)


def test_nonrandomized_raps_uses_k_reg():
    # RAPS with u = 1: the label of rank r is in the set when the score of
    # the label ranked just above it is < tau (the top label always is);
    # scores and tau written out by hand with the rank penalty from k_reg
    rng = np.random.RandomState(7)
    X = rng.dirichlet(np.ones(5) * 0.7, size=80)
    y = np.array([rng.choice(5, p=p) for p in X])
    penalty, k_reg = 0.15, 3
    clf = ConformalClassifier(
        KnownProba(),
        random_state=0,
        score="raps",
        randomized=False,
        penalty=penalty,
        k_reg=k_reg,
        coverage=0.7,
    ).fit(X, y)
    cal = clf.calibration_indices_
    s_cal = _aps_by_hand(X[cal], np.ones(cal.size), penalty, k_reg)[
        np.arange(cal.size), y[cal]
    ]
    tau = np.sort(s_cal)[_split_rank(cal.size, 0.7) - 1]
    X_test = rng.dirichlet(np.ones(5) * 0.7, size=25)
    scores = _aps_by_hand(X_test, np.ones(25), penalty, k_reg)
    want = np.empty_like(scores, dtype=bool)
    for i in range(25):
        previous = -np.inf
        for c in sorted(range(5), key=lambda c: (-X_test[i, c], c)):
            want[i, c] = previous < tau
            previous = scores[i, c]
    got = clf.predict_set(X_test)
    np.testing.assert_array_equal(got, want)
    # k_reg matters here: with the default k_reg=1 the sets differ
    default = ConformalClassifier(
        KnownProba(),
        random_state=0,
        score="raps",
        randomized=False,
        penalty=penalty,
        coverage=0.7,
    ).fit(X, y)
    assert not np.array_equal(default.predict_set(X_test), got)


def test_too_high_coverage_warning_says_what_the_sets_become():
    import pytest

    from skvariance.calibration import CalibrationSizeWarning

    rng = np.random.RandomState(8)
    X = _tied_probabilities(rng, 12)
    y = np.array([0, 1, 2] * 4)
    clf = ConformalClassifier(
        KnownProba(), random_state=0, score="lac", coverage=0.5
    ).fit(X, y)
    n = clf.calibration_indices_.size
    with pytest.warns(CalibrationSizeWarning) as record:
        sets = clf.predict_set(X[:3], coverage=0.99)
    assert sets.all()
    assert str(record[0].message).startswith(
        f"the calibration set has {n} samples; coverage 0.99 needs at least 99: "
        "the conformal quantile is +inf, so every prediction set holds every "
        "label (the exact conformal answer)."
    )
    per_class = ConformalClassifier(
        KnownProba(), random_state=0, score="lac", coverage=0.5, class_conditional=True
    ).fit(X, y)
    with pytest.warns(CalibrationSizeWarning) as record:
        per_class.predict_set(X[:3], coverage=0.99)
    message = str(record[0].message)
    assert "calibration group 0 has" in message
    assert message.count("needs at least 99") == 3
    assert ": the conformal quantile is +inf, so its class is in every " in message
    assert "prediction set (the exact conformal answer)." in message


def test_randomized_aps_split_sets_by_hand():
    # randomised APS: score = mass ranked above y + u p_y with u a function
    # of the row (row_uniforms at the seed drawn at fit); the set keeps the
    # labels with score <= q. Kills u = 1 for randomised APS.
    from skvariance.calibration._classifier import row_uniforms

    rng = np.random.RandomState(9)
    X = rng.dirichlet(np.ones(4), size=70)
    y = np.array([rng.choice(4, p=p) for p in X])
    clf = ConformalClassifier(
        KnownProba(), random_state=0, score="aps", coverage=0.8
    ).fit(X, y)
    seed = clf._predict_seed  # an input of the reference, not a result
    cal = clf.calibration_indices_
    u_cal = row_uniforms(X[cal], seed)
    s_cal = _aps_by_hand(X[cal], u_cal, 0.0, 1)[np.arange(cal.size), y[cal]]
    q = np.sort(s_cal)[_split_rank(cal.size, 0.8) - 1]
    X_test = rng.dirichlet(np.ones(4), size=30)
    scores = _aps_by_hand(X_test, row_uniforms(X_test, seed), 0.0, 1)
    np.testing.assert_array_equal(clf.predict_set(X_test), scores <= q)
    # and not the u = 1 sets
    ones = _aps_by_hand(X_test, np.ones(30), 0.0, 1)
    assert not np.array_equal(scores <= q, ones <= q)


def test_class_conditional_sets_with_shift_weights_by_hand():
    rng = np.random.RandomState(10)
    X = _tied_probabilities(rng, 90)
    y = rng.randint(0, 3, 90)
    w = rng.uniform(0.1, 4.0, size=90)
    clf = ConformalClassifier(
        KnownProba(), random_state=0, score="lac", class_conditional=True, coverage=0.7
    ).fit(X, y, shift_weight=w)
    cal = clf.calibration_indices_
    X_test = _tied_probabilities(rng, 15)
    w_test = rng.uniform(0.1, 0.5, size=15)  # light: every quantile finite
    sets = clf.predict_set(X_test, shift_weight=w_test)
    for c in range(3):
        rows = cal[y[cal] == c]
        s_c, w_c = 1.0 - X[rows, c], w[rows]
        order = np.argsort(s_c, kind="stable")
        for i in range(15):
            total = w_c.sum() + w_test[i]
            hit = np.flatnonzero(np.cumsum(w_c[order]) >= 0.7 * total - 1e-12)
            q = s_c[order][hit[0]] if hit.size else np.inf
            assert sets[i, c] == (1.0 - X_test[i, c] <= q), (i, c)


def test_cv_plus_sets_reject_shift_weight_with_its_message():
    import pytest

    rng = np.random.RandomState(11)
    X = _tied_probabilities(rng, 30)
    y = rng.randint(0, 3, 30)
    clf = ConformalClassifier(KnownProba(), random_state=0, method="cv_plus", cv=3).fit(
        X, y
    )
    with pytest.raises(ValueError, match=r"^shift_weight needs method='split'\.$"):
        clf.predict_set(X[:4], shift_weight=np.ones(4))


def test_split_calibration_set_is_stratified_by_class_as_documented():
    # the classifier holds out calibration_size rows stratified by class,
    # with train_test_split seeded by the fit's RandomState (computed here)
    import pytest
    from sklearn.model_selection import train_test_split

    rng = np.random.RandomState(25)
    y = np.repeat([0, 1, 2], [30, 12, 6])
    X = _tied_probabilities(rng, y.size)
    clf = ConformalClassifier(KnownProba(), calibration_size=0.5, random_state=3)
    clf.fit(X, y)
    _, want = train_test_split(
        np.arange(y.size),
        test_size=24,
        random_state=np.random.RandomState(3),
        stratify=y,
    )
    np.testing.assert_array_equal(clf.calibration_indices_, np.sort(want))
    np.testing.assert_array_equal(np.bincount(y[clf.calibration_indices_]), [15, 6, 3])
    lone = np.r_[y, 3]  # a class with one row cannot be stratified
    X_lone = _tied_probabilities(rng, lone.size)
    X_lone = np.c_[X_lone, np.zeros(lone.size)]
    X_lone[-1] = [0.1, 0.1, 0.1, 0.7]
    with pytest.raises(ValueError) as exc:
        clf.fit(X_lone, lone)
    assert str(exc.value).startswith(
        f"cannot split {lone.size} samples with calibration_size=0.5 stratified by "
        "class: The least populated class"
    )
